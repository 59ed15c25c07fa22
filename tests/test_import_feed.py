"""`lillesite import-feed`: existing RSS/Atom news into content/news, safely and only once."""
from __future__ import annotations

import functools
import html
import re
import http.server
import threading

import pytest

from tests.conftest import build_site, run_cli, write_site
from lillesite.importer import to_markdown
from lillesite.markup import Converter, plain_text

RSS_FR = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Actualités</title><link>https://old.example.org/fr/</link><description>Les actus</description>
<item>
  <title>Réunion des métropoles : Lille à Bruxelles</title>
  <link>https://old.example.org/fr/actus/reunion</link>
  <guid isPermaLink="false">post-1</guid>
  <pubDate>Fri, 31 Mar 2023 12:30:00 +0000</pubDate>
  <category>Économie</category><category>Coopération</category>
  <description>Le bureau a reçu les métropoles.</description>
  <content:encoded><![CDATA[<p>Le <strong>bureau</strong> a reçu les
   <a href="/fr/metropoles" onclick="steal()">métropoles</a>. &lt;script&gt;alert(1)&lt;/script&gt;</p>
   <script>alert("x")</script><p><a href="javascript:alert(1)">Cliquez</a>
   <img src="images/photo.jpg" alt="La photo" onerror="steal()"></p>
   <iframe src="https://tracker.example.com/"></iframe><h2>Programme</h2><ul><li>Accueil</li><li>Débat</li></ul>]]>
  </content:encoded>
</item>
<item>
  <title>Prix du Bauhaus</title>
  <link>https://old.example.org/fr/actus/bauhaus</link>
  <guid isPermaLink="false">post-2</guid>
  <pubDate>Fri, 25 Nov 2022 00:00:00 +0100</pubDate>
  <description><![CDATA[<p>Roubaix est <em>primée</em>.</p>]]></description>
</item>
<item><title>Sans date</title><link>https://old.example.org/fr/actus/sans-date</link></item>
<item><link>https://old.example.org/fr/actus/sans-titre</link><pubDate>Fri, 25 Nov 2022 10:00:00 +0100</pubDate></item>
</channel></rss>
"""

ATOM_EN = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title><id>urn:news</id><updated>2023-04-01T00:00:00Z</updated>
<entry><title>Metropolises meet in Brussels</title><id>urn:en:1</id>
  <link href="https://old.example.org/en/actus/reunion"/><updated>2023-03-31T13:00:00Z</updated>
  <content type="html">&lt;p&gt;The office welcomed the metropolises.&lt;/p&gt;</content></entry>
<entry><title>Bauhaus prizes</title><id>urn:en:2</id>
  <link href="https://old.example.org/en/news/prizes"/><updated>2022-11-25T09:00:00Z</updated>
  <content type="html">&lt;p&gt;Roubaix wins.&lt;/p&gt;</content></entry>
<entry><title>English only</title><id>urn:en:3</id>
  <link href="https://old.example.org/en/news/only"/><updated>2023-01-05T09:00:00Z</updated>
  <summary>Only in English.</summary></entry>
</feed>
"""


@pytest.fixture
def site(tmp_path):
    root = write_site(tmp_path / "site", {})
    (tmp_path / "fr.xml").write_text(RSS_FR, encoding="utf-8")
    (tmp_path / "en.xml").write_text(ATOM_EN, encoding="utf-8")
    return root


def news_files(site):
    return sorted(p.name for p in (site / "content/news").glob("*.md")) if (site / "content/news").exists() else []


def test_import_writes_clean_news_files_that_build(site):
    done = run_cli("import-feed", str(site.parent / "fr.xml"), "--lang", "fr", "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert news_files(site) == ["2022-11-25-prix-du-bauhaus.fr.md",
                                "2023-03-31-reunion-des-metropoles-lille-a-bruxelles.fr.md"]
    assert "created content/news/2023-03-31-reunion-des-metropoles-lille-a-bruxelles.fr.md" in done.stdout
    text = (site / "content/news/2023-03-31-reunion-des-metropoles-lille-a-bruxelles.fr.md").read_text("utf-8")
    front, body = text.split("\n---\n", 1)
    assert 'title: "Réunion des métropoles : Lille à Bruxelles"' in front
    assert "date: 2023-03-31 14:30" in front  # 12:30 UTC in the site's time zone
    assert 'tags: ["economy", "cooperation"]' in front  # 'Économie' is the vocabulary's label of 'economy'
    assert 'summary: "Le bureau a reçu les métropoles."' in front
    assert "Le **bureau** a reçu les [métropoles](https://old.example.org/fr/metropoles)" in " ".join(body.split())
    assert "## Programme" in body and "* Accueil" in body
    assert "[La photo](https://old.example.org/fr/actus/images/photo.jpg)" in body  # a link: no third-party image
    for hostile in ("onclick", "onerror", "javascript:", "tracker.example.com", "alert(\"x\")"):
        assert hostile not in text
    assert not re.search(r"(?<!\\)<(script|iframe)", text)  # only escaped, as text
    assert "Cliquez" in body

    out = build_site(site)
    page = (out / "fr/actualites/2023/03/reunion-des-metropoles-lille-a-bruxelles/index.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the text stays text
    assert "<strong>bureau</strong>" in page


def test_entries_without_title_or_date_are_reported_and_skipped(site):
    done = run_cli("import-feed", str(site.parent / "fr.xml"), "--lang", "fr", "--site", str(site))
    feed = str(site.parent / "fr.xml")
    assert (f"{feed}: warning: entry 3 (https://old.example.org/fr/actus/sans-date) has no date; skipped, "
            "nothing invented") in done.stderr.splitlines()
    assert "entry 4 (https://old.example.org/fr/actus/sans-titre) has no title" in done.stderr
    assert "2 entries skipped" in done.stdout
    assert not any("sans" in name for name in news_files(site))


def test_rerunning_creates_no_duplicates_even_after_renaming(site):
    feed = str(site.parent / "fr.xml")
    run_cli("import-feed", feed, "--lang", "fr", "--site", str(site))
    first = news_files(site)
    news = site / "content/news"
    (news / "2022-11-25-prix-du-bauhaus.fr.md").rename(news / "2022-11-25-bauhaus.fr.md")
    again = run_cli("import-feed", feed, "--lang", "fr", "--site", str(site))
    assert again.returncode == 0, again.stderr
    assert "imported 0 news file(s); 2 already imported" in again.stdout
    assert len(news_files(site)) == len(first)


def test_language_pair_shares_translation_keys(site):
    done = run_cli("import-feed", str(site.parent / "fr.xml"), "--lang", "fr",
                   "--lang-pair", f"en={site.parent / 'en.xml'}", "--site", str(site))
    assert done.returncode == 0, done.stderr
    names = news_files(site)
    assert "2023-03-31-reunion-des-metropoles-lille-a-bruxelles.en.md" in names  # same link pattern
    assert "2022-11-25-prix-du-bauhaus.en.md" in names  # the only item of both feeds that day
    assert "2023-01-05-english-only.en.md" in names
    english = (site / "content/news/2022-11-25-prix-du-bauhaus.en.md").read_text("utf-8")
    assert "slug: bauhaus-prizes" in english and "date:" not in english  # the date is the original's
    out = build_site(site)
    page = (out / "en/news/2022/11/bauhaus-prizes/index.html").read_text("utf-8")
    assert 'hreflang="fr" href="https://example.org/fr/actualites/2022/11/prix-du-bauhaus/"' in page
    again = run_cli("import-feed", str(site.parent / "fr.xml"), "--lang", "fr",
                    "--lang-pair", f"en={site.parent / 'en.xml'}", "--site", str(site))
    assert "imported 0 news file(s); 5 already imported" in again.stdout


def test_pairing_by_guid(site):
    same_guid = ATOM_EN.replace("urn:en:2", "post-2").replace("2022-11-25T09:00:00Z", "2022-11-27T09:00:00Z")
    (site.parent / "en.xml").write_text(same_guid, encoding="utf-8")
    run_cli("import-feed", str(site.parent / "fr.xml"), "--lang", "fr", "--lang-pair",
            f"en={site.parent / 'en.xml'}", "--site", str(site))
    assert "2022-11-25-prix-du-bauhaus.en.md" in news_files(site)


@pytest.mark.parametrize("content, message", [
    ("<rss version='2.0'><channel><item><title>x</title></channel>", "not well-formed XML"),
    ("<html><body><p>Hello</p></body></html>", "not a valid RSS or Atom feed"),
])
def test_malformed_feed_writes_nothing(site, content, message):
    bad = site.parent / "bad.xml"
    bad.write_text(RSS_FR.replace("</channel></rss>", "") + content, encoding="utf-8")
    done = run_cli("import-feed", str(bad), "--lang", "fr", "--site", str(site))
    assert done.returncode == 1
    assert message in done.stderr and "nothing imported" in done.stderr
    assert done.stderr.startswith(f"{bad}:")
    assert "Traceback" not in done.stderr
    assert news_files(site) == []


def test_bad_pair_feed_writes_nothing_from_the_good_one(site):
    (site.parent / "en.xml").write_text("<feed", encoding="utf-8")
    done = run_cli("import-feed", str(site.parent / "fr.xml"), "--lang", "fr",
                   "--lang-pair", f"en={site.parent / 'en.xml'}", "--site", str(site))
    assert done.returncode == 1 and news_files(site) == []


def test_unreachable_and_missing_feeds(site):
    missing = run_cli("import-feed", str(site.parent / "nope.xml"), "--lang", "fr", "--site", str(site))
    assert missing.returncode == 2 and "cannot read the feed: No such file or directory" in missing.stderr
    unreachable = run_cli("import-feed", "http://127.0.0.1:9/feed.xml", "--lang", "fr", "--site", str(site))
    assert unreachable.returncode == 2 and "http://127.0.0.1:9/feed.xml: error: cannot fetch the feed" \
        in unreachable.stderr
    assert news_files(site) == []


def test_feed_over_http(site):
    handler = functools.partial(_Quiet, directory=str(site.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/en.xml"
        done = run_cli("import-feed", url, "--lang", "en", "--site", str(site))
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr
    assert len(news_files(site)) == 3


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.mark.parametrize("text", [
    "a <script>alert(1)</script> b", "x &lt; y & z &amp;", "* star _u_ [l](javascript:x) `c`",
    "1. no list", "# no heading", "- no item", "back\\slash \\* kept", "> no quote",
])
def test_text_of_the_feed_stays_text(text):
    markdown_text = to_markdown(f"<p>{html.escape(text)}</p>")
    rendered = Converter().convert(markdown_text, source_rel="content/news/x.fr.md", body_line=1)
    assert plain_text(rendered.html) == text
    assert rendered.problems == ()

"""`lillesite import-feed`: existing RSS/Atom news into content/news, safely and only once."""
from __future__ import annotations

import functools
import hashlib
import html
import io
import re
import http.server
import struct
import threading
import zlib
from pathlib import Path

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
   <img src="http://PICTURES/photo.png" alt="La photo" onerror="steal()"></p>
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
def server(tmp_path):
    """A web server on 127.0.0.1 serving tmp_path/web: the old site, with its pictures."""
    (tmp_path / "web").mkdir()
    handler = functools.partial(_Quiet, directory=str(tmp_path / "web"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def site(tmp_path, server):
    root = write_site(tmp_path / "site", {})
    (tmp_path / "fr.xml").write_text(RSS_FR.replace("http://PICTURES", server), encoding="utf-8")
    (tmp_path / "en.xml").write_text(ATOM_EN, encoding="utf-8")
    (tmp_path / "web/photo.png").write_bytes(PNG)
    return root


def tiny_png() -> bytes:
    """A real 1x1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixel = zlib.compress(b"\0\xff\0\0")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixel) + chunk(b"IEND", b"")


PNG = tiny_png()


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
    assert 'tags: ["economy"]' in front  # 'Économie' is the vocabulary's label of 'economy'
    assert "summary:" not in front  # the body's first paragraph says it
    assert "'Coopération' (1)" in done.stderr  # not a topic of the site: left out, said
    assert "Le **bureau** a reçu les [métropoles](https://old.example.org/fr/metropoles)" in " ".join(body.split())
    assert "## Programme" in body and "* Accueil" in body
    picture = f"images/imported/photo-{hashlib.sha256(PNG).hexdigest()[:10]}.png"
    assert f"![La photo](../../static/{picture})" in body  # downloaded: no third-party image
    assert (site / "static" / picture).read_bytes() == PNG
    assert "check --strict: the site passes" in done.stdout
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


@pytest.mark.parametrize("content", [
    "<!DOCTYPE html><html><body><p>Hello</p></body></html>", "", "\x00\x01 garbage", "<feed",
])
def test_what_is_not_a_feed_writes_nothing(site, content):
    bad = site.parent / "bad.xml"
    bad.write_text(content, encoding="utf-8")
    done = run_cli("import-feed", str(bad), "--lang", "fr", "--site", str(site))
    assert done.returncode == 1
    assert done.stderr.startswith(f"{bad}:") and ": error: not an RSS or Atom feed" in done.stderr
    assert "nothing imported" in done.stderr and "Traceback" not in done.stderr
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


# ------------------------------------------------ real feeds: Drupal, WordPress, other scripts
FEEDS = Path(__file__).parent / "feeds"


def tiny_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


JPEG = tiny_jpeg()


def tiny_gif() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("P", (8, 6), 3).save(buffer, "GIF")
    return buffer.getvalue()


GIF = tiny_gif()


def serve_feed(name: str, tmp_path: Path, server: str, old_host: str) -> Path:
    """The fixture feed with its old site's address replaced by the local server's."""
    feed = tmp_path / name
    feed.write_text((FEEDS / name).read_text("utf-8").replace(old_host, server), encoding="utf-8")
    return feed


def picture_name(stem: str, data: bytes, kind: str) -> str:
    return f"images/imported/{stem}-{hashlib.sha256(data).hexdigest()[:10]}.{kind}"


def test_ill_formed_drupal_feed_is_imported_and_what_is_wrong_said(site, server, tmp_path):
    """Drupal writes '&nbsp;' undeclared: XML parsers refuse the feed, feed readers do not."""
    feed = serve_feed("drupal7.rss", tmp_path, server, "https://www.bureau-ue.example")
    files = tmp_path / "web/bureau/sites/default/files"
    files.mkdir(parents=True)
    (files / "p.jpeg").write_bytes(JPEG)
    (files / "affiche finale.png").write_bytes(PNG)
    done = run_cli("import-feed", str(feed), "--lang", "fr", "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert f"{feed}:4: warning: the feed is not well-formed XML (undefined entity): read leniently" in done.stderr
    assert news_files(site) == ["2023-09-04-appel-a-projets-interreg.fr.md",
                                "2023-09-15-les-journees-europeennes-du-patrimoine.fr.md",
                                "2023-10-10-brexit-et-apres.fr.md"]
    brexit = (site / "content/news/2023-10-10-brexit-et-apres.fr.md").read_text("utf-8")
    assert 'title: "Brexit : et après ?"' in brexit and 'tags: ["economy"]' in brexit
    # relative URLs resolve against the feed's xml:base (the site lives under /bureau/), not the entry's link
    assert f"[partenaires]({server}/bureau/node/40)" in brexit
    assert f"[une note]({server}/bureau/sites/default/files/note.pdf)" in brexit
    jpeg = picture_name("p", JPEG, "jpg")
    assert f"![La salle de réunion](../../static/{jpeg})" in brexit
    assert (site / "static" / jpeg).read_bytes() == JPEG
    heritage = (site / "content/news/2023-09-15-les-journees-europeennes-du-patrimoine.fr.md").read_text("utf-8")
    png = picture_name("affiche-finale", PNG, "png")
    assert f"![affiche finale](../../static/{png})" in heritage  # no description in the feed: the file's name
    assert "1 picture(s) without a description" in done.stderr
    interreg = (site / "content/news/2023-09-04-appel-a-projets-interreg.fr.md").read_text("utf-8")
    assert "Le logo Interreg" in interreg and "disparue" not in interreg and "tags" not in interreg
    missing = f"{server}/bureau/sites/default/files/disparue.jpg"
    assert f"picture {missing} could not be downloaded (HTTP 404 File not found)" in done.stderr
    assert "categories that are not topics of the site were left out: 'Fonds structurels' (3)" in done.stderr
    assert "created content/static" not in done.stdout and f"created static/{png}" in done.stdout
    assert "check --strict: the site passes" in done.stdout
    assert not any("Dupont" in p.read_text("utf-8") for p in (site / "content/news").iterdir())  # no author names

    out = build_site(site, strict=True)
    page = (out / "fr/actualites/2023/10/brexit-et-apres/index.html").read_text("utf-8")
    sources = re.findall(r'<img[^>]* src="([^"]+)"', page)
    assert sources and all("127.0.0.1" not in src for src in sources)  # a visitor's browser calls no other host
    page_folder = out / "fr/actualites/2023/10/brexit-et-apres"
    assert all((page_folder / src).resolve().is_file() for src in sources)  # the downloaded pictures, as published


def test_wordpress_feed(site, server, tmp_path):
    feed = serve_feed("wordpress.rss", tmp_path, server, "https://blog.europe-lille.example")
    uploads = tmp_path / "web/wp-content/uploads/2023/10"
    uploads.mkdir(parents=True)
    (uploads / "salle-1024x683.jpg").write_bytes(JPEG)
    (uploads / "carte.gif").write_bytes(GIF)
    done = run_cli("import-feed", str(feed), "--lang", "fr", "--site", str(site))
    assert done.returncode == 0, done.stderr
    first, second = news_files(site)
    assert first == "2023-10-11-reunion-des-metropoles-compte-rendu.fr.md"
    # the same title in the same month would share the address: the second one's name has its id's digest
    assert re.fullmatch(r"2023-10-12-reunion-des-metropoles-compte-rendu-[0-9a-f]{8}\.fr\.md", second)
    text = (site / "content/news" / first).read_text("utf-8")
    assert 'title: "Réunion des métropoles – compte rendu"' in text
    assert "l’Hôtel de ville" in text and "jdupont" not in text
    assert f"[La préparation]({server}/2023/09/preparation/)" in text
    assert f"![salle 1024x683](../../static/{picture_name('salle-1024x683', JPEG, 'jpg')})" in text
    assert f"![Carte des métropoles](../../static/{picture_name('carte', GIF, 'gif')})" in text
    assert 'tags: ["economy"]' in text and "'Non classé' (1)" in done.stderr
    out = build_site(site, strict=True)
    page = (out / "fr/actualites/2023/10/reunion-des-metropoles-compte-rendu/index.html").read_text("utf-8")
    assert '{: onclick="alert(1)"}' in html.unescape(page) and "onclick=" not in page.replace("{: onclick", "")


def test_tag_map_gives_categories_the_site_topics(site, server, tmp_path):
    feed = serve_feed("drupal7.rss", tmp_path, server, "https://www.bureau-ue.example")
    done = run_cli("import-feed", str(feed), "--lang", "fr", "--tag-map", "fonds structurels=economy",
                   "--site", str(site))
    assert done.returncode == 0, done.stderr
    interreg = (site / "content/news/2023-09-04-appel-a-projets-interreg.fr.md").read_text("utf-8")
    assert 'tags: ["economy"]' in interreg
    heritage = (site / "content/news/2023-09-15-les-journees-europeennes-du-patrimoine.fr.md").read_text("utf-8")
    assert 'tags: ["culture", "economy"]' in heritage
    assert "categories that are not topics" not in done.stderr
    build_site(site, strict=True)


def test_tag_map_to_an_unknown_topic_is_refused(site):
    done = run_cli("import-feed", str(site.parent / "fr.xml"), "--lang", "fr", "--tag-map", "Coopération=cooperation",
                   "--site", str(site))
    assert done.returncode == 2 and news_files(site) == []
    assert ("--tag-map Coopération=cooperation: 'cooperation' is not one of the site's topics "
            "(tags.labels in site.yml: culture, economy)") in done.stderr


def test_titles_without_latin_letters_get_distinct_stable_names(site, tmp_path):
    feed = FEEDS / "nonlatin.atom"
    done = run_cli("import-feed", str(feed), "--lang", "fr", "--site", str(site))
    assert done.returncode == 0, done.stderr
    names = news_files(site)
    assert len(names) == 7
    assert sum(bool(re.fullmatch(r"2023-03-\d\d-news-[0-9a-f]{8}\.fr\.md", n)) for n in names) == 5
    assert "2023-03-03-2023.fr.md" in names  # a title with Latin letters or digits keeps its slug
    build_site(site, strict=True)  # no two items share an address
    # stable: the same entries get the same names in another site, whatever their order in the feed
    text = feed.read_text("utf-8")
    entries = re.findall(r"  <entry>.*?</entry>\n", text, flags=re.S)
    reversed_feed = tmp_path / "reversed.atom"
    reversed_feed.write_text(text.replace("".join(entries), "".join(reversed(entries))), encoding="utf-8")
    other = write_site(tmp_path / "other", {})
    run_cli("import-feed", str(reversed_feed), "--lang", "fr", "--site", str(other))
    assert news_files(other) == names


def test_relative_urls_without_an_address_are_left_out_and_said(site, tmp_path):
    feed = tmp_path / "saved.xml"
    feed.write_text("""<?xml version="1.0"?><rss version="2.0"><channel><title>Saved</title>
      <item><title>Relative</title><guid isPermaLink="false">r1</guid><pubDate>Fri, 31 Mar 2023 12:30:00 +0000</pubDate>
      <description>&lt;p&gt;See &lt;a href="p.html"&gt;the page&lt;/a&gt;
        &lt;img src="p.jpeg" alt="The picture"&gt;&lt;/p&gt;</description>
      </item></channel></rss>""", encoding="utf-8")
    done = run_cli("import-feed", str(feed), "--lang", "fr", "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert (f"{feed}: warning: entry 1 (r1): relative links or pictures ('p.html', 'p.jpeg') have no address "
            "to resolve them against; left out, their text kept") in done.stderr
    (name,) = news_files(site)
    assert "See the page The picture" in " ".join((site / "content/news" / name).read_text("utf-8").split())


def test_relative_urls_resolve_against_the_feeds_address(site, tmp_path):
    feed = tmp_path / "channel.xml"
    feed.write_text("""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
      <link>https://old.example.org/blog/</link>
      <item><title>Relative</title><guid isPermaLink="false">r1</guid><pubDate>Fri, 31 Mar 2023 12:30:00 +0000</pubDate>
      <description>&lt;a href="a%20b/(1).html"&gt;the page&lt;/a&gt;</description></item></channel></rss>""",
                    encoding="utf-8")
    done = run_cli("import-feed", str(feed), "--lang", "fr", "--site", str(site))
    assert done.returncode == 0, done.stderr
    (name,) = news_files(site)
    assert "[the page](https://old.example.org/blog/a%20b/%281%29.html)" in (site / "content/news" / name).read_text()
    build_site(site, strict=True)


def test_unreachable_or_odd_pictures_are_left_out_with_their_description(site, server, tmp_path):
    (tmp_path / "web/page.html").write_text("<html></html>", encoding="utf-8")
    (tmp_path / "web/logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    feed = tmp_path / "pictures.xml"
    feed.write_text(f"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
      <item><title>Pictures</title><guid isPermaLink="false">p1</guid><pubDate>Fri, 31 Mar 2023 12:30:00 +0000</pubDate>
      <description>&lt;img src="http://127.0.0.1:9/x.jpg" alt="Refused"&gt;
      &lt;img src="{server}/page.html" alt="Html"&gt;
      &lt;img src="{server}/logo.svg" alt="Vector"&gt;</description></item></channel></rss>""", encoding="utf-8")
    done = run_cli("import-feed", str(feed), "--lang", "fr", "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert "picture http://127.0.0.1:9/x.jpg could not be downloaded (" in done.stderr
    assert f"picture {server}/page.html is not a whole JPEG, PNG, GIF or WebP picture" in done.stderr
    assert f"picture {server}/logo.svg is not a whole JPEG, PNG, GIF or WebP picture" in done.stderr
    (name,) = news_files(site)
    assert "Refused Html Vector" in " ".join((site / "content/news" / name).read_text("utf-8").split())
    assert not (site / "static").exists()


def test_an_import_that_would_fail_the_check_writes_nothing(site, monkeypatch):
    """The safety net: should the importer ever write a file the check refuses, it takes it all back."""
    from lillesite import importer
    from lillesite.config import load_config
    from lillesite.errors import BuildFailed, Diagnostics

    monkeypatch.setattr(importer, "to_markdown", lambda *args, **kwargs: "[broken](missing.fr.md)\n")
    with pytest.raises(BuildFailed) as failure:
        importer.import_feeds(load_config(site), str(site.parent / "fr.xml"), Diagnostics(), lang="fr")
    messages = [e.describe() for e in failure.value.errors]
    bauhaus = "content/news/2022-11-25-prix-du-bauhaus.fr.md:"
    assert any("missing.fr.md" in m and m.startswith(bauhaus) for m in messages)
    assert f"{site.parent / 'fr.xml'}: error: nothing imported: the imported news would make `check --strict` " \
           "fail (2 problem(s), reported with this one)" in messages[0]
    assert not (site / "content").exists() and not (site / "static").exists()


def test_problems_the_site_had_before_are_not_the_imports(site):
    write_site(site, {"content/pages/about.fr.md": "---\ntitle: About\n---\n[x](nowhere.fr.md)\n"})
    done = run_cli("import-feed", str(site.parent / "fr.xml"), "--lang", "fr", "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert len(news_files(site)) == 2
    assert ("check --strict: the import added no problem, but the site still has 1 from before it: "
            "see `lillesite check --strict`") in done.stdout


def test_attribute_lists_in_feed_text_stay_text():
    """'{: …}' ends a heading in Python-Markdown's attr_list: from a feed, it is text."""
    rendered = Converter().convert(to_markdown("<h2>Title {: onclick=alert(1) }</h2>"),
                                   source_rel="content/news/x.fr.md", body_line=1)
    assert plain_text(rendered.html) == "Title {: onclick=alert(1) }" and rendered.problems == ()

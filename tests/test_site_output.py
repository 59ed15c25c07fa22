"""The built test site read as a crawler, a feed reader and a visitor would."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import feedparser
import pytest

from tests.conftest import SITES, build_site, write_site
from tests.crawl import broken_links, parse_page, sitemap_urls, url_of

GOLDEN = Path(__file__).parent / "golden" / "bilingual"
BASE = "https://example.org/sub/"


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory) -> Path:
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    site = tmp_path_factory.mktemp("b") / "site"
    shutil.copytree(SITES / "bilingual", site)
    return build_site(site)


def output_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != ".lillesite-output"}


def test_golden_output(bilingual):
    """The whole output of tests/sites/bilingual. If a change is intended, regenerate with:
    LILLESITE_UPDATE_GOLDEN=1 pytest tests/test_site_output.py -k golden"""
    actual = output_files(bilingual)
    if os.environ.get("LILLESITE_UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, data in actual.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
    expected = output_files(GOLDEN)
    assert sorted(actual) == sorted(expected), "file list differs from tests/golden (see the docstring to regenerate)"
    for rel in expected:
        assert actual[rel].decode() == expected[rel].decode(), f"{rel} differs from tests/golden/bilingual/{rel}"


def test_every_internal_link_and_asset_resolves(bilingual):
    assert broken_links(bilingual, BASE) == []


def test_every_sitemap_url_exists_and_alternates_include_x_default(bilingual):
    entries = sitemap_urls(bilingual)
    assert f"{BASE}fr/actualites/2022/11/prize/" in entries
    for loc, alternates in entries.items():
        path = bilingual / loc[len(BASE):] / "index.html"
        assert path.is_file(), loc
        if alternates:
            assert loc in alternates.values() and "x-default" in alternates


def test_hreflang_alternates_are_reciprocal(bilingual):
    pages = {url_of(bilingual, f): parse_page(f) for f in bilingual.rglob("*.html")}
    by_canonical = {BASE + url.lstrip("/"): p for url, p in pages.items()}
    checked = 0
    for page in pages.values():
        for lang, href in page.alternates.items():
            if lang == "x-default":
                continue
            other = by_canonical[href]
            assert other.lang == lang
            # the root language chooser is the home pages' x-default, not one of their translations
            assert page.canonical in (other.alternates.get(page.lang), other.alternates.get("x-default"))
            checked += 1
    assert checked >= 10


def test_language_switcher_leads_to_translation_or_nearest_parent(bilingual):
    office = (bilingual / "fr/bureau/index.html").read_text()
    assert 'href="../../en/office/" hreflang="en" lang="en">English</a>' in office
    prize = (bilingual / "fr/actualites/2022/11/prize/index.html").read_text()
    assert 'href="../../../../../en/news/" hreflang="en" lang="en" class="fallback">English</a>' in prize
    assert "non traduit" in prize
    only_fr = (bilingual / "fr/only-french/index.html").read_text()
    assert 'href="../../en/" hreflang="en" lang="en" class="fallback"' in only_fr


def test_every_page_has_lang_canonical_and_feed_autodiscovery(bilingual):
    for file in (bilingual / "fr").rglob("*.html"):
        text = file.read_text()
        page = parse_page(file)
        assert page.lang == "fr" and page.canonical.startswith(BASE)
        assert '<link rel="alternate" type="application/rss+xml"' in text and 'feed.xml"' in text


def test_dates_are_localized(bilingual):
    assert "31 mars 2023" in (bilingual / "fr/actualites/index.html").read_text()
    assert "31 March 2023" in (bilingual / "en/news/index.html").read_text()


def test_news_index_is_paginated_newest_first(bilingual):
    first = (bilingual / "fr/actualites/index.html").read_text()
    second = (bilingual / "fr/actualites/page/2/index.html").read_text()
    assert first.index("Réunion à Bruxelles") < first.index("Le musée fête ses 40 ans")
    assert "Un prix" in second and "Un prix" not in first
    assert not (bilingual / "fr/actualites/page/3").exists()


def test_drafts_and_future_items_are_left_out(bilingual):
    files = output_files(bilingual)
    assert not any("draft" in f or "future" in f for f in files)


@pytest.mark.parametrize("lang, titles", [
    ("fr", ["Réunion à Bruxelles", "Le musée fête ses 40 ans", "Un prix"]),
    ("en", ["Meeting in Brussels", "The museum turns 40"]),
])
def test_feeds_read_back_with_feedparser(bilingual, lang, titles):
    feed = feedparser.parse((bilingual / lang / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.language == lang
    assert [e.title for e in feed.entries] == titles
    first = feed.entries[0]
    assert first.published_parsed[:5] == (2023, 3, 31, 8, 30)  # 10:30 Europe/Paris, in UTC
    assert first.published.endswith("+0200")
    assert first.link.startswith(BASE) and (bilingual / first.link[len(BASE):] / "index.html").is_file()
    assert len({e.id for e in feed.entries}) == len(feed.entries)
    assert "Culture" in [t.term for t in first.tags]


def test_feed_limit_and_full_content(tmp_path):
    files = {f"content/news/2023-01-{d:02d}-n{d}.fr.md": f"---\ntitle: N{d}\n---\nCorps **{d}**, voir [p](../pages/p.fr.md).\n"
             for d in range(1, 8)}
    files["content/pages/p.fr.md"] = "---\ntitle: P\n---\n"
    root = write_site(tmp_path, files, config=(SITES / "bilingual" / "site.yml").read_text())
    out = build_site(root)
    feed = feedparser.parse((out / "fr/feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["N7", "N6", "N5"]  # feed_limit: 3
    body = feed.entries[0].content[0].value
    assert "<strong>7</strong>" in body and f'href="{BASE}fr/p/"' in body


def test_root_chooser_works_without_javascript(bilingual):
    page = parse_page(bilingual / "index.html")
    assert {"fr/", "en/"} <= set(page.links)
    assert "navigator.languages" in (bilingual / "index.html").read_text()


def test_robots_and_404(bilingual):
    assert f"Sitemap: {BASE}sitemap.xml" in (bilingual / "robots.txt").read_text()
    not_found = (bilingual / "404.html").read_text()
    assert "Page introuvable" in not_found and "Page not found" in not_found
    assert 'href="/sub/fr/"' in not_found  # from the host's root: a 404 is served at any depth, on any copy
    assert f'href="{BASE}' not in not_found  # never to the production address from a preview or staging copy


def test_alias_redirects_to_the_page(bilingual):
    alias = (bilingual / "ancien-bureau/index.html").read_text()
    assert 'http-equiv="refresh" content="0; url=../fr/bureau/"' in alias


def test_third_language_needs_only_config_and_a_catalogue(tmp_path):
    config = (SITES / "bilingual" / "site.yml").read_text()
    config = config.replace("  en: {locale: en_GB}\n", "  en: {locale: en_GB}\n  nl: {locale: nl_NL}\n")
    config = config.replace("{fr: actualites, en: news}", "{fr: actualites, en: news, nl: nieuws}")
    config = config.replace("{fr: themes, en: tags}", "{fr: themes, en: tags, nl: themas}")
    config = config.replace("{fr: Petit site, en: Small site}", "{fr: Petit site, en: Small site, nl: Kleine site}")
    config = config.replace("{fr: Un site de test bilingue., en: A bilingual test site.}",
                            "{fr: Un site., en: A site., nl: Een site.}")
    config = config.replace("economy: {fr: Économie, en: Economy}", "economy: {fr: Économie, en: Economy, nl: Economie}")
    config = config.replace("culture: {fr: Culture, en: Culture}", "culture: {fr: Culture, en: Culture, nl: Cultuur}")
    config = config.replace("{fr: Ville d'Exemple, en: City of Example}", "{fr: Ville d'Exemple, en: City of Example, nl: Stad}")
    config = config.replace("{fr: plan, en: map}", "{fr: plan, en: map, nl: kaart}")
    site = tmp_path / "site"
    shutil.copytree(SITES / "bilingual", site)
    (site / "site.yml").write_text(config)
    (site / "content/news/2023-03-31-meeting.nl.md").write_text("---\ntitle: Vergadering in Brussel\n---\nOp 8 maart.\n")
    write_site(site, {"locales/nl/LC_MESSAGES/messages.po": '''
        msgid ""
        msgstr ""
        "Content-Type: text/plain; charset=UTF-8\\n"

        msgid "News"
        msgstr "Nieuws"

        msgid "Latest news"
        msgstr "Laatste nieuws"
        '''}, config=None)
    out = build_site(site)
    item = (out / "nl/nieuws/2023/03/meeting/index.html").read_text()
    page = parse_page(out / "nl/nieuws/2023/03/meeting/index.html")
    assert page.lang == "nl" and set(page.alternates) == {"fr", "en", "nl", "x-default"}
    assert "31 maart 2023" in item and ">Nieuws</a>" in item and "Cultuur" in item
    assert "Laatste nieuws" in (out / "nl/index.html").read_text()
    assert 'hreflang="nl" lang="nl">Nederlands</a>' in (out / "fr/actualites/2023/03/meeting/index.html").read_text()
    assert (out / "nl/kaart/index.html").is_file() and (out / "nl/accessibility/index.html").is_file()
    assert broken_links(out, BASE) == []
    assert feedparser.parse((out / "nl/feed.xml").read_bytes()).feed.language == "nl"

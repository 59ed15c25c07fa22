"""The gaps the external audit of 2026-12-06 found (issue 19), checked on the built Lille site: a meta
description of its own on every indexable page, the chooser's description and Open Graph, NewsArticle's
dateModified, the 404 page's links on any copy of the site, curly apostrophes in both languages."""
from __future__ import annotations

import collections

from tests.test_lille_site import BASE, language_pages, site, visible_text  # noqa: F401 (site: a fixture)


def indexable(site):
    for url, page in site.items():
        robots = page.meta("robots") or ""
        if "noindex" in robots or page.root.find("meta", http_equiv="refresh") is not None:
            continue
        yield url, page


def test_no_two_indexable_pages_share_a_meta_description(site):
    by_description = collections.defaultdict(list)
    for url, page in indexable(site):
        description = page.meta("description")
        assert description, f"{url}: no meta description"
        by_description[description].append(url)
    shared = {d: urls for d, urls in by_description.items() if len(urls) > 1}
    assert shared == {}
    assert len(by_description) > 60


def test_the_language_chooser_has_a_description_and_open_graph(site):
    chooser = site["/"]
    assert chooser.meta("description")
    for key in ("og:title", "og:description", "og:url", "og:image", "og:type"):
        assert chooser.meta(key), key
    assert chooser.meta("og:url") == BASE
    # the redirect to the browser's language runs first, before anything the page loads
    head = chooser.root.find("head")
    first = [child for child in head.children if not isinstance(child, str)][:2]
    assert [element.tag for element in first] == ["meta", "script"]


def test_every_news_article_says_when_it_was_modified(site):
    articles = [data for page in language_pages(site) for data in page.jsonld() if data.get("@type") == "NewsArticle"]
    assert len(articles) == 24
    for data in articles:
        assert data["dateModified"] == data["datePublished"]


def test_the_404_page_links_from_the_host_root_never_to_the_production_address(site):
    page = site["/404.html"]
    links = [a.attrs["href"] for a in page.root.iter("a")]
    assert links and all(link.startswith("/lillesite/") for link in links)
    assert BASE not in page.source.replace(f'<link rel="canonical" href="{BASE}', "")


def test_apostrophes_are_curly_in_both_languages(site):
    checked = 0
    for page in language_pages(site):
        text = "".join(visible_text(page.root.find("body")))
        assert "'" not in text, f"{page.url}: straight apostrophe in {text[text.index(chr(39)) - 30:][:60]!r}"
        checked += text.count("’")
    assert checked > 300


def test_the_eu_office_page_says_each_thing_once(site):
    """It said 'Since 2017 … permanent delegation … connecting …' in its lead, its text, a section and the footer."""
    import re
    for url in ("/fr/bureau-ue/", "/en/eu-office/"):
        page = site[url]
        text = " ".join("".join(visible_text(page.root.find(tag))) for tag in ("main", "footer"))
        clauses = [c.strip().lower() for c in re.split(r"[.:;]\s", re.sub(r"\s+", " ", text)) if len(c.strip()) > 40]
        assert len(clauses) == len(set(clauses)), url
        assert len(re.findall(r"(?i)(depuis|since|créé en|created in|créée en) 2017", text)) <= 2, url
        assert len(re.findall(r"(?i)(délégation permanente|permanent delegation)", text)) <= 2, url

"""Stage tests on the object graph made in memory (tests/graph.py, the fixtures in conftest.py):
the page plan, the pages' cache keys, rendering, the sitemap and the feeds, with no site on disk
and no build."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from lillesite import feeds, sitemap, steps, urls
from lillesite.cache import PageCache
from tests import graph

SITEMAP_NS = {"s": sitemap.SITEMAP, "x": sitemap.XHTML}
RSS_CONTENT = f"{{{feeds.CONTENT}}}encoded"


def absolute(url: str) -> str:
    return "https://example.org" + url


def by_kind(pages, kind: str, lang: str | None = None) -> list:
    return [page for page in pages if page.kind == kind and (lang is None or page.lang == lang)]


# ---------------------------------------------------------------- the plan
class TestPlan:
    def test_one_home_per_language(self, page_plan, site):
        homes = by_kind(page_plan, "home")
        assert [(page.lang, page.url) for page in homes] == [("fr", "/fr/"), ("en", "/en/")]
        for page in homes:
            assert page.entry is site.homes[page.lang]
            assert page.title == {"fr": "Bienvenue", "en": "Welcome"}[page.lang]
            assert page.x_default == urls.CHOOSER
            assert [item.title for item in page.extra["latest"]] == {
                "fr": ["Quatrième nouvelle", "Troisième nouvelle"],
                "en": ["Fourth news", "Second news"]}[page.lang]

    def test_every_entry_once_and_no_draft(self, page_plan, site):
        planned = Counter(page.entry.rel for page in page_plan if page.entry is not None)
        assert planned == Counter(entry.rel for entry in site.entries())
        assert set(planned.values()) == {1}
        assert len(planned) == 12  # 13 files, one a draft
        assert not any("unfinished" in rel for rel in planned)

    def test_every_path_once(self, page_plan):
        paths = Counter(page.path for page in page_plan)
        assert [path for path, count in paths.items() if count > 1] == []

    @pytest.mark.parametrize("lang, slug, titles", [
        ("fr", "actualites", [["Quatrième nouvelle", "Troisième nouvelle"], ["Deuxième nouvelle", "Première nouvelle"]]),
        ("en", "news", [["Fourth news", "Second news"], ["First news"]]),
    ])
    def test_news_index_is_paginated(self, page_plan, lang, slug, titles):
        listings = [page.listing for page in by_kind(page_plan, "news_index", lang)]
        assert [[item.title for item in listing.items] for listing in listings] == titles
        first, second = f"/{lang}/{slug}/", f"/{lang}/{slug}/page/2/"
        assert [(listing.number, listing.total, listing.url) for listing in listings] == [(1, 2, first), (2, 2, second)]
        assert (listings[0].prev_url, listings[0].next_url) == (None, second)
        assert (listings[1].prev_url, listings[1].next_url) == (first, None)
        # both languages have two listing pages: each names the other's
        assert by_kind(page_plan, "news_index", lang)[1].translations == {
            "fr": "/fr/actualites/page/2/", "en": "/en/news/page/2/"}
        assert [page.in_sitemap for page in by_kind(page_plan, "news_index", lang)] == [True, False]

    def test_tag_pages(self, page_plan):
        tags = {(page.lang, page.url): [item.key for item in page.listing.items] for page in by_kind(page_plan, "tag")}
        assert tags == {
            ("fr", "/fr/themes/culture/"): ["2023-02-20-second", "2023-01-10-first"],
            ("fr", "/fr/themes/economie/"): ["2023-03-05-third", "2023-02-20-second"],
            ("en", "/en/tags/culture/"): ["2023-02-20-second", "2023-01-10-first"],  # tags are inherited
            ("en", "/en/tags/economy/"): ["2023-02-20-second"],
        }
        economy = next(page for page in page_plan if page.url == "/fr/themes/economie/")
        assert economy.title == "Économie"
        assert economy.translations == {"fr": "/fr/themes/economie/", "en": "/en/tags/economy/"}
        indexes = by_kind(page_plan, "tags")
        assert [(page.url, [tag.label for tag in page.extra["tags"]]) for page in indexes] == [
            ("/fr/themes/", ["Culture", "Économie"]), ("/en/tags/", ["Culture", "Economy"])]

    def test_chooser_and_404_once(self, page_plan):
        chooser, = by_kind(page_plan, "chooser")
        missing, = by_kind(page_plan, "404")
        assert (chooser.url, chooser.path) == ("/", "index.html")
        assert (missing.url, missing.path, missing.absolute_links) == ("/404.html", "404.html", True)
        for page in (chooser, missing):
            assert [choice.home for choice in page.extra["choices"]] == ["/fr/", "/en/"]
            assert not page.typography and not page.in_sitemap

    def test_search_and_alias(self, page_plan):
        assert [page.url for page in by_kind(page_plan, "search")] == ["/fr/recherche/", "/en/search/"]
        alias, = by_kind(page_plan, "alias")
        assert (alias.url, alias.extra["target"], alias.translations) == ("/ancien/a-propos/", "/fr/a-propos/", {})

    def test_untranslated_pages_lead_the_switcher_to_a_parent(self, page_plan):
        contact = next(page for page in page_plan if page.url == "/fr/contact/")
        assert (contact.translations, contact.fallbacks) == ({"fr": "/fr/contact/"}, {"en": "/en/"})
        third = next(page for page in page_plan if page.url == "/fr/actualites/2023/03/third/")
        assert (third.translations, third.fallbacks) == ({"fr": third.url}, {"en": "/en/news/"})

    def test_the_menu_has_pages_by_weight_then_the_news(self, page_plan):
        menus = {page.lang: [(item.title, item.url) for item in page.shared.menu] for page in by_kind(page_plan, "home")}
        assert menus == {
            "fr": [("À propos", "/fr/a-propos/"), ("Contact", "/fr/contact/"), ("Actualités", "/fr/actualites/")],
            "en": [("About us", "/en/about/"), ("News", "/en/news/")],
        }

    def test_news_items_know_their_neighbours(self, page_plan):
        items = by_kind(page_plan, "news", "fr")
        neighbours = [(page.entry.key, page.extra["newer"] and page.extra["newer"].key,
                       page.extra["older"] and page.extra["older"].key) for page in items]
        assert neighbours == [
            ("2023-04-01-fourth", None, "2023-03-05-third"),
            ("2023-03-05-third", "2023-04-01-fourth", "2023-02-20-second"),
            ("2023-02-20-second", "2023-03-05-third", "2023-01-10-first"),
            ("2023-01-10-first", "2023-02-20-second", None),
        ]


# ------------------------------------------------------------ the sitemap
class TestSitemap:
    def test_groups_are_the_pages_in_the_sitemap(self, page_plan):
        groups = sitemap.groups(page_plan)
        grouped = [url for group, _, _ in groups for url in group.values()]
        assert Counter(grouped) == Counter(page.url for page in page_plan if page.in_sitemap)
        for page in page_plan:
            if page.in_sitemap:
                assert dict(page.translations) in [group for group, _, _ in groups]

    def test_each_translation_group_once_with_alternates(self, config, page_plan):
        root = ET.fromstring(sitemap.sitemap(config, sitemap.groups(page_plan)))
        nodes = {node.findtext("s:loc", namespaces=SITEMAP_NS): node for node in root.findall("s:url", SITEMAP_NS)}
        assert len(nodes) == len(root.findall("s:url", SITEMAP_NS))  # each URL once
        assert set(nodes) == {absolute(page.url) for page in page_plan if page.in_sitemap}
        for group, lastmod, x_default in sitemap.groups(page_plan):
            for url in group.values():
                node = nodes[absolute(url)]
                alternates = {link.get("hreflang"): link.get("href") for link in node.findall("x:link", SITEMAP_NS)}
                if len(group) == 1:
                    assert alternates == {}
                else:
                    expected = {lang: absolute(other) for lang, other in group.items()}
                    expected["x-default"] = absolute(x_default or group["fr"])
                    assert alternates == expected
                assert node.findtext("s:lastmod", namespaces=SITEMAP_NS) == lastmod

    def test_what_the_sitemap_says_of_some_pages(self, config, page_plan):
        root = ET.fromstring(sitemap.sitemap(config, sitemap.groups(page_plan)))
        nodes = {node.findtext("s:loc", namespaces=SITEMAP_NS): node for node in root.findall("s:url", SITEMAP_NS)}
        home = {link.get("hreflang"): link.get("href") for link in nodes[absolute("/en/")].findall("x:link", SITEMAP_NS)}
        assert home == {"fr": absolute("/fr/"), "en": absolute("/en/"), "x-default": absolute("/")}
        second = nodes[absolute("/en/news/2023/02/second/")]
        assert second.findtext("s:lastmod", namespaces=SITEMAP_NS) == "2023-02-20"
        assert nodes[absolute("/fr/contact/")].findall("x:link", SITEMAP_NS) == []


# --------------------------------------------------------------- the feeds
class TestFeeds:
    def test_rss_of_a_language(self, site, catalogues):
        config = site.config
        channel = ET.fromstring(feeds.rss(config, "fr", site.news["fr"][:config.feed_limit], catalogues["fr"])
                                ).find("channel")
        assert channel.findtext("title") == "Site de test – Actualités"
        assert channel.findtext("link") == absolute("/fr/actualites/")
        items = channel.findall("item")
        assert [item.findtext("title") for item in items] == [  # the newest three: news.feed_limit
            "Quatrième nouvelle", "Troisième nouvelle", "Deuxième nouvelle"]
        assert items[0].findtext("link") == absolute("/fr/actualites/2023/04/fourth/")
        assert items[0].findtext("guid") == "https://example.org/fr/2023-04-01-fourth"
        assert channel.findtext("lastBuildDate") == items[0].findtext("pubDate") == "Sat, 01 Apr 2023 00:00:00 +0200"
        assert [category.text for category in items[2].findall("category")] == ["Économie", "Culture"]
        # a feed reader has no base URL: links to other pages are absolute
        assert f'href="{absolute("/fr/a-propos/")}"' in items[0].findtext(RSS_CONTENT)

    def test_each_language_its_own_items(self, site, catalogues):
        config = site.config
        channel = ET.fromstring(feeds.rss(config, "en", site.news["en"][:config.feed_limit], catalogues["en"])
                                ).find("channel")
        assert [item.findtext("title") for item in channel.findall("item")] == [
            "Fourth news", "Second news", "First news"]
        assert channel.findtext("language") == "en"


# ---------------------------------------------------------------- rendering
class TestRender:
    def test_every_page_renders(self, rendered):
        assert all(page.data for page in rendered.values())

    def test_the_topics_index_reads_the_tags_entries(self, rendered):
        # it shows each tag's count: it depends on every item of every tag, so its plan is not its key
        assert rendered["/fr/themes/"].cacheable is False
        assert rendered["/en/tags/"].cacheable is False

    def test_a_news_item_is_its_plan(self, rendered):
        # it names its tags (label and URL, in the plan) but reads nothing else of them
        assert rendered["/fr/actualites/2023/02/second/"].cacheable is True
        assert rendered["/fr/themes/culture/"].cacheable is True
        assert rendered["/fr/"].cacheable is True

    def test_links_between_pages_are_relative(self, rendered):
        about = rendered["/en/about/"].data.decode()
        assert 'href="../news/2023/01/first/#details"' in about
        assert '<a href="../../fr/a-propos/" hreflang="fr" lang="fr">Français</a>' in about  # the switcher
        assert 'hreflang="fr" href="https://example.org/fr/a-propos/"' in about  # the alternate

    def test_the_home_shows_the_latest_news(self, rendered):
        home = rendered["/fr/"].data.decode()
        assert home.index("Quatrième nouvelle") < home.index("Troisième nouvelle")
        assert "Deuxième nouvelle" not in home


# ------------------------------------------------------------ the cache key
def page_cache(g: graph.Graph, *, by_file: bool) -> PageCache:
    """An empty page cache for the graph's site. `by_file`: documents are known by their file's key, as in a
    build with the build cache (cache.Digester); else by their fields."""
    doc_keys = {doc.source.rel: f"{doc.source.rel}:{doc.fingerprint}" for doc in g.documents} if by_file else {}
    return PageCache(("", {}), Path("/nonexistent"), "context", doc_keys)


def page_keys(g: graph.Graph, *, by_file: bool) -> dict[str, str]:
    """Each page's cache key as the build computes it (steps._page_bytes)."""
    cache = page_cache(g, by_file=by_file)
    keys = {page.path: cache.key(page) for page in g.pages}
    assert None not in keys.values(), "a page plan that cannot be digested"
    return keys


def retitled(old: str, new: str):
    return lambda text: text.replace(f"title: {old}\n", f"title: {new}\n")


# One edit of the content each: what the pages' keys must follow.
EDITS = {
    "news title": ("content/news/2023-02-20-second.fr.md", retitled("Deuxième nouvelle", "Deuxième, corrigée")),
    "menu title": ("content/pages/contact.fr.md", retitled("Contact", "Nous écrire")),
    "summary": ("content/news/2023-01-10-first.en.md", lambda text: text.replace("The first", "The very first")),
    "new item": ("content/news/2023-06-01-fifth.fr.md", lambda _: "---\ntitle: Cinquième\ntags: [culture]\n---\nNeuf.\n"),
    "tag added": ("content/news/2023-04-01-fourth.fr.md", lambda text: text.replace("---\nLe", "tags: [culture]\n---\nLe")),
    "slug": ("content/pages/about.fr.md", lambda text: text.replace("slug: a-propos", "slug: qui-sommes-nous")),
    "translation removed": ("content/news/2023-02-20-second.en.md", lambda _: None),
    "draft published": ("content/news/2023-05-01-unfinished.fr.md", lambda text: text.replace("draft: true", "draft: false")),
    "page body": ("content/pages/index.en.md", lambda text: text.replace("The test site.", "The test site, edited.")),
    # the English translation, unchanged, is now behind its original: it shows a notice
    "original edited": ("content/pages/about.fr.md", lambda text: text.replace("Qui nous", "Qui donc nous")),
}


def variant(files: dict[str, str], edit: str) -> dict[str, str]:
    return graph.edited(files, *EDITS[edit])


@pytest.fixture(scope="module")
def base(make_graph):
    return make_graph(graph.CONTENT)


class TestPageKeys:
    @pytest.mark.parametrize("by_file", [True, False], ids=["documents by file", "documents by value"])
    def test_the_same_content_gives_the_same_keys(self, base, make_graph, by_file):
        again = make_graph(dict(graph.CONTENT))  # every object made anew
        assert page_keys(again, by_file=by_file) == page_keys(base, by_file=by_file)

    @pytest.mark.parametrize("by_file", [True, False], ids=["documents by file", "documents by value"])
    def test_a_news_title_changes_the_pages_that_show_it(self, base, make_graph, by_file):
        edited = make_graph(variant(graph.CONTENT, "news title"))
        before, after = page_keys(base, by_file=by_file), page_keys(edited, by_file=by_file)
        changed = {path for path in before if before[path] != after[path]}
        assert changed == {
            "fr/actualites/2023/02/second/index.html",  # itself
            "fr/actualites/2023/03/third/index.html",  # its neighbours name it
            "fr/actualites/2023/01/first/index.html",
            "fr/actualites/page/2/index.html",  # the listings it is in
            "fr/themes/culture/index.html",
            "fr/themes/economie/index.html",
        }

    @pytest.mark.parametrize("by_file", [True, False], ids=["documents by file", "documents by value"])
    def test_a_menu_item_changes_every_page_of_its_language(self, base, make_graph, by_file):
        edited = make_graph(variant(graph.CONTENT, "menu title"))
        before, after = page_keys(base, by_file=by_file), page_keys(edited, by_file=by_file)
        changed = {page.path for page in base.pages if before[page.path] != after[page.path]}
        assert changed == {page.path for page in base.pages if page.lang == "fr"}

    @pytest.mark.parametrize("by_file", [True, False], ids=["documents by file", "documents by value"])
    def test_an_edited_original_changes_its_unchanged_translation(self, base, make_graph, by_file):
        edited = make_graph(variant(graph.CONTENT, "original edited"))
        before, after = page_keys(base, by_file=by_file), page_keys(edited, by_file=by_file)
        assert before["en/about/index.html"] != after["en/about/index.html"]
        assert base.page("/en/about/").outdated_source is None
        assert edited.page("/en/about/").outdated_source is edited.site.source_of(edited.page("/en/about/").entry)
        assert b'class="outdated-notice"' in edited.render(edited.page("/en/about/")).data

    @pytest.mark.parametrize("edit", sorted(EDITS))
    def test_an_unchanged_key_means_an_unchanged_page(self, base, make_graph, edit):
        """The property the plan is for: a page's key covers all its template sees, so a page kept from the
        last build because its key is the same is the page this build would render."""
        edited = make_graph(variant(graph.CONTENT, edit))
        assert edited.pages != base.pages
        base_pages = {page.path: page for page in base.pages}
        compared = 0
        for by_file in (True, False):
            before, after = page_keys(base, by_file=by_file), page_keys(edited, by_file=by_file)
            for page in edited.pages:
                old = base_pages.get(page.path)
                if old is None or before[page.path] != after[page.path]:
                    continue
                then, now = base.render(old), edited.render(page)
                if then.cacheable and now.cacheable:
                    assert now.data == then.data, f"{page.path}: same key, other bytes after the edit {edit!r}"
                    compared += 1
        assert compared > 0  # some pages keep their key: the property is not vacuous

    @pytest.mark.parametrize("edit", sorted(EDITS))
    def test_an_unchanged_key_means_an_unchanged_feed_or_sitemap(self, base, make_graph, edit):
        """The same for the files made beside the pages: steps.feeds_and_sitemap keys them by what it reads."""
        edited = make_graph(variant(graph.CONTENT, edit))
        for by_file in (True, False):
            made = []
            for g in (base, edited):
                cache = page_cache(g, by_file=by_file)
                steps.feeds_and_sitemap(g.site, g.pages, g.catalogues, cache)
                made.append({path: (key, sha) for key, (path, sha, _) in cache.new_records.items()})
            before, after = made
            assert set(before) == {"fr/feed.xml", "en/feed.xml", "sitemap.xml"} == set(after)
            for path, (key, sha) in after.items():
                if key == before[path][0]:
                    assert sha == before[path][1], f"{path}: same key, other bytes after the edit {edit!r}"

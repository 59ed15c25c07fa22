"""Search in the browser: one index per language, self-hosted Pagefind, a clear message without JavaScript."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

KEY = "2022-11-25-roubaix-circular-cities"  # a news item written in both languages
FRENCH_ONLY_WORD = "circulaires"  # in the French item's title, in no English text
SHARED_WORD = "Roubaix"  # in the title of both the French and the English item


def _results(served_site, page, lang: str, query: str) -> list[str]:
    page.goto(served_site.url(served_site.search_path(lang)))
    page.get_by_label(_label(page)).fill(query)
    page.locator(".pagefind-ui__result-link").first.wait_for()
    return page.eval_on_selector_all(".pagefind-ui__result-link", "links => links.map(a => a.href)")


def _label(page) -> str:
    return page.locator("label.search-label").inner_text()


@pytest.fixture(scope="module")
def item(served_site):
    """lang -> the URL of that language's version of the news item, on the test server."""
    entries = served_site.site.sets[("news", KEY)].entries
    return {lang: served_site.url(entry.url) for lang, entry in entries.items()}


def test_french_search_finds_the_french_item(served_site, page_at, item):
    results = _results(served_site, page_at(DESKTOP), "fr", FRENCH_ONLY_WORD)
    assert item["fr"] in results


def test_english_search_finds_the_english_item_only(served_site, page_at, item):
    results = _results(served_site, page_at(DESKTOP), "en", SHARED_WORD)
    assert item["en"] in results
    assert item["fr"] not in results
    assert all(url.startswith(served_site.url("/en/")) for url in results), results


def test_french_word_finds_nothing_in_english(served_site, page_at):
    page = page_at(DESKTOP)
    page.goto(served_site.url(served_site.search_path("en")))
    page.get_by_label(_label(page)).fill(FRENCH_ONLY_WORD)
    expect(page.locator(".pagefind-ui__message")).to_contain_text("No results")
    assert page.locator(".pagefind-ui__result-link").count() == 0


def test_header_search_box_leads_to_the_results(served_site, page_at, item):
    page = page_at(DESKTOP)
    page.goto(served_site.url("/fr/"))
    box = page.locator('header input[type="search"]')
    box.fill(FRENCH_ONLY_WORD)
    box.press("Enter")
    page.locator(".pagefind-ui__result-link").first.wait_for()
    assert page.url.startswith(served_site.url(served_site.search_path("fr")))
    assert item["fr"] in page.eval_on_selector_all(".pagefind-ui__result-link", "links => links.map(a => a.href)")


def test_without_javascript_the_search_page_says_so(served_site, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        for lang in served_site.site.config.language_codes:
            page.goto(served_site.url(served_site.search_path(lang)))
            message = page.locator(".search-no-js")
            assert message.is_visible()
            assert "JavaScript" in message.inner_text()
    finally:
        context.close()


def test_on_a_phone_the_search_box_waits_behind_a_button(served_site, page_at):
    """Issue 19: the phone header took 270 of 844 px with its search box always open; DSFR and ECL put it
    behind a button, a real one that says whether the box is open."""
    page = page_at(PHONE)
    page.goto(served_site.url("/fr/"))
    box = page.locator('header input[type="search"]')
    toggle = page.locator("header button.search-toggle")
    assert not box.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == "header-search"
    assert toggle.inner_text().strip() == "Rechercher"  # its name, for a screen reader
    assert page.locator("main").bounding_box()["y"] < 220
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and box.is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false" and not box.is_visible()


def test_without_javascript_the_phone_search_button_is_a_link_to_the_search_page(served_site, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": PHONE, "height": 844})
    try:
        page = context.new_page()
        page.goto(served_site.url("/en/"))
        link = page.locator("header a.search-toggle")
        assert link.is_visible()
        link.click()
        page.wait_for_url(served_site.url(served_site.search_path("en")))
    finally:
        context.close()


def _style(page, selector: str) -> dict:
    return page.eval_on_selector(selector, """e => { const c = getComputedStyle(e);
        return {size: c.fontSize, color: c.color, decoration: c.textDecorationLine, tag: e.tagName,
                width: e.getBoundingClientRect().width}; }""")


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_search_page_looks_like_the_site(served_site, page_at, width):
    """Issue 19: the results kept Pagefind's own look (12.8 px excerpts, an 11.2 px button, black titles with no
    underline) and the page's header was an inset box unlike every other page's band."""
    page = page_at(width)
    page.goto(served_site.url(served_site.search_path("fr")) + "?q=" + SHARED_WORD)
    page.locator(".pagefind-ui__result-link").first.wait_for()
    body = _style(page, "body")
    site_link = _style(page, ".breadcrumbs a")
    title = _style(page, ".pagefind-ui__result-title .pagefind-ui__result-link")
    assert title["tag"] == "A" and title["color"] == site_link["color"] and "underline" in title["decoration"]
    assert _style(page, ".pagefind-ui__result-excerpt")["size"] == body["size"]
    assert _style(page, ".pagefind-ui__search-clear")["size"] == body["size"]
    assert _style(page, ".search-label")["size"] == body["size"]
    # the header band runs the page's full width, as on the news index or any text page
    assert _style(page, ".page-head")["width"] == page.viewport_size["width"]
    assert _style(page, "main")["width"] == page.viewport_size["width"]


def test_more_results_button_is_the_sites_button(served_site, page_at):
    """The "more results" button at the size of the site's buttons (the body's), white on the site's blue."""
    page = page_at(DESKTOP)
    page.goto(served_site.url(served_site.search_path("fr")) + "?q=europe")
    page.locator(".pagefind-ui__button").wait_for()
    button = page.eval_on_selector(".pagefind-ui__button", """e => { const c = getComputedStyle(e);
        return [c.fontSize, c.color, c.backgroundColor]; }""")
    assert button == [_style(page, "body")["size"], "rgb(255, 255, 255)", _style(page, ".breadcrumbs a")["color"]]

"""Keyboard alone: the skip link, the navigation (the phone menu too) and the search box; focus always visible."""
from __future__ import annotations

import pytest

from lillesite import urls
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

MAX_TABS = 80
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
                  && !/rgba\\(.*, 0\\)$/.test(style.outlineColor);
  return {
    tag: el.tagName.toLowerCase(), href: el.href || null, id: el.id, type: el.type || null,
    expanded: el.getAttribute("aria-expanded"),
    name: (el.getAttribute("aria-label") || el.innerText || el.value || "").trim().slice(0, 60),
    indicator: outline || style.boxShadow !== "none",
    on_screen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
               && box.top < innerHeight && box.left < innerWidth,
  };
}"""


def _tab(page) -> dict:
    """Press Tab; the newly focused element, which must show where the focus is."""
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert focused, "Tab left the page"
    assert focused["on_screen"], f"the focused element is off screen: {focused}"
    assert focused["indicator"], f"no visible focus indicator (outline or box-shadow): {focused}"
    return focused


def _tab_until(page, wanted, *, open_menus: bool = True) -> dict:
    """Tab until `wanted(focused)`; collapsed menus met on the way (aria-expanded=false) are opened with Enter."""
    seen = []
    for _ in range(MAX_TABS):
        focused = _tab(page)
        seen.append(focused["name"] or focused["href"] or focused["tag"])
        if wanted(focused):
            return focused
        if open_menus and focused["tag"] == "button" and focused["expanded"] == "false":
            page.keyboard.press("Enter")
            assert page.evaluate(FOCUSED)["expanded"] == "true", f"Enter did not open {focused['name']!r}"
    raise AssertionError(f"not reached with Tab; focus went through: {seen}")


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_skip_link_is_first_and_moves_to_the_content(served_site, page_at, width):
    page = page_at(width)
    for lang in served_site.site.config.language_codes:
        page.goto(served_site.url(urls.home(lang)))
        first = _tab(page)
        assert first["tag"] == "a" and "#" in first["href"], f"the first Tab stop is not a skip link: {first}"
        target = first["href"].split("#", 1)[1]
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == target
        assert page.evaluate("document.activeElement.closest('main') !== null"), "the skip link does not lead to <main>"


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_every_menu_item_is_reachable_and_followed_by_keyboard(served_site, page_at, width):
    site = served_site.site
    page = page_at(width)
    for lang in site.config.language_codes:
        menu = [urls.home(lang), *(item.url for item in site.menus[lang])]
        if site.config.news_menu is not None:
            menu.append(urls.news_index(site.config, lang))
        expected = {served_site.url(url) for url in menu}
        page.goto(served_site.url(urls.home(lang)))
        reached: set[str] = set()

        def all_reached(focused: dict) -> bool:
            if focused["href"] in expected:
                reached.add(focused["href"])
            return reached == expected

        last = _tab_until(page, all_reached)
        page.keyboard.press("Enter")
        page.wait_for_url(last["href"], timeout=5000)


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_search_by_keyboard_from_any_page(served_site, page_at, width):
    site = served_site.site
    page = page_at(width)
    for lang in site.config.language_codes:
        item = site.news[lang][0]
        word = max(item.title.split(), key=len).strip(",.:;!?«»\"'")
        page.goto(served_site.url(site.pages[lang][0].url))
        _tab_until(page, lambda f: f["tag"] == "input" and f["type"] == "search")
        page.keyboard.type(word)
        page.keyboard.press("Enter")
        page.wait_for_url(served_site.url(served_site.search_path(lang)) + "?*", timeout=5000)
        page.locator(".pagefind-ui__result-link").first.wait_for()
        target = served_site.url(item.url)
        _tab_until(page, lambda f: f["href"] == target, open_menus=False)
        page.keyboard.press("Enter")
        page.wait_for_url(target, timeout=5000)

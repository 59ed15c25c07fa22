"""Keyboard alone: the skip link, the navigation (the phone menu too) and the search box; focus always visible."""
from __future__ import annotations

import pytest

from lillesite import urls
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

MAX_TABS = 80
# What makes focus visible: any of these must differ between the element focused and not focused.
LOOK = """el => {
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0 && !/, 0\\)$/.test(s.outlineColor);
  return [outline ? `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` : "none", s.boxShadow,
          s.backgroundColor, s.color, s.borderColor, s.textDecorationLine].join(" | ");
}"""
FOCUSED = """el => {
  if (!el || el === document.body) return null;
  const box = el.getBoundingClientRect();
  const menu = el.tagName === "SUMMARY" ? el.parentElement : null;
  return {
    tag: el.tagName.toLowerCase(), href: el.href || null, type: el.type || null,
    collapsed: menu ? !menu.open : el.getAttribute("aria-expanded") === "false",
    in_main_nav: Boolean(el.closest("header nav")),  // not the footer's copy of the menu
    name: (el.getAttribute("aria-label") || el.innerText || el.value || "").trim().slice(0, 60),
    on_screen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
               && box.top < innerHeight && box.left < innerWidth,
  };
}"""


class Keyboard:
    """Tab through one loaded page, checking every stop is on screen and visibly focused."""

    def __init__(self, page):
        self.page = page
        self.previous = None  # (element, its look while focused)
        self.seen: list[str] = []  # every stop so far, for the failure message

    def focused(self) -> dict:
        return self.page.evaluate_handle("document.activeElement").evaluate(FOCUSED)

    def tab(self) -> dict:
        self.page.keyboard.press("Tab")
        element = self.page.evaluate_handle("document.activeElement")
        focused = element.evaluate(FOCUSED)
        assert focused, f"Tab left the page; focus went through: {self.seen}"
        self.seen.append(focused["name"] or focused["href"] or focused["tag"])
        assert focused["on_screen"], f"the focused element is off screen: {focused}"
        if self.previous:  # now that it has lost focus, the previous stop must look different
            before, look = self.previous
            assert before.evaluate(LOOK) != look, f"focus is not visible on {self.previous_name!r}"
        self.previous, self.previous_name = (element, element.evaluate(LOOK)), focused["name"] or focused["href"]
        return focused

    def tab_until(self, wanted, *, open_menus: bool = True) -> dict:
        """Tab until `wanted(focused)`; collapsed menus met on the way are opened with Enter."""
        for _ in range(MAX_TABS):
            focused = self.tab()
            if wanted(focused):
                self.tab()  # one more stop, so the wanted one's focus look is checked too
                self.page.keyboard.press("Shift+Tab")
                return focused
            if open_menus and focused["collapsed"]:
                self.page.keyboard.press("Enter")
                assert not self.focused()["collapsed"], f"Enter did not open {focused['name']!r}"
        raise AssertionError(f"not reached with Tab; focus went through: {self.seen}")


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_skip_link_is_first_and_moves_to_the_content(served_site, page_at, width):
    page = page_at(width)
    for lang in served_site.site.config.language_codes:
        page.goto(served_site.url(urls.home(lang)))
        first = Keyboard(page).tab()
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
            if focused["in_main_nav"] and focused["href"] in expected:
                reached.add(focused["href"])
            return reached == expected

        last = Keyboard(page).tab_until(all_reached)
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
        Keyboard(page).tab_until(lambda f: f["tag"] == "input" and f["type"] == "search")
        page.keyboard.type(word)
        page.keyboard.press("Enter")
        page.wait_for_url(served_site.url(served_site.search_path(lang)) + "?*", timeout=5000)
        page.locator(".pagefind-ui__result-link").first.wait_for()
        target = served_site.url(item.url)
        Keyboard(page).tab_until(lambda f: f["href"] == target, open_menus=False)
        page.keyboard.press("Enter")
        page.wait_for_url(target, timeout=5000)

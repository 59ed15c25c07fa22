"""Layout: nothing overflows sideways at 320 px; screenshots of each kind of page (and of search results)."""
from __future__ import annotations

import pytest

from lillesite import urls
from tests.browser.conftest import DESKTOP, PHONE, SMALL_PHONE

pytestmark = pytest.mark.browser

OVERFLOW = "document.scrollingElement.scrollWidth - window.innerWidth"


def test_nothing_overflows_at_320px(served_site, page_at):
    page = page_at(SMALL_PHONE)
    overflowing = []
    for built in served_site.pages:
        page.goto(served_site.url(built.path))
        excess = page.evaluate(OVERFLOW)
        if excess > 0:
            widest = page.evaluate("""() => [...document.querySelectorAll("body *")]
                .filter(el => el.getBoundingClientRect().right > innerWidth)
                .map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : "")).slice(0, 3)""")
            overflowing.append(f"{built.path}: {excess}px too wide ({', '.join(widest)})")
    assert not overflowing, "horizontal overflow at 320px:\n" + "\n".join(overflowing)


def test_screenshots_of_each_kind_of_page(served_site, page_at, artifacts):
    site = served_site.site
    shots = []
    for lang in site.config.language_codes:
        kinds = {"home": urls.home(lang), "page": site.pages[lang][0].url,
                 "news-index": urls.news_index(site.config, lang), "news-item": site.news[lang][0].url,
                 "search": served_site.search_path(lang) + "?q=Lille"}
        for width in (PHONE, DESKTOP):
            page = page_at(width)
            for kind, url in kinds.items():
                page.goto(served_site.url(url))
                if kind == "search":
                    page.locator(".pagefind-ui__result-link").first.wait_for()
                path = artifacts / "screenshots" / f"{lang}-{kind}-{width}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(path), full_page=True)
                shots.append(path)
    assert len(shots) == 20
    for path in shots:
        assert path.stat().st_size > 5000, f"{path} looks empty"

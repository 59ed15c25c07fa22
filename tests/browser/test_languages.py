"""From every page, the other language's link leads to that page's translation, in that language."""
from __future__ import annotations

import pytest

from lillesite import urls
from tests.browser.conftest import DESKTOP

pytestmark = pytest.mark.browser


def _expected(served_site, built, other: str) -> str:
    if other in built.alternates:
        return served_site.local(built.alternates[other])
    # not translated: the switcher states it goes to the nearest translated parent
    entry = next(e for e in served_site.site.entries() if e.url == built.path)
    parent = urls.news_index(served_site.site.config, other) if entry.kind == "news" else urls.home(other)
    return served_site.url(parent)


def test_switching_language_lands_on_the_translation(served_site, page_at):
    page = page_at(DESKTOP)
    languages = served_site.site.config.language_codes
    # every page but the bilingual ones at the root (language chooser, 404), which link to both languages
    pages = {served_site.url(p.path): p for p in served_site.pages if "/" in p.rel}
    to_check = {(url, other) for url, built in pages.items() for other in languages if other != built.lang}
    assert len(to_check) >= 50
    failures = []
    for url, other in sorted(to_check):
        if (url, other) not in to_check:
            continue
        page.goto(url)
        # then follow the switchers from page to page: a page and its translation cost one visit
        while other is not None:
            to_check.discard((url, other))
            built = pages[url]
            page.locator(f'a[hreflang="{other}"]').first.click()
            page.wait_for_load_state()
            landed_lang = page.evaluate("document.documentElement.lang")
            expected = _expected(served_site, built, other)
            if page.url != expected or landed_lang != other:
                failures.append(f"{built.path} -> {other}: landed on {page.url} (lang {landed_lang!r}), "
                                f"expected {expected}")
                break
            url = page.url
            other = next((code for code in languages if (url, code) in to_check), None)
    assert not failures, "\n".join(failures)

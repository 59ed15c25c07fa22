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
    failures, checked = [], 0
    # every page but the bilingual ones at the root (language chooser, 404), which link to both languages
    for built in (p for p in served_site.pages if "/" in p.rel):
        for other in (code for code in languages if code != built.lang):
            page.goto(served_site.url(built.path))
            page.locator(f'a[hreflang="{other}"]').first.click()
            page.wait_for_load_state()
            landed_lang = page.evaluate("document.documentElement.lang")
            expected = _expected(served_site, built, other)
            if page.url != expected or landed_lang != other:
                failures.append(f"{built.path} -> {other}: landed on {page.url} (lang {landed_lang!r}), "
                                f"expected {expected}")
            checked += 1
    assert checked >= 50
    assert not failures, "\n".join(failures)

"""axe-core (WCAG 2.1 A/AA and best practices) finds nothing on any page, in both languages, phone and desktop."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from lillesite import urls
from tests.browser.conftest import DESKTOP, SMALL_PHONE

pytestmark = pytest.mark.browser

AXE = Axe()  # ships axe-core and injects it from disk: no network


def _violations(page, where: str) -> list[str]:
    found = []
    for violation in AXE.run(page).response["violations"]:
        targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        found.append(f"{where}: {violation['id']} ({violation['impact']}): {violation['help']} -> {targets}")
    return found


@pytest.mark.parametrize("width", [SMALL_PHONE, DESKTOP])
def test_no_axe_violations_on_any_page(served_site, page_at, width):
    page = page_at(width)
    failures, languages = [], set()
    for built in served_site.pages:
        page.goto(served_site.url(built.path))
        languages.add(page.evaluate("document.documentElement.lang"))
        failures += _violations(page, built.path)
    # what only shows after a click: the opened menus (axe skips hidden content) and search results
    for lang in served_site.site.config.language_codes:
        page.goto(served_site.url(urls.home(lang)))
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        failures += _violations(page, f"{urls.home(lang)} (menus open)")
        page.goto(served_site.url(served_site.search_path(lang) + "?q=Lille"))
        page.locator(".pagefind-ui__result-link").first.wait_for()
        failures += _violations(page, f"{served_site.search_path(lang)} (results)")
    assert languages >= {"fr", "en"}
    assert not failures, f"{len(failures)} axe violation(s) at {width}px:\n" + "\n".join(failures)

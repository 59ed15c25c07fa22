"""axe-core (WCAG 2.1 A/AA and best practices) finds nothing on any page, in both languages, phone and desktop."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import DESKTOP, SMALL_PHONE

pytestmark = pytest.mark.browser

AXE = Axe()  # ships axe-core and injects it from disk: no network


@pytest.mark.parametrize("width", [SMALL_PHONE, DESKTOP])
def test_no_axe_violations_on_any_page(served_site, page_at, width):
    page = page_at(width)
    failures, languages = [], set()
    for built in served_site.pages:
        page.goto(served_site.url(built.path))
        languages.add(page.evaluate("document.documentElement.lang"))
        result = AXE.run(page)
        for violation in result.response["violations"]:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            failures.append(f"{built.path}: {violation['id']} ({violation['impact']}): {violation['help']} -> {targets}")
    assert languages >= {"fr", "en"}
    assert not failures, f"{len(failures)} axe violation(s) at {width}px:\n" + "\n".join(failures)

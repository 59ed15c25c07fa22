"""`lillesite serve` in a real browser: an open tab shows a saved change by itself (livereload)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP
from tests.test_serve import Preview

pytestmark = pytest.mark.browser


def test_an_open_tab_shows_a_saved_change_by_itself(site_copy, tmp_path, page_at):
    site = site_copy("bilingual")
    server = Preview(site, tmp_path / "serve.log")
    page = page_at(DESKTOP)
    try:
        with page.expect_websocket() as connected:
            page.goto(f"http://127.0.0.1:{server.port}/fr/bureau/")
        # livereload.js says which page it shows ('info'); from then on the server reloads it
        connected.value.wait_for_event("framesent", predicate=lambda frame: '"info"' in str(frame))
        navigations = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url))
        bureau = site / "content/pages/bureau.fr.md"
        bureau.write_text(bureau.read_text(encoding="utf-8") + "\nAjouté pendant que la page est ouverte.\n",
                          encoding="utf-8")
        page.get_by_text("Ajouté pendant que la page est ouverte.").wait_for(timeout=20_000)
        assert navigations == [page.url]  # one reload of the same page, by the page itself
    finally:
        server.stop()

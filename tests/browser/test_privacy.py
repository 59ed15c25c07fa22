"""Loading any page, and searching, makes the browser ask the site's own server only: no third party."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import DESKTOP, SMALL_PHONE

pytestmark = pytest.mark.browser


def test_no_request_leaves_the_site(served_site, page_at):
    local = urlsplit(served_site.origin).netloc
    requests: list[tuple[str, str]] = []  # (page, requested URL)
    for width in (SMALL_PHONE, DESKTOP):  # responsive images and media queries may load other files
        page = page_at(width)
        current = ""

        def record(request) -> None:
            requests.append((current, request.url))

        page.on("request", record)
        try:
            for built in served_site.pages:
                current = built.path
                page.goto(served_site.url(built.path))  # "load": after every stylesheet, image, font
            for lang in served_site.site.config.language_codes:  # the search loads its index on demand
                current = f"search ({lang})"
                page.goto(served_site.url(served_site.search_path(lang)))
                page.locator(".pagefind-ui__search-input").fill("Lille")
                page.locator(".pagefind-ui__result-link").first.wait_for()
                page.wait_for_load_state("networkidle")
        finally:
            page.remove_listener("request", record)
    assert any("/pagefind/" in url for _, url in requests), "the search was not exercised"
    foreign = sorted({f"{where}: {url}" for where, url in requests
                      if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != local})
    assert not foreign, "requests to other hosts:\n" + "\n".join(foreign)

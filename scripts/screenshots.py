#!/usr/bin/env python3
"""Screenshots of the built Lille site in headless Chromium, to look at before publishing.

    python scripts/screenshots.py [--site _site] [--out test-artifacts/screenshots] [--width 390 --width 1280]

Builds nothing: run `python build.py` first. Serves the output folder on a free local port, opens the
pages of every kind in both languages (and the chooser and 404 page) at each width, and writes full-page
PNGs named `<lang>-<name>-<width>.png`. Needs Playwright (`pip install playwright`) and Debian's
`chromium` (`apt-get install chromium`); it never downloads a browser.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# (name, French URL, English URL): one of each kind of page; a page the built site lacks is skipped.
PAGES = (
    ("home", "/fr/", "/en/"),
    ("page", "/fr/profil/", "/en/profile/"),
    ("eu-office", "/fr/bureau-ue/", "/en/eu-office/"),
    ("news-index", "/fr/actualites/", "/en/news/"),
    ("news-index-2", "/fr/actualites/page/2/", "/en/news/page/2/"),
    ("news-item", "/fr/actualites/2023/03/mission-ue-adaptation-changement-climatique/",
     "/en/news/2023/03/eu-climate-adaptation-mission/"),
    ("topics", "/fr/themes/", "/en/topics/"),
    ("topic", "/fr/themes/culture/", "/en/topics/culture/"),
    ("search", "/fr/recherche/", "/en/search/"),
    ("accessibility", "/fr/accessibilite/", "/en/accessibility/"),
    ("legal-notice", "/fr/mentions-legales/", "/en/legal-notice/"),
    ("personal-data", "/fr/donnees-personnelles/", "/en/personal-data/"),
    ("site-map", "/fr/plan-du-site/", "/en/site-map/"),
)
# The pages of no language: the chooser (seen by a browser whose languages the site lacks) and the 404 page.
ROOT_PAGES = (("chooser", "/"), ("404", "/404.html"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # the browser dropping a connection when it moves on to the next page is no news


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("screenshots: no Chromium found; install Debian's package: apt-get install -y chromium")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=REPO / "_site", help="the built site (default: _site)")
    parser.add_argument("--out", type=Path, default=REPO / "test-artifacts" / "screenshots")
    parser.add_argument("--width", type=int, action="append", help="viewport width in CSS px (repeatable)")
    args = parser.parse_args(argv)
    widths = args.width or [390, 1280]
    if not (args.site / "fr" / "index.html").is_file():
        sys.exit(f"screenshots: {args.site} holds no built site; run `python build.py` first")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("screenshots: needs Playwright: pip install playwright")

    # served under the sub-path of base_url, as GitHub Pages serves it: the 404 page's files and links
    # are written from the host's root
    sys.path.insert(0, str(REPO))
    from urllib.parse import urlsplit
    from lillesite.config import load_config
    prefix = urlsplit(load_config(REPO).base_url).path.rstrip("/")
    served = Path(tempfile.mkdtemp())
    (served / prefix.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
    if prefix:
        (served / prefix.lstrip("/")).symlink_to(args.site.resolve())
    handler = functools.partial(_QuietHandler, directory=str(served if prefix else args.site))
    server = _QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    args.out.mkdir(parents=True, exist_ok=True)
    foreign: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            for width in widths:
                # a language the site lacks: the chooser stays instead of following the browser's language
                page = browser.new_page(viewport={"width": width, "height": 900}, locale="de-DE")
                # Any request to another host is a privacy bug: record it and refuse it.
                page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(root)
                           else (foreign.append(route.request.url), route.abort()))
                shots = [(lang, name, url) for name, *targets in PAGES for lang, url in zip(("fr", "en"), targets)]
                shots += [("all", name, url) for name, url in ROOT_PAGES]
                for lang, name, url in shots:
                        rel = url.lstrip("/")
                        if not (args.site / (rel + "index.html" if url.endswith("/") else rel)).is_file():
                            continue
                        page.goto(root + url, wait_until="load")
                        path = args.out / f"{lang}-{name}-{width}.png"
                        page.screenshot(path=str(path), full_page=True)
                        print(path)
                        menu = page.locator(".main-nav summary")
                        if name == "home" and menu.is_visible():  # the phone menu, opened
                            menu.click()
                            path = args.out / f"{lang}-{name}-menu-{width}.png"
                            page.screenshot(path=str(path))
                            print(path)
                page.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    if foreign:
        print("requests to other hosts (blocked):", *sorted(set(foreign)), sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

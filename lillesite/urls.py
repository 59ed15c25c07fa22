"""The only home of the URL scheme. URLs are site paths such as '/fr/actualites/'."""
from __future__ import annotations

import datetime as dt
import posixpath
import re
import unicodedata
from typing import Callable
from urllib.parse import urlsplit

from lillesite.config import Config

PAGE_SEGMENT = "page"  # /fr/actualites/page/2/


def home(lang: str) -> str:
    return f"/{lang}/"


def page(lang: str, slug: str) -> str:
    return f"/{lang}/{slug}/"


def news_index(config: Config, lang: str, number: int = 1) -> str:
    return _paginated(f"/{lang}/{config.news_slug[lang]}/", number)


def news_item(config: Config, lang: str, date: dt.date, slug: str) -> str:
    return f"/{lang}/{config.news_slug[lang]}/{date:%Y/%m}/{slug}/"


def tags_index(config: Config, lang: str) -> str:
    return f"/{lang}/{config.tags_slug[lang]}/"


def tag(config: Config, lang: str, tag_slug: str, number: int = 1) -> str:
    return _paginated(f"/{lang}/{config.tags_slug[lang]}/{tag_slug}/", number)


def search(config: Config, lang: str) -> str | None:
    return f"/{lang}/{config.search_slug[lang]}/" if config.search_slug else None


LEGAL_PAGES = ("accessibility", "legal_notice", "personal_data", "site_map")  # config.LEGAL_SLUGS' keys


def legal(config: Config, lang: str, which: str) -> str:
    """A legal page (one of LEGAL_PAGES): '/fr/accessibilite/'."""
    return f"/{lang}/{getattr(config, which + '_slug')[lang]}/"


def feed(lang: str) -> str:
    return f"/{lang}/feed.xml"


def _paginated(first: str, number: int) -> str:
    return first if number == 1 else f"{first}{PAGE_SEGMENT}/{number}/"


CHOOSER = "/"
NOT_FOUND = "/404.html"
SITEMAP = "/sitemap.xml"
ROBOTS = "/robots.txt"


def absolute(config: Config, url: str) -> str:
    return config.base_url + url.lstrip("/")


def host_path(config: Config, url: str) -> str:
    """'/lillesite/css/site.css': the URL from the host's root, for a page served at any depth (404.html)."""
    return urlsplit(config.base_url).path + url.lstrip("/")


def output_path(url: str) -> str:
    """The file that serves a URL, relative to the output: pretty URLs end with '/' and are served by index.html."""
    path = url.lstrip("/")
    return path + "index.html" if url.endswith("/") else path


def in_section(url: str, section: str) -> bool:
    """Whether `url` is the page `section` or below it (the menu marks its current item so). A language's
    home, above every page of the language, counts only as itself."""
    return url == section or (url.startswith(section) and section.count("/") > 2)


def relative(from_url: str, to_url: str) -> str:
    """A link from one page to another that works on any host, under any path, and from disk."""
    return linker(from_url)(to_url)


def linker(from_url: str) -> Callable[[str], str]:
    """relative(from_url, ·) for the links of one page: what depends on the page is worked out once."""
    from_dir = from_url if from_url.endswith("/") else posixpath.dirname(from_url) + "/"
    # posixpath.relpath normalizes both paths through the file system's view of the current directory;
    # plain site paths are normal already, and a build makes tens of thousands of links
    start = [part for part in from_dir.split("/") if part] if _plain(from_dir) else None

    def link(to_url: str) -> str:
        target, hash_, fragment = to_url.partition("#")
        if target == from_dir:
            rel = "."
        elif start is not None and _plain(target):
            parts = [part for part in target.split("/") if part]
            common = 0
            for a, b in zip(parts, start):
                if a != b:
                    break
                common += 1
            rel = "/".join([".."] * (len(start) - common) + parts[common:]) or "."
        else:
            rel = posixpath.relpath(target, from_dir)
        if target.endswith("/") and rel != ".":
            rel += "/"
        elif rel == ".":
            rel = "./"
        return rel + hash_ + fragment
    return link


_UNUSUAL = re.compile(r"//|/\.\.?(?:/|$)")


def _plain(path: str) -> bool:
    """A site path without '.', '..' or '//' segments, whose relative form needs no normalizing."""
    return path.startswith("/") and not _UNUSUAL.search(path)


def slugify(text: str) -> str:
    """'Coopération européenne !' -> 'cooperation-europeenne': accents folded, ASCII only."""
    folded = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae"))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")

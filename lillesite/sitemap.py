"""sitemap.xml, from the page plan: each page that is in_sitemap, with xhtml:link alternates for every
translation plus x-default; robots.txt."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Iterable

from lillesite import urls
from lillesite.feeds import xml_text
from lillesite.config import Config
from lillesite.plan import PagePlan

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"


Group = tuple[dict[str, str], str | None, str | None]  # URL by language, last modified, x-default


def groups(pages: Iterable[PagePlan]) -> list[Group]:
    """Each group: one page's URL in every language it exists in, its last-modified date, its x-default."""
    found: dict[tuple, tuple[dict[str, str], set, str | None]] = {}
    for page in pages:
        if page.in_sitemap:
            urls_by_lang, dates, _ = found.setdefault(tuple(page.translations.items()),
                                                      (dict(page.translations), set(), page.x_default))
            if page.entry is not None and page.entry.date:
                dates.add(page.entry.date)
    groups = [(urls_by_lang, max(dates).date().isoformat() if dates else None, x_default)
              for urls_by_lang, dates, x_default in found.values()]
    return sorted(groups, key=lambda g: sorted(g[0].values()))


def sitemap(config: Config, groups: list[Group]) -> bytes:
    ET.register_namespace("", SITEMAP)
    ET.register_namespace("xhtml", XHTML)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    for group, lastmod, x_default in groups:
        for lang, url in group.items():
            node = ET.SubElement(root, f"{{{SITEMAP}}}url")
            ET.SubElement(node, f"{{{SITEMAP}}}loc").text = xml_text(urls.absolute(config, url))
            if lastmod:
                ET.SubElement(node, f"{{{SITEMAP}}}lastmod").text = lastmod
            if len(group) > 1:
                for other, other_url in group.items():
                    ET.SubElement(node, f"{{{XHTML}}}link", rel="alternate", hreflang=other,
                                  href=xml_text(urls.absolute(config, other_url)))
                ET.SubElement(node, f"{{{XHTML}}}link", rel="alternate", hreflang="x-default",
                              href=xml_text(urls.absolute(config, x_default)))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def robots(config: Config) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(config, urls.SITEMAP)}\n".encode()

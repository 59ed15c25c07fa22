"""sitemap.xml with xhtml:link alternates for every translation plus x-default; robots.txt."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from lillesite import urls
from lillesite.feeds import xml_text
from lillesite.model import Site

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"


def groups(site: Site) -> list[tuple[dict[str, str], str | None, str | None]]:
    """Each group: one page's URL in every language it exists in, its last-modified date, its x-default."""
    config = site.config
    codes = config.language_codes
    groups: list[tuple[dict[str, str], str | None, str | None]] = [
        ({code: urls.home(code) for code in codes}, None, urls.CHOOSER),
        ({code: urls.news_index(config, code) for code in codes}, None, None),
    ]
    for tset in site.sets.values():
        if tset.kind == "page" and tset.key == "index":
            continue
        dates = {e.date for e in tset.entries.values() if e.date}
        lastmod = max(dates).date().isoformat() if dates else None
        groups.append(({lang: e.url for lang, e in tset.entries.items()}, lastmod, None))
    return sorted(groups, key=lambda g: sorted(g[0].values()))


def sitemap(site: Site) -> bytes:
    config = site.config
    ET.register_namespace("", SITEMAP)
    ET.register_namespace("xhtml", XHTML)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    for group, lastmod, x_default in groups(site):
        default = x_default or group.get(config.default_language) or next(iter(group.values()))
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
                              href=xml_text(urls.absolute(config, default)))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def robots(site: Site) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(site.config, urls.SITEMAP)}\n".encode()

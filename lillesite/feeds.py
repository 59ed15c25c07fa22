"""RSS 2.0 per language, generated with xml.etree so any content stays well-formed XML."""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from babel.support import NullTranslations

from lillesite import urls
from lillesite.markup import LINK_PLACEHOLDER_RE
from lillesite.config import Config
from lillesite.model import Entry

# RFC 822 names days and months in English whatever the feed's language; formatted here as email.utils
# does, which takes longer to import, on every build, than the feeds take to write
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
# Characters XML 1.0 forbids (C0 controls but tab/LF/CR, surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = xml_text(text)
    return element


def absolute_content(config: Config, entry: Entry) -> str:
    """The item's HTML with links made absolute, since a feed reader has no base URL of ours."""

    def replace(match) -> str:
        kind, target, fragment = match.groups()
        if kind != "url":  # a site path ('/fr/x/?query') is its own target
            target = entry.link_targets.get(target)
        return urls.absolute(config, target) + (fragment or "") if target else match.group(0)

    html = LINK_PLACEHOLDER_RE.sub(replace, entry.doc.html)
    return re.sub(r'(src|href)="/(?!/)', lambda m: f'{m.group(1)}="{config.base_url}', html)


def _rfc822(moment: dt.datetime) -> str:
    """'Fri, 31 Mar 2023 09:30:00 +0200' (a time-zone aware moment)."""
    day, month = DAYS[moment.weekday()], MONTHS[moment.month - 1]
    return f"{day}, {moment.day:02d} {month} {moment.year:04d} {moment:%H:%M:%S %z}"


def rss(config: Config, lang: str, items: tuple[Entry, ...], catalogue: NullTranslations) -> bytes:
    """The feed of a language's latest `items` (its cache key names them: it reads nothing else of the site)."""
    ET.register_namespace("atom", ATOM)
    ET.register_namespace("content", CONTENT)
    root = ET.Element("rss", {"version": "2.0"})
    channel = _sub(root, "channel")
    _sub(channel, "title", f"{config.title[lang]} – {catalogue.gettext('News')}")
    _sub(channel, "link", urls.absolute(config, urls.news_index(config, lang)))
    _sub(channel, "description", config.description[lang] or config.title[lang])
    _sub(channel, "language", lang)
    _sub(channel, f"{{{ATOM}}}link", href=urls.absolute(config, urls.feed(lang)), rel="self",
         type="application/rss+xml")
    if items:
        # the newest item's date, not the clock: the same content gives the same feed
        _sub(channel, "lastBuildDate", _rfc822(items[0].date))
    _sub(channel, "generator", "lillesite")
    for entry in items:
        item = _sub(channel, "item")
        link = urls.absolute(config, entry.url)
        _sub(item, "title", entry.title)
        _sub(item, "link", link)
        _sub(item, "guid", f"{config.base_url}{lang}/{entry.key}", isPermaLink="false")
        _sub(item, "pubDate", _rfc822(entry.date))
        _sub(item, "description", entry.summary)
        for tag in entry.tags:
            _sub(item, "category", config.tag_label(tag, lang))
        _sub(item, f"{{{CONTENT}}}encoded", absolute_content(config, entry))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"

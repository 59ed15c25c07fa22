"""Big input builds without error: one 10 MB Markdown file, and a site of 10,000 content files.

The 10 MB file takes more than half a minute: it is marked `slow`, so `pytest -m "not slow"` skips it
for a quick local run; CI runs the whole suite, this test included.
"""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import pytest

from tests.conftest import EPOCH, build_site, write_site
from tests.crawl import parse_page

SECTION = """\
## Section {i}

Un paragraphe avec du *texte*, du **gras**, un [lien vers l'autre page](autre.fr.md), un
[lien externe](https://example.org/{i}) et `du code`; 35 % des 110 000 habitants : « bien » !

- un point
- un autre point

| Année | Valeur |
|---|---|
| 2023 | {i} |

"""
# Python-Markdown's footnotes cost grows with the square of their number (a list lookup per footnote):
# one every 50 sections, as in a long report, not one per paragraph.
FOOTNOTE = "Voir la note[^n{i}].\n\n[^n{i}]: La note {i}.\n\n"


@pytest.mark.slow
def test_a_10_mb_markdown_file_builds(tmp_path):
    sections, size = [], 0
    while size < 10 * 1024 * 1024:
        i = len(sections)
        sections.append(SECTION.format(i=i) + (FOOTNOTE.format(i=i) if i % 50 == 0 else ""))
        size += len(sections[-1].encode("utf-8"))
    site = write_site(tmp_path / "site", {
        "content/pages/gros.fr.md": "---\ntitle: Un très gros fichier\n---\n" + "".join(sections),
        "content/pages/autre.fr.md": "---\ntitle: Autre\n---\nTexte.\n",
    })
    out = build_site(site)
    page = out / "fr/gros/index.html"
    assert page.stat().st_size > 10 * 1024 * 1024
    parsed = parse_page(page)
    last = len(sections) - 1
    assert parsed.texts["h2"][-1] == f"Section {last}" and f"section-{last}" in parsed.ids
    assert parsed.links.count("../autre/") == len(sections)  # every link rewritten to the page's URL


def test_a_site_of_10000_files_builds(tmp_path):
    files = {}
    for i in range(5000):
        date = f"{2010 + i % 13}-{1 + i % 12:02d}-{1 + i % 28:02d}"  # 2010-2022: none in the future
        tags = f"tags: [{('culture', 'economy')[i % 2]}]\n"  # given once, in the source language
        for lang, front in (("fr", tags), ("en", "")):
            files[f"content/news/{date}-item-{i}.{lang}.md"] = f"---\ntitle: Item {i}\n{front}---\nTexte {i}.\n"
    site = write_site(tmp_path / "site", files)
    out = build_site(site)
    items = [p for p in out.glob("*/*/*/*/item-*/index.html")]
    assert len(items) == 10000
    middle = parse_page(out / "fr/actualites/page/250/index.html")  # 500 listing pages in all
    assert len([link for link in middle.links if "page/" in link]) < 12  # a window of page links, not 500
    sitemap = ET.parse(out / "sitemap.xml").getroot()
    assert len(sitemap) > 10000
    feed = ET.parse(out / "fr/feed.xml").getroot()
    dates = [parsedate_to_datetime(d.text) for d in feed.findall("channel/item/pubDate")]
    assert len(dates) == 20 and dates == sorted(dates, reverse=True)  # the feed limit, newest first
    assert dates[0] <= dt.datetime.fromtimestamp(int(EPOCH), dt.timezone.utc)  # nothing from the future

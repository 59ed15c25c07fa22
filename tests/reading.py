"""Read built output the way a browser or feed reader does: parsed, with entities decoded."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path


@dataclass
class HtmlPage:
    elements: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # every start tag, in order
    texts: dict[str, list[str]] = field(default_factory=dict)  # tag -> text of each such element
    scripts: list[tuple[dict[str, str], str]] = field(default_factory=list)  # (attributes, body)

    def meta(self, key: str) -> list[str]:
        """content of <meta property=key> or <meta name=key>."""
        return [a.get("content", "") for t, a in self.elements
                if t == "meta" and key in (a.get("property"), a.get("name"))]

    def json_ld(self) -> list:
        return [json.loads(body) for attrs, body in self.scripts if attrs.get("type") == "application/ld+json"]


class _Reader(HTMLParser):
    TEXT_TAGS = {"title", "h1", "h2", "h3", "a", "p", "li", "script"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = HtmlPage()
        self.open: list[tuple[str, dict, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.page.elements.append((tag, attributes))
        if tag in self.TEXT_TAGS:
            self.open.append((tag, attributes, []))

    def handle_data(self, data):
        for _, _, parts in self.open:
            parts.append(data)

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                _, attributes, parts = self.open.pop(index)
                text = "".join(parts)
                self.page.texts.setdefault(tag, []).append(text)
                if tag == "script":
                    self.page.scripts.append((attributes, text))
                break


def read_html(path: Path) -> HtmlPage:
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    reader.close()
    return reader.page

"""One content file parsed: validated front matter plus rendered Markdown. A pure function of the bytes."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from lillesite.errors import ContentError, Diagnostics, Location
from lillesite.frontmatter import ContentErrors, decode, split
from lillesite.markup import Converter, Link
from lillesite.messages import _
from lillesite.sources import SourceFile


@dataclass(frozen=True)
class Document:
    source: SourceFile
    meta: dict[str, Any]  # validated front matter, only the keys given in the file
    html: str  # body, with link placeholders
    anchors: tuple[str, ...]
    links: tuple[Link, ...]
    summary: str  # plain text: front matter summary, else the first paragraph
    fingerprint: str  # of the file's bytes: cache key, and what a translation records as its source
    line_of_key: dict[str, int]  # front matter key -> line, for errors found later (inheritance, slugs)

    def placed(self, source: SourceFile | None) -> Document:
        """This document as the file at `source`: the cache stores documents without their place on disk.
        A copy of the fields, not dataclasses.replace(), which costs much more, on every document of a build."""
        placed = object.__new__(Document)
        placed.__dict__.update(self.__dict__)
        object.__setattr__(placed, "source", source)
        return placed


def fingerprint(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def parse(source: SourceFile, raw: bytes, converter: Converter, report: Diagnostics) -> Document | None:
    """The document, or None when its front matter or Markdown cannot be read; problems go to `report`."""
    where = source.rel
    try:
        text = decode(raw, where)
        front = split(text, where)
    except ContentError as exc:
        report.add(exc)
        return None
    except ContentErrors as exc:  # front matter reports every bad key of a file at once
        report.extend(exc.errors)
        return None
    try:
        markup = converter.convert(front.body, source_rel=where, body_line=front.body_line)
    except Exception as exc:  # noqa: BLE001 - Python-Markdown fails on some odd input: say where, go on
        report.add(ContentError(_("the Markdown of this file could not be converted ({problem}); "
                                  "look for an unusual construct, e.g. footnotes nested in footnotes",
                                  problem=type(exc).__name__ + ": " + str(exc)),
                                Location(where, front.body_line)))
        return None
    report.extend(ContentError(message, Location(where, line), level=level)
                  for level, message, line in markup.problems)
    meta = front.values
    lines = _key_lines(front.text, meta)
    return Document(
        source=source,
        meta=meta,
        html=markup.html,
        anchors=markup.anchors,
        links=markup.links,
        summary=meta.get("summary") or markup.first_paragraph,
        fingerprint=fingerprint(raw),
        line_of_key=lines,
    )


def _key_lines(text: str, meta: dict) -> dict[str, int]:
    """Lines of the top-level front matter keys (cheap: keys start a line)."""
    lines = {}
    for number, line in enumerate(text.split("\n", 64)[1:64], start=2):
        if line.rstrip() == "---":
            break
        key = line.split(":", 1)[0]
        if key in meta and key not in lines:
            lines[key] = number
    return lines

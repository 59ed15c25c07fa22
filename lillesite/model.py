"""The assembled site: immutable, complete when created, no I/O."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lillesite.config import Config
from lillesite.document import Document
from lillesite.images import Picture

HOME_KEY = "index"  # content/pages/index.LANG.md is the home page's text


@dataclass(frozen=True)
class Entry:
    """A page or news item in one language, with its URL."""

    doc: Document
    kind: str  # 'page' or 'news'
    key: str  # translation key (news: 'YYYY-MM-DD-key')
    lang: str
    title: str
    summary: str
    date: dt.datetime | None  # news: aware, in the site's time zone
    tags: tuple[str, ...]
    image: str | None
    image_alt: str | None
    image_credit: str | None
    picture: Picture | None  # the lead image as pages show it (its sizes and formats)
    menu: int | None
    draft: bool
    future: bool
    url: str
    link_targets: dict[str, str]  # placeholder target ('content/pages/x.fr.md' or 'images/a.jpg') -> site URL
    pictures: dict[str, Picture]  # images of the text: path in static/ -> as pages show it

    @property
    def rel(self) -> str:
        return self.doc.source.rel

    @property
    def is_home(self) -> bool:
        return self.kind == "page" and self.key == HOME_KEY


@dataclass(frozen=True)
class TranslationSet:
    kind: str
    key: str
    source_lang: str  # the language the others are translated from
    entries: dict[str, Entry]  # lang -> entry, in the config's language order

    @property
    def source(self) -> Entry:
        return self.entries[self.source_lang]


@dataclass(frozen=True)
class Tag:
    key: str  # as written in front matter
    label: str  # in the language of the listing
    slug: str
    url: str
    entries: tuple[Entry, ...]  # newest first


@dataclass(frozen=True)
class MenuItem:
    title: str
    url: str
    weight: int


@dataclass(frozen=True)
class Site:
    config: Config
    now: dt.datetime
    sets: dict[tuple[str, str], TranslationSet]  # (kind, key) -> set
    news: dict[str, tuple[Entry, ...]]  # lang -> items, newest first
    pages: dict[str, tuple[Entry, ...]]  # lang -> pages by key, home excluded
    homes: dict[str, Entry | None]  # lang -> the home page's text, if written
    tags: dict[str, tuple[Tag, ...]]  # lang -> tags by label
    menus: dict[str, tuple[MenuItem, ...]]  # lang -> main navigation
    next_scheduled: dt.datetime | None  # the next future-dated item left out of this build

    def translations(self, entry: Entry) -> dict[str, Entry]:
        return self.sets[(entry.kind, entry.key)].entries

    def source_of(self, entry: Entry) -> Entry:
        return self.sets[(entry.kind, entry.key)].source

    def entries(self):
        for tset in self.sets.values():
            yield from tset.entries.values()

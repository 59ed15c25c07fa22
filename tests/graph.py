"""A build's object graph made in memory: config -> documents -> site -> page plan -> rendered pages.

Stage tests start from the rung they need (Lektor's fixture ladder, in conftest.py) instead of writing
a site and building it whole. Each stage is called through one function here: when a stage's
signature changes (findings collected in a Diagnostics rather than returned), this is the one place
to follow it. Every finding of a stage fails the fixture (warnings too): the fixture site is clean.
"""
from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping

from babel.support import NullTranslations

from lillesite import translations as translation_status
from lillesite.assemble import assemble
from lillesite.config import CONFIG_NAME, Config, load_config
from lillesite.document import Document, fingerprint, parse
from lillesite.errors import Diagnostics, LilleError
from lillesite.i18n import load_translations
from lillesite.markup import Converter
from lillesite.model import Site
from lillesite.plan import PagePlan, plan
from lillesite.render import Rendered, Renderer
from lillesite.sources import KINDS, NAME_RE, SourceFile, calendar_date
from lillesite.templating import CompiledTemplates

NOW = dt.datetime(2023, 11, 14, tzinfo=dt.timezone.utc)  # conftest's EPOCH: after every dated item below

CONFIG = """\
base_url: https://example.org/
default_language: fr
languages:
  fr: {locale: fr_FR}
  en: {locale: en_GB}
title: {fr: Site de test, en: Test site}
description: {fr: Un petit site., en: A small site.}
news:
  slug: {fr: actualites, en: news}
  per_page: 2
  on_home: 2
  menu: 50
  feed_limit: 3
tags:
  slug: {fr: themes, en: tags}
  labels:
    culture: {fr: Culture, en: Culture}
    economy: {fr: Économie, en: Economy}
search:
  slug: {fr: recherche, en: search}
"""

def raw_bytes(text: str) -> bytes:
    """A content file's bytes from the indented text written in a test."""
    return textwrap.dedent(text).lstrip("\n").encode("utf-8")


ABOUT_FR = """
    ---
    title: À propos
    slug: a-propos
    menu: 10
    aliases: [/ancien/a-propos/]
    ---
    Qui nous sommes. Voir [la première nouvelle](../news/2023-01-10-first.fr.md).

    ## Notre histoire
    """

# fr: home, two pages (one untranslated), four news items and a draft; en: home, one page (translated from
# the French as it is: see translations.is_stale), three items.
# fr news: 4 items (2 listing pages); en: 3 (2 listing pages). Tags fr: culture 2, economy 2; en: 2 and 1.
CONTENT = {
    "content/pages/index.fr.md": """
        ---
        title: Bienvenue
        ---
        Le site de test.
        """,
    "content/pages/index.en.md": """
        ---
        title: Welcome
        ---
        The test site.
        """,
    "content/pages/about.fr.md": ABOUT_FR,
    "content/pages/about.en.md": f"""
        ---
        title: About us
        translated_from: {fingerprint(raw_bytes(ABOUT_FR))}
        ---
        Who we are. See [the first news item](../news/2023-01-10-first.en.md#details).
        """,
    "content/pages/contact.fr.md": """
        ---
        title: Contact
        menu: 20
        ---
        Écrivez-nous.
        """,
    "content/news/2023-01-10-first.fr.md": """
        ---
        title: Première nouvelle
        tags: [culture]
        ---
        Le premier paragraphe.

        ## Détails {#details}
        """,
    "content/news/2023-01-10-first.en.md": """
        ---
        title: First news
        ---
        The first paragraph.

        ## Details {#details}
        """,
    "content/news/2023-02-20-second.fr.md": """
        ---
        title: Deuxième nouvelle
        tags: [economy, culture]
        ---
        Le deuxième paragraphe.
        """,
    "content/news/2023-02-20-second.en.md": """
        ---
        title: Second news
        ---
        The second paragraph.
        """,
    "content/news/2023-03-05-third.fr.md": """
        ---
        title: Troisième nouvelle
        tags: [economy]
        ---
        Seulement en français.
        """,
    "content/news/2023-04-01-fourth.fr.md": """
        ---
        title: Quatrième nouvelle
        ---
        Le quatrième paragraphe. Voir [qui nous sommes](../pages/about.fr.md).
        """,
    "content/news/2023-04-01-fourth.en.md": """
        ---
        title: Fourth news
        ---
        The fourth paragraph.
        """,
    "content/news/2023-05-01-unfinished.fr.md": """
        ---
        title: Brouillon
        draft: true
        ---
        Pas encore.
        """,
}


def fail_on(findings: Iterable[LilleError]) -> None:
    """Raise BuildFailed on any error or warning: a fixture is built from clean content."""
    Diagnostics(findings).raise_if_failed(strict=True)


def make_config(folder: Path, text: str = CONFIG) -> Config:
    """The Config of a site.yml text. load_config reads a folder, so the text is written to `folder`, and
    nothing else: the templates and catalogues are the theme's."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CONFIG_NAME).write_text(text, encoding="utf-8")
    return load_config(folder)


def source_file(config: Config, rel: str) -> SourceFile:
    """The SourceFile that discovery makes of a well-named content file (no error handling: the fixtures'
    names are right; tests of naming errors belong to discovery's own tests)."""
    _, folder, name = rel.split("/")
    found = NAME_RE.match(name)
    assert found, rel
    kind = KINDS[folder]
    if kind == "news":
        return SourceFile(str(config.root / rel), rel, kind, found["key"], found["lang"], calendar_date(found["date"]))
    key = f"{found['date']}-{found['key']}" if found["date"] else found["key"]
    return SourceFile(str(config.root / rel), rel, kind, key, found["lang"], None)


def make_converter(config: Config) -> Converter:
    return Converter(allow_embeds=config.allow_embeds)


def make_documents(config: Config, files: Mapping[str, str], converter: Converter) -> list[Document]:
    """Each file parsed, in discovery's order (sorted paths)."""
    docs, report = [], Diagnostics()
    for rel in sorted(files, key=lambda rel: rel.split("/")):
        doc = parse(source_file(config, rel), raw_bytes(files[rel]), converter, report)
        if doc:
            docs.append(doc)
    fail_on(report)
    return docs


def make_site(config: Config, docs: list[Document], *, now: dt.datetime = NOW,
              static_files: frozenset[str] = frozenset(), drafts: bool = False, future: bool = False) -> Site:
    report = Diagnostics()
    site = assemble(config, docs, report, now=now, static_files=static_files,
                    include_drafts=drafts, include_future=future)
    fail_on(report)
    return site


def make_catalogues(config: Config) -> dict[str, NullTranslations]:
    report = Diagnostics()
    catalogues = load_translations(config, None, report)
    fail_on(report)
    return catalogues


def make_plan(site: Site, catalogues: Mapping[str, NullTranslations]) -> tuple[PagePlan, ...]:
    """The plan as a build outside git makes it: translations are stale by their `translated_from`."""
    return plan(site, catalogues, outdated=translation_status.outdated(site, None))


def make_renderer(site: Site, catalogues: Mapping[str, NullTranslations],
                  compiled: dict[str, bytes] | None = None) -> Renderer:
    """`compiled`: Jinja's compiled templates, shared between renderers so each does not compile them again."""
    return Renderer(site, catalogues, compiled=CompiledTemplates(compiled) if compiled is not None else None)


@dataclass(frozen=True)
class Graph:
    """Every rung for one set of content, for tests that compare two versions of a site."""

    config: Config
    documents: list[Document]
    site: Site
    catalogues: Mapping[str, NullTranslations]
    pages: tuple[PagePlan, ...]
    renderer: Renderer

    def page(self, url: str) -> PagePlan:
        return next(page for page in self.pages if page.url == url)

    def render(self, page: PagePlan) -> Rendered:
        rendered = self.renderer.render(page)
        fail_on(self.renderer.errors.values())
        return rendered


def make_graph(config: Config, files: Mapping[str, str], converter: Converter,
               catalogues: Mapping[str, NullTranslations], compiled: dict[str, bytes] | None = None) -> Graph:
    docs = make_documents(config, files, converter)
    site = make_site(config, docs)
    return Graph(config, docs, site, catalogues, make_plan(site, catalogues), make_renderer(site, catalogues, compiled))


def edited(files: Mapping[str, str], rel: str, change: Callable[[str], str | None]) -> dict[str, str]:
    """A copy of `files` with one file changed: `change` gets its text dedented ('' for a new file) and
    returns the new text, or None to remove the file."""
    result = dict(files)
    text = change(raw_bytes(result[rel]).decode("utf-8") if rel in result else "")
    if text is None:
        del result[rel]
    else:
        result[rel] = text
    return result

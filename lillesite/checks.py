"""The checks of `check` and `build --strict` beyond what assembling finds: hreflang reciprocity in
the built pages, UI strings missing from a language's catalogue, stale translations."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Iterable

import jinja2

from lillesite import i18n, urls
from lillesite.config import Config
from lillesite.errors import ContentError, Diagnostics, Location, TemplateError
from lillesite.model import Entry, Site
from lillesite.templating import THEME_TEMPLATES, template_location


def stale_notices(outdated: dict[str, Entry], report: Diagnostics) -> None:
    """Notices, not warnings: a stale page is published with a notice linking to the original,
    so a French-first edit never blocks a --strict build."""
    report.extend(ContentError(f"translation may be out of date: {source.rel} changed since it was translated",
                               Location(rel, 1), level="notice",
                               hint=f"update it if needed, then run 'lillesite translations --mark-done {rel}'")
                  for rel, source in sorted(outdated.items()))


# ------------------------------------------------------------------ hreflang
class _Alternates(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str] = {}  # hreflang -> absolute URL

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "link" and values.get("rel") == "alternate" and values.get("hreflang") and values.get("href"):
            self.found[values["hreflang"]] = values["href"]


def _alternates(html: bytes) -> dict[str, str]:
    head = html.split(b"</head>", 1)[0].decode("utf-8", "replace")
    parser = _Alternates()
    parser.feed(head)
    return parser.found


def hreflang_problems(site: Site, files: Iterable[str], read: Callable[[str], bytes], report: Diagnostics) -> None:
    """Every page that names a translation must be named back by it, in the built HTML: `files` are the
    output's paths, `read` gives a file's bytes (OSError when it cannot)."""
    config = site.config
    page_of_url = {urls.absolute(config, "/" + _url_path(path)): path for path in files if path.endswith(".html")}
    source_of = {urls.output_path(e.url): e.rel for e in site.entries()}
    alternates = {path: _alternates(read(path)) for path in page_of_url.values()}
    for path, found in sorted(alternates.items()):
        own = urls.absolute(config, "/" + _url_path(path))
        where = Location(source_of.get(path, f"(output) {path}"))
        for lang, url in sorted(found.items()):
            if lang == "x-default" or url == own:
                continue
            target = page_of_url.get(url)
            if target is None:
                report.add(ContentError(f"hreflang {lang!r} points to {url}, which this site does not build",
                                        where))
            elif own not in alternates[target].values():
                report.add(ContentError(f"hreflang {lang!r} points to {url}, which does not point back",
                                        where, hint="translations must list each other"))
        if found and own not in found.values():
            report.add(ContentError("hreflang alternates do not include the page itself", where))


def _url_path(output_path: str) -> str:
    return output_path[: -len("index.html")] if output_path.endswith("index.html") else output_path


# ------------------------------------------------------------- UI strings
def missing_ui_strings(config: Config, report: Diagnostics) -> None:
    """Strings that templates translate but a (non-English) language's catalogues lack."""
    used = _template_messages(config)
    for lang in config.language_codes:
        if lang.split("-")[0] == "en":
            continue  # msgids are English
        known = set()
        for folder in (i18n.THEME_LOCALES, config.locales_dir):
            known |= _translated(i18n.catalog_path(folder, lang), lang)
        name = config.language(lang).name
        catalogue = i18n.catalog_path(config.locales_dir, lang).relative_to(config.root).as_posix()
        for message, location in used.items():
            if message not in known:
                report.add(TemplateError(f"UI string {message!r} has no {name} translation",
                                         location, level="warning", hint=f"add it to {catalogue}"))


def _template_messages(config: Config) -> dict[str, Location]:
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    seen: dict[str, Location] = {}
    site_templates = _templates(config.templates_dir)
    shadowed = set(site_templates)
    for rel, path in [*site_templates.items(), *((r, p) for r, p in _templates(THEME_TEMPLATES).items()
                                                 if r not in shadowed)]:
        try:
            found = list(env.extract_translations(path.read_text(encoding="utf-8")))
        except (jinja2.TemplateSyntaxError, OSError, UnicodeDecodeError):
            continue  # rendering reports these with their line
        for line, _function, message in found:
            text = message[0] if isinstance(message, tuple) else message
            if isinstance(text, str) and text not in seen:
                seen[text] = template_location(config, str(path), line)
    return seen


def _templates(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.suffix in (".html", ".xml")}


def _translated(path: Path, lang: str) -> set[str]:
    if not path.is_file():
        return set()
    from babel.messages.pofile import read_po  # here: a plain build never reads .po files (i18n keeps them compiled)

    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang.replace("-", "_"))
    except Exception:  # an unreadable catalogue is reported when it is loaded for the build
        return set()
    return {m.id if isinstance(m.id, str) else m.id[0]
            for m in catalog if m.id and m.string and not m.fuzzy
            and (m.string if isinstance(m.string, str) else all(m.string))}

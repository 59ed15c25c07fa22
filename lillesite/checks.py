"""The checks of `check` and `build --strict` beyond what assembling finds: hreflang reciprocity in
the built pages, UI strings missing from a language's catalogue, stale translations, pictures of
static/ that nothing uses; and, on every
build, translations without an original and links written from the site's root ('/fr/eu-office/'),
which only the page plan can resolve."""
from __future__ import annotations

import difflib
import posixpath
import re
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit
from pathlib import Path
from typing import Callable, Iterable

import jinja2

from lillesite import i18n, images, urls, yamltext
from lillesite.config import CONFIG_NAME, LEGAL_FACTS, Config
from lillesite.errors import ConfigError, ContentError, Diagnostics, Location, TemplateError
from lillesite.messages import Message, _
from lillesite.model import Entry, Site
from lillesite.plan import PagePlan
from lillesite.sources import SourceFile
from lillesite.templating import THEME_TEMPLATES, template_location


def stale_notices(outdated: dict[str, Entry], report: Diagnostics) -> None:
    """Notices, not warnings: a stale page is published with a notice linking to the original,
    so a French-first edit never blocks a --strict build."""
    report.extend(ContentError(_("translation may be out of date: {original} changed since it was translated",
                                 original=source.rel),
                               Location(rel, 1), level="notice",
                               hint=_("update it if needed, then run 'lillesite translations --mark-done {file}'",
                                      file=rel))
                  for rel, source in sorted(outdated.items()))


# ------------------------------------------------ legal facts not known yet
def unknown_legal_facts(config: Config, report: Diagnostics) -> None:
    """On every build, a notice for each fact of 'legal:' left null or out: the legal pages say plainly that
    it is not known yet, which the law does not accept for long (a notice: it never blocks a build)."""
    if not config.accessibility:
        return
    for name in LEGAL_FACTS:
        if getattr(config, name) is None:
            report.add(ConfigError(
                _("Config value {name!r} is not known yet: the legal pages say so", name=f"legal.{name}"),
                Location(CONFIG_NAME, yamltext.key_line(config.source_text, ("legal", name))
                         or yamltext.key_line(config.source_text, ("legal",))),
                level="notice", hint=_("write it in site.yml when the site's owner gives it")))


def pages_at_one_url(pages: Iterable[PagePlan], report: Diagnostics) -> None:
    """A content page at the URL of a page the generator makes (a legal page, the site map, a listing): one
    would silently replace the other. Two content pages at one URL are found when assembling."""
    made = {page.path: page for page in pages if page.entry is None}
    for page in pages:
        other = made.get(page.path) if page.entry is not None else None
        if other is not None:
            report.add(ContentError(_("URL {url} is also the address of the page {title!r} the site makes",
                                      url=page.url, title=other.title),
                                    Location(page.entry.rel, 1),
                                    hint=_("give this page another 'slug:', or that page another slug in site.yml")))


# ------------------------------------------------ translations without original
def translations_without_original(config: Config, sources: Iterable[SourceFile], report: Diagnostics) -> None:
    """A file in another language pairs with the default language's file of the same kind and key (a news
    item's date included). One that pairs with nothing while an original of the same key (another date)
    or of a very close name exists was made with the wrong date or key: it translates nothing. One with
    no such original is news in that language only, which a site may publish (an imported English feed)."""
    default = config.default_language
    sources = list(sources)
    originals = {(s.kind, s.key, s.date): s for s in sources if s.lang == default}
    for source in sources:
        if source.lang == default or (source.kind, source.key, source.date) in originals:
            continue
        candidates = [s for s in originals.values() if s.kind == source.kind]
        original = (next((s for s in candidates if s.key == source.key), None)  # the same key, another date
                    or _closest_original(source, candidates))
        if original:
            expected = f"{source.rel[:-len(f'.{source.lang}.md')]}.{default}.md"
            renamed = f"{_stem(original)}.{source.lang}.md"
            report.add(ContentError(_("translation without an original: there is no {expected}", expected=expected),
                                    Location(source.rel), level="warning",
                                    hint=_("if it translates {original}, rename it {renamed}",
                                           original=original.rel, renamed=renamed)))


def _stem(source: SourceFile) -> str:
    return f"{source.date.isoformat()}-{source.key}" if source.date else source.key


def _closest_original(source: SourceFile, candidates: list[SourceFile]) -> SourceFile | None:
    by_stem = {_stem(s): s for s in candidates}
    close = difflib.get_close_matches(_stem(source), by_stem, n=1, cutoff=0.8)
    return by_stem[close[0]] if close else None


# ------------------------------------------------------------- site paths
def root_relative_links(config: Config, entries: Iterable[Entry], pages: Iterable[PagePlan], files: Iterable[str],
                        static: Iterable[str], report: Diagnostics) -> None:
    """Links written from the site's root ('/fr/eu-office/') must name a page the plan has, or a file the
    build writes (feeds, the sitemap, static files): an error otherwise, with the closest address."""
    found = [(entry, link) for entry in entries for link in entry.doc.links if link.kind == "url"]
    if not found:  # most sites: then the site's addresses need not be gathered, on every preview rebuild
        return
    page_of = {page.url: page for page in pages}
    known = set(page_of) | {"/" + path for path in files} | {"/" + path for path in static}
    suggestions: list[str] | None = None  # made on the first broken link
    base_path = urlsplit(config.base_url).path
    for entry, link in found:
        where = Location(entry.rel, link.line)
        if link.target in known:
            target = page_of.get(link.target)
            if link.fragment and target and target.entry and link.fragment not in target.entry.doc.anchors:
                report.add(ContentError(
                    _("link to {target}#{fragment}: no heading or id {fragment!r} there", target=link.target,
                      fragment=link.fragment),
                    where, level="warning"))
            continue
        if suggestions is None:
            suggestions = sorted(set(page_of) | {"/" + path for path in static})
        report.add(ContentError(_("link to {target!r}: no page or file of this site has that address",
                                  target=link.target),
                                where, hint=_closest_address(link.target, known, suggestions, base_path)))


def _closest_address(path: str, known: set[str], suggestions: list[str], base_path: str) -> Message:
    if path + "/" in known:
        return _("did you mean {address!r}? page addresses end with '/'", address=path + "/")
    if base_path != "/" and path.startswith(base_path) and "/" + path[len(base_path):] in known:
        return _("write {address!r}: links start from the site's root, and the built site "
                 "adds the path it is published under", address="/" + path[len(base_path):])
    # a shared start ('/fr/actualites/2023/') makes any two addresses look alike: their last parts must too
    last = _last_part(path)
    for close in difflib.get_close_matches(path, suggestions, n=5, cutoff=0.6):
        if difflib.SequenceMatcher(None, last, _last_part(close)).ratio() >= 0.7:
            return _("did you mean {key!r}?", key=close)
    return _("link to another content file by its path, like '../pages/eu-office.fr.md', "
             "or to a file of static/ from the site's root, like '/images/logo.png'")


def _last_part(path: str) -> str:
    return path.rstrip("/").rpartition("/")[2]


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
        where = Location(source_of.get(path, f"(output) {path}"))  # a path, as the location of any finding
        for lang, url in sorted(found.items()):
            if lang == "x-default" or url == own:
                continue
            target = page_of_url.get(url)
            if target is None:
                report.add(ContentError(_("hreflang {lang!r} points to {url}, which this site does not build",
                                          lang=lang, url=url), where))
            elif own not in alternates[target].values():
                report.add(ContentError(_("hreflang {lang!r} points to {url}, which does not point back",
                                          lang=lang, url=url),
                                        where, hint=_("translations must list each other")))
        if found and own not in found.values():
            report.add(ContentError(_("hreflang alternates do not include the page itself"), where))


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
                report.add(TemplateError(_("UI string {message!r} has no {language} translation", message=message,
                                           language=name),
                                         location, level="warning", hint=_("add it to {file}", file=catalogue)))


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


# ------------------------------------------------------------- unused pictures
_TEXT = (".html", ".xml", ".css", ".js", ".json", ".webmanifest", ".svg", ".txt")
_PICTURE_PATH = re.compile(rb"[^\s\"'()<>=,;]+?\.(?:" + "|".join(
    re.escape(ext[1:]) for ext in images.RASTER + images.PASSED_THROUGH).encode() + rb")\b", re.IGNORECASE)


def unused_pictures(static: dict[str, Path], shown: Iterable[str], files: Iterable[str], read: Callable[[str], bytes],
                    report: Diagnostics) -> None:
    """Notices (they never fail a build, as an unused file harms no visitor) for the pictures of static/ that no
    page shows or links to, and that no template, stylesheet or other file of the site names: published
    all the same (another site may link to them), they are often a leftover."""
    candidates = {rel for rel in static if images.is_picture(rel)} - set(shown)
    if not candidates:
        return
    named: set[str] = set()

    def collect(data: bytes, folder: str) -> None:
        for found in _PICTURE_PATH.findall(data):
            path = unquote(urlsplit(found.decode("utf-8", "replace")).path)
            parts = path.split("/")
            named.update("/".join(parts[i:]) for i in range(len(parts)))  # 'https://x/a/b.jpg' -> 'b.jpg', 'a/b.jpg'…
            named.add(posixpath.normpath(posixpath.join(folder, path)))  # relative to the file naming it

    for path in files:
        if path.endswith(_TEXT):
            collect(read(path), posixpath.dirname(path))
    for rel, path in static.items():
        if rel.endswith(_TEXT) and rel not in candidates:
            try:
                collect(path.read_bytes(), posixpath.dirname(rel))
            except OSError:
                continue
    for rel in sorted(candidates - named):
        report.add(ContentError(_("no page, template or stylesheet uses this picture (it is published all the same)"),
                                Location(f"static/{rel}"), level="notice",
                                hint=_("delete it if it is not needed, or show it on a page")))

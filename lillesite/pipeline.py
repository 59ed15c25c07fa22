"""build(config, options): the stages in order, each timed. Only discover/parse read content; only write writes."""
from __future__ import annotations

import datetime as dt
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from lillesite import checks, feeds, search, sitemap, translations as translation_status, urls
from lillesite.assemble import assemble
from lillesite.config import Config
from lillesite.document import Document, parse
from lillesite.errors import BuildFailed, ContentError, LilleError, Location
from lillesite.i18n import load_translations
from lillesite.markup import Converter
from lillesite.model import Site
from lillesite.render import Renderer
from lillesite.sources import SourceFile, discover
from lillesite.writer import WriteStats, check_output_dir, collisions, output_lock, static_files, write_site

DEFAULT_OUT = "_site"


@dataclass(frozen=True)
class BuildOptions:
    out: Path | None = None  # default: <site>/_site
    drafts: bool = False
    future: bool = False
    strict: bool = False  # warnings fail the build
    preview: bool = False  # the serve command: drafts and future items shown with a banner
    write: bool = True  # False for 'check': everything but the writing

    def output_dir(self, config: Config) -> Path:
        return (self.out or config.root / DEFAULT_OUT).resolve()


@dataclass
class BuildResult:
    site: Site
    files: dict[str, bytes]
    warnings: list[LilleError]  # warnings and notices: what a successful build still reports
    timings: dict[str, float] = field(default_factory=dict)
    written: WriteStats | None = None
    out: Path | None = None

    def pages_per_language(self) -> dict[str, int]:
        counts = {code: 0 for code in self.site.config.language_codes}
        for path in self.files:
            lang = path.split("/", 1)[0]
            if lang in counts and path.endswith(".html"):
                counts[lang] += 1
        return counts

    @property
    def feed_count(self) -> int:
        return sum(1 for path in self.files if path.endswith("feed.xml"))


def build_time() -> dt.datetime:
    """'Now' for the future-dated filter: SOURCE_DATE_EPOCH when set, so builds are reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        except (ValueError, OverflowError):
            raise BuildFailed([ContentError(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix timestamp")]) from None
    return dt.datetime.now(dt.timezone.utc)


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        yield
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


def read_sources(sources: list[SourceFile], converter: Converter) -> tuple[list[Document], list[LilleError]]:
    docs, errors = [], []
    for source in sources:
        try:
            raw = source.path.read_bytes()
        except OSError as exc:
            errors.append(ContentError(f"cannot read: {exc.strerror}", Location(source.rel)))
            continue
        doc, problems = parse(source, raw, converter)
        errors.extend(problems)
        if doc:
            docs.append(doc)
    return docs, errors


def build(config: Config, options: BuildOptions = BuildOptions()) -> BuildResult:
    """Run every stage; raise BuildFailed with all errors (and, under --strict, warnings) of the run."""
    timer = _Timer()
    out = options.output_dir(config)
    if options.write:
        check_output_dir(out, config.root)
    errors: list[LilleError] = []
    with timer.stage("discover"):
        sources, found = discover(config)
        errors += found.items
        static = static_files(config.static_dir, config.root, errors)
        history = translation_status.read_history(config.root)
    with timer.stage("parse"):
        docs, problems = read_sources(sources, Converter(allow_embeds=config.allow_embeds))
        errors += problems
    with timer.stage("assemble"):
        include = options.preview
        site, problems = assemble(config, docs, now=build_time(), static_files=frozenset(static),
                                  include_drafts=options.drafts or include, include_future=options.future or include)
        errors += problems
        translations, problems = load_translations(config)
        errors += problems
        outdated = translation_status.outdated(site, history)
        errors += checks.stale_notices(outdated, git=history is not None)
    _fail_on_errors(errors, strict=False)
    with timer.stage("render"):
        renderer = Renderer(site, translations, preview=options.preview, outdated=outdated)
        rendered, problems = renderer.render_all()
        errors += problems
        files = {f.path: f.data for f in rendered}
        for lang in config.language_codes:
            files[str(urls.output_path(urls.feed(lang)))] = feeds.rss(site, lang, translations[lang])
        files[str(urls.output_path(urls.SITEMAP))] = sitemap.sitemap(site)
        files[str(urls.output_path(urls.ROBOTS))] = sitemap.robots(site)
        errors += collisions(files, static)
        if config.search_slug:
            errors += search.collisions(static)
    if options.strict or not options.write:  # check and build --strict; a plain build or preview stays fast
        with timer.stage("check"):
            errors += checks.hreflang_problems(site, files) + checks.missing_ui_strings(config)
    _fail_on_errors(errors, strict=options.strict)
    result = BuildResult(site=site, files=files, warnings=[e for e in errors if e.level != "error"],
                         timings=timer.timings, out=out)
    if options.write:
        with timer.stage("write"), output_lock(out):
            result.written = write_site(out, files, static, finish=_search_indexer(config, timer))
    return result


def _search_indexer(config: Config, timer: _Timer):
    """The search index is built on the new output tree, before the writer swaps it in."""
    if not config.search_slug:
        return None

    def index(tree: Path) -> None:
        with timer.stage("search"):
            search.index(tree)
    return index


def _fail_on_errors(errors: list[LilleError], *, strict: bool) -> None:
    if any(e.level == "error" or (strict and e.level == "warning") for e in errors):
        raise BuildFailed(errors)

"""The steps of a build, in order: discover, parse, assemble, plan, render, check, write.

The core (sources, documents, the model, the plan, rendering, feeds, the sitemap) computes; this
module wraps it in the incremental shell: parsed documents and rendered pages come from the build
cache (cache.py) when what they are made of is unchanged, the work is shared among forked processes
(workers.py) when there is much of it, and the writer (writer.py) swaps the new output in at once.
Only discover and parse read content; only write touches the output.
"""
from __future__ import annotations

import functools
import hashlib
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from lillesite import checks, feeds, images, runtime, search, sitemap, translations as translation_status, urls, workers
from lillesite.assemble import assemble
from lillesite.cache import BuildCache, PageCache, Parsed, files_digest
from lillesite.config import Config
from lillesite.document import Document, parse
from lillesite.errors import BuildFailed, ContentError, Diagnostics, LilleError, Location, OutputError
from lillesite.i18n import THEME_LOCALES, load_translations
from lillesite.markup import Converter
from lillesite.messages import _
from lillesite.model import Site
from lillesite.options import BuildOptions, BuildResult, Summary, build_time
from lillesite.plan import PagePlan, plan
from lillesite.render import Rendered, Renderer
from lillesite.sources import SourceFile, discover
from lillesite.stamps import RACY_NS, Kept, file_bytes, stamp
from lillesite.templating import THEME_TEMPLATES, CompiledTemplates
from lillesite.writer import check_output_dir, collisions, output_lock, static_files, write_site

Files = dict[str, "bytes | Kept"]  # output path -> its bytes, or the current output's file, unchanged


def run(config: Config, options: BuildOptions, cache: BuildCache | None,
        unchanged_documents: dict[str, str] | None = None, last_output: frozenset[str] | None = None) -> BuildResult:
    """Every step of a build; see build.build(), read_sources() for `unchanged_documents` and
    writer.write_site() for `last_output`."""
    timer = _Timer()
    report = Diagnostics()
    out = options.output_dir(config)
    if options.write:
        check_output_dir(out, config.root)
    with timer.stage("discover"):
        sources = discover(config, report)
        checks.translations_without_original(config, sources, report)
        checks.unknown_legal_facts(config, report)
        static = static_files(config.static_dir, config.root, report)
        pictures = read_pictures(static, report, cache)
        history = translation_status.read_history(config.root, cache)
    with timer.stage("parse"):
        docs = read_sources(sources, report, allow_embeds=config.allow_embeds, cache=cache, jobs=options.jobs,
                            unchanged=unchanged_documents)
    with timer.stage("assemble"):
        shown = options.preview  # the preview shows drafts and scheduled items, with a banner
        site = assemble(config, docs, report, now=build_time(), static_files=frozenset(static), images=pictures,
                        include_drafts=options.drafts or shown, include_future=options.future or shown)
        images.problems(site.entries(), pictures, report)
        catalogues = load_translations(config, cache.compiled("catalogues") if cache else None, report)
        outdated = translation_status.outdated(site, history)
        checks.stale_notices(outdated, report)
    report.raise_if_failed()
    with timer.stage("plan"):
        pages = plan(site, catalogues, outdated=outdated)
        checks.pages_at_one_url(pages, report)
    report.raise_if_failed()
    with timer.stage("render"):
        page_cache = _page_cache(config, options, cache, out) if cache and options.write else None
        renderer = Renderer(site, catalogues, preview=options.preview,
                            compiled=CompiledTemplates(cache.compiled("templates")) if cache else None)
        generated: Files = {}

        def meanwhile() -> None:  # while the workers render: the feeds and the sitemap, and the parse's cache
            generated.update(feeds_and_sitemap(site, pages, catalogues, page_cache))
            if cache:
                cache.save_documents()
        files = render_pages(pages, renderer, page_cache, report, jobs=options.jobs, meanwhile=meanwhile)
        files.update(generated)
    with timer.stage("images"):
        picture_plan = images.plan(site.entries(), pictures, config.image_widths, report)
        made, images_made, image_keys = make_pictures(picture_plan, static, cache, report, jobs=options.jobs)
        files.update(made)
        all_static, static = static, {rel: path for rel, path in static.items() if rel not in picture_plan.withheld}
    with timer.stage("render"):
        collisions(files, static, report)
        checks.root_relative_links(config, site.entries(), pages, files, static, report)
        if config.search_slug:
            search.collisions(static, report)
    if options.strict or not options.write:  # check and build --strict; a plain build or preview stays fast
        with timer.stage("check"):
            try:
                checks.hreflang_problems(site, files, lambda path: file_bytes(files[path]), report)
                checks.missing_ui_strings(config, report)
                checks.unused_pictures(all_static, picture_plan.uses, files, lambda path: file_bytes(files[path]),
                                       report)
            except OSError as exc:  # a page kept from the output (stamps.Kept) changed on disk since
                raise BuildFailed([OutputError(_("cannot check the output: {problem} ({file})",
                                                 problem=exc.strerror, file=exc.filename),
                                               Location(str(out)))]) from None
    report.raise_if_failed(strict=options.strict)
    result = BuildResult(site=site, files=files, warnings=report.warnings, summary=_summary(site, files),
                         timings=timer.timings, out=out, images_made=images_made)
    if options.write:
        with timer.stage("write"), output_lock(out):
            # the preview indexes in the background (search.BackgroundIndex), keeping the last index meanwhile
            indexed_later = options.preview and config.search_slug
            result.written = write_site(out, files, static,
                                        finish=None if indexed_later else _search_indexer(config, timer),
                                        carry=(f"{search.BUNDLE}/",) if indexed_later else (),
                                        last_output=last_output)
        if cache:
            cache.keep_images(image_keys)
        if page_cache and page_cache.new_records:
            page_cache.stamp_records()
            cache.keep_pages(page_cache.context_key, page_cache.new_records)
    return result


# ------------------------------------------------------------------- parse
def read_sources(sources: list[SourceFile], report: Diagnostics, *, allow_embeds: bool,
                 cache: BuildCache | None = None, jobs: int = 1,
                 unchanged: dict[str, str] | None = None) -> list[Document]:
    """Parse every source, in order: from the cache where its bytes were seen before, else in `jobs` processes.

    `unchanged`: relative path -> cache key of the files known unchanged since they were read with that key
    (uptodate.unchanged_documents): found in the cache, they are not read.
    """
    parsed: list[Parsed | None] = []
    todo: list[tuple[int, SourceFile, bytes, str | None]] = []
    for source in sources:
        known = unchanged and cache and unchanged.get(source.rel)
        found = known and cache.get_doc(known, source)
        if found:
            parsed.append(found)
            continue
        try:
            raw = source.path.read_bytes()
        except OSError as exc:
            parsed.append((None, [ContentError(_("cannot read: {problem}", problem=exc.strerror),
                                                 Location(source.rel))]))
            continue
        key = cache.doc_key(source.rel, raw, allow_embeds) if cache else None
        found = cache.get_doc(key, source) if cache else None
        parsed.append(found)
        if not found:
            todo.append((len(parsed) - 1, source, raw, key))
    for (index, _source, _raw, key), result in zip(todo, _parse_all([(s, raw) for _i, s, raw, _k in todo], allow_embeds, jobs)):
        parsed[index] = result
        if cache:
            cache.put_doc(key, result)
    docs = []
    for doc, problems in parsed:
        report.extend(problems)
        if doc:
            docs.append(doc)
    return docs


def _parse_all(items: list[tuple[SourceFile, bytes]], allow_embeds: bool, jobs: int) -> list[Parsed]:
    def parse_claimed(claim: workers.Claim) -> list[tuple[int, Parsed]]:
        converter = _converter(allow_embeds)
        return [(index, _parsed(source, raw, converter)) for index, (source, raw) in enumerate(items) if claim(index)]

    if not workers.worth_forking(jobs, len(items)):
        return [parsed for _, parsed in parse_claimed(lambda index: True)]
    shares = workers.in_processes(jobs, parse_claimed, chunk=16)
    return [parsed for _, parsed in sorted((pair for share in shares for pair in share), key=lambda pair: pair[0])]


def _parsed(source: SourceFile, raw: bytes, converter: Converter) -> Parsed:
    """A file's document with its own findings: the cache keeps them together."""
    found = Diagnostics()
    return parse(source, raw, converter, found), found.items


@runtime.memoized(maxsize=None)
def _converter(allow_embeds: bool) -> Converter:
    """One per process: its Markdown instances, made on first need, serve every later build."""
    return Converter(allow_embeds=allow_embeds)


# ------------------------------------------------------------------ render
def render_pages(pages: tuple[PagePlan, ...], renderer: Renderer, page_cache: PageCache | None, report: Diagnostics, *,
           jobs: int, meanwhile: Callable[[], None]) -> Files:
    """Every planned page: taken from the previous output while its plan's digest is unchanged, else
    rendered, in `jobs` processes when most must be (a cold build, or templates, catalogues or config
    changed). `meanwhile` runs in this process while the workers render."""
    def render_claimed(claim: workers.Claim) -> tuple[list[tuple[int, str, bytes | Kept]], list[LilleError], dict]:
        done = []
        for index, page in enumerate(pages):
            if claim(index):
                done.append((index, page.path, _cached(page_cache, page, page.path, functools.partial(renderer.render, page))))
        return done, list(renderer.errors.values()), page_cache.new_records if page_cache else {}

    many = (page_cache is None or page_cache.cold) and sum(1 for page in pages if page.entry) >= workers.PARALLEL_MIN_ITEMS
    if not (many and workers.worth_forking(jobs, len(pages))):
        meanwhile()
        shares = [render_claimed(lambda index: True)]
    else:
        shares = workers.in_processes(jobs, render_claimed, chunk=32, meanwhile=meanwhile)
    done, unique = [], {}
    for share, problems, records in shares:
        done += share
        for error in problems:  # a template error shows on many pages: reported once, as in one process
            unique.setdefault((str(error.location), error.message), error)
        if page_cache:
            page_cache.new_records.update(records)
    report.extend(unique.values())
    return {path: data for _, path, data in sorted(done, key=lambda item: item[0])}


def feeds_and_sitemap(site: Site, pages: tuple[PagePlan, ...], catalogues, page_cache: PageCache | None) -> Files:
    """The feeds, the sitemap and robots.txt, each keyed, like a page, by all it is made of."""
    config = site.config
    files: Files = {}
    for lang in config.language_codes:
        items = site.news[lang][:config.feed_limit]
        path = urls.output_path(urls.feed(lang))
        files[path] = _cached(page_cache, ("feed", lang, items), path,
                              lambda lang=lang, items=items: Rendered(feeds.rss(config, lang, items, catalogues[lang])))
    groups = sitemap.groups(pages)
    path = urls.output_path(urls.SITEMAP)
    files[path] = _cached(page_cache, ("sitemap", groups), path, lambda: Rendered(sitemap.sitemap(config, groups)))
    files[urls.output_path(urls.ROBOTS)] = sitemap.robots(config)
    return files


def _cached(page_cache: PageCache | None, inputs: object, path: str, make: Callable[[], Rendered]) -> bytes | Kept:
    """The file made of `inputs`: the previous output's while they are unchanged, else made now, and
    remembered unless it read more than its inputs (Rendered.cacheable)."""
    key = page_cache.key(inputs) if page_cache else None
    kept = key and page_cache.get(key, path)
    if kept:
        return kept
    made = make()
    if key and made.cacheable:
        page_cache.put(key, path, made.data)
    return made.data


def _page_cache(config: Config, options: BuildOptions, cache: BuildCache, out: Path) -> PageCache:
    """Pages of the previous build, valid while templates, catalogues, config and code are the same."""
    context_key = "|".join((cache.version, repr(config), repr(options.preview),
                            files_digest(config.templates_dir, THEME_TEMPLATES),
                            files_digest(config.locales_dir, THEME_LOCALES)))
    return PageCache(cache.page_records(), out, context_key, cache.doc_keys())


# ---------------------------------------------------------------- pictures
def read_pictures(static: dict[str, Path], report: Diagnostics, cache: BuildCache | None = None) -> dict[str, images.Source]:
    """The raster files of static/, from their headers (images.inspect); a file whose stamp is the one
    the cache knows it by is not read again (BuildCache.picture_sources)."""
    known = cache.picture_sources() if cache else {}
    trusted_below = time.time_ns() - RACY_NS  # before any stat: a file older than this shows any later change
    found, kept = {}, {}
    for rel, path in static.items():
        if images.is_raster(rel):
            try:
                file_stamp = stamp(os.stat(path))
                seen = known.get(rel)
                source = seen[1] if seen and seen[0] == file_stamp else images.inspect(rel, path.read_bytes())
            except OSError as exc:
                report.add(ContentError(_("cannot read: {problem}", problem=exc.strerror), Location(f"static/{rel}")))
                continue
            found[rel] = source
            if file_stamp[3] < trusted_below:
                kept[rel] = (file_stamp, source)
    if cache:
        cache.keep_picture_sources(kept)
    return found


def make_pictures(picture_plan: images.Plan, static: dict[str, Path], cache: BuildCache | None, report: Diagnostics,
                  *, jobs: int) -> tuple[Files, int, set[str]]:
    """The bytes of every planned variant: from the build cache when made before, else made, each
    source decoded once, in `jobs` processes when more than one source must be. Also: how many were
    made, and the cache keys of them all."""
    encoder = images.encoder_version()
    files: Files = {}
    todo: dict[str, list[images.Variant]] = {}
    keys = set()
    for variant in picture_plan.variants:
        key = variant.key(encoder)
        keys.add(key)
        data = cache.image(key) if cache else None
        if data is None:
            todo.setdefault(variant.source, []).append(variant)
        else:
            files[variant.path] = data
    groups = sorted(todo.items())

    def make_claimed(claim: workers.Claim) -> list[tuple[int, list[bytes] | None, str | None]]:
        done = []
        for index, (rel, variants) in enumerate(groups):
            if claim(index):
                try:
                    data = static[rel].read_bytes()
                    if hashlib.sha256(data).hexdigest() != variants[0].digest:
                        raise images.ImageFailed(_("changed while the site was being built: build again"))
                    done.append((index, images.make(data, variants), None))
                except images.ImageFailed as exc:
                    done.append((index, None, exc.args[0]))
                except OSError as exc:
                    done.append((index, None, _("cannot read: {problem}", problem=exc.strerror)))
        return done

    if workers.worth_forking(jobs, len(groups), minimum=2):
        shares = workers.in_processes(jobs, make_claimed, chunk=1)
    else:
        shares = [make_claimed(lambda index: True)]
    made = 0
    for index, variants_bytes, problem in sorted((item for share in shares for item in share), key=lambda i: i[0]):
        rel, variants = groups[index]
        if problem:
            for where in picture_plan.uses.get(rel) or (Location(f"static/{rel}"),):
                report.add(ContentError(_("static/{path}: {problem}", path=rel, problem=problem), where))
            continue
        for variant, data in zip(variants, variants_bytes):
            files[variant.path] = data
            made += 1
            if cache:
                cache.put_image(variant.key(encoder), data)
    return dict(sorted(files.items())), made, keys


# ------------------------------------------------------------- the rest
def _search_indexer(config: Config, timer: _Timer):
    """The search index is built on the new output tree, before the writer swaps it in."""
    if not config.search_slug:
        return None

    def index(tree: Path) -> None:
        with timer.stage("search"):
            search.index(tree)
    return index


def _summary(site: Site, files: Files) -> Summary:
    pages = {code: 0 for code in site.config.language_codes}
    for path in files:
        lang = path.split("/", 1)[0]
        if lang in pages and path.endswith(".html"):
            pages[lang] += 1
    return Summary(pages=pages, feeds=sum(1 for path in files if path.endswith("feed.xml")),
                   next_scheduled=site.next_scheduled)


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        yield
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start

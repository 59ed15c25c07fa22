"""The stages of a build, in order, each timed. Only discover/parse read content; only write writes."""
from __future__ import annotations

import functools
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, TypeVar

from lillesite import checks, feeds, search, sitemap, translations as translation_status, urls
from lillesite.assemble import assemble
from lillesite.cache import BuildCache, PageCache, Parsed, files_digest
from lillesite.config import Config
from lillesite.document import Document, parse
from lillesite.errors import BuildFailed, ContentError, Diagnostics, LilleError, Location, OutputError
from lillesite.i18n import THEME_LOCALES, load_translations
from lillesite.markup import Converter
from lillesite.model import Site
from lillesite.pipeline import BuildOptions, BuildResult, build_time
from lillesite.render import OutputFile, Renderer
from lillesite.sources import SourceFile, discover
from lillesite.templating import THEME_TEMPLATES, CompiledTemplates
from lillesite.uptodate import Summary
from lillesite.writer import Kept, check_output_dir, collisions, output_lock, static_files, write_site


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        yield
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


T = TypeVar("T")

# Below this many files to parse, starting worker processes costs more than it saves. Measured on
# the 2-core machine (busy): 8 files 158 ms in one process / 277 ms in two; 16: equal; 32 and 64:
# about equal; 128: 3.4 s / 2.3 s.
PARALLEL_MIN_FILES = 48


def read_sources(sources: list[SourceFile], *, allow_embeds: bool, cache: BuildCache | None = None,
                 jobs: int = 1, unchanged: dict[str, str] | None = None) -> tuple[list[Document], list[LilleError]]:
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
            parsed.append((None, [ContentError(f"cannot read: {exc.strerror}", Location(source.rel))]))
            continue
        key = cache.doc_key(source.rel, raw, allow_embeds) if cache else None
        found = cache.get_doc(key, source) if cache else None
        parsed.append(found)
        if not found:
            todo.append((len(parsed) - 1, source, raw, key))
    for (index, _, _, key), result in zip(todo, _parse_all([(s, raw) for _, s, raw, _ in todo], allow_embeds, jobs)):
        parsed[index] = result
        if cache:
            cache.put_doc(key, result)
    docs, errors = [], []
    for doc, problems in parsed:
        errors.extend(problems)
        if doc:
            docs.append(doc)
    return docs, errors


def _parse_all(items: list[tuple[SourceFile, bytes]], allow_embeds: bool, jobs: int) -> list[Parsed]:
    def parse_claimed(claim: Callable[[int], bool]) -> list[tuple[int, Parsed]]:
        converter = _converter(allow_embeds)
        return [(index, _parsed(source, raw, converter)) for index, (source, raw) in enumerate(items) if claim(index)]

    if jobs < 2 or len(items) < PARALLEL_MIN_FILES or threading.active_count() > 1:
        return [parsed for _, parsed in parse_claimed(lambda index: True)]
    shares = _in_processes(jobs, parse_claimed, chunk=16)
    return [parsed for _, parsed in sorted((pair for share in shares for pair in share), key=lambda pair: pair[0])]


def _parsed(source: SourceFile, raw: bytes, converter: Converter) -> Parsed:
    """A file's document with its own findings: the cache keeps them together."""
    found = Diagnostics()
    return parse(source, raw, converter, found), found.items


@functools.lru_cache(maxsize=None)
def _converter(allow_embeds: bool) -> Converter:
    """One per process: its Markdown instances, made on first need, serve every later build."""
    return Converter(allow_embeds=allow_embeds)


def run(config: Config, options: BuildOptions, cache: BuildCache | None,
        unchanged_documents: dict[str, str] | None = None, last_output: frozenset[str] | None = None) -> BuildResult:
    """Discover, parse, assemble, render, check and write; see pipeline.build(), read_sources() for
    `unchanged_documents` and write_site() for `last_output`."""
    timer = _Timer()
    out = options.output_dir(config)
    if options.write:
        check_output_dir(out, config.root)
    report = Diagnostics()
    with timer.stage("discover"):
        sources = discover(config, report)
        static = static_files(config.static_dir, config.root, report)
        history = translation_status.read_history(config.root, cache)
    with timer.stage("parse"):
        docs, problems = read_sources(sources, allow_embeds=config.allow_embeds, cache=cache, jobs=options.jobs,
                                      unchanged=unchanged_documents)
        report.extend(problems)
    with timer.stage("assemble"):
        include = options.preview
        site = assemble(config, docs, report, now=build_time(), static_files=frozenset(static),
                        include_drafts=options.drafts or include, include_future=options.future or include)
        translations = load_translations(config, cache.compiled("catalogues") if cache else None, report)
        outdated = translation_status.outdated(site, history)
        checks.stale_notices(outdated, report, git=history is not None)
    report.raise_if_failed()
    with timer.stage("render"):
        pages = _page_cache(config, options, cache, out) if cache and options.write else None
        renderer = Renderer(site, translations, preview=options.preview, outdated=outdated, pages=pages,
                            compiled=CompiledTemplates(cache.compiled("templates")) if cache else None)
        # the parse stage is over: its documents are saved while the render's workers take pages
        files, problems = _render(renderer, options, meanwhile=cache.save_documents if cache else lambda: None)
        report.extend(problems)
        collisions(files, static, report)
        if config.search_slug:
            search.collisions(static, report)
    if options.strict or not options.write:  # check and build --strict; a plain build or preview stays fast
        with timer.stage("check"):
            try:
                checks.hreflang_problems(site, files, report)
                checks.missing_ui_strings(config, report)
            except OSError as exc:  # a page kept from the output (writer.Kept) changed on disk since
                raise BuildFailed([OutputError(f"cannot check the output: {exc.strerror} ({exc.filename})",
                                               Location(str(out)))]) from None
    report.raise_if_failed(strict=options.strict)
    result = BuildResult(site=site, files=files, warnings=report.warnings,
                         summary=_summary(site, files), timings=timer.timings, out=out)
    if options.write:
        with timer.stage("write"), output_lock(out):
            # the preview indexes in the background (search.BackgroundIndex), keeping the last index meanwhile
            indexed_later = options.preview and config.search_slug
            result.written = write_site(out, files, static,
                                        finish=None if indexed_later else _search_indexer(config, timer),
                                        carry=(f"{search.BUNDLE}/",) if indexed_later else (),
                                        last_output=last_output)
        if pages and pages.new_records:
            pages.stamp_records()
            cache.keep_pages(pages.context_key, pages.new_records)
    return result


def _summary(site: Site, files: dict[str, bytes | Kept]) -> Summary:
    pages = {code: 0 for code in site.config.language_codes}
    for path in files:
        lang = path.split("/", 1)[0]
        if lang in pages and path.endswith(".html"):
            pages[lang] += 1
    return Summary(pages=pages, feeds=sum(1 for path in files if path.endswith("feed.xml")),
                   next_scheduled=site.next_scheduled)


def _render(renderer: Renderer, options: BuildOptions, *,
            meanwhile: Callable[[], None]) -> tuple[dict[str, bytes | Kept], list[LilleError]]:
    """Every output file but the static ones; `meanwhile` runs in this process while workers render."""
    site, config, pages, translations = renderer.site, renderer.config, renderer.pages, renderer.translations
    # in parallel when most pages must be rendered: a cold build, or templates, catalogues or config changed
    many = (pages is None or pages.cold) and sum(1 for _ in site.entries()) >= PARALLEL_MIN_FILES
    generated: dict[str, bytes | Kept] = {}

    def besides_pages() -> None:  # the feeds, the sitemap and robots.txt, then `meanwhile`
        for lang in config.language_codes:
            # a feed reads the language's latest items; config and catalogues are in the cache's context key
            generated[urls.output_path(urls.feed(lang))] = _made_once(
                pages, ("feed", lang, site.news[lang][:config.feed_limit]), urls.output_path(urls.feed(lang)),
                lambda: feeds.rss(site, lang, translations[lang]))
        generated[urls.output_path(urls.SITEMAP)] = _made_once(
            pages, ("sitemap", sitemap.groups(site)), urls.output_path(urls.SITEMAP), lambda: sitemap.sitemap(site))
        generated[urls.output_path(urls.ROBOTS)] = sitemap.robots(site)
        meanwhile()

    rendered, problems = _render_pages(renderer, options.jobs if many else 1, meanwhile=besides_pages)
    files = {f.path: f.data for f in rendered}
    files.update(generated)
    return files, problems


def _made_once(pages: PageCache | None, inputs: tuple, path: str, make) -> bytes | Kept:
    """A generated file taken from the previous output while what it is made of is unchanged."""
    key = pages.key(inputs) if pages else None
    data = key and pages.get(key, path)
    if not data:
        data = make()
        if key:
            pages.put(key, path, data)
    return data


def _render_pages(renderer: Renderer, jobs: int, *, meanwhile: Callable[[], None]) -> tuple[list[OutputFile], list[LilleError]]:
    """Pages rendered by `jobs` processes, in the order one process renders them; this process runs
    `meanwhile` before it takes its part, and the workers take more pages."""
    if jobs < 2 or threading.active_count() > 1:
        meanwhile()
        return renderer.render_all()

    def render_claimed(claim: Callable[[int], bool]) -> tuple[list[tuple[int, OutputFile]], list[LilleError], dict]:
        files, problems = renderer.render_claimed(claim)
        return files, problems, renderer.pages.new_records if renderer.pages else {}

    files, problems = [], []
    for share, found, records in _in_processes(jobs, render_claimed, chunk=32, meanwhile=meanwhile):
        files += share
        problems += found
        if renderer.pages:
            renderer.pages.new_records.update(records)
    unique: dict[tuple, LilleError] = {}  # a template error shows on many pages: reported once, as in one process
    for error in problems:
        unique.setdefault((str(error.location), error.message), error)
    return [file for _, file in sorted(files, key=lambda pair: pair[0])], list(unique.values())


def _in_processes(jobs: int, work: Callable[[Callable[[int], bool]], T], *, chunk: int,
                  meanwhile: Callable[[], None] | None = None) -> list[T]:
    """`work(claim)` run by this process and `jobs` - 1 forked ones, which share the claims; their results,
    this process's first. Forked, the workers start at once and share what this process has built (the
    loaded modules, the sources, the site) without pickling it. Never with other threads running (serve):
    a fork copies none of them, whatever locks they hold."""
    import multiprocessing  # here: a build after an edit runs in one process, and starts 3 ms sooner without it

    context = multiprocessing.get_context("fork")
    claim = _Claims(context, chunk)
    workers = []
    for _ in range(1, jobs):
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_work_and_send, args=(work, claim, send), daemon=True)
        process.start()
        send.close()
        workers.append((process, receive))
    if meanwhile:
        meanwhile()
    results = [work(claim)]
    for process, receive in workers:
        try:
            results.append(receive.recv())
        except EOFError:
            raise RuntimeError(f"worker process {process.pid} stopped (exit code {process.exitcode})") from None
        finally:
            process.join()
    return results


def _work_and_send(work: Callable[[Callable[[int], bool]], Any], claim: Callable[[int], bool], send) -> None:
    try:
        send.send(work(claim))
    finally:
        send.close()


class _Claims:
    """Items (files to parse, pages to render) handed out to the processes `size` at a time, in order:
    every process walks all items and takes those of the chunks it claims, so a process that falls
    behind (its items slower, or its core busier) claims fewer. Fixed shares left one idle a fifth of the time."""

    def __init__(self, context, size: int) -> None:
        self.size = size
        self.handed_out = context.Value("q", 0)  # chunks claimed so far by any process; shared, with its lock
        self.chunk, self.mine = -1, False  # this process's current chunk; each process has its own copy

    def __call__(self, index: int) -> bool:
        chunk = index // self.size
        if chunk != self.chunk:
            # Every chunk before this one was claimed by some process: this one is free if none is counted past it.
            self.chunk = chunk
            with self.handed_out.get_lock():
                self.mine = self.handed_out.value == chunk
                if self.mine:
                    self.handed_out.value = chunk + 1
        return self.mine


def _page_cache(config: Config, options: BuildOptions, cache: BuildCache, out: Path) -> PageCache:
    """Pages of the previous build, valid while templates, catalogues, config and code are the same."""
    context_key = "|".join((cache.version, repr(config), repr(options.preview),
                            files_digest(config.templates_dir, THEME_TEMPLATES),
                            files_digest(config.locales_dir, THEME_LOCALES)))
    return PageCache(cache.page_records(), out, context_key, cache.doc_keys())


def _search_indexer(config: Config, timer: _Timer):
    """The search index is built on the new output tree, before the writer swaps it in."""
    if not config.search_slug:
        return None

    def index(tree: Path) -> None:
        with timer.stage("search"):
            search.index(tree)
    return index

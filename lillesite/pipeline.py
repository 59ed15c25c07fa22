"""build(config, options): what a build is asked (BuildOptions) and what it answers (BuildResult).

A build that finds its output up to date (uptodate.py) stops there; otherwise the stages run
(stages.py). The stages, and the libraries they use, load only then: a build that finds nothing
changed starts without Jinja, Markdown and the rest.
"""
from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lillesite import uptodate
from lillesite.cache import BuildCache
from lillesite.config import Config
from lillesite.errors import BuildFailed, ContentError, LilleError
from lillesite.uptodate import Summary
from lillesite.writer import Kept, WriteStats

if TYPE_CHECKING:
    from lillesite.model import Site

DEFAULT_OUT = "_site"


@dataclass(frozen=True)
class BuildOptions:
    out: Path | None = None  # default: <site>/_site
    drafts: bool = False
    future: bool = False
    strict: bool = False  # warnings fail the build
    preview: bool = False  # the serve command: drafts and future items shown with a banner
    write: bool = True  # False for 'check': everything but the writing
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)  # processes parsing and rendering a cold build
    use_cache: bool = True  # False: --no-cache, neither read nor write .lillesite-cache/
    # the build command: stop early when inputs and output are as the last build left them (uptodate.py)
    stop_if_unchanged: bool = False

    def output_dir(self, config: Config) -> Path:
        return (self.out or config.root / DEFAULT_OUT).resolve()


@dataclass
class BuildResult:
    site: Site | None  # None, and files too, when the output was found up to date: nothing was parsed
    files: dict[str, bytes | Kept] | None
    warnings: list[LilleError]  # warnings and notices: what a successful build still reports
    summary: Summary
    timings: dict[str, float] = field(default_factory=dict)
    written: WriteStats | None = None
    out: Path | None = None


def build_time() -> dt.datetime:
    """'Now' for the future-dated filter: SOURCE_DATE_EPOCH when set, so builds are reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        except (ValueError, OverflowError):
            raise BuildFailed([ContentError(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix timestamp")]) from None
    return dt.datetime.now(dt.timezone.utc)


def build(config: Config, options: BuildOptions = BuildOptions(), *, cache: BuildCache | None = None,
          last_output: frozenset[str] | None = None) -> BuildResult:
    """Run every stage; raise BuildFailed with all errors (and, under --strict, warnings) of the run.

    `cache`: one BuildCache kept across builds (serve); by default the one in .lillesite-cache/.
    `last_output`: the files the last build left in the output folder, when the caller knows them (serve);
    the build command finds them in its up-to-date record. See writer.write_site().
    """
    if not options.use_cache:
        cache = None
    elif cache is None:
        cache = BuildCache(config.root)
    state, unchanged_documents = None, {}
    if cache and options.write and options.stop_if_unchanged:
        start = time.perf_counter()
        out = options.output_dir(config)
        state = uptodate.current(config, repr((config, options.drafts, options.future, options.strict,
                                               options.preview, str(out))))
        record = uptodate.last(cache)
        if uptodate.unchanged(record, state, out, build_time()):
            return BuildResult(site=None, files=None, warnings=list(record.warnings), summary=record.summary,
                               timings={"up-to-date check": time.perf_counter() - start},
                               written=WriteStats(written=0, unchanged=len(record.outputs) - 1, removed=0), out=out)
        unchanged_documents = uptodate.unchanged_documents(record, state, config.root)
        last_output = uptodate.last_output(record, state, out)
    from lillesite import stages  # only now: see the module's docstring

    try:
        result = stages.run(config, options, cache, unchanged_documents, last_output)
        if state:
            kept = {rel: data.stamp for rel, data in result.files.items() if type(data) is Kept}
            uptodate.keep(cache, state, result.out, result.written.files, result.summary, result.warnings,
                          cache.doc_keys(), kept)
        return result
    finally:
        if cache:
            cache.save()

"""build(config, options): the one entry point of a build, for the commands, the preview and the tests.

The incremental shell wraps the core here: a build that finds its output up to date (uptodate.py)
replays what the last one reported and stops; any other runs the steps (steps.py) with the build
cache, then records what it read and wrote for the next one. The steps, and the libraries the core
uses (Markdown, Jinja, babel's catalogues), load only then: a build with nothing to do starts without them.
"""
from __future__ import annotations

import time

from lillesite import uptodate
from lillesite.cache import BuildCache
from lillesite.config import Config
from lillesite.options import BuildOptions, BuildResult, build_time
from lillesite.stamps import Kept
from lillesite.writer import WriteStats


def build(config: Config, options: BuildOptions = BuildOptions(), *, cache: BuildCache | None = None,
          last_output: frozenset[str] | None = None) -> BuildResult:
    """Run every step; raise BuildFailed with all errors (and, under --strict, warnings) of the run.

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
    from lillesite import steps  # only now: see the module's docstring

    try:
        result = steps.run(config, options, cache, unchanged_documents, last_output)
        if state:
            kept = {rel: data.stamp for rel, data in result.files.items() if type(data) is Kept}
            uptodate.keep(cache, state, result.out, result.written.files, result.summary, result.warnings,
                          cache.doc_keys(), kept)
        return result
    finally:
        if cache:
            cache.save()

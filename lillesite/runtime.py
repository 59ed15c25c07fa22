"""Every trick that concerns the Python process rather than the site, in one place, with its reason.

* Garbage collection: a build allocates millions of objects that live until it ends, so a one-shot
  command collects rarely and never rescans what it loaded first (`tuned_for_one_build`); the preview
  is a long-lived process and keeps Python's defaults, but leaves what outlives a rebuild (the build
  cache's documents) out of the collections a rebuild triggers (`frozen_during`).
* Exit: a one-shot command that has nothing left to wait for leaves without freeing every object one
  by one (`exit_now`).
* Fork or not: worker processes are forked, so they start at once and share what this process built
  without pickling it; never while other threads run (the preview's server), since a fork copies none
  of them, whatever locks they hold (`single_threaded`).
* Memoized functions: pure functions called with the same values on page after page (dates in lists,
  typography of menus, the Markdown converter) keep their results for the process's life. They are
  declared with `memoized`, so this registry lists them all; none holds anything a later build could
  find stale, since each is a function of its arguments alone.

This module imports nothing of lillesite: the core and the shell may both use it.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import sys
import threading
from typing import Callable, Iterator, TypeVar

F = TypeVar("F", bound=Callable)
PYTHON_GC_THRESHOLD = gc.get_threshold()
ONE_BUILD_GC_THRESHOLD = (10_000, 50, 1_000)

MEMOIZED: list[Callable] = []  # every function declared with memoized(): the list of the process's memos


def memoized(maxsize: int | None) -> Callable[[F], F]:
    """functools.lru_cache, registered in MEMOIZED. `maxsize` None: values few and small (one per setting)."""
    def wrap(function: F) -> F:
        cached = functools.lru_cache(maxsize=maxsize)(function)
        MEMOIZED.append(cached)
        return cached  # type: ignore[return-value]
    return wrap


def tuned_for_one_build() -> None:
    """For a short process that allocates much and frees little: the modules loaded so far are never
    scanned again, and collections run far less often than every 700 allocations."""
    gc.freeze()
    gc.set_threshold(*ONE_BUILD_GC_THRESHOLD)


def tuned_for_a_server() -> None:
    """Back to Python's own collection, for a process that lives on (the preview)."""
    gc.unfreeze()
    gc.set_threshold(*PYTHON_GC_THRESHOLD)


@contextlib.contextmanager
def frozen_during() -> Iterator[None]:
    """What lives now is left out of the collections made meanwhile; only meanwhile, since it may become
    garbage later."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def single_threaded() -> bool:
    return threading.active_count() == 1


def exit_now(code: int) -> None:
    """End the process with `code`: at once when no other thread runs (freeing a big site's objects one
    by one would only take time), else the usual way, waiting for the threads."""
    if not single_threaded():
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    logging.shutdown()
    os._exit(code)

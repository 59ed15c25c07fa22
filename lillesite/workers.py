"""The worker pool: items (files to parse, pages to render, photos to encode) shared among forked processes.

Forked, the workers start at once and share what this process has built (the loaded modules, the
sources, the site, the page plan) without pickling it. See runtime.single_threaded for when not to fork.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from lillesite import runtime

T = TypeVar("T")
Claim = Callable[[int], bool]

# Below this many items, starting worker processes costs more than it saves (see docs/performance.md).
PARALLEL_MIN_ITEMS = 48


def worth_forking(jobs: int, items: int, *, minimum: int = PARALLEL_MIN_ITEMS) -> bool:
    """`minimum`: fewer items than this are done sooner in one process (heavy items, photos, lower it)."""
    return jobs > 1 and items >= minimum and runtime.single_threaded()


def in_processes(jobs: int, work: Callable[[Claim], T], *, chunk: int,
                 meanwhile: Callable[[], None] | None = None) -> list[T]:
    """`work(claim)` run by this process and `jobs` - 1 forked ones, which share the claims; their results,
    this process's first. `meanwhile` runs here after the workers start, before this process takes its part."""
    import multiprocessing  # here: a build after an edit runs in one process, and starts sooner without it

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


def _work_and_send(work: Callable[[Claim], Any], claim: Claim, send) -> None:
    try:
        send.send(work(claim))
    finally:
        send.close()


class _Claims:
    """Items handed out to the processes `size` at a time, in order: every process walks all items and
    takes those of the chunks it claims, so a process that falls behind (its items slower, or its core
    busier) claims fewer. Fixed shares left one process idle much of the time."""

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

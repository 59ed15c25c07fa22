"""File stamps: how the incremental shell knows a file is as it was without reading it.

A stamp (device, inode, size, mtime) is what make and git trust; like git, we trust it only for files
older than the moment it was taken by more than a clock tick (the "racy" rule, trusted_before).
"""
from __future__ import annotations

import errno
import os
import time
from dataclasses import dataclass, field
from typing import Iterable

Stamp = tuple[int, int, int, int]
# A stamp is trusted only for a file older than this when the stamp was taken: a change made within the
# same clock tick as the stamp would not show in it (git's "racy" files).
RACY_NS = 2_000_000_000


def trusted_before(mtimes: Iterable[int]) -> int:
    """The mtime below which the stamps of files a build just wrote (with these mtimes) can be trusted.

    The file system dates files by its own clock, at its own resolution: a file older than the newest
    one was written at least a tick before that one, so a change made to it since gives it a newer
    mtime. A file dated in the future (set by hand) says nothing of the clock: then RACY_NS decides."""
    now = time.time_ns()
    newest = max(mtimes, default=now)
    return max(newest, now - RACY_NS) if newest <= now else now - RACY_NS


def stamp(st: os.stat_result) -> Stamp:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def read_stamped(path: str) -> tuple[bytes, Stamp] | None:
    """An output file's bytes and its stamp: while it keeps that stamp it holds these bytes, since
    the writer never writes into an existing file (it replaces it) and anything else that does changes its mtime."""
    try:
        with open(path, "rb") as file:
            return file.read(), stamp(os.fstat(file.fileno()))
    except OSError:
        return None


@dataclass(frozen=True)
class Kept:
    """A file of the current output that is what this build would write, known by its stamp (see
    read_stamped). The writer keeps it as it is; its bytes are read only if someone asks for them."""

    path: str
    stamp: Stamp
    data: bytes | None = field(default=None, repr=False)  # when the build read them anyway

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        found = read_stamped(self.path)
        if found is None or found[1] != self.stamp:
            raise OSError(errno.ESTALE, "the output changed while the site was being built; build again", self.path)
        return found[0]


def file_bytes(data: bytes | Kept) -> bytes:
    return data if isinstance(data, bytes) else data.read()

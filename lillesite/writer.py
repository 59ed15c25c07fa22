"""The only stage that writes. A new tree is built beside the old one and swapped in atomically.

Unchanged files are hard links to the previous output, so their mtime stays and deploys move only
real changes; a build that fails or is killed at any moment leaves the previous output as it was.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lillesite.errors import BuildFailed, ContentError, LilleError, Location, UsageError

log = logging.getLogger(__name__)
MARKER = ".lillesite-output"  # says "lillesite made this folder": we never replace one without it
SOURCE_FOLDERS = ("content", "templates", "static", "locales")
LOCK_WAIT_SECONDS = 120


@dataclass(frozen=True)
class WriteStats:
    written: int
    unchanged: int
    removed: int


def check_output_dir(out: Path, site_root: Path) -> None:
    """Refuse an output folder over or inside the site's sources, or one lillesite did not create."""
    out = out.resolve()
    root = site_root.resolve()
    sources = [root / name for name in SOURCE_FOLDERS]
    if out == root or root.is_relative_to(out):
        what = "is the site's own folder" if out == root else "contains the site's folder"
        raise BuildFailed([UsageError(f"--out {str(out)!r} {what}: the build would replace it; choose e.g. '_site'")])
    for folder in sources:
        if out.is_relative_to(folder):
            raise BuildFailed([UsageError(f"--out {str(out)!r} is inside the site's {folder.name}/ folder")])
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise BuildFailed([UsageError(
            f"--out {str(out)!r} exists and was not made by lillesite; not replacing it "
            "(remove it yourself or choose another folder)")])


@contextlib.contextmanager
def output_lock(out: Path, *, wait: float = LOCK_WAIT_SECONDS):
    """One build at a time per output folder: a second one waits, then stops with a clear message."""
    lock_path = out.parent / f".{out.name}.lock"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+")
    except OSError as exc:
        raise _cannot_write(exc, out) from None
    with handle:
        deadline = time.monotonic() + wait
        announced = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BuildFailed([UsageError(
                        f"another lillesite build is writing {str(out)!r}; gave up after {wait:.0f} s")]) from None
                if not announced:
                    log.warning("another build is writing %s; waiting for it to finish", out)
                    announced = True
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step (Linux renameat2). False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    result = renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    if result != 0:
        err = ctypes.get_errno()
        if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            return False
        raise OSError(err, os.strerror(err), str(a))
    return True


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _same_file(old: Path, source: Path) -> bool:
    try:
        a, b = old.stat(), source.stat()
    except OSError:
        return False
    return a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns


def _temp_name(out: Path, kind: str) -> Path:
    """A tree of ours beside the output: '.<name>.new-<pid>' (being built) or '.<name>.old-<pid>' (replaced)."""
    return out.parent / f".{out.name}.{kind}-{os.getpid()}"


def _ours(folder: Path) -> bool:
    """Made by lillesite: it carries the marker, or it is an empty folder killed before the marker was written."""
    try:
        return (folder / MARKER).is_file() or not any(folder.iterdir())
    except OSError:
        return False


def clean_stale(out: Path) -> None:
    """Tidy up after builds that were killed; runs under the output lock, so no live build is touched.

    A build killed between the two renames of the fallback swap leaves no output but the previous tree
    under its '.old-' name: that tree is put back. Anything without our marker is left alone.
    """
    def trees(kind: str) -> list[Path]:
        return sorted(p for p in out.parent.glob(f".{out.name}.{kind}-*")
                      if p.is_dir() and not p.is_symlink() and _ours(p))

    old_trees = trees("old")
    if old_trees and not out.exists():
        os.rename(old_trees.pop(), out)
    for stale in trees("new") + old_trees:
        _remove_tree(stale)


def _remove_tree(tree: Path) -> None:
    """Delete one of our trees, the marker last: a deletion cut short stays recognisably ours."""
    for child in tree.iterdir():
        if child.name != MARKER:
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
    shutil.rmtree(tree, ignore_errors=True)


def write_site(out: Path, files: dict[str, bytes], static: dict[str, Path], *,
               finish: Callable[[Path], None] | None = None) -> WriteStats:
    """Write `files` (generated) and `static` (copied) as the new content of `out`; OS errors become BuildFailed.

    `finish` gets the complete new tree before the swap (the search index is written there),
    so what it adds is swapped in atomically with the rest, and its failure leaves `out` as it was.
    """
    out = out.resolve()
    try:
        return _write_and_swap(out, files, static, finish)
    except OSError as exc:
        raise _cannot_write(exc, out) from None


def _cannot_write(exc: OSError, out: Path) -> BuildFailed:
    where = exc.filename or out
    return BuildFailed([ContentError(
        f"cannot write the output: {exc.strerror or exc} ({where}); the previous output is untouched",
        Location(str(out)))])


def _write_and_swap(out: Path, files: dict[str, bytes], static: dict[str, Path],
                    finish: Callable[[Path], None] | None) -> WriteStats:
    clean_stale(out)
    if finish is None and _is_current(out, files, static):  # what `finish` adds is known only by running it
        return WriteStats(written=0, unchanged=len(files) + len(static), removed=0)
    new = _temp_name(out, "new")
    new.mkdir(parents=True)
    written = unchanged = 0
    made_dirs: set[Path] = {new}
    try:
        # the marker first: a tree left by a killed build is recognisably ours
        (new / MARKER).write_bytes(b"")
        for rel, source in sorted(static.items()):
            target = new / rel
            _mkdir(target.parent, made_dirs)
            old = out / rel
            if _same_file(old, source) and _link(old, target):
                unchanged += 1
            else:
                shutil.copy2(source, target)
                written += 1
        for rel, data in sorted(files.items()):
            target = new / rel
            _mkdir(target.parent, made_dirs)
            old = out / rel
            if _same_bytes(old, data) and _link(old, target):
                unchanged += 1
            else:
                target.write_bytes(data)
                written += 1
        if finish:
            finish(new)
            added_written, added_unchanged = _link_unchanged(new, out, files.keys() | static.keys() | {MARKER})
            written += added_written
            unchanged += added_unchanged
        previous = _count_files(out) if out.exists() else 0
        _swap_in(new, out)
    except BaseException:
        if new.exists():
            _remove_tree(new)
        raise
    removed = max(0, previous - (written + unchanged + 1))
    return WriteStats(written=written, unchanged=unchanged, removed=removed)


def _is_current(out: Path, files: dict[str, bytes], static: dict[str, Path]) -> bool:
    """Whether `out` already holds exactly these files: then nothing is swapped (a no-op rebuild stays cheap)."""
    if not (out / MARKER).is_file():
        return False
    present = set()
    for dirpath, dirnames, filenames in os.walk(out):
        if not dirnames and not filenames:
            return False
        folder = Path(dirpath).relative_to(out)
        present.update((folder / name).as_posix() for name in filenames)
    if present != files.keys() | static.keys() | {MARKER}:
        return False
    return (all(_same_file(out / rel, source) for rel, source in static.items())
            and all(_same_bytes(out / rel, data) for rel, data in files.items()))


def _link_unchanged(new: Path, out: Path, known: set[str]) -> tuple[int, int]:
    """Files `finish` added to `new` that equal the previous output's become hard links to them, as above."""
    written = unchanged = 0
    for folder, _, names in os.walk(new):
        for name in names:
            target = Path(folder, name)
            rel = target.relative_to(new).as_posix()
            if rel in known:
                continue
            link = target.with_name(f".{name}.link")
            if _same_bytes(out / rel, target.read_bytes()) and _link(out / rel, link):
                os.replace(link, target)
                unchanged += 1
            else:
                written += 1
    return written, unchanged


def _swap_in(new: Path, out: Path) -> None:
    """Make `new` the output in one step, then delete the tree it replaced."""
    if not out.exists():
        os.rename(new, out)
    elif _exchange(new, out):
        _remove_tree(new)  # holds the previous tree now; what a kill leaves of it is cleaned next time
    else:
        # no atomic swap on this file system: two renames; clean_stale repairs a kill between them
        old_tree = _temp_name(out, "old")
        os.rename(out, old_tree)
        try:
            os.rename(new, out)
        except BaseException:
            os.rename(old_tree, out)
            raise
        _remove_tree(old_tree)


def _link(old: Path, target: Path) -> bool:
    """Hard-link an unchanged file from the previous output; False where the file system cannot."""
    try:
        os.link(old, target)
        return True
    except OSError:
        return False


def _mkdir(path: Path, made: set[Path]) -> None:
    if path not in made:
        path.mkdir(parents=True, exist_ok=True)
        made.add(path)


def _count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


def static_files(static_dir: Path, site_root: Path, errors: list[LilleError]) -> dict[str, Path]:
    """Files of static/ by output path; links that lead outside the site are reported, not followed."""
    from lillesite.errors import ErrorList
    from lillesite.sources import walk

    if not static_dir.is_dir():
        return {}
    found = ErrorList()
    result = {path.relative_to(static_dir).as_posix(): path for path in walk(static_dir, site_root.resolve(), found)}
    errors.extend(found.items)
    return result


def collisions(files: dict[str, bytes], static: dict[str, Path]) -> list[LilleError]:
    return [ContentError(f"static file would overwrite a generated page /{rel}", Location(f"static/{rel}"))
            for rel in sorted(static.keys() & files.keys())]

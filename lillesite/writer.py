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
        raise BuildFailed([UsageError(f"--out {str(out)!r} would replace the site's own folder; choose e.g. '_site'")])
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
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
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
    return a.st_size == b.st_size and int(a.st_mtime) == int(b.st_mtime)


def clean_stale(out: Path) -> None:
    """Remove half-built trees left by builds that were killed (named by us, never anything else)."""
    for stale in out.parent.glob(f".{out.name}.new-*"):
        shutil.rmtree(stale, ignore_errors=True)


def write_site(out: Path, files: dict[str, bytes], static: dict[str, Path]) -> WriteStats:
    """Write `files` (generated) and `static` (copied) as the new content of `out`."""
    out = out.resolve()
    clean_stale(out)
    if _is_current(out, files, static):
        return WriteStats(written=0, unchanged=len(files) + len(static), removed=0)
    new = out.parent / f".{out.name}.new-{os.getpid()}"
    new.mkdir(parents=True)
    written = unchanged = 0
    made_dirs: set[Path] = {new}
    try:
        for rel, source in sorted(static.items()):
            target = new / rel
            _mkdir(target.parent, made_dirs)
            old = out / rel
            if _same_file(old, source):
                os.link(old, target)
                unchanged += 1
            else:
                shutil.copy2(source, target)
                written += 1
        for rel, data in sorted(files.items()):
            target = new / rel
            _mkdir(target.parent, made_dirs)
            old = out / rel
            if _same_bytes(old, data):
                os.link(old, target)
                unchanged += 1
            else:
                target.write_bytes(data)
                written += 1
        (new / MARKER).write_bytes(b"")
        previous = _count_files(out) if out.exists() else 0
        if out.exists():
            if not _exchange(new, out):
                # no atomic swap on this system: two renames, the gap as short as it can be
                old_tree = out.parent / f".{out.name}.new-{os.getpid()}-old"
                os.rename(out, old_tree)
                os.rename(new, out)
                new = old_tree
            shutil.rmtree(new)  # now the previous tree
        else:
            os.rename(new, out)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
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

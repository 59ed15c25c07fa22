"""The only step that writes. A new tree is built beside the old one and swapped in atomically.

Unchanged files are hard links to the previous output, so their mtime stays and deploys move only
real changes; a build that fails or is killed at any moment leaves the previous output as it was.
The tree a swap replaces is kept as '.<name>.spare' and becomes the next build's new tree: bringing
it up to date touches only what differs, where making a tree of thousands of folders took longer
than rendering the pages.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from lillesite.errors import BuildFailed, ContentError, Diagnostics, Location, OutputError, UsageError
from lillesite.messages import _
from lillesite.stamps import Kept, Stamp, file_bytes, stamp

log = logging.getLogger(__name__)
MARKER = ".lillesite-output"  # says "lillesite made this folder": we never replace one without it
SOURCE_FOLDERS = ("content", "templates", "static", "locales")
LOCK_WAIT_SECONDS = 120


@dataclass(frozen=True)
class WriteStats:
    written: int
    unchanged: int
    removed: int
    files: frozenset[str] = field(default=frozenset(), repr=False)  # every file of the output now, by relative path


def check_output_dir(out: Path, site_root: Path) -> None:
    """Refuse an output folder over or inside the site's sources, or one lillesite did not create."""
    out = out.resolve()
    root = site_root.resolve()
    sources = [root / name for name in SOURCE_FOLDERS]
    if out == root or root.is_relative_to(out):
        problem = (_("--out {folder!r} is the site's own folder: the build would replace it; choose e.g. '_site'",
                     folder=str(out)) if out == root else
                   _("--out {folder!r} contains the site's folder: the build would replace it; choose e.g. '_site'",
                     folder=str(out)))
        raise BuildFailed([UsageError(problem)])
    for folder in sources:
        if out.is_relative_to(folder):
            raise BuildFailed([UsageError(_("--out {folder!r} is inside the site's {name}/ folder",
                                                  folder=str(out), name=folder.name))])
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise BuildFailed([UsageError(
            _("--out {folder!r} exists and was not made by lillesite; not replacing it "
              "(remove it yourself or choose another folder)", folder=str(out)))])


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
                        _("another lillesite build is writing {folder!r}; gave up after {wait:.0f} s",
                          folder=str(out), wait=wait))]) from None
                if not announced:
                    # a Message as the record's text: the CLI's log handler shows it in the editor's language
                    log.warning(_("another build is writing {folder}; waiting for it to finish", folder=str(out)))
                    announced = True
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def exchange(a: Path, b: Path) -> bool:
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


def _has_stamp(path: str, expected: Stamp | None) -> bool:
    try:
        return expected is not None and stamp(os.stat(path)) == expected
    except OSError:
        return False


def _same_bytes(path: str, data: bytes) -> bool:
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as file:
            return file.read() == data
    except OSError:
        return False


def _same_file(old: str, source: Path) -> bool:
    try:
        a, b = os.stat(old), source.stat()
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


def write_site(out: Path, files: dict[str, bytes | Kept], static: dict[str, Path], *,
               finish: Callable[[Path], None] | None = None, carry: tuple[str, ...] = (),
               last_output: frozenset[str] | None = None) -> WriteStats:
    """Write `files` (generated, or Kept from the current output) and `static` (copied) as the new
    content of `out`; OS errors become BuildFailed.

    `finish` gets the complete new tree before the swap (the search index is written there),
    so what it adds is swapped in atomically with the rest, and its failure leaves `out` as it was.
    `carry`: folders (as 'name/') whose files in the previous output are kept as they are.
    `last_output`: the files the last build left in `out`, if known: then `out` is not walked (_looked_up),
    only the `carry` folders are. A file added to it by hand since is not counted as removed; it goes all the same.
    """
    out = out.resolve()
    try:
        return _write_and_swap(out, files, static, finish, carry, last_output)
    except OSError as exc:
        raise _cannot_write(exc, out) from None


def _cannot_write(exc: OSError, out: Path) -> BuildFailed:
    where = exc.filename or out
    return BuildFailed([OutputError(
        _("cannot write the output: {problem} ({where}); the previous output is untouched",
          problem=exc.strerror or str(exc), where=str(where)),
        Location(str(out)))])


def _write_and_swap(out: Path, files: dict[str, bytes | Kept], static: dict[str, Path],
                    finish: Callable[[Path], None] | None, carry: tuple[str, ...],
                    last_output: frozenset[str] | None) -> WriteStats:
    clean_stale(out)
    ours = (out / MARKER).is_file()
    stamps = _looked_up(out, last_output | files.keys() | static.keys()) if ours and last_output is not None else None
    if stamps is not None:
        present, tidy = {rel: s[1] for rel, s in stamps.items()}, None
        for folder in carry:  # what others wrote there (the preview's search index) is known only by a walk
            tree = out / folder
            if tree.is_dir() and not tree.is_symlink():
                present.update((folder + rel, inode) for rel, inode in _listing(tree)[0].items())
    else:
        present, tidy = _listing(out) if ours else ({}, False)
    carried = {rel for rel in present if rel.startswith(carry)} - files.keys() - static.keys() if carry else set()
    wanted = files.keys() | static.keys() | carried | {MARKER}
    old = str(out)
    same = {rel for rel, source in static.items() if rel in present and _same_file(os.path.join(old, rel), source)}
    same.update(rel for rel, data in files.items() if rel in present and (
        (stamps[rel] == data.stamp if stamps is not None else _has_stamp(os.path.join(old, rel), data.stamp))
        if type(data) is Kept else _same_bytes(os.path.join(old, rel), data)))
    same.update(carried)
    # what `finish` adds is known only by running it
    if finish is None and present.keys() == wanted and len(same) == len(wanted) - 1:
        if tidy is None:  # files were looked up by name: only a walk tells that nothing else is there
            listed, tidy = _listing(out)
            tidy = tidy and listed.keys() == wanted
        if tidy:
            return WriteStats(written=0, unchanged=len(same), removed=0, files=frozenset(present))
    new = _temp_name(out, "new")
    spare = _spare_name(out)
    try:
        if present and _usable_spare(spare):
            # the tree the last build replaced: brought up to date below, so only what differs is touched
            os.rename(spare, new)
        else:
            new.mkdir(parents=True)
            (new / MARKER).write_bytes(b"")  # first: a tree left by a killed build is recognisably ours
        folders, kept = _prune(new, wanted)
        written = 0
        for rel, source in static.items():
            written += _put(str(new), old, rel, folders, kept.get(rel), present.get(rel), rel in same,
                            lambda target: shutil.copy2(source, target))
        for rel, data in files.items():
            written += _put(str(new), old, rel, folders, kept.get(rel), present.get(rel), rel in same,
                            lambda target: _write_file(target, file_bytes(data)))
        for rel in carried:
            written += _put(str(new), old, rel, folders, kept.get(rel), present.get(rel), True,
                            lambda target: shutil.copy2(os.path.join(old, rel), target))
        unchanged = len(wanted) - 1 - written
        added = set()
        if finish:
            finish(new)
            added = _added_files(new, wanted)
            for rel in added:
                if _link_if_same(new, out, rel):
                    unchanged += 1
                else:
                    written += 1
        _swap_in(new, out, spare)
    except BaseException:
        if new.exists():
            _remove_tree(new)
        raise
    return WriteStats(written=written, unchanged=unchanged, removed=len(present.keys() - wanted - added - {MARKER}),
                      files=frozenset(wanted | added))


def _listing(tree: Path) -> tuple[dict[str, int], bool]:
    """The files of `tree` by relative path, with their inode numbers (as the folder lists them: no
    stat), and whether it has no empty folder."""
    files: dict[str, int] = {}
    empty: list[str] = []

    def visit(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            seen = False
            for entry in entries:
                seen = True
                if entry.is_dir(follow_symlinks=False):
                    visit(entry.path, prefix + entry.name + "/")
                else:
                    files[prefix + entry.name] = entry.inode()
        if not seen:
            empty.append(prefix)
    visit(str(tree), "")
    return files, not empty


def _looked_up(tree: Path, names: Iterable[str]) -> dict[str, Stamp]:
    """The stamps of the files `names` that `tree` has (their inode numbers as in _listing()): on a site of
    thousands of pages, each in its own folder, looking files up by name is much cheaper than a walk."""
    folder = str(tree)
    found = {}
    for rel in names:
        try:
            found[rel] = stamp(os.lstat(os.path.join(folder, rel)))
        except OSError:
            continue
    return found


def _write_file(path: str, data: bytes) -> None:
    with open(path, "xb") as file:  # never into an existing file: it may be a hard link to the output's
        file.write(data)


def _spare_name(out: Path) -> Path:
    """The tree the last swap replaced, kept for the next build: '.<name>.spare'."""
    return out.parent / f".{out.name}.spare"


def _usable_spare(spare: Path) -> bool:
    return spare.is_dir() and not spare.is_symlink() and (spare / MARKER).is_file()


def _prune(tree: Path, wanted: set[str]) -> tuple[set[str], dict[str, int]]:
    """Delete from `tree` every file and folder the new output does not have; return the folders and
    the files it keeps, with their inode numbers as in _listing()."""
    needed = {""}
    for rel in wanted:
        parts = rel.split("/")[:-1]
        needed.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    kept: set[str] = set()
    files: dict[str, int] = {}

    def visit(folder: str, rel: str) -> None:
        kept.add(rel)
        prefix = rel + "/" if rel else ""
        with os.scandir(folder) as entries:
            for entry in entries:
                path = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if path in needed:
                        visit(entry.path, path)
                    else:
                        shutil.rmtree(entry.path)
                elif path not in wanted:
                    os.unlink(entry.path)
                else:
                    files[path] = entry.inode()
    visit(str(tree), "")
    return kept, files


def _put(new: str, old: str, rel: str, folders: set[str], inode_in_new: int | None, inode_in_old: int | None,
         same: bool, write: Callable[[str], None]) -> bool:
    """Make `new`/rel the wanted file: a hard link to the previous output's file when that one is the
    same (kept as it is if it already is that link: the same inode in both trees), else freshly
    written. True when written.

    A file of `new` may be a hard link to one of the output: it is replaced, never written into.
    """
    target = os.path.join(new, rel)
    previous = os.path.join(old, rel)
    if inode_in_new is not None:
        if same and inode_in_new == inode_in_old:
            return False
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
    _make_folder(new, rel, folders)
    if same and _link(previous, target):
        return False
    write(target)
    return True


def _make_folder(tree: str, rel: str, folders: set[str]) -> None:
    """The folder of `rel`, and those above it, that `folders` (what `tree` has) does not list yet."""
    missing = []
    folder = rel.rpartition("/")[0]
    while folder and folder not in folders:
        missing.append(folder)
        folder = folder.rpartition("/")[0]
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(os.path.join(tree, folder))
        folders.add(folder)


def _added_files(tree: Path, known: set[str]) -> set[str]:
    return _listing(tree)[0].keys() - known


def _link_if_same(new: Path, out: Path, rel: str) -> bool:
    """A file `finish` added that equals the previous output's becomes a hard link to it, as above."""
    target = new / rel
    link = target.with_name(f".{target.name}.link")
    if _same_bytes(str(out / rel), target.read_bytes()) and _link(str(out / rel), str(link)):
        os.replace(link, target)
        return True
    return False


def _swap_in(new: Path, out: Path, spare: Path) -> None:
    """Make `new` the output in one step; the tree it replaced becomes the spare for the next build."""
    if not out.exists():
        os.rename(new, out)
        return
    if exchange(new, out):
        replaced = new
    else:
        # no atomic swap on this file system: two renames; clean_stale repairs a kill between them
        replaced = _temp_name(out, "old")
        os.rename(out, replaced)
        try:
            os.rename(new, out)
        except BaseException:
            os.rename(replaced, out)
            raise
    try:
        os.rename(replaced, spare)
    except OSError:  # a spare folder that is not ours is in the way: the replaced tree is not kept
        _remove_tree(replaced)


def _link(old: str, target: str) -> bool:
    """Hard-link an unchanged file from the previous output; False where the file system cannot."""
    try:
        os.link(old, target)
        return True
    except OSError:
        return False


def static_files(static_dir: Path, site_root: Path, report: Diagnostics) -> dict[str, Path]:
    """Files of static/ by output path; links that lead outside the site are reported, not followed."""
    from lillesite.sources import walk

    if not static_dir.is_dir():
        return {}
    prefix = os.path.join(static_dir, "")
    return {path[len(prefix):]: Path(path) for path in walk(static_dir, site_root.resolve(), report)}


def collisions(files: dict[str, bytes | Kept], static: dict[str, Path], report: Diagnostics) -> None:
    report.extend(ContentError(_("static file would overwrite a generated page /{path}", path=rel),
                               Location(f"static/{rel}"))
                  for rel in sorted(static.keys() & files.keys()))

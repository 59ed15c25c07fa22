"""The no-op build: when inputs and output are exactly as the last build left them, stop before parsing.

After a successful build, the stamps (device, inode, size, mtime) of every file it read (site.yml,
content/, templates/, static/, locales/, the theme) and of every file in the output are kept in
.lillesite-cache/ with what the build reported. A build that finds the same stamps, the same code and
settings (the cache's version, the config, the options, the git commit), and no scheduled item due
since, would write the same bytes: it reports the same and stops.

A build that does not stop reads again only the content files whose stamps changed: the others'
parsed documents are taken from the cache by the keys the record names (unchanged_documents).

Like make and git, this trusts stamps; like git, only those of files older than the recording build by
RACY_NS, so that a file changed twice within one clock tick is never taken as unchanged. The output
files of the build's last clock tick (stamps.trusted_before) are checked by their sha256 too. Anything
unexpected (a symbolic link, an unreadable folder) means a full build.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from lillesite.cache import BuildCache
from lillesite.config import CONFIG_NAME, THEME_LOCALES, THEME_TEMPLATES, Config
from lillesite.errors import LilleError
from lillesite.stamps import RACY_NS, Stamp, stamp, trusted_before
from lillesite.writer import SOURCE_FOLDERS

RECORD = "uptodate.pickle"
UNTRUSTED: Stamp = (-1, -1, -1, -1)  # equals no file's stamp
GIT_TIMEOUT = 10


@dataclass(frozen=True)
class Summary:
    """What a build says about its output; replayed as it was when the output is found up to date."""

    pages: dict[str, int]  # HTML pages per language
    feeds: int
    next_scheduled: dt.datetime | None  # the next future-dated item this build left out


@dataclass(frozen=True)
class Record:
    settings: str
    inputs: dict[str, Stamp | None]
    outputs: dict[str, Stamp]
    # the output files of the build's last clock tick, whose stamps alone cannot be trusted -> their sha256
    recent_outputs: dict[str, str]
    summary: Summary
    warnings: tuple[LilleError, ...]
    doc_keys: dict[str, str]  # content file (relative path) -> the build cache's key of its parsed document


@dataclass(frozen=True)
class State:
    """The inputs as a build starts: taken before anything is read, so that later changes show."""

    settings: str
    inputs: dict[str, Stamp | None] | None  # None: something only a full build knows how to treat
    taken_ns: int


def current(config: Config, settings: str) -> State:
    taken_ns = time.time_ns()
    inputs = input_stamps(config.root, follow_links=False)
    return State(f"{settings}|{_git_state(config.root)}", inputs, taken_ns)


def input_stamps(root: Path, *, follow_links: bool) -> dict[str, Stamp | None] | None:
    """The stamps of every file a build of the site in `root` reads.

    follow_links=False: None when a symbolic link is met, where a link's own stamp says nothing of
    its target's. True (the preview's watch): a linked file counts by its target, linked folders not at all.
    """
    found: dict[str, Stamp | None] = {}
    for top in (root / CONFIG_NAME, *(root / name for name in SOURCE_FOLDERS), THEME_TEMPLATES, THEME_LOCALES):
        if not _stamp_tree(str(top), found, follow_links):
            return None
    return found


def last(cache: BuildCache) -> Record | None:
    """The record of the last successful build, if it could be trusted."""
    record = cache.load(RECORD)
    return record if isinstance(record, Record) else None


def unchanged(record: Record | None, state: State, out: Path, now: dt.datetime) -> bool:
    """Whether nothing the last build depended on has changed since."""
    if record is None or state.inputs is None or record.settings != state.settings or record.inputs != state.inputs:
        return False
    if record.summary.next_scheduled is not None and now >= record.summary.next_scheduled:
        return False  # a scheduled item is due: it must appear
    return output_stamps(out) == record.outputs and all(
        _sha256(path) == sha for path, sha in record.recent_outputs.items())


def unchanged_documents(record: Record | None, state: State, root: Path) -> dict[str, str]:
    """Content file -> cache key of its document, for the files with the stamp they had when the last
    build (with the same settings) read them: found in the cache by that key, they are not read again."""
    if record is None or state.inputs is None or record.settings != state.settings:
        return {}
    folder = str(root)
    return {rel: key for rel, key in record.doc_keys.items()
            for path in (os.path.join(folder, rel),) if state.inputs.get(path) is not None
            and state.inputs.get(path) == record.inputs.get(path)}


def last_output(record: Record | None, state: State, out: Path) -> frozenset[str] | None:
    """The files (relative paths) the last build with the same settings, output folder included, left in
    `out`: the writer looks them up one by one instead of walking the output (writer.write_site)."""
    if record is None or record.settings != state.settings:
        return None
    prefix = os.path.join(str(out), "")
    return frozenset(path[len(prefix):] for path in record.outputs if path.startswith(prefix))


def keep(cache: BuildCache, state: State, out: Path, files: frozenset[str], summary: Summary,
         warnings: list[LilleError], doc_keys: dict[str, str], known: dict[str, Stamp]) -> None:
    """Record a successful build that wrote `files` into `out` and read the documents `doc_keys`
    (relative path -> cache key); `known`: the stamps of output files the writer kept as they were.
    An input changed too recently to trust its stamp is recorded as UNTRUSTED: the next build cannot
    stop early, and reads that file again."""
    outputs = None if state.inputs is None else _stamps_of(str(out), files, known)
    if outputs is not None:
        before = trusted_before(s[3] for s in outputs.values())
        recent_outputs = {path: _sha256(path) for path, s in outputs.items() if s[3] >= before}
    if outputs is None or None in recent_outputs.values():
        cache.forget(RECORD)
        return
    recent = state.taken_ns - RACY_NS
    inputs = {path: UNTRUSTED if s is not None and s[3] > recent else s for path, s in state.inputs.items()}
    cache.store(RECORD, Record(state.settings, inputs, outputs, recent_outputs, summary, tuple(warnings),
                               doc_keys))


def _sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as file:
            return hashlib.sha256(file.read()).hexdigest()
    except OSError:
        return None


def output_stamps(out: Path) -> dict[str, Stamp] | None:
    found: dict[str, Stamp | None] = {}
    return found if _stamp_tree(str(out), found) else None


def _stamps_of(folder: str, files: frozenset[str], known: dict[str, Stamp]) -> dict[str, Stamp] | None:
    """The stamps of the files a build just wrote, keyed as output_stamps() finds them (cheaper than a
    walk); those `known` are not asked again. Should one have changed since, the record does not match
    the output, and the next build does not stop early."""
    try:
        return {os.path.join(folder, rel): known.get(rel) or stamp(os.lstat(os.path.join(folder, rel)))
                for rel in files}
    except OSError:
        return None


def _stamp_tree(path: str, found: dict[str, Stamp | None], follow_links: bool = False) -> bool:
    """Stamps of `path` and every file below it into `found`; False on an unreadable folder, or a link
    unless `follow_links`."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        found[path] = None  # absent is a state too: a folder created later is a change
        return True
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode):
        return _stamp_file(path, st, found, follow_links)
    try:
        with os.scandir(path) as entries:
            children = list(entries)
    except OSError:
        return False
    for entry in children:
        if entry.is_dir(follow_symlinks=False):
            if not _stamp_tree(entry.path, found, follow_links):
                return False
        elif not _stamp_file(entry.path, entry.stat(follow_symlinks=False), found, follow_links):
            return False
    return True


def _stamp_file(path: str, st: os.stat_result, found: dict[str, Stamp | None], follow_links: bool) -> bool:
    if stat.S_ISLNK(st.st_mode):
        if not follow_links:
            return False
        try:
            st = os.stat(path)
        except OSError:
            found[path] = None  # a broken link
            return True
        if stat.S_ISDIR(st.st_mode):
            return True  # a linked folder: not followed, as the build's walk does not
    found[path] = stamp(st)
    return True


def _git_state(root: Path) -> str:
    """The commit and the index: with content/'s files, what the translation status reads from git."""
    try:
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "--absolute-git-dir", "HEAD"],
                              capture_output=True, text=True, timeout=GIT_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return "no git"
    lines = done.stdout.split()
    if done.returncode != 0 or not lines:
        return f"not a repository ({done.returncode})"
    index: dict[str, Stamp | None] = {}
    _stamp_tree(os.path.join(lines[0], "index"), index)
    return f"{lines[1:]}|{index}"

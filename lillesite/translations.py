"""What needs translating: missing translations, and stale ones whose original changed since.

Staleness follows the real editing history: from git when the site is in a repository (the last
commit touching the original against the translation's), otherwise from the original's fingerprint
that the translation records as `translated_from` (written by `lillesite translations --mark-done`).
"""
from __future__ import annotations

import logging
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lillesite.config import Config
from lillesite.document import fingerprint
from lillesite.errors import BuildFailed, ContentError, Location, UsageError
from lillesite.frontmatter import decode
from lillesite.model import Entry, Site
from lillesite.sources import KINDS, NAME_RE



class RecordStore(Protocol):
    """Where git's log is kept between builds, by the commit it was read at (the build cache)."""

    def load(self, name: str) -> Any: ...

    def store(self, name: str, value: Any) -> None: ...

log = logging.getLogger(__name__)
HISTORY_RECORD = "history.pickle"  # in the build cache: see read_history()
UNCOMMITTED = 0  # rank of a file changed in the working tree: newer than any commit
GIT_TIMEOUT = 60


@dataclass(frozen=True)
class History:
    """How recently each content file changed in git: rank 0 = uncommitted, 1 = newest commit, ..."""

    ranks: dict[str, int]  # site-relative POSIX path -> rank

    def rank(self, rel: str) -> int:
        return self.ranks.get(rel, UNCOMMITTED)  # unknown to git: not committed yet


def read_history(root: Path, cache: RecordStore | None = None) -> History | None:
    """The git history of content/, or None when the site is not in a git repository.

    `cache` keeps what the commits say by the commit they lead to (HEAD): on a site of many commits,
    reading the log takes as long as the rest of a build after an edit.
    """
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                                  timeout=GIT_TIMEOUT, encoding="utf-8", errors="replace")
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout if done.returncode == 0 else None

    found = git("rev-parse", "--show-prefix", "--git-common-dir", "HEAD")
    if found is not None:  # the site's folder inside the repository, the repository's git folder, the commit
        prefix, git_dir, head = found.split("\n")[:3]
        # a shallow clone deepened, or grafts, change the history HEAD leads to
        commits = _committed_ranks(git, (prefix, head, *(_stamp(os.path.join(root, git_dir, name))
                                                         for name in ("shallow", "info/grafts"))), cache)
    else:
        prefix = git("rev-parse", "--show-prefix")
        if prefix is None:
            return None
        commits = {}  # a repository without commits yet
    ranks = dict(commits)
    prefix = prefix.strip()
    status = git("status", "--porcelain", "-z", "--untracked-files=all", "--no-renames", "--", "content") or ""
    for item in status.split("\0"):
        path = item[3:]
        if path.startswith(prefix):
            ranks[path[len(prefix):]] = UNCOMMITTED
    return History(ranks)


def _committed_ranks(git, key: tuple, cache: RecordStore | None) -> dict[str, int]:
    """Each content file's rank in the log of the commit in `key`; from the cache when it was read for that key."""
    known = cache.load(HISTORY_RECORD) if cache else None
    if isinstance(known, tuple) and len(known) == 2 and known[0] == key:
        return known[1]
    ranks: dict[str, int] = {}
    log_text = git("log", "--topo-order", "--no-renames", "--relative", "--name-only", "--format=%x00", "--",
                   "content")
    if log_text is None:
        return ranks  # git failed this time: not kept
    for number, commit in enumerate(log_text.split("\0")[1:], start=1):
        for rel in commit.split("\n"):
            if rel and rel not in ranks:
                ranks[rel] = number
    if cache:
        cache.store(HISTORY_RECORD, (key, ranks))
    return ranks


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def is_stale(entry: Entry, source: Entry, history: History | None) -> bool:
    if entry is source:
        return False
    if history is not None:
        return history.rank(source.rel) < history.rank(entry.rel)
    recorded = entry.doc.meta.get("translated_from")
    return recorded is not None and recorded != source.doc.fingerprint


def outdated(site: Site, history: History | None) -> dict[str, Entry]:
    """Translation's file -> the original it lags behind."""
    result = {}
    for tset in site.sets.values():
        for entry in tset.entries.values():
            if is_stale(entry, tset.source, history):
                result[entry.rel] = tset.source
    return result


@dataclass(frozen=True)
class Item:
    kind: str
    key: str
    title: str  # in the original's language
    source: str  # the original's file
    file: str | None  # the translation's file, when it exists


@dataclass(frozen=True)
class Status:
    mode: str  # 'git' or 'fingerprint'
    missing: dict[str, tuple[Item, ...]]  # lang -> items with no translation in that language
    stale: dict[str, tuple[Item, ...]]  # lang -> translations older than their original

    def as_json(self) -> dict:
        def items(group):
            return {lang: [vars(item) for item in found] for lang, found in group.items()}
        return {"mode": self.mode, "missing": items(self.missing), "stale": items(self.stale)}

    def as_table(self) -> str:
        lines = [f"staleness from {'git history' if self.mode == 'git' else 'recorded fingerprints'}"]
        for lang in self.missing:
            lines.append(f"\n{lang}: {len(self.missing[lang])} missing, {len(self.stale[lang])} stale")
            for item in self.stale[lang]:
                lines.append(f"  stale    {item.file}  (original {item.source} changed)")
            for item in self.missing[lang]:
                lines.append(f"  missing  {item.source}  {item.title}")
        return "\n".join(lines)


def status(site: Site, history: History | None) -> Status:
    languages = site.config.language_codes
    missing: dict[str, list[Item]] = {lang: [] for lang in languages}
    stale: dict[str, list[Item]] = {lang: [] for lang in languages}
    for (kind, key), tset in sorted(site.sets.items()):
        source = tset.source
        for lang in languages:
            entry = tset.entries.get(lang)
            if entry is None:
                missing[lang].append(Item(kind, key, source.title, source.rel, None))
            elif is_stale(entry, source, history):
                stale[lang].append(Item(kind, key, source.title, source.rel, entry.rel))
    return Status("git" if history is not None else "fingerprint",
                  {lang: tuple(v) for lang, v in missing.items()}, {lang: tuple(v) for lang, v in stale.items()})


def original_of(config: Config, translation: Path) -> Path:
    """The source-language file that a translation's name points to."""
    path = translation.resolve()
    content = config.content_dir.resolve()
    match = NAME_RE.match(path.name)
    if path.parent.parent != content or path.parent.name not in KINDS or not match:
        raise BuildFailed([UsageError(f"{str(translation)!r} is not a content file of this site "
                                      f"(content/pages/KEY.LANG.md or content/news/DATE-KEY.LANG.md)")])
    if match["lang"] == config.default_language:
        raise BuildFailed([UsageError(f"{translation.name!r} is in the source language "
                                      f"({config.default_language}); mark its translations instead")])
    original = path.with_name(path.name[: -len(f".{match['lang']}.md")] + f".{config.default_language}.md")
    if not original.is_file():
        raise BuildFailed([ContentError(f"no original {original.name!r} to compare with",
                                        Location(path.relative_to(config.root.resolve()).as_posix()))])
    return original


def mark_done(config: Config, translation: Path) -> str:
    """Record in the translation the fingerprint of its original as it is now; returns it."""
    original = original_of(config, translation)
    where = translation.resolve().relative_to(config.root.resolve()).as_posix()
    value = fingerprint(original.read_bytes())
    try:
        text = decode(translation.read_bytes(), where)
    except ContentError as exc:  # not UTF-8, or a control character: a finding, not a crash
        raise BuildFailed([exc]) from None
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise BuildFailed([ContentError("missing front matter: the file must start with a line '---'",
                                        Location(where, 1))])
    for index in range(1, len(lines)):
        if lines[index].startswith("translated_from:"):
            lines[index] = f"translated_from: {value}"
            break
        if lines[index].rstrip() in ("---", "..."):
            lines.insert(index, f"translated_from: {value}")
            break
    else:
        raise BuildFailed([ContentError("front matter opened on line 1 is never closed with a line '---'",
                                        Location(where, 1))])
    translation.write_text("\n".join(lines), encoding="utf-8")
    return value

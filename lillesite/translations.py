"""What needs translating: missing translations, and stale ones whose original changed since.

A translation that records the fingerprint of its original as `translated_from` (written by
`lillesite translations --mark-done`) is stale exactly when the original no longer matches it. One
without a record is judged by git's history when the site is in a repository (the original's last
change against the translation's), and never called stale otherwise: see stale_because().
"""
from __future__ import annotations

import logging
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from lillesite.config import Config
from lillesite.document import fingerprint
from lillesite.errors import BuildFailed, ContentError, Location, UsageError
from lillesite.frontmatter import decode
from lillesite.messages import ENGLISH, _
from lillesite.model import Entry, Site
from lillesite.sources import KINDS, NAME_RE



class RecordStore(Protocol):
    """Where git's log is kept between builds, by the commit it was read at (the build cache)."""

    def load(self, name: str) -> Any: ...

    def store(self, name: str, value: Any) -> None: ...

log = logging.getLogger(__name__)
HISTORY_RECORD = "history.pickle"  # in the build cache: see read_history()
HISTORY_RULE = 2  # in the cache's key: a record read by an older rule is read again
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
    """Each content file's rank in the log of the commit in `key`; from the cache when it was read for that key.

    A file moved or renamed without a change of its text (a new year's folder, a new key for both
    languages) keeps the rank of its last real change: a move is not an edit to translate.
    """
    key = (HISTORY_RULE, *key)
    known = cache.load(HISTORY_RECORD) if cache else None
    if isinstance(known, tuple) and len(known) == 2 and known[0] == key:
        return known[1]
    ranks: dict[str, int] = {}
    log_text = git("log", "--topo-order", "-M", "--relative", "--name-status", "-z", "--format=%x01", "--",
                   "content")
    if log_text is None:
        return ranks  # git failed this time: not kept
    renamed: dict[str, str] = {}  # a file's older name -> its name now, from the moves seen so far (newest first)
    number = 0
    tokens = iter(token.lstrip("\n") for token in log_text.split("\0"))
    for token in tokens:
        if token == "\x01":  # the next commit, older than the last
            number += 1
        elif token[:1] in ("R", "C"):  # then the old name and the new one
            old, new = next(tokens, ""), next(tokens, "")
            now = renamed.get(new, new)
            if token == "R100":
                renamed[old] = now
            elif now not in ranks:
                ranks[now] = number
        elif token:  # A, M, D, T...: then the file's name
            path = next(tokens, "")
            now = renamed.get(path, path)
            if path and now not in ranks:
                ranks[now] = number
    if cache:
        cache.store(HISTORY_RECORD, (key, ranks))
    return ranks


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


RECORDED = "translated_from"  # why a translation is stale: its original differs from the recorded version
LATER = "git"  # ... or, with nothing recorded, git's history shows the original changed after it


def stale_because(entry: Entry, source: Entry, history: History | None) -> str | None:
    """Why `entry` lags behind its original `source` (RECORDED or LATER), or None.

    A recorded `translated_from` decides alone, whatever git's dates say: it names the exact version of
    the original that was translated. Without one, git's history is a guess: it sees that the original
    changed after the translation, not whether the change needs translating, and it cannot order two
    uncommitted edits. Outside git, a translation with no record is never called stale.
    """
    if entry is source:
        return None
    recorded = entry.doc.meta.get("translated_from")
    if recorded is not None:
        return RECORDED if recorded != source.doc.fingerprint else None
    if history is not None and history.rank(source.rel) < history.rank(entry.rel):
        return LATER
    return None


def is_stale(entry: Entry, source: Entry, history: History | None) -> bool:
    return stale_because(entry, source, history) is not None


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
    reason: str | None = None  # for a stale one: RECORDED or LATER


@dataclass(frozen=True)
class Status:
    mode: str  # 'git' or 'fingerprint'
    missing: dict[str, tuple[Item, ...]]  # lang -> items with no translation in that language
    stale: dict[str, tuple[Item, ...]]  # lang -> translations older than their original

    def as_json(self) -> dict:
        def items(group):
            return {lang: [vars(item) for item in found] for lang, found in group.items()}
        return {"mode": self.mode, "missing": items(self.missing), "stale": items(self.stale)}

    def as_table(self, translate: Callable[[str], str] = ENGLISH) -> str:
        """The table `lillesite translations` prints, in the language of `translate` (a messages.Translator).
        The words 'stale' and 'missing' of each line are in columns of the same width in every language."""
        lines = [translate(RULE[self.mode]), translate(MARK_DONE)]
        for lang in self.missing:
            lines.append("\n" + translate(_("{lang}: {missing} missing, {stale} stale", lang=lang,
                                             missing=len(self.missing[lang]), stale=len(self.stale[lang]))))
            for item in self.stale[lang]:
                lines.append(translate(_("  stale    {file}  (original {original} changed {since})", file=item.file,
                                         original=item.source, since=SINCE[item.reason])))
            for item in self.missing[lang]:
                lines.append(translate(_("  missing  {original}  {title}", original=item.source, title=item.title)))
        return "\n".join(lines)


RULE = {  # what the status can and cannot know, in each mode
    "git": _("staleness from git history\n"
             "  stale: the original differs from the version recorded in the translation's translated_from;\n"
             "  without translated_from, git shows that the original changed after the translation (a guess:\n"
             "  git cannot tell whether the change needs translating, nor order two uncommitted edits)."),
    "fingerprint": _("staleness from recorded fingerprints (not a git repository)\n"
                     "  stale: the original differs from the version recorded in the translation's translated_from;\n"
                     "  without translated_from, nothing tells."),
}
MARK_DONE = _("  Once a translation is up to date: lillesite translations --mark-done FILE")
SINCE = {RECORDED: _("since its translated_from"), LATER: _("after it, says git")}


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
            elif why := stale_because(entry, source, history):
                stale[lang].append(Item(kind, key, source.title, source.rel, entry.rel, why))
    return Status("git" if history is not None else "fingerprint",
                  {lang: tuple(v) for lang, v in missing.items()}, {lang: tuple(v) for lang, v in stale.items()})


def original_of(config: Config, translation: Path) -> Path:
    """The source-language file that a translation's name points to."""
    path = translation.resolve()
    content = config.content_dir.resolve()
    match = NAME_RE.match(path.name)
    if path.parent.parent != content or path.parent.name not in KINDS or not match:
        raise BuildFailed([UsageError(_("{file!r} is not a content file of this site "
                                        "(content/pages/KEY.LANG.md or content/news/DATE-KEY.LANG.md)",
                                        file=str(translation)))])
    if match["lang"] == config.default_language:
        raise BuildFailed([UsageError(_("{file!r} is in the source language ({lang}); mark its translations instead",
                                        file=translation.name, lang=config.default_language))])
    original = path.with_name(path.name[: -len(f".{match['lang']}.md")] + f".{config.default_language}.md")
    if not original.is_file():
        raise BuildFailed([ContentError(_("no original {file!r} to compare with", file=original.name),
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
        raise BuildFailed([ContentError(_("missing front matter: the file must start with a line '---'"),
                                        Location(where, 1))])
    for index in range(1, len(lines)):
        if lines[index].startswith("translated_from:"):
            lines[index] = f"translated_from: {value}"
            break
        if lines[index].rstrip() in ("---", "..."):
            lines.insert(index, f"translated_from: {value}")
            break
    else:
        raise BuildFailed([ContentError(_("front matter opened on line 1 is never closed with a line '---'"),
                                        Location(where, 1))])
    translation.write_text("\n".join(lines), encoding="utf-8")
    return value

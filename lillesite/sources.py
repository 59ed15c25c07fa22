"""discover(): find the content files and read kind, date, key and language from their names."""
from __future__ import annotations

import calendar
import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from lillesite.config import Config
from lillesite.errors import ContentError, Diagnostics, Location
from lillesite.messages import _

KINDS = {"pages": "page", "news": "news"}
NAME_RE = re.compile(r"^(?:(?P<date>\d{4}-\d{2}-\d{2})-)?(?P<key>[a-z0-9][a-z0-9_-]*)\.(?P<lang>[A-Za-z-]+)\.md$")
IGNORED = re.compile(r"^\.|~$|\.swp$|\.tmp$|^#")  # editor backups and hidden files
MONTHS = (None, _("January"), _("February"), _("March"), _("April"), _("May"), _("June"), _("July"), _("August"),
          _("September"), _("October"), _("November"), _("December"))
OUTSIDE = _("symlink points outside the site; not followed")


@dataclass(frozen=True)
class SourceFile:
    filename: str  # on disk
    rel: str  # relative to the site directory, POSIX: 'content/news/2023-03-31-x.fr.md'
    kind: str  # 'page' or 'news'
    key: str  # translation key: the name without date and language
    lang: str
    date: dt.date | None  # news only, from the file name

    @property
    def path(self) -> Path:
        return Path(self.filename)  # on demand: one for every file would slow every build of a big site


def calendar_date(text: str) -> dt.date:
    """A YYYY-MM-DD date; ValueError in words an editor understands ('February 2023 has 28 days')."""
    try:
        return dt.date.fromisoformat(text)  # callers match YYYY-MM-DD, which this reads as below, in C
    except ValueError:
        pass
    year, month, day = (int(part) for part in text.split("-"))
    if not 1 <= month <= 12:
        raise ValueError(_("there is no month {month}", month=month))
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ValueError(_("{month} {year} has {days} days", month=MONTHS[month], year=year, days=days))
    return dt.date(year, month, day)


def inside(path: Path, root: Path) -> bool:
    """Whether `path` really lies under `root`, after resolving symlinks."""
    try:
        path.resolve().relative_to(root)
        return True
    except ValueError:
        return False


def walk(folder: Path, root: Path, report: Diagnostics) -> list[str]:
    """The paths of the files below `folder`, sorted; links leading outside the site are reported, never
    followed, and linked folders are not walked."""
    found: list[str] = []
    if not inside(folder, root):  # the folder itself may be a link to elsewhere
        report.add(ContentError(OUTSIDE, Location(_rel(folder, root))))
        return []

    def visit(path: str) -> None:
        with os.scandir(path) as entries:  # scandir's entries know their type: no stat per file
            for entry in sorted(entries, key=lambda e: e.name):
                if IGNORED.search(entry.name):
                    continue
                link = entry.is_symlink()
                if link and not inside(Path(entry.path), root):
                    report.add(ContentError(OUTSIDE, Location(_rel(Path(entry.path), root))))
                elif entry.is_dir():
                    if not link:
                        visit(entry.path)
                else:
                    found.append(entry.path)
    visit(str(folder))
    return sorted(found, key=lambda path: path.split("/"))


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def discover(config: Config, report: Diagnostics) -> list[SourceFile]:
    """The content files in walking order; misnamed and misplaced files are reported and left out."""
    sources: list[SourceFile] = []
    content = config.content_dir
    root = config.root
    # walk() finds files below the root: a file's relative path is the rest of its path
    root_prefix = os.path.join(root, "")
    if not content.is_dir():
        report.add(ContentError(_("no content/ folder"), Location("content/")))
        return sources
    if not inside(content, root):
        report.add(ContentError(OUTSIDE, Location("content")))
        return sources
    for entry in sorted(content.iterdir()):
        if IGNORED.search(entry.name):
            continue
        rel = _rel(entry, root)
        if entry.is_dir() and entry.name in KINDS:
            for path in walk(entry, root, report):
                source = _source(path, path[len(root_prefix):], KINDS[entry.name], config, report)
                if source:
                    sources.append(source)
        elif entry.is_file() and entry.name.endswith((".yml", ".yaml", ".txt")):
            continue  # editors' notes and vocabularies may live beside the content
        else:
            report.add(ContentError(
                _("unexpected folder in content/") if entry.is_dir() else _("unexpected file in content/"),
                Location(rel),
                hint=_("content goes in content/pages/ or content/news/"),
            ))
    return sources


def _source(path: str, rel: str, kind: str, config: Config, report: Diagnostics) -> SourceFile | None:
    name = rel.rpartition("/")[2]
    where = Location(rel)
    if not name.endswith(".md"):
        report.add(ContentError(_("not a Markdown file (.md); put images and documents in static/"), where))
        return None
    match = NAME_RE.match(name)
    example = "YYYY-MM-DD-key.fr.md" if kind == "news" else "key.fr.md"
    if not match:
        stem = name[:-3]
        if "." not in stem:
            message = _("missing language suffix: name the file like {example!r}", example=example)
        else:
            message = _("bad file name: expected {example!r} (lowercase letters, digits, '-')", example=example)
        report.add(ContentError(message, where))
        return None
    lang = match["lang"]
    if lang not in config.language_codes:
        report.add(ContentError(
            _("unknown language {lang!r} in the file name", lang=lang),
            where,
            hint=_("the site's languages are {languages}", languages=", ".join(config.language_codes)),
        ))
        return None
    date = None
    if kind == "news":
        if not match["date"]:
            report.add(ContentError(_("a news file name starts with its date: {example!r}", example=example), where))
            return None
        try:
            date = calendar_date(match["date"])
        except ValueError as exc:
            report.add(ContentError(_("impossible date {date!r} in the file name: {reason}", date=match["date"],
                                      reason=exc.args[0]), where))
            return None
    elif match["date"]:
        # a page named like a news item: the date is part of its key
        return SourceFile(path, rel, kind, f"{match['date']}-{match['key']}", lang, None)
    return SourceFile(path, rel, kind, match["key"], lang, date)

"""What a run reports: findings (errors, warnings, notices), each with the place it comes from.

Every step takes one Diagnostics and fills it; the command looks at it once, so an editor fixes
everything in one pass. A finding's class says whose problem it is: the site's (config, content,
templates), the command line's, or the machine's (the output folder, a tool the build runs).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from lillesite.messages import ENGLISH, _

# The level words, shown in the editor's language like the rest of the line (git's "erreur :" too); the
# `path:line:` before them stays as it is, and GitHub's annotations keep their English keywords.
LEVELS = {"error": _("error"), "warning": _("warning"), "notice": _("notice")}


@dataclass(frozen=True, order=True)
class Location:
    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


class LilleError(Exception):
    """An error in the user's site (content, config, template), not in lillesite."""

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        *,
        hint: str | None = None,
        level: str = "error",
    ):
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint
        self.level = level  # "error"; "warning" fails only under --strict; "notice" never fails

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        return f"{text} ({self.hint})" if self.hint else text

    def describe(self, translate: Callable[[str], str] = ENGLISH) -> str:
        """'path:line: level: message (hint)': how every finding is shown, in the terminal and in preview,
        in the language of `translate` (a messages.Translator)."""
        where = f"{self.location}: " if self.location else ""
        return f"{where}{translate(LEVELS.get(self.level, self.level))}: {self.text(translate)}"

    def text(self, translate: Callable[[str], str] = ENGLISH) -> str:
        """'message (hint)' in the language of `translate`."""
        hint = f" ({translate(self.hint)})" if self.hint else ""
        return f"{translate(self.message)}{hint}"

    def sort_key(self) -> tuple:
        loc = self.location or Location("")
        return (loc.path, loc.line or 0, self.message)


class ConfigError(LilleError):
    pass


class ContentError(LilleError):
    pass


class TemplateError(LilleError):
    pass


class UsageError(LilleError):
    """Bad command-line use: exit code 2."""


class OutputError(LilleError):
    """The output folder or the build cache could not be read or written (disk full, permissions, a
    file changed under the build): the machine's problem, not the content's."""


class ToolError(LilleError):
    """A program the build runs (Pagefind, git) failed or is missing."""


class BuildFailed(Exception):
    """Raised once with every error of a run, so an editor fixes all of them in one pass."""

    def __init__(self, errors: list[LilleError]):
        self.errors = sorted(errors, key=LilleError.sort_key)
        super().__init__("\n".join(str(e) for e in self.errors))


def display_path(path: Path, root: Path) -> str:
    """The path as the user knows it: relative to the site when inside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


class Diagnostics:
    """The findings of one run, in the order they were found. Stages add to it; the build fails once."""

    def __init__(self, findings: Iterable[LilleError] = ()) -> None:
        self.items: list[LilleError] = list(findings)

    def add(self, finding: LilleError) -> None:
        self.items.append(finding)

    def extend(self, findings: Iterable[LilleError]) -> None:
        self.items.extend(findings)

    def __iter__(self) -> Iterator[LilleError]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def failed(self, *, strict: bool = False) -> bool:
        """Errors found; under --strict, warnings count as errors. Notices never fail."""
        return any(f.level == "error" or (strict and f.level == "warning") for f in self.items)

    def raise_if_failed(self, *, strict: bool = False) -> None:
        if self.failed(strict=strict):
            raise BuildFailed(self.items)

    @property
    def warnings(self) -> list[LilleError]:
        """What a successful run still reports: warnings and notices."""
        return [f for f in self.items if f.level != "error"]


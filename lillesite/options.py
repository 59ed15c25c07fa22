"""What a build is asked (BuildOptions) and what it answers (BuildResult)."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lillesite.config import Config
from lillesite.errors import BuildFailed, ContentError, LilleError
from lillesite.messages import _
from lillesite.stamps import Kept
from lillesite.uptodate import Summary
from lillesite.writer import WriteStats

if TYPE_CHECKING:
    from lillesite.model import Site

DEFAULT_OUT = "_site"


@dataclass(frozen=True)
class BuildOptions:
    out: Path | None = None  # default: <site>/_site
    drafts: bool = False
    future: bool = False
    strict: bool = False  # warnings fail the build
    preview: bool = False  # the serve command: drafts and future items shown with a banner
    write: bool = True  # False for 'check': everything but the writing
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)  # processes parsing and rendering a cold build
    use_cache: bool = True  # False: --no-cache, neither read nor write .lillesite-cache/
    # the build command: stop early when inputs and output are as the last build left them (uptodate.py)
    stop_if_unchanged: bool = False

    def output_dir(self, config: Config) -> Path:
        return (self.out or config.root / DEFAULT_OUT).resolve()


@dataclass
class BuildResult:
    site: Site | None  # None, and files too, when the output was found up to date: nothing was parsed
    files: dict[str, bytes | Kept] | None
    warnings: list[LilleError]  # warnings and notices: what a successful build still reports
    summary: Summary
    timings: dict[str, float] = field(default_factory=dict)
    written: WriteStats | None = None
    out: Path | None = None
    images_made: int = 0  # picture variants encoded by this build (the others came from the build cache)



def build_time() -> dt.datetime:
    """'Now' for the future-dated filter: SOURCE_DATE_EPOCH when set, so builds are reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        except (ValueError, OverflowError):
            raise BuildFailed([ContentError(_("SOURCE_DATE_EPOCH={value!r} is not a Unix timestamp", value=epoch))]) from None
    return dt.datetime.now(dt.timezone.utc)

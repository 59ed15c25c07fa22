"""Client-side search: a Pagefind index of the freshly written output tree, one index per language.

Pagefind reads each page's <html lang> and indexes only the elements marked `data-pagefind-body`
(the main content of pages and news items), so a French search finds French pages only. It runs
on the new tree before the writer swaps it in, so the index is part of the atomic output. The
preview indexes in the background instead (BackgroundIndex): a saved page is served at once.
"""
from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from lillesite.errors import BuildFailed, ContentError, Diagnostics, Location, ToolError
from lillesite.messages import _
from lillesite.writer import exchange

BUNDLE = "pagefind"  # the folder of the output that holds the index and Pagefind's UI
ENTRY = "pagefind-entry.json"  # the bundle's table of contents: one index per language
# Pagefind also writes its other UIs; the site uses the default one, so they would be dead weight.
UNUSED = ("pagefind-component-ui.css", "pagefind-component-ui.js", "pagefind-modular-ui.css",
          "pagefind-modular-ui.js", "pagefind-highlight.js")
TIMEOUT_SECONDS = 300
BACKGROUND_NICENESS = 10


def index(tree: Path) -> None:
    """Write the Pagefind bundle into `tree`/pagefind/; any failure fails the build."""
    _check_installed()
    try:
        run = subprocess.run(_command(tree, tree / BUNDLE), capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildFailed([_error(_("Pagefind did not run: {problem}", problem=str(exc)))]) from None
    if run.returncode != 0:
        raise BuildFailed([_failed(run.returncode, run.stderr or run.stdout)])
    _tidy(tree / BUNDLE)


class BackgroundIndex:
    """The preview's index: Pagefind runs on the served folder after each build while the page is
    already served, writes beside it, and its bundle is swapped into the folder once complete."""

    def __init__(self, out: Path):
        self.out = out
        self.bundle = out.parent / f".{out.name}.{BUNDLE}"  # the bundle being written
        self.process: subprocess.Popen | None = None
        self.log = None

    def start(self) -> None:
        """Index the folder as it is now; a run still going is stopped (it was reading an older site)."""
        self.stop()
        _check_installed()
        shutil.rmtree(self.bundle, ignore_errors=True)
        self.log = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(_command(self.out, self.bundle), stdin=subprocess.DEVNULL,
                                            stdout=self.log, stderr=subprocess.STDOUT)
        except OSError as exc:
            raise BuildFailed([_error(_("Pagefind did not run: {problem}", problem=str(exc)))]) from None
        with contextlib.suppress(OSError):  # its threads inherit this: the next save's build goes first
            os.setpriority(os.PRIO_PROCESS, self.process.pid, BACKGROUND_NICENESS)

    def poll(self) -> bool:
        """Swap in the bundle of a finished run; True when that happened, BuildFailed when Pagefind failed."""
        if self.process is None or self.process.poll() is None:
            return False
        process, self.process = self.process, None
        self.log.seek(0)
        output = self.log.read().decode("utf-8", "replace")
        self.log.close()
        if process.returncode != 0:
            raise BuildFailed([_failed(process.returncode, output)])
        _tidy(self.bundle)
        target = self.out / BUNDLE
        if target.is_dir() and exchange(self.bundle, target):
            shutil.rmtree(self.bundle)
        else:
            shutil.rmtree(target, ignore_errors=True)
            self.bundle.rename(target)
        return True

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
            self.log.close()


def _command(site: Path, bundle: Path) -> list[str]:
    return [sys.executable, "-m", BUNDLE, "--site", str(site), "--output-path", str(bundle), "--silent"]


def _check_installed() -> None:
    if importlib.util.find_spec("pagefind") is None:
        raise BuildFailed([_error(_("Pagefind is not installed"), "pip install 'pagefind[bin]'")])


def _failed(returncode: int, output: str) -> ToolError:
    details = output.strip().splitlines()
    return _error(_("Pagefind failed (exit {code}): {detail}", code=returncode, detail=details[-1] if details else ""))


def _tidy(bundle: Path) -> None:
    _sort_entry(bundle / ENTRY)
    for name in UNUSED:
        (bundle / name).unlink(missing_ok=True)


def collisions(static: dict[str, Path], report: Diagnostics) -> None:
    """Static files where the index goes would be silently replaced by it."""
    report.extend(ContentError(_("static file would be overwritten by the search index /{folder}/", folder=BUNDLE),
                               Location(f"static/{rel}"))
                  for rel in sorted(static) if rel.split("/", 1)[0] == BUNDLE)


def _sort_entry(path: Path) -> None:
    """Pagefind lists the languages in a random order; sorted, the output is byte-identical build to build."""
    entry = json.loads(path.read_text(encoding="utf-8"))
    entry["languages"] = dict(sorted(entry["languages"].items()))
    path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _error(message: str, hint: str | None = None) -> ToolError:
    """Pagefind's failures name site.yml, whose `search` setting asks for the index."""
    return ToolError(_("search: {problem}", problem=message), Location("site.yml"), hint=hint)

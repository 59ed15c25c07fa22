"""Client-side search: a Pagefind index of the freshly written output tree, one index per language.

Pagefind reads each page's <html lang> and indexes only the elements marked `data-pagefind-body`
(the main content of pages and news items), so a French search finds French pages only. It runs
on the new tree before the writer swaps it in, so the index is part of the atomic output.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from lillesite.errors import BuildFailed, ConfigError, ContentError, Location

BUNDLE = "pagefind"  # the folder of the output that holds the index and Pagefind's UI
ENTRY = "pagefind-entry.json"  # the bundle's table of contents: one index per language
# Pagefind also writes its other UIs; the site uses the default one, so they would be dead weight.
UNUSED = ("pagefind-component-ui.css", "pagefind-component-ui.js", "pagefind-modular-ui.css",
          "pagefind-modular-ui.js", "pagefind-highlight.js")
TIMEOUT_SECONDS = 300


def index(tree: Path) -> None:
    """Write the Pagefind bundle into `tree`/pagefind/; any failure fails the build."""
    if importlib.util.find_spec("pagefind") is None:
        raise BuildFailed([_error("Pagefind is not installed", "pip install 'pagefind[bin]'")])
    command = [sys.executable, "-m", BUNDLE, "--site", str(tree), "--output-subdir", BUNDLE, "--silent"]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildFailed([_error(f"Pagefind did not run: {exc}")]) from None
    if run.returncode != 0:
        details = (run.stderr or run.stdout).strip().splitlines()
        raise BuildFailed([_error(f"Pagefind failed (exit {run.returncode}): {details[-1] if details else ''}")])
    _sort_entry(tree / BUNDLE / ENTRY)
    for name in UNUSED:
        (tree / BUNDLE / name).unlink(missing_ok=True)


def collisions(static: dict[str, Path]) -> list[ContentError]:
    """Static files where the index goes would be silently replaced by it."""
    return [ContentError(f"static file would be overwritten by the search index /{BUNDLE}/", Location(f"static/{rel}"))
            for rel in sorted(static) if rel.split("/", 1)[0] == BUNDLE]


def _sort_entry(path: Path) -> None:
    """Pagefind lists the languages in a random order; sorted, the output is byte-identical build to build."""
    entry = json.loads(path.read_text(encoding="utf-8"))
    entry["languages"] = dict(sorted(entry["languages"].items()))
    path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _error(message: str, hint: str | None = None) -> ConfigError:
    return ConfigError(f"search: {message}", Location("site.yml"), hint=hint)

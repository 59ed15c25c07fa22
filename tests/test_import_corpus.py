"""`import-feed` over a corpus of real-world feeds: never a traceback, never a site that fails `check --strict`.

The corpus is feedparser's own test suite: some 2,200 feeds derived from real ones (RSS 0.9x, 1.0 and 2.0,
Atom 0.3 and 1.0, CDF; ill-formed, oddly encoded, compressed, hostile HTML), shipped in its source
distribution. It is not copied into this repository: `pip download` fetches it once into `.cache/` (git
ignores it). Each feed is imported into a fresh copy of tests/sites/import-target, then the site is
checked as `check --strict` would.

Most of the corpus's entries have no date (each file tests one element), and the importer skips those.
So every feed is imported twice: as it is, and with a date (and a title) supplied where the entry has
none, so that every entry's title, body, links, pictures and categories go through conversion, naming,
writing and the check. Pictures are never downloaded here (the corpus names hosts on the internet):
each download fails, as an unreachable host would.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import feedparser
import pytest

from tests.conftest import REPO, SITES
from lillesite import importer
from lillesite.build import build
from lillesite.config import load_config
from lillesite.errors import BuildFailed, Diagnostics
from lillesite.options import BuildOptions

CORPUS_VERSION = "6.0.14"  # feedparser's sdist whose tests/ are the corpus; fixed, so the test is repeatable
CACHE = REPO / ".cache" / "import-corpus"
FEED_SUFFIXES = {".xml", ".rdf", ".rss", ".atom", ".gz", ".z"}
SAMPLE_EVERY = 20  # the fast suite takes every 20th feed (113 of them), twice
# the slow one takes them all as they are (some 40 s), and every 2nd with dates supplied (some 1,100 feeds,
# 600 imports, each checked twice: 4 minutes; all of them took 8)
DATED_EVERY = 2


def _download_corpus() -> Path:
    """The corpus's folder of feeds, downloaded and unpacked once."""
    folder = CACHE / f"feedparser-{CORPUS_VERSION}"
    if (folder / "tests").is_dir():
        return folder / "tests"
    CACHE.mkdir(parents=True, exist_ok=True)
    archive = CACHE / f"feedparser-{CORPUS_VERSION}.tar.gz"
    if not archive.exists():
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                               "--dest", str(CACHE), f"feedparser=={CORPUS_VERSION}"],
                              capture_output=True, text=True, timeout=300)
        if done.returncode or not archive.exists():
            message = f"cannot download feedparser's sdist for the feed corpus: {done.stderr.strip()[-500:]}"
            if os.environ.get("CI") == "true":
                pytest.fail(message)  # CI has PyPI: a skipped corpus there would hide a regression
            pytest.skip(message)
    partial = CACHE / "unpacking"
    shutil.rmtree(partial, ignore_errors=True)
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.isfile() and "/tests/" in m.name]
        tar.extractall(partial, members=members, filter="data")
    (partial / f"feedparser-{CORPUS_VERSION}").rename(folder)
    partial.rmdir()
    return folder / "tests"


@pytest.fixture(scope="module")
def corpus() -> list[Path]:
    feeds = sorted(p for p in _download_corpus().rglob("*") if p.suffix.lower() in FEED_SUFFIXES)
    assert len(feeds) > 2000, "feedparser's test suite has shrunk: look for another corpus"
    return feeds


@pytest.fixture(scope="module")
def target(tmp_path_factory) -> Path:
    """tests/sites/import-target with a warm build cache (compiled templates): each copy checks in a blink."""
    site = tmp_path_factory.mktemp("target") / "site"
    shutil.copytree(SITES / "import-target", site)
    build(load_config(site), BuildOptions(write=False, strict=True))
    return site


def _offline(url: str) -> bytes:
    raise OSError("no network in the corpus test")


def _with_dates(parse):
    """feedparser.parse, with a date and a title supplied to the entries without."""
    def parse_dated(*args, **kwargs):
        parsed = parse(*args, **kwargs)
        for number, entry in enumerate(parsed.get("entries") or []):
            if not (entry.get("published_parsed") or entry.get("updated_parsed")):
                entry["published_parsed"] = time.gmtime(1_600_000_000 + number * 3 * 86_400)
            if not entry.get("title"):
                entry["title"] = f"Entry {number}"
        return parsed
    return parse_dated


def _import_all(feeds: list[Path], target: Path, work: Path) -> tuple[dict[str, int], list[str]]:
    """Import each feed into a fresh copy of the target site; (counts, problems)."""
    counts = {"imported": 0, "nothing to import": 0, "not a feed": 0}
    problems = []
    for number, feed in enumerate(feeds):
        site = work / str(number)
        shutil.copytree(target, site)
        name = feed.relative_to(feed.parents[2]) if len(feed.parents) > 2 else feed
        try:
            outcome = importer.import_feeds(load_config(site), str(feed), Diagnostics(), lang="fr")
        except BuildFailed as failure:
            last = failure.errors[-1].message
            if "not an RSS or Atom feed" in last or "not a readable RSS or Atom feed" in last:
                counts["not a feed"] += 1
            else:
                problems.append(f"{name}: refused: " + "; ".join(e.describe() for e in failure.errors))
            if (site / "content/news").exists() or (site / "static").exists():
                problems.append(f"{name}: files left behind by a refused import")
        except Exception as exc:  # noqa: BLE001 - the point: nothing but a report may come out
            problems.append(f"{name}: {type(exc).__name__}: {exc}")
        else:
            counts["imported" if outcome.created else "nothing to import"] += 1
            if not outcome.created:
                if (site / "content/news").exists() or (site / "static").exists():
                    problems.append(f"{name}: files written, but the import says it created none")
                shutil.rmtree(site)
                continue
            try:
                build(load_config(site), BuildOptions(write=False, strict=True))
            except BuildFailed as failure:
                problems.append(f"{name}: the imported site fails check --strict: "
                                + "; ".join(e.describe() for e in failure.errors))
        shutil.rmtree(site)
    return counts, problems


def _run(feeds, target, tmp_path, monkeypatch, *, dated: bool) -> dict[str, int]:
    monkeypatch.setattr(importer, "download", _offline)
    if dated:
        monkeypatch.setattr(importer.feedparser, "parse", _with_dates(feedparser.parse))
    counts, problems = _import_all(feeds, target, tmp_path)
    assert not problems, f"{len(problems)} of {len(feeds)} feeds:\n" + "\n".join(problems[:40])
    return counts


@pytest.mark.parametrize("dated", [False, True], ids=["as-is", "dated"])
def test_a_sample_of_the_corpus_imports_cleanly(corpus, target, tmp_path, monkeypatch, dated):
    sample = corpus[::SAMPLE_EVERY]
    counts = _run(sample, target, tmp_path, monkeypatch, dated=dated)
    assert counts["imported"] >= (len(sample) // 3 if dated else 1), counts  # not a vacuous pass


@pytest.mark.slow
@pytest.mark.parametrize("dated", [False, True], ids=["as-is", "dated"])
def test_the_whole_corpus_imports_cleanly(corpus, target, tmp_path, monkeypatch, dated):
    counts = _run(corpus[::DATED_EVERY] if dated else corpus, target, tmp_path, monkeypatch, dated=dated)
    assert counts["imported"] >= (500 if dated else 15), counts

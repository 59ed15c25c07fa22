"""Same input + same SOURCE_DATE_EPOCH = byte-identical output, whatever the machine's state."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lillesite.workers import PARALLEL_MIN_ITEMS
from tests.conftest import REPO, SITES, run_cli, write_site

MACHINES = [
    {"PYTHONHASHSEED": "0", "TZ": "UTC", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
    {"PYTHONHASHSEED": "4242", "TZ": "Pacific/Kiritimati", "LANG": "fr_FR.UTF-8", "LC_ALL": ""},
    {"PYTHONHASHSEED": "random", "TZ": "America/Los_Angeles", "LANG": "en_US.UTF-8", "LC_ALL": ""},
]
# Parallel jobs and the build cache must not show in the output either: one process without a cache,
# then cold builds in 2 and 3 processes (each copy starts without .lillesite-cache/).
JOBS = [("--jobs", "1", "--no-cache"), ("--jobs", "2"), ("--jobs", "3")]
LILLE_SITE = ("site.yml", "content", "templates", "static", "locales")
# Enough files for the parallel parse and render (workers.PARALLEL_MIN_ITEMS) to run.
MORE_NEWS = {f"content/news/more/2022-{1 + i % 12:02d}-{1 + i % 28:02d}-more-{i}.{lang}.md":
             f"---\ntitle: Nouvelle {i} ({lang})\n---\nTexte *{i}* avec [un lien](../2023-03-31-meeting.{lang}.md).\n"
             for i in range(40) for lang in ("fr", "en")}


def _copy_in_order(source: Path, target: Path, *, reverse: bool) -> Path:
    """Copy a site, creating files in the opposite order so the folder listings come back differently."""
    paths = sorted(source.rglob("*"), reverse=reverse)
    target.mkdir(parents=True)
    for path in sorted(paths, key=lambda p: len(p.parts)):  # folders before what they contain
        if path.is_dir():
            (target / path.relative_to(source)).mkdir(exist_ok=True)
    for path in paths:
        if path.is_file():
            shutil.copy2(path, target / path.relative_to(source))
    return target


def _output(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _build(site: Path, out: Path, machine: dict, *extra: str) -> dict[str, bytes]:
    result = run_cli("build", "--site", str(site), "--out", str(out), *extra, env=machine)
    assert result.returncode == 0, result.stderr
    return _output(out)


def test_test_site_is_byte_identical_across_machines(tmp_path):
    builds = []
    for index, (machine, jobs) in enumerate(zip(MACHINES, JOBS)):
        site = _copy_in_order(SITES / "bilingual", tmp_path / f"site{index}", reverse=bool(index % 2))
        write_site(site, MORE_NEWS, config=None)
        builds.append(_build(site, tmp_path / f"out{index}", machine, *jobs))
    builds.append(_build(site, tmp_path / "warm", MACHINES[0]))  # the cache of the last build, now warm
    assert len(MORE_NEWS) >= PARALLEL_MIN_ITEMS and len(builds[0]) > 80
    for other in builds[1:]:
        assert other.keys() == builds[0].keys()
        assert [path for path in other if other[path] != builds[0][path]] == []


@pytest.mark.parametrize("extra", [(), ("--drafts", "--future")])
def test_lille_site_is_byte_identical_across_machines(tmp_path, extra):
    builds = []
    for index, (machine, jobs) in enumerate(zip(MACHINES[:2], JOBS[:2])):
        site = tmp_path / f"site{index}"  # a copy: a cold cache, and folders listed in another order
        site.mkdir()
        for name in LILLE_SITE:
            if (REPO / name).is_dir():
                _copy_in_order(REPO / name, site / name, reverse=bool(index))
            else:
                shutil.copy2(REPO / name, site / name)
        builds.append(_build(site, tmp_path / f"out{index}", machine, *jobs, *extra))
    first, second = builds
    assert len(first) > 20
    assert [path for path in first if first[path] != second.get(path)] == []
    assert first.keys() == second.keys()


def test_output_names_no_machine_paths(tmp_path):
    site = _copy_in_order(SITES / "bilingual", tmp_path / "where-it-lives", reverse=False)
    for path, data in _build(site, tmp_path / "out", MACHINES[0]).items():
        assert b"where-it-lives" not in data, path

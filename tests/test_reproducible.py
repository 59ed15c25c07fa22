"""Same input + same SOURCE_DATE_EPOCH = byte-identical output, whatever the machine's state."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, SITES, run_cli

MACHINES = [
    {"PYTHONHASHSEED": "0", "TZ": "UTC", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
    {"PYTHONHASHSEED": "4242", "TZ": "Pacific/Kiritimati", "LANG": "fr_FR.UTF-8", "LC_ALL": ""},
    {"PYTHONHASHSEED": "random", "TZ": "America/Los_Angeles", "LANG": "en_US.UTF-8", "LC_ALL": ""},
]


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
    for index, machine in enumerate(MACHINES):
        site = _copy_in_order(SITES / "bilingual", tmp_path / f"site{index}", reverse=bool(index % 2))
        builds.append(_build(site, tmp_path / f"out{index}", machine))
    assert len(builds[0]) > 10
    for other in builds[1:]:
        assert other.keys() == builds[0].keys()
        assert [path for path in other if other[path] != builds[0][path]] == []


@pytest.mark.parametrize("extra", [(), ("--drafts", "--future")])
def test_lille_site_is_byte_identical_across_machines(tmp_path, extra):
    first = _build(REPO, tmp_path / "a", MACHINES[0], *extra)
    second = _build(REPO, tmp_path / "b", MACHINES[1], *extra)
    assert len(first) > 20
    assert [path for path in first if first[path] != second.get(path)] == []
    assert first.keys() == second.keys()


def test_output_names_no_machine_paths(tmp_path):
    site = _copy_in_order(SITES / "bilingual", tmp_path / "where-it-lives", reverse=False)
    for path, data in _build(site, tmp_path / "out", MACHINES[0]).items():
        assert b"where-it-lives" not in data, path

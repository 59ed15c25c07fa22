"""Never lose the site: builds killed at random moments, concurrent builds, and refused output folders.

The builds run as real processes (`python -m lillesite`) and are killed with real signals.
"""
from __future__ import annotations

import fcntl
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import EPOCH, REPO, SITES, build_site, run_cli, write_site
from lillesite.config import load_config
from lillesite.errors import BuildFailed, OutputError
from lillesite.build import build
from lillesite.options import BuildOptions
from lillesite.writer import MARKER, write_site as write_site_files
from tests.snapshots import snapshot, strays

ITEMS = 50  # news items per language: a build takes a second or two, long enough to be hit anywhere


def _news(version: int) -> dict[str, str]:
    body = ("Une phrase avec du *texte* et un [lien](https://example.org/). " * 20 + "\n\n") * 3
    files = {}
    for i in range(ITEMS):
        date = f"2023-{1 + i % 10:02d}-{1 + i % 28:02d}"
        for lang in ("fr", "en"):
            title = f"Item {i} ({lang})" + (f" version {version}" if i == 0 else "")
            files[f"content/news/{date}-item-{i}.{lang}.md"] = f"---\ntitle: {title}\ntags: [culture]\n---\n{body}"
    if version:  # each version also adds and drops a file, so a half-done swap would show
        files[f"content/pages/page-{version}.fr.md"] = f"---\ntitle: Page {version}\n---\nTexte.\n"
    return files


@pytest.fixture
def big_site(tmp_path):
    root = write_site(tmp_path / "site", _news(0))
    build_site(root)
    return root


def _start_build(site, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": EPOCH}
    return subprocess.Popen([sys.executable, "-m", "lillesite", "build", "--site", str(site), *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _set_version(site, version: int) -> None:
    for page in (site / "content/pages").glob("page-*.md"):
        page.unlink()
    write_site(site, _news(version), config=None)


def _wait_for_write_phase(site, process: subprocess.Popen, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not any(site.glob("._site.new-*")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)


def test_killed_builds_never_lose_the_output(big_site):
    """Kill builds at random moments; the output is always a complete tree: the previous one, or the new one."""
    rng = random.Random(6)
    out = big_site / "_site"
    start = time.monotonic()
    run_cli("build", "--site", str(big_site))  # unchanged input: how long a build takes here
    duration = time.monotonic() - start
    plan = [(signal.SIGKILL, "anytime")] * 2 + [(signal.SIGKILL, "writing")] * 3 + \
           [(signal.SIGINT, "writing"), (signal.SIGTERM, "anytime")]
    kept = replaced = 0
    for version, (sig, moment) in enumerate(plan, start=1):
        before = snapshot(out)
        _set_version(big_site, version)
        process = _start_build(big_site)
        if moment == "writing":
            _wait_for_write_phase(big_site, process)
            time.sleep(rng.uniform(0, 0.3))
        else:
            time.sleep(rng.uniform(0.1, duration))
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=120)
        after = snapshot(out)
        if after == before:
            kept += 1
        else:
            replaced += 1  # the kill came after the swap: the new output must be complete (checked below)
            assert process.returncode in (0, -sig, 130), stderr
        if sig != signal.SIGKILL and process.returncode == 130:
            assert "interrupted; the previous output is untouched" in stderr
            assert "Traceback" not in stderr
            assert strays(big_site, "_site") == []  # cleaned up on the way out
        final = run_cli("build", "--site", str(big_site))
        assert final.returncode == 0, final.stderr
        if after != before:  # a complete new output: nothing left to write
            assert "(0 written," in final.stdout and " 0 removed)" in final.stdout, final.stdout
        assert strays(big_site, "_site") == []
        assert (out / MARKER).is_file()
        assert (out / f"fr/page-{version}/index.html").is_file()
        assert not (out / f"fr/page-{version - 1}/index.html").exists()
    assert kept >= 1, "no kill landed before the swap: the site is too small to test this"
    print(f"kills: {kept} left the previous output, {replaced} came after the swap")


def test_a_failed_build_leaves_no_temporary_tree(site_copy):
    site = site_copy("bilingual")
    build_site(site)
    before = snapshot(site / "_site")
    (site / "content/pages/bureau.fr.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    result = run_cli("build", "--site", str(site))
    assert result.returncode == 1
    assert snapshot(site / "_site") == before
    assert strays(site, "_site") == []


def test_stale_trees_of_killed_builds_are_cleaned_and_others_left_alone(site_copy):
    site = site_copy("bilingual")
    build_site(site)
    half_built = site / "._site.new-99999999"  # as a SIGKILL during the write phase leaves it
    (half_built / "fr").mkdir(parents=True)
    (half_built / MARKER).write_bytes(b"")
    (half_built / "fr/index.html").write_text("half", encoding="utf-8")
    empty = site / "._site.new-99999998"  # killed right after creating it
    empty.mkdir()
    not_ours = site / "._site.new-12345"  # same pattern, but no marker: someone else's
    not_ours.mkdir()
    (not_ours / "notes.txt").write_text("mine", encoding="utf-8")
    result = run_cli("build", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert not half_built.exists() and not empty.exists()
    assert (not_ours / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_build_killed_between_the_fallback_renames_is_repaired(site_copy):
    """Without renameat2 the swap is two renames; a kill between them leaves the old tree under '.old-'."""
    site = site_copy("bilingual")
    out = build_site(site)
    before = {path: data for path, (data, _, _) in snapshot(out).items()}
    os.rename(out, site / "._site.old-424242")
    result = run_cli("build", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert "(0 written," in result.stdout  # the previous tree was put back and reused
    assert {path: data for path, (data, _, _) in snapshot(out).items()} == before
    assert strays(site, "_site") == []


def test_the_spare_tree_is_updated_by_replacing_files_never_by_writing_into_them(tmp_path):
    """The spare shares inodes with the output: a build that fails after updating it leaves the output as it was."""
    out = tmp_path / "_site"
    write_site_files(out, {"same.html": b"1", "page/changed.html": b"1", "gone.html": b"1"}, {})
    write_site_files(out, {"same.html": b"1", "page/changed.html": b"2", "gone.html": b"1"}, {})
    spare = tmp_path / "._site.spare"
    assert (spare / "same.html").stat().st_ino == (out / "same.html").stat().st_ino  # one file, two names
    before = snapshot(out)

    def fail(tree):
        assert (tree / "same.html").read_bytes() == b"3"  # the spare was brought up to date...
        raise RuntimeError("the search indexer failed")
    with pytest.raises(RuntimeError):
        write_site_files(out, {"same.html": b"3", "page/changed.html": b"2", "new/page.html": b"3"}, {}, finish=fail)
    assert snapshot(out) == before  # ...without touching a byte, inode or mtime of the output
    assert strays(tmp_path, "_site") == []

    stats = write_site_files(out, {"same.html": b"3", "page/changed.html": b"2", "new/page.html": b"3"}, {})
    assert (stats.written, stats.unchanged, stats.removed) == (2, 1, 1)
    assert {p: data for p, (data, _, _) in snapshot(out).items()} == {
        MARKER: b"", "same.html": b"3", "page": b"", "page/changed.html": b"2", "new": b"", "new/page.html": b"3"}
    assert (out / "page/changed.html").stat().st_ino == before["page/changed.html"][1]  # unchanged: same file


def test_a_spare_folder_that_is_not_ours_is_left_alone(site_copy):
    site = site_copy("bilingual")
    build_site(site)
    spare = site / "._site.spare"
    assert not spare.exists()  # a first build replaced no tree
    spare.mkdir()
    (spare / "notes.txt").write_text("mine", encoding="utf-8")
    (site / "content/pages/bureau.fr.md").write_text("---\ntitle: Nouveau bureau\n---\nTexte.\n", encoding="utf-8")
    for _ in range(2):
        result = run_cli("build", "--site", str(site))
        assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in spare.iterdir()) == ["notes.txt"]
    assert "Nouveau bureau" in (site / "_site/fr/bureau/index.html").read_text(encoding="utf-8")


def test_a_second_build_waits_for_the_first(site_copy):
    site = site_copy("bilingual")
    build_site(site)
    with open(site / "._site.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a running build holds it
        process = _start_build(site)
        line = process.stderr.readline()
        assert "another build is writing" in line and "waiting" in line
        time.sleep(0.3)
        assert process.poll() is None  # still waiting
        fcntl.flock(lock, fcntl.LOCK_UN)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert stdout.startswith("built ")


def test_two_concurrent_builds(site_copy):
    site = site_copy("bilingual")
    build_site(site)
    (site / "content/pages/bureau.fr.md").write_text("---\ntitle: Nouveau bureau\n---\nTexte.\n", encoding="utf-8")
    processes = [_start_build(site) for _ in range(2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in processes]
    assert [rc for _, _, rc in results] == [0, 0], results
    assert "Nouveau bureau" in (site / "_site/fr/bureau/index.html").read_text(encoding="utf-8")
    assert strays(site, "_site") == []
    check = run_cli("build", "--site", str(site))
    assert "(0 written," in check.stdout


@pytest.mark.parametrize("out, message", [
    (".", "is the site's own folder"),
    ("content", "is inside the site's content/ folder"),
    ("content/news", "is inside the site's content/ folder"),
    ("static", "is inside the site's static/ folder"),
    ("templates", "is inside the site's templates/ folder"),
    ("SITE", "is the site's own folder"),
    ("..", "contains the site's folder"),
    ("../other", "exists and was not made by lillesite"),
    ("site.yml", "exists and was not made by lillesite"),
])
def test_refused_output_folders(out, message, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SITES / "bilingual", site)
    (site / "templates").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "other/keep.txt").write_text("keep", encoding="utf-8")
    before = snapshot(tmp_path)
    result = run_cli("build", "--out", str(site) if out == "SITE" else out, cwd=site)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before


def test_an_empty_output_folder_is_accepted(tmp_path, site_copy):
    site = site_copy("bilingual")
    (tmp_path / "public").mkdir()
    result = run_cli("build", "--site", str(site), "--out", str(tmp_path / "public"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "public/fr/index.html").is_file()


def test_an_unwritable_output_is_a_clear_error(site_copy, tmp_path):
    if os.geteuid() == 0:
        # root ignores permissions; a read-only bind is not available in every CI: use a file as parent
        site = site_copy("bilingual")
        (tmp_path / "blocker").write_text("a file, not a folder", encoding="utf-8")
        result = run_cli("build", "--site", str(site), "--out", str(tmp_path / "blocker/out"))
    else:
        site = site_copy("bilingual")
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        result = run_cli("build", "--site", str(site), "--out", str(locked / "out"))
    assert result.returncode in (1, 2), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_an_output_failure_is_the_machines_problem_and_exits_1(site_copy, tmp_path):
    """Not the content's: an OutputError, reported like every error, and the exit code of a failed build."""
    site = site_copy("bilingual")
    (tmp_path / "blocker").write_text("a file, not a folder", encoding="utf-8")
    out = tmp_path / "blocker/out"
    with pytest.raises(BuildFailed) as failure:
        build(load_config(site), BuildOptions(out=out))
    [error] = failure.value.errors
    assert type(error) is OutputError and error.message.startswith("cannot write the output: ")
    result = run_cli("build", "--site", str(site), "--out", str(out))
    assert result.returncode == 1, result.stderr
    assert result.stderr == f"{error.describe()}\nbuild failed: 1 error(s), 0 warning(s)\n"


@pytest.mark.parametrize("stage, options", [("write_site", []), ("hreflang_problems", ["--strict"])])
def test_an_output_page_changed_during_a_build_is_a_clear_error(site_copy, stage, options):
    """A page kept from the output (its stamp known) that changes before the build writes (or, under
    --strict, checks) it: an error naming it, exit 1, and the output as it is."""
    site = site_copy("bilingual")
    assert run_cli("build", "--site", str(site)).returncode == 0
    for path in (site / "_site").rglob("*"):  # older than the racy window: the next build records their stamps
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns - 10**10), follow_symlinks=False)
    assert run_cli("build", "--site", str(site)).returncode == 0
    (site / "content/pages/bureau.en.md").write_text((site / "content/pages/bureau.en.md").read_text(encoding="utf-8")
                                                    + "\nOne more line.\n", encoding="utf-8")
    page = site / "_site/fr/index.html"  # kept: the French home does not show the English page
    probe = ("import sys\nfrom pathlib import Path\nfrom lillesite import checks, cli, steps\n"
             f"module = steps if {stage!r} == 'write_site' else checks\n"
             f"original = getattr(module, {stage!r})\n"
             "def meanwhile(*args, **kwargs):\n"
             f"    with open({str(page)!r}, 'a', encoding='utf-8') as file:\n"
             "        file.write('<!-- edited by hand during the build -->')\n"
             "    return original(*args, **kwargs)\n"
             f"setattr(module, {stage!r}, meanwhile)\n"
             f"sys.exit(cli.main(['build', '--site', {str(site)!r}, *{options!r}]))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert "the output changed while the site was being built; build again" in done.stderr
    assert str(page) in done.stderr
    assert page.read_text(encoding="utf-8").endswith("<!-- edited by hand during the build -->")
    assert "One more line." not in (site / "_site/en/office/index.html").read_text(encoding="utf-8")

"""The no-op build stops early only when nothing a build depends on has changed (uptodate.py).

Every test runs the real command. Files written less than two seconds before a build are never
trusted by their stamps, so the sites here are first aged by an hour, as an editor's files are.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

from pathlib import Path
from unittest import mock

import pytest

from lillesite import writer
from lillesite.config import load_config
from lillesite.build import build as build_in_process
from lillesite.options import BuildOptions
from tests.conftest import EPOCH, REPO, run_cli, write_site
from tests.test_incremental import tree

EARLY = "up-to-date check"  # what --debug prints when the build stopped early


def age(site, seconds: float = 3600) -> None:
    """Set every file of the site (output and cache aside) back in time, as if edited long ago."""
    then = time.time() - seconds
    for dirpath, dirnames, filenames in os.walk(site):
        dirnames[:] = [d for d in dirnames if not d.startswith((".lillesite-cache", "_site", ".git"))]
        for name in filenames:
            os.utime(os.path.join(dirpath, name), (then, then))


def build(site, *args: str, env: dict | None = None) -> str:
    done = run_cli("build", "--site", str(site), "--debug", *args, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def site(site_copy):
    root = site_copy("bilingual")
    age(root)
    assert EARLY not in build(root)
    return root


def test_a_second_build_of_unchanged_sources_stops_early_and_says_the_same(site):
    first = run_cli("build", "--site", str(site), "--no-cache")  # a full build
    assert first.returncode == 0 and "0 written" in first.stdout
    second = build(site)
    assert EARLY in second
    # the same summary, the scheduled item included, and the same warnings (the draft-free site has none)
    assert second.splitlines()[0].split(" in ")[0] == first.stdout.splitlines()[0].split(" in ")[0]
    assert second.splitlines()[1] == first.stdout.splitlines()[1]  # "next scheduled item goes live ..."


@pytest.mark.parametrize("change", ["edit content", "new template", "new static file", "config", "catalogue"])
def test_any_changed_input_means_a_full_build(site, change):
    build(site)
    page = site / "_site/fr/bureau/index.html"
    if change == "edit content":
        source = site / "content/pages/bureau.fr.md"
        source.write_text(source.read_text(encoding="utf-8") + "\nAjouté.\n", encoding="utf-8")
    elif change == "new template":
        (site / "templates").mkdir()
        (site / "templates/page.html").write_text("{% extends 'theme/page.html' %}{% block main %}Gabarit."
                                                  "{{ super() }}{% endblock %}", encoding="utf-8")
    elif change == "new static file":
        (site / "static/extra.txt").write_text("new", encoding="utf-8")
    elif change == "config":
        config = site / "site.yml"
        config.write_text(config.read_text(encoding="utf-8").replace("Petit site", "Autre site"), encoding="utf-8")
    else:
        write_site(site, {"locales/fr/LC_MESSAGES/messages.po": 'msgid "News"\nmsgstr "Nouvelles"\n'}, config=None)
    output = build(site)
    assert EARLY not in output
    expected = {"edit content": ("fr/bureau/index.html", "Ajouté."),
                "new template": ("fr/bureau/index.html", "Gabarit."),
                "new static file": ("extra.txt", "new"),
                "config": ("fr/bureau/index.html", "Autre site"),
                "catalogue": ("fr/bureau/index.html", "Nouvelles")}[change]
    assert expected[1] in (site / "_site" / expected[0]).read_text(encoding="utf-8")
    assert page.is_file()


def test_a_catalogue_is_compiled_again_when_it_changes_and_a_broken_one_is_reported_every_time(site):
    """Catalogues are kept compiled in the cache by their bytes: never stale, never hiding an error."""
    catalogue = "locales/fr/LC_MESSAGES/messages.po"
    page = site / "_site/fr/bureau/index.html"
    for label in ("Nouvelles", "Dépêches"):
        write_site(site, {catalogue: f'msgid "News"\nmsgstr "{label}"\n'}, config=None)
        build(site)
        assert f">{label}</a>" in page.read_text(encoding="utf-8")
    write_site(site, {catalogue: 'msgid "News"\nbroken\n'}, config=None)
    for _ in range(2):
        failed = run_cli("build", "--site", str(site))
        assert failed.returncode == 1, failed.stderr
        assert f"{catalogue}:2: error: invalid catalogue: Unknown or misformatted keyword: 'broken'" in failed.stderr
        assert ">Dépêches</a>" in page.read_text(encoding="utf-8")  # the previous output stays
    write_site(site, {catalogue: 'msgid "News"\nmsgstr "Nouvelles"\n'}, config=None)  # compiled before
    build(site)
    assert ">Nouvelles</a>" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize("damage", ["deleted", "same size, other bytes", "added"])
def test_a_touched_output_is_rebuilt(site, damage):
    build(site)
    page = site / "_site/fr/bureau/index.html"
    good = page.read_bytes()
    if damage == "deleted":
        page.unlink()
    elif damage == "same size, other bytes":
        page.write_bytes(good.replace(b"<html", b"<HTML", 1))
    else:
        (site / "_site/stray.html").write_bytes(b"stray")
    assert EARLY not in build(site)
    assert page.read_bytes() == good
    assert not (site / "_site/stray.html").exists()


def test_options_and_the_clock_are_part_of_the_state(site):
    build(site)
    assert EARLY not in build(site, "--drafts")
    assert EARLY in build(site, "--drafts")
    assert EARLY not in build(site)
    # the scheduled item (2030-01-01) goes live with the first build after its date
    future = site / "_site/fr/actualites/2030/01/future/index.html"
    assert not future.exists()
    assert EARLY not in build(site, env={"SOURCE_DATE_EPOCH": str(1893456000 + 86400)})  # 2030-01-02
    assert future.is_file()


def test_files_changed_just_before_a_build_are_not_trusted(site):
    source = site / "content/pages/bureau.fr.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nRécent.\n", encoding="utf-8")
    assert EARLY not in build(site)
    assert EARLY not in build(site)  # the edit is less than two seconds old: no stamp of it is trusted
    age(site)
    assert EARLY not in build(site)
    assert EARLY in build(site)


def test_a_build_after_an_edit_reads_only_the_changed_files(site, tmp_path):
    edited = site / "content/pages/bureau.fr.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nAjouté.\n", encoding="utf-8")
    os.utime(site / "content/pages/bureau.en.md")  # touched, not changed: read again, found the same
    read, read_bytes = [], Path.read_bytes

    def reading(path: Path) -> bytes:
        if "content" in path.parts:
            read.append(path.relative_to(site).as_posix())
        return read_bytes(path)
    with mock.patch.object(Path, "read_bytes", reading):
        build_in_process(load_config(site), BuildOptions(stop_if_unchanged=True))
    assert sorted(read) == ["content/pages/bureau.en.md", "content/pages/bureau.fr.md"]
    clean = tmp_path / "clean"
    assert run_cli("build", "--site", str(site), "--no-cache", "--out", str(clean)).returncode == 0
    assert tree(site / "_site") == tree(clean)


def test_a_build_after_an_edit_looks_output_files_up_by_name_and_still_mends_the_output(site, tmp_path):
    """The files the last build left are known from its record, so an edit build does not walk the output:
    files replaced, deleted or added by hand since are still found, and the output is a clean build's."""
    edited = site / "content/pages/bureau.fr.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nAjouté.\n", encoding="utf-8")
    out = site / "_site"
    replaced, deleted = out / "en/office/index.html", out / "fr/actualites/index.html"
    other = tmp_path / "other.html"
    other.write_bytes(replaced.read_bytes().replace(b"<html", b"<HTML", 1))
    os.replace(other, replaced)  # a new file (inode) in its place
    deleted.unlink()
    (out / "stray.html").write_bytes(b"stray")
    with mock.patch.object(writer, "_listing", wraps=writer._listing) as walking:
        build_in_process(load_config(site), BuildOptions(stop_if_unchanged=True))
    walked = [call.args[0] for call in walking.call_args_list]
    assert out not in walked
    clean = tmp_path / "clean"
    assert run_cli("build", "--site", str(site), "--no-cache", "--out", str(clean)).returncode == 0
    assert tree(out) == tree(clean)
    # the replaced tree, stray included, is the spare of the next build: the stray does not come back
    edited.write_text(edited.read_text(encoding="utf-8") + "\nEncore.\n", encoding="utf-8")
    build(site)
    assert not (out / "stray.html").exists()
    assert run_cli("build", "--site", str(site), "--no-cache", "--out", str(clean)).returncode == 0
    assert tree(out) == tree(clean)


def test_a_file_changed_twice_within_one_clock_tick_is_read_again(site):
    """Two same-size edits within one tick leave the same stamp: only the racy rule tells them apart."""
    source = site / "content/pages/bureau.fr.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nVersion A.\n", encoding="utf-8")
    stamp = source.stat()
    build_in_process(load_config(site), BuildOptions(stop_if_unchanged=True))
    source.write_text(source.read_text(encoding="utf-8").replace("Version A.", "Version B."), encoding="utf-8")
    os.utime(source, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert source.stat().st_size == stamp.st_size and source.stat().st_ino == stamp.st_ino
    build_in_process(load_config(site), BuildOptions(stop_if_unchanged=True))
    page = (site / "_site/fr/bureau/index.html").read_text(encoding="utf-8")
    assert "Version B." in page and "Version A." not in page


def test_warnings_are_reported_again_and_strict_is_its_own_state(site):
    write_site(site, {"content/pages/image.fr.md": "---\ntitle: Image\n---\n![](/images/logo.svg)\n"}, config=None)
    age(site)
    first = run_cli("build", "--site", str(site))
    again = run_cli("build", "--site", str(site), "--debug")
    assert EARLY in again.stdout
    assert "image without alternative text" in first.stderr
    assert again.stderr == first.stderr
    strict = run_cli("build", "--site", str(site), "--strict")
    assert strict.returncode == 1 and "image without alternative text" in strict.stderr


def test_git_commits_are_part_of_the_state(site):
    """Staleness of translations comes from the commit order: committing, with no file changed, can change it."""
    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=site,
                       check=True, capture_output=True)
    git("init", "-q")
    git("add", "site.yml", "content/news", "static")
    git("commit", "-qm", "start")
    build(site)
    build(site)  # git's own files are new: from here the state is settled
    page = site / "_site/en/office/index.html"
    assert "outdated-notice" not in page.read_text(encoding="utf-8")  # both uncommitted: same age
    git("add", "content/pages/bureau.en.md")
    git("commit", "-qm", "translation")
    git("add", "content/pages")
    git("commit", "-qm", "original, after its translation")
    assert EARLY not in build(site)
    assert "outdated-notice" in page.read_text(encoding="utf-8")


def test_an_output_file_changed_within_the_last_tick_of_a_build_is_seen(site):
    """The output files of a build's last clock tick are checked by their sha256, not only by their stamp:
    changed in place with their size and mtime kept, the next build does not stop early and mends them."""
    out = site / "_site"  # as the fixture's build wrote and recorded it
    files = [path for path in out.rglob("*") if path.is_file()]
    newest = max(path.stat().st_mtime_ns for path in files)
    page = next(path for path in files if path.stat().st_mtime_ns == newest)
    before, data = page.stat(), page.read_bytes()
    page.write_bytes(data[:-1] + (b"?" if data[-1:] != b"?" else b"!"))
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert page.stat().st_size == before.st_size and page.stat().st_ino == before.st_ino
    assert EARLY not in build(site)
    assert page.read_bytes() == data


def test_no_cache_never_stops_early(site):
    build(site)
    assert EARLY not in build(site, "--no-cache")


def test_a_build_that_stops_early_does_not_load_the_steps(site):
    """What makes the no-op fast: Jinja, Markdown and the steps load only when there is work."""
    build(site)
    probe = ("import sys\nfrom lillesite.cli import main\n"
             f"main(['build', '--site', {str(site)!r}, '--debug'])\n"
             "print(sorted(m for m in ('jinja2', 'markdown', 'lillesite.steps') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": EPOCH})
    assert done.returncode == 0, done.stderr
    assert EARLY in done.stdout and done.stdout.splitlines()[-1] == "[]", done.stdout

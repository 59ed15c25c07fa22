"""`lillesite translations`: missing and stale translations, from git history or recorded fingerprints."""
from __future__ import annotations

import json
import subprocess
from unittest import mock

import pytest

from tests.conftest import MINIMAL_CONFIG, build_site, run_cli, write_site

FILES = {
    "content/pages/bureau.fr.md": """
        ---
        title: Le bureau
        ---
        Le bureau de Bruxelles.
        """,
    "content/pages/bureau.en.md": """
        ---
        title: The office
        ---
        The Brussels office.
        """,
    "content/news/2023-03-31-reunion.fr.md": """
        ---
        title: Réunion
        ---
        Seulement en français.
        """,
}


def git(site, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=site, check=True,
                   capture_output=True)


def status(site):
    done = run_cli("translations", "--format", "json", "--site", str(site))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_missing_translation_is_information_not_an_error(tmp_path):
    site = write_site(tmp_path / "site", FILES)
    report = status(site)
    assert report["mode"] == "fingerprint"
    assert [item["source"] for item in report["missing"]["en"]] == ["content/news/2023-03-31-reunion.fr.md"]
    assert report["missing"]["fr"] == [] and report["stale"]["en"] == []
    checked = run_cli("check", "--strict", "--site", str(site))
    assert checked.returncode == 0, checked.stderr
    table = run_cli("translations", "--site", str(site)).stdout
    assert "en: 1 missing, 0 stale" in table and "missing  content/news/2023-03-31-reunion.fr.md  Réunion" in table


def test_git_history_decides_staleness(tmp_path):
    site = write_site(tmp_path / "site", {"content/pages/bureau.fr.md": FILES["content/pages/bureau.fr.md"]})
    git(site, "init", "-q")
    git(site, "add", ".")
    git(site, "commit", "-qm", "source")
    write_site(site, {"content/pages/bureau.en.md": FILES["content/pages/bureau.en.md"]})
    git(site, "add", ".")
    git(site, "commit", "-qm", "translation")
    assert status(site)["stale"]["en"] == [] and status(site)["mode"] == "git"

    source = site / "content/pages/bureau.fr.md"
    source.write_text(source.read_text(encoding="utf-8") + "Nouveau paragraphe.\n", encoding="utf-8")
    stale = status(site)["stale"]["en"]  # an uncommitted edit of the original counts already
    assert [item["file"] for item in stale] == ["content/pages/bureau.en.md"]
    git(site, "commit", "-qam", "edit source")
    assert [item["file"] for item in status(site)["stale"]["en"]] == ["content/pages/bureau.en.md"]

    notice = run_cli("check", "--site", str(site), env={"GITHUB_ACTIONS": "true"})
    assert notice.returncode == 0
    assert ("content/pages/bureau.en.md:1: notice: translation may be out of date: "
            "content/pages/bureau.fr.md changed since it was translated") in notice.stderr
    assert "::notice file=content/pages/bureau.en.md,line=1::translation may be out of date" in notice.stderr
    # a stale page is published with a notice: it never blocks the --strict build of CI
    assert run_cli("check", "--strict", "--site", str(site)).returncode == 0

    translation = site / "content/pages/bureau.en.md"
    translation.write_text(translation.read_text(encoding="utf-8") + "New paragraph.\n", encoding="utf-8")
    git(site, "commit", "-qam", "update translation")
    assert status(site)["stale"]["en"] == []


def test_builds_read_the_git_log_again_after_a_commit_only(tmp_path):
    """The build cache keeps what git's log says by commit: after a commit the notices follow the new history."""
    site = write_site(tmp_path / "site", FILES)
    git(site, "init", "-q")
    git(site, "add", ".")
    git(site, "commit", "-qm", "everything")
    english = site / "_site/en/bureau/index.html"

    def build() -> tuple[int, bool]:
        """How many times the build read git's log, and whether the English page has the notice."""
        with mock.patch("subprocess.run", wraps=subprocess.run) as run:
            build_site(site, stop_if_unchanged=True)
        logs = sum(1 for call in run.call_args_list if "log" in call.args[0])
        return logs, "outdated-notice" in english.read_text(encoding="utf-8")

    def edit(rel: str, text: str) -> None:
        path = site / rel
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    assert build() == (1, False)
    edit("content/news/2023-03-31-reunion.fr.md", "Encore.\n")
    assert build() == (0, False)  # the same commit: its log is not read again
    edit("content/pages/bureau.fr.md", "Nouveau paragraphe.\n")
    assert build() == (0, True)  # an uncommitted edit of the original counts already
    git(site, "commit", "-qam", "edit source")
    edit("content/news/2023-03-31-reunion.fr.md", "Encore.\n")
    assert build() == (1, True)
    edit("content/pages/bureau.en.md", "New paragraph.\n")
    git(site, "commit", "-qam", "update translation")
    assert build() == (1, False)


def test_fingerprint_mode_and_mark_done(tmp_path):
    site = write_site(tmp_path / "site", FILES)
    translation = site / "content/pages/bureau.en.md"
    done = run_cli("translations", "--mark-done", str(translation), "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert "translated_from: " in translation.read_text(encoding="utf-8")
    assert status(site)["stale"]["en"] == []

    source = site / "content/pages/bureau.fr.md"
    source.write_text(source.read_text(encoding="utf-8") + "Nouveau paragraphe.\n", encoding="utf-8")
    assert [item["file"] for item in status(site)["stale"]["en"]] == ["content/pages/bureau.en.md"]

    run_cli("translations", "--mark-done", str(translation), "--site", str(site))
    text = translation.read_text(encoding="utf-8")
    assert text.count("translated_from:") == 1 and text.endswith("The Brussels office.\n")
    assert status(site)["stale"]["en"] == []


def test_mark_done_refuses_the_original_and_strangers(tmp_path):
    site = write_site(tmp_path / "site", FILES)
    original = run_cli("translations", "--mark-done", str(site / "content/pages/bureau.fr.md"), "--site", str(site))
    assert original.returncode == 2 and "source language" in original.stderr
    stranger = run_cli("translations", "--mark-done", str(tmp_path / "notes.en.md"), "--site", str(site))
    assert stranger.returncode == 2 and "not a content file of this site" in stranger.stderr


def test_mark_done_on_a_file_that_is_not_utf8_is_an_error_not_a_crash(tmp_path):
    site = write_site(tmp_path / "site", FILES)
    translation = site / "content/pages/bureau.en.md"
    translation.write_bytes(b"---\ntitle: Caf\xe9\n---\n")
    done = run_cli("translations", "--mark-done", str(translation), "--site", str(site))
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("content/pages/bureau.en.md:2: error: not UTF-8 text (byte 0xe9)"), done.stderr
    assert "internal error" not in done.stderr


def test_stale_translation_shows_a_notice_linking_to_the_original(tmp_path):
    site = write_site(tmp_path / "site", FILES)
    translation = site / "content/pages/bureau.en.md"
    run_cli("translations", "--mark-done", str(translation), "--site", str(site))
    out = build_site(site)
    assert "outdated-notice" not in (out / "en/bureau/index.html").read_text(encoding="utf-8")

    source = site / "content/pages/bureau.fr.md"
    source.write_text(source.read_text(encoding="utf-8") + "Nouveau.\n", encoding="utf-8")
    out = build_site(site)
    english = (out / "en/bureau/index.html").read_text(encoding="utf-8")
    assert "This translation may be out of date" in english
    assert '<a href="../../fr/bureau/" hreflang="fr">Read the original (Français)</a>' in english
    assert "outdated-notice" not in (out / "fr/bureau/index.html").read_text(encoding="utf-8")


def test_notice_is_in_the_pages_own_language(tmp_path):
    config = MINIMAL_CONFIG.replace("default_language: fr", "default_language: en")
    files = {
        "content/pages/office.en.md": "---\ntitle: Office\n---\nText.\n",
        "content/pages/office.fr.md": "---\ntitle: Bureau\ntranslated_from: 00000000aaaaaaaa\n---\nTexte.\n",
    }
    out = build_site(write_site(tmp_path / "site", files, config=config))
    french = (out / "fr/office/index.html").read_text(encoding="utf-8")
    assert "Cette traduction n" in french and "Lire l" in french and "(English)" in french


# ------------------------------------------------------------------ the staleness rule, case by case
# A recorded `translated_from` decides alone: stale exactly when it differs from the original as it is now,
# whatever git's dates say. Without one, git's history decides: stale when the original changed (a commit or
# an uncommitted edit) after the translation's last change; moving or renaming a file is not a change.
ORIGINAL = "content/news/2023-03-31-reunion.fr.md"
TRANSLATION = "content/news/2023-03-31-reunion.en.md"
PAIR = {
    ORIGINAL: "---\ntitle: Réunion\n---\n120 participants.\n",
    TRANSLATION: "---\ntitle: Meeting\n---\n120 participants.\n",
}


def _act(site, action: str) -> None:
    from lillesite.config import load_config
    from lillesite.translations import mark_done

    def current(lang: str):
        found = sorted(site.glob(f"content/news/**/*-reunion.{lang}.md")) + sorted(
            site.glob(f"content/news/**/*-rencontre.{lang}.md"))
        return found[0]

    if action in ("edit fr", "edit en"):
        path = current(action[-2:])
        path.write_text(path.read_text(encoding="utf-8") + "Encore.\n", encoding="utf-8")
    elif action == "150 participants":  # the original edited back and forth: the same bytes as before
        path = current("fr")
        path.write_text(path.read_text(encoding="utf-8").replace("120", "150"), encoding="utf-8")
    elif action == "120 participants":
        path = current("fr")
        path.write_text(path.read_text(encoding="utf-8").replace("150", "120"), encoding="utf-8")
    elif action == "commit":
        git(site, "add", "-A")
        git(site, "commit", "-qm", "change")
    elif action == "mark done":
        mark_done(load_config(site), current("en"))
    elif action == "move fr":  # into a folder of the year: only the name counts, the content is the same
        (site / "content/news/2023").mkdir(exist_ok=True)
        git(site, "mv", ORIGINAL, "content/news/2023/2023-03-31-reunion.fr.md")
    elif action == "rename both":  # a new key for the pair
        for lang in ("fr", "en"):
            path = current(lang)
            git(site, "mv", path.relative_to(site).as_posix(),
                path.with_name(path.name.replace("reunion", "rencontre")).relative_to(site).as_posix())
    else:
        raise AssertionError(action)


def _stale_files(site) -> list[str]:
    from lillesite import translations
    from lillesite.build import build
    from lillesite.config import load_config
    from lillesite.options import BuildOptions

    config = load_config(site)
    result = build(config, BuildOptions(preview=True, write=False))
    found = translations.status(result.site, translations.read_history(config.root))
    return [item.file for item in found.stale["en"]]


@pytest.mark.parametrize("actions, stale", [
    # without translated_from: git's history
    ([], False),
    (["edit fr"], True),  # an uncommitted edit of the original counts already
    (["edit fr", "commit"], True),
    (["edit fr", "commit", "edit en"], False),  # the translation is being updated: newer than the original
    (["edit fr", "commit", "edit en", "commit"], False),
    (["edit en", "commit", "edit fr", "commit"], True),
    (["edit fr", "edit en"], False),  # both uncommitted: git cannot tell which came first
    (["move fr", "commit"], False),  # a move is not a change of the text
    (["move fr", "edit fr", "commit"], True),
    (["rename both", "commit"], False),
    # with translated_from: the fingerprint alone
    (["mark done"], False),
    (["mark done", "commit"], False),
    (["mark done", "commit", "edit fr"], True),
    (["mark done", "commit", "edit fr", "commit"], True),
    # issue 20: French edited and committed, then a typo fixed in the English and committed
    (["mark done", "commit", "150 participants", "commit", "edit en", "commit"], True),
    (["mark done", "commit", "150 participants", "edit en"], True),
    (["mark done", "commit", "edit en", "commit", "150 participants", "commit"], True),
    (["mark done", "commit", "150 participants", "commit", "mark done"], False),
    (["mark done", "commit", "150 participants", "commit", "mark done", "commit"], False),
    (["mark done", "commit", "150 participants", "commit", "120 participants", "commit"], False),  # same bytes
    (["mark done", "commit", "move fr", "commit"], False),
    (["mark done", "commit", "rename both", "commit"], False),
    (["mark done", "commit", "rename both", "edit fr", "commit"], True),
    (["edit fr", "commit", "mark done"], False),  # recorded, not yet committed: done all the same
], ids=lambda value: " + ".join(value) or "nothing" if isinstance(value, list) else str(value))
def test_staleness_rule(tmp_path, actions, stale):
    site = write_site(tmp_path / "site", PAIR)
    git(site, "init", "-q")
    git(site, "add", ".")
    git(site, "commit", "-qm", "original and translation")
    for action in actions:
        _act(site, action)
    assert bool(_stale_files(site)) == stale, actions


def test_issue_20_the_status_says_stale_and_how_to_mark_it_done(tmp_path):
    site = write_site(tmp_path / "site", PAIR)
    git(site, "init", "-q")
    for action in ("mark done", "commit", "150 participants", "commit", "edit en", "commit"):
        _act(site, action)
    table = run_cli("translations", "--site", str(site))
    assert table.returncode == 0, table.stderr
    assert "en: 0 missing, 1 stale" in table.stdout, table.stdout
    assert "translated_from" in table.stdout and "--mark-done" in table.stdout
    notice = run_cli("check", "--site", str(site))
    assert (f"{TRANSLATION}:1: notice: translation may be out of date: {ORIGINAL} changed since it was "
            "translated") in notice.stderr, notice.stderr
    assert "lillesite translations --mark-done" in notice.stderr

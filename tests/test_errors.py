"""Every bad input an editor can make: one tiny site per error message under tests/sites/errors/.

Each folder holds an `expected.txt` with the lines the build must print, in order (`path:line: error: message`,
a line may be a stable prefix). The build runs through the command line as an editor would run it.
"""
from __future__ import annotations

import shutil

import pytest

from tests.conftest import SITES, build_site, run_cli
from tests.snapshots import snapshot

ERROR_SITES = SITES / "errors"
CASES = sorted(p.name for p in ERROR_SITES.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def good_output(tmp_path_factory):
    """A real previous output (the bilingual test site), built once and copied for each case."""
    root = tmp_path_factory.mktemp("good")
    shutil.copytree(SITES / "bilingual", root / "site")
    return build_site(root / "site", out=root / "_site")


def test_every_case_has_expectations():
    assert len(CASES) >= 30
    for name in CASES:
        assert (ERROR_SITES / name / "expected.txt").read_text(encoding="utf-8").strip(), name


@pytest.mark.parametrize("name", CASES)
def test_error_is_reported_and_output_kept(name, tmp_path, good_output):
    site = tmp_path / "site"
    shutil.copytree(ERROR_SITES / name, site, ignore=shutil.ignore_patterns("expected.txt"))
    out = tmp_path / "out"
    shutil.copytree(good_output, out)
    before = snapshot(out)

    result = run_cli("build", "--site", str(site), "--out", str(out))

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if not line.startswith("build failed:")]
    expected = (ERROR_SITES / name / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(expected), result.stderr
    for line, wanted in zip(lines, expected):
        assert line.startswith(wanted), f"{line!r} does not start with {wanted!r}"
    assert result.stderr.splitlines()[-1].startswith("build failed: ")
    assert snapshot(out) == before


@pytest.mark.parametrize("name", ["html-iframe", "html-object"])
def test_embeds_allowed_by_the_site_switch(name, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ERROR_SITES / name, site)
    config = site / "site.yml"
    config.write_text(config.read_text(encoding="utf-8") + "markdown:\n  allow_embeds: true\n", encoding="utf-8")
    result = run_cli("build", "--site", str(site))
    assert result.returncode == 0, result.stderr
    html = (site / "_site/fr/bureau/index.html").read_text(encoding="utf-8")
    assert f"<{name.split('-')[1]} " in html


def test_embed_switch_does_not_allow_scripts(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ERROR_SITES / "html-script", site)
    config = site / "site.yml"
    config.write_text(config.read_text(encoding="utf-8") + "markdown:\n  allow_embeds: true\n", encoding="utf-8")
    result = run_cli("build", "--site", str(site))
    assert result.returncode == 1
    assert "<script> is not allowed in content" in result.stderr


def test_all_errors_of_a_run_are_reported_together(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ERROR_SITES / "unknown-key", site)  # content/pages/bureau.fr.md:3: titel
    (site / "content/pages/autre.fr.md").write_text("---\ntitle: Autre\ntags: 5\n---\n", encoding="utf-8")
    (site / "content/pages/autre.de.md").write_text("---\ntitle: Andere\n---\n", encoding="utf-8")
    result = run_cli("build", "--site", str(site))
    assert result.returncode == 1
    assert "build failed: 3 error(s)" in result.stderr
    assert "content/pages/autre.fr.md:3: error: tags:" in result.stderr
    assert "content/pages/autre.de.md: error: unknown language 'de'" in result.stderr
    assert "content/pages/bureau.fr.md:3: error: titel: unknown front matter key" in result.stderr


def test_github_annotations(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ERROR_SITES / "unknown-key", site)
    result = run_cli("build", "--site", str(site), env={"GITHUB_ACTIONS": "true"})
    assert result.returncode == 1
    assert "::error file=content/pages/bureau.fr.md,line=3::titel: unknown front matter key" in result.stderr


@pytest.mark.parametrize("variant", ["bom", "crlf", "bom+crlf"])
def test_bom_and_crlf_are_accepted(variant, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ERROR_SITES / "unknown-key", site)
    text = "---\ntitle: Bureau\nsummary: Résumé.\n---\nCafé.\n"
    data = text.replace("\n", "\r\n") if "crlf" in variant else text
    raw = ("\ufeff" if "bom" in variant else "") + data
    (site / "content/pages/bureau.fr.md").write_bytes(raw.encode("utf-8"))
    result = run_cli("build", "--site", str(site))
    assert result.returncode == 0, result.stderr
    html = (site / "_site/fr/bureau/index.html").read_text(encoding="utf-8")
    assert "<h1>Bureau</h1>" in html and "Café." in html and "\r" not in html and "\ufeff" not in html

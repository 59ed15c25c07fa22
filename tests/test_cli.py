"""The command line as users and CI use it: exit codes, messages, summary, annotations."""
from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO, run_cli, write_site
from tests.crawl import broken_links, sitemap_urls

GOOD = {"content/pages/index.fr.md": "---\ntitle: Accueil\n---\nBonjour.\n",
        "content/news/2023-03-31-a.fr.md": "---\ntitle: A\n---\nTexte.\n"}


def test_build_prints_a_summary_and_exits_0(tmp_path):
    root = write_site(tmp_path / "s", GOOD)
    result = run_cli("build", "--site", str(root))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("built ") and "(fr " in result.stdout and "2 feeds" in result.stdout
    assert (root / "_site/fr/index.html").is_file()


def test_errors_are_path_line_message_all_at_once_exit_1_no_traceback(tmp_path):
    root = write_site(tmp_path / "s", {
        **GOOD,
        "content/pages/a.fr.md": "---\ntitle: A\ntitel: B\n---\n",
        "content/news/2023-03-30-b.fr.md": "---\nsummary: no title\n---\n[x](../pages/missing.fr.md)\n",
        "content/pages/c.de.md": "---\ntitle: C\n---\n",
    })
    result = run_cli("build", "--site", str(root))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert "content/pages/a.fr.md:3: error: titel: unknown front matter key (did you mean 'title'?)" in lines
    assert "content/news/2023-03-30-b.fr.md:2: error: missing title: add a line 'title: \"...\"' to the front matter" in lines
    assert any(line.startswith("content/pages/c.de.md: error: unknown language 'de'") for line in lines)
    assert not (root / "_site").exists()


def test_a_failed_build_leaves_the_previous_output_untouched(tmp_path):
    root = write_site(tmp_path / "s", GOOD)
    assert run_cli("build", "--site", str(root)).returncode == 0
    before = {p: p.read_bytes() for p in (root / "_site").rglob("*") if p.is_file()}
    (root / "content/news/2023-03-31-a.fr.md").write_text("---\ntitle: [broken\n---\n")
    result = run_cli("build", "--site", str(root))
    assert result.returncode == 1 and "content/news/2023-03-31-a.fr.md:2: error: front matter: a list opened with '['" in result.stderr
    after = {p: p.read_bytes() for p in (root / "_site").rglob("*") if p.is_file()}
    assert after == before


def test_github_actions_annotations(tmp_path):
    root = write_site(tmp_path / "s", {**GOOD, "content/pages/a.fr.md": "---\ntitle: A\ntitel: B\n---\n"})
    result = run_cli("build", "--site", str(root), env={"GITHUB_ACTIONS": "true"})
    assert "::error file=content/pages/a.fr.md,line=3::titel: unknown front matter key" in result.stderr


def test_warnings_fail_only_under_strict(tmp_path):
    root = write_site(tmp_path / "s", {**GOOD, "content/pages/b.fr.md": "---\ntitle: B\n---\n[x](#nowhere)\n"})
    relaxed = run_cli("build", "--site", str(root))
    assert relaxed.returncode == 0
    assert "content/pages/b.fr.md:4: warning: link to #nowhere" in relaxed.stderr
    strict = run_cli("build", "--site", str(root), "--strict", "--out", str(tmp_path / "strict"))
    assert strict.returncode == 1 and not (tmp_path / "strict").exists()


def test_usage_errors_exit_2(tmp_path):
    assert run_cli("build", "--no-such-flag").returncode == 2
    root = write_site(tmp_path / "s", GOOD)
    result = run_cli("build", "--site", str(root), "--out", str(root / "content"))
    assert result.returncode == 2 and "inside the site's content/ folder" in result.stderr


def test_missing_site_yml_is_a_clear_error(tmp_path):
    result = run_cli("build", "--site", str(tmp_path))
    assert result.returncode == 1 and "no site.yml here" in result.stderr and "Traceback" not in result.stderr


def test_base_url_override(tmp_path):
    root = write_site(tmp_path / "s", GOOD)
    assert run_cli("build", "--site", str(root), "--base-url", "https://preview.example.net/pr-7").returncode == 0
    assert "https://preview.example.net/pr-7/fr/" in sitemap_urls(root / "_site")


def test_check_validates_without_writing(tmp_path):
    root = write_site(tmp_path / "s", GOOD)
    result = run_cli("check", "--site", str(root))
    assert result.returncode == 0 and result.stdout.startswith("checked ")
    assert not (root / "_site").exists()


def test_build_py_builds_the_repository_site_from_anywhere(tmp_path):
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "--out", str(out)], cwd=tmp_path,
                            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": "1700000000"})
    assert result.returncode == 0, result.stderr
    assert (out / "fr/index.html").is_file() and (out / "en/index.html").is_file()


def test_lille_site_crawls_clean(lille_site):
    base = (REPO / "site.yml").read_text().split("base_url:", 1)[1].split()[0]
    assert broken_links(lille_site, base) == []
    for loc in sitemap_urls(lille_site):
        assert (lille_site / loc[len(base):] / "index.html").is_file(), loc

"""The GitHub Actions workflow: valid for actionlint, and its build step works as written."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import yaml

from tests.conftest import REPO

WORKFLOW = REPO / ".github/workflows/site.yml"


def actionlint(path):
    return subprocess.run([shutil.which("actionlint") or "actionlint", "-no-color", str(path)],
                          capture_output=True, text=True, timeout=60)


def test_workflow_passes_actionlint(tmp_path):
    done = actionlint(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace("runs-on: ubuntu-latest\n", "", 1),
                      encoding="utf-8")
    assert actionlint(broken).returncode == 1  # the linter really looks


def test_workflow_builds_strict_tests_and_publishes_from_main():
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = flow[True]  # YAML 1.1 reads the key 'on' as true
    assert {"push", "pull_request", "schedule"} <= set(triggers)
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]  # every day
    build, deploy = flow["jobs"]["build"], flow["jobs"]["deploy"]
    steps = {step.get("name") or step["uses"].split("@")[0]: step for step in build["steps"]}
    assert steps["actions/checkout"]["with"]["fetch-depth"] == 0
    assert "--strict" in steps["Build (strict)"]["run"]
    assert steps["Build (strict)"]["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert steps["Configure GitHub Pages"]["uses"].startswith("actions/configure-pages@")
    assert steps["Test"]["run"] == ".ci/run"  # the project's CI entry point: installs, then every test
    assert steps["Upload the site"]["with"]["path"] == "_site"
    assert "refs/heads/main" in deploy["if"] and "pull_request" in deploy["if"]
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_build_step_runs_as_written_with_the_pages_url(tmp_path):
    site = tmp_path / "repo"
    site.mkdir()
    for name in ("site.yml", "content", "templates", "static", "locales"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, site / name)
        elif source.is_file():
            shutil.copy2(source, site / name)
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    step = next(s for s in flow["jobs"]["build"]["steps"] if s.get("name") == "Build (strict)")
    script = f'lillesite() {{ "{sys.executable}" -m lillesite "$@"; }}\n{step["run"]}'
    env = {**os.environ, "PYTHONPATH": str(REPO), "BASE_URL": "https://example.github.io/lillesite"}
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=site, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    home = (site / "_site/fr/index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://example.github.io/lillesite/fr/">' in home

"""The GitHub Actions workflow and .ci/run: valid for actionlint, and their scripts work as written.

The workflow publishes a content-only change after a strict check and build, without waiting for the full
test suite; a change to anything else is published only once the suite has passed. Its shell steps run here
as GitHub runs them (`bash -e`), in throwaway git repositories, with a stand-in for the `gh` CLI that answers
as GitHub's API would and filters the answer with the real jq.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

WORKFLOW = REPO / ".github/workflows/site.yml"
CI_RUN = REPO / ".ci/run"


def actionlint(path):
    # beside this Python first: `.venv/bin/pytest` runs without the virtual environment on PATH
    found = Path(sys.executable).with_name("actionlint")
    command = str(found) if found.exists() else shutil.which("actionlint") or "actionlint"
    return subprocess.run([command, "-no-color", str(path)], capture_output=True, text=True, timeout=60)


def flow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps(job: dict) -> dict[str, dict]:
    return {step.get("name") or step["uses"].split("@")[0]: step for step in job["steps"]}


def test_workflow_passes_actionlint(tmp_path):
    done = actionlint(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace("runs-on: ubuntu-latest\n", "", 1),
                      encoding="utf-8")
    assert actionlint(broken).returncode == 1  # the linter really looks


def test_triggers_and_the_daily_scheduled_run():
    triggers = flow()[True]  # YAML 1.1 reads the key 'on' as true
    assert {"push", "pull_request", "schedule", "workflow_dispatch"} <= set(triggers)
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]  # every day


def test_the_publishing_job_checks_and_builds_strict_with_nothing_but_the_site_installed():
    build = flow()["jobs"]["build"]
    named = steps(build)
    assert named["actions/checkout"]["with"]["fetch-depth"] == 0  # stale translations are found from git
    python = named["actions/setup-python"]["with"]
    assert python["cache"] == "pip" and python["cache-dependency-path"] == "pyproject.toml"
    assert named["Install"]["run"] == "pip install -e ."  # not the test extra: no browser, no Java
    assert "container" not in build and "needs" not in build  # starts at once, beside the tests
    runs = [step.get("run", "") for step in build["steps"]]
    assert not any(".ci/run" in run or "apt-get" in run or "pytest" in run for run in runs)
    order = [step.get("name") or step["uses"].split("@")[0] for step in build["steps"]]
    assert order.index("Check (strict)") < order.index("Build (strict)") < order.index("Upload the site")
    assert named["Check (strict)"]["run"] == "lillesite check --strict"
    assert "--strict" in named["Build (strict)"]["run"]
    assert named["Build (strict)"]["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert named["Configure GitHub Pages"]["uses"].startswith("actions/configure-pages@")
    assert named["Upload the site"]["with"]["path"] == "_site"


def test_the_full_suite_runs_when_code_may_have_changed_and_gates_publishing():
    jobs = flow()["jobs"]
    test, deploy = jobs["test"], jobs["deploy"]
    assert test["needs"] == "changes" and test["if"] == "needs.changes.outputs.code == 'true'"
    assert steps(test)["Test"]["run"] == ".ci/run"  # the project's CI entry point: installs, then every test
    assert steps(test)["Cache pip downloads"]["with"]["path"] == "~/.cache/pip"
    assert set(deploy["needs"]) == {"changes", "build", "test"}
    condition = " ".join(deploy["if"].split())
    for part in ("!cancelled()", "github.ref == 'refs/heads/main'", "github.event_name != 'pull_request'",
                 "needs.changes.result == 'success'", "needs.build.result == 'success'",
                 "(needs.test.result == 'success' || needs.changes.outputs.code == 'false')"):
        assert part in condition  # skipped tests publish only when the changes job said they were not needed
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert flow()["permissions"] == {"contents": "read"}


def test_a_failed_scheduled_run_is_reported_in_an_issue():
    report = flow()["jobs"]["report"]
    assert set(report["needs"]) == set(flow()["jobs"]) - {"report"}
    assert report["if"] == "${{ !cancelled() && github.event_name == 'schedule' }}"
    assert report["permissions"] == {"issues": "write"}
    assert steps(report)["Open, update or close the issue about the scheduled run"]["env"]["FAILED"] == \
        "${{ contains(needs.*.result, 'failure') }}"


# --- the shell steps, run as written -------------------------------------------------------------------

GH_STUB = f"""#!{sys.executable}
import json, os, subprocess, sys
args = sys.argv[1:]
with open(os.environ["GH_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(args) + "\\n")
if os.environ.get("GH_FAIL"):
    sys.exit("HTTP 502: Bad Gateway")
if "--jq" in args:
    expr = args[args.index("--jq") + 1]
    done = subprocess.run(["jq", "-r", expr], input=os.environ["GH_JSON"], capture_output=True, text=True)
    sys.stdout.write(done.stdout)
    sys.exit(done.returncode)
"""


@pytest.fixture
def gh(tmp_path):
    """A stand-in for the gh CLI on PATH; returns the environment to run a step with."""
    if shutil.which("jq") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("jq is missing in CI (.ci/run installs it)", pytrace=False)
        pytest.skip("jq not found (apt-get install jq)")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(GH_STUB, encoding="utf-8")
    (bin_dir / "gh").chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GH_LOG": str(tmp_path / "gh.log"),
            "GH_JSON": "[]", "HOME": str(tmp_path)}


def run_step(job: str, name: str, cwd: Path, env: dict) -> tuple[subprocess.CompletedProcess, dict, list]:
    """Run a workflow step's script as GitHub does; return the result, its outputs and the gh calls."""
    script = steps(flow()["jobs"][job])[name]["run"]
    output = cwd.parent / "github_output"
    output.write_text("", encoding="utf-8")
    full = {**{k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITHUB_"))},
            "GITHUB_OUTPUT": str(output), **env}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-e", "-c", script], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=60)
    outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())
    log = Path(env["GH_LOG"])
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    return done, outputs, calls


class Repo:
    def __init__(self, path: Path):
        self.path = path
        path.mkdir()
        self.git("init", "-q", "-b", "main")
        self.commit({"content/pages/index.fr.md": "x", "lillesite/core.py": "x", "templates/base.html": "x",
                     "static/images/logo.svg": "x", "tests/test_x.py": "x", "README.md": "x"})

    def git(self, *args) -> str:
        env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
        return subprocess.run(["git", *args], cwd=self.path, env=env, check=True, capture_output=True,
                              text=True).stdout.strip()

    def commit(self, files: dict[str, str | None]) -> str:
        for name, text in files.items():
            path = self.path / name
            if text is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text + path.name, encoding="utf-8")
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", "change")
        return self.git("rev-parse", "HEAD")


def needs_tests(repo: Repo, gh: dict, *, event="push", green=(), base="", fail=False):
    runs = [{"headSha": sha, "event": kind} for kind, sha in green]
    env = {**gh, "EVENT": event, "BRANCH": "main", "BASE": base, "GH_JSON": json.dumps(runs)}
    if fail:
        env["GH_FAIL"] = "1"
    done, outputs, calls = run_step("changes", "What changed since the last green run", repo.path, env)
    assert done.returncode == 0, done.stdout + done.stderr
    return outputs["code"], calls


# (what was pushed after the last green run, whether the tests must run)
CHANGES = [
    ({"content/news/2023-03-31-a.fr.md": "new"}, "false"),
    ({"content/pages/index.fr.md": "edit", "static/images/photo.jpg": "new"}, "false"),
    ({"content/pages/index.fr.md": None}, "false"),
    ({}, "false"),  # the daily run with nothing new
    ({"templates/base.html": "edit"}, "true"),
    ({"lillesite/core.py": "edit", "content/pages/index.fr.md": "edit"}, "true"),
    ({"lillesite/core.py": None}, "true"),
    ({"tests/test_x.py": "edit"}, "true"),
    ({"README.md": "edit"}, "true"),  # tests read it
    ({"site.yml": "new"}, "true"),
    ({"static/css/site.css": "new"}, "true"),
    ({"pyproject.toml": "new"}, "true"),
    ({".github/workflows/site.yml": "new"}, "true"),
]


@pytest.mark.parametrize("change, needed", CHANGES, ids=[",".join(c) or "nothing" for c, _ in CHANGES])
def test_tests_run_when_anything_but_content_changed_since_the_last_green_run(tmp_path, gh, change, needed):
    repo = Repo(tmp_path / "repo")
    green = repo.git("rev-parse", "HEAD")
    if change:
        repo.commit(change)
    assert needs_tests(repo, gh, green=[("push", green)])[0] == needed
    assert needs_tests(repo, gh, event="schedule", green=[("schedule", green)])[0] == needed


def test_a_move_from_code_into_content_is_a_code_change(tmp_path, gh):
    repo = Repo(tmp_path / "repo")
    green = repo.git("rev-parse", "HEAD")
    repo.git("mv", "templates/base.html", "content/base.html")
    repo.commit({})
    assert needs_tests(repo, gh, green=[("push", green)])[0] == "true"


def test_a_content_edit_after_a_push_whose_tests_failed_still_runs_them(tmp_path, gh):
    """Compared with the previous push (GitHub's `before`), this content edit would publish untested code."""
    repo = Repo(tmp_path / "repo")
    green = repo.git("rev-parse", "HEAD")
    repo.commit({"lillesite/core.py": "broken"})  # its run failed: not in the list of green runs
    repo.commit({"content/news/2023-03-31-a.fr.md": "new"})
    assert needs_tests(repo, gh, green=[("push", green)])[0] == "true"
    assert needs_tests(repo, gh, event="schedule", green=[("push", green)])[0] == "true"


def test_the_green_run_is_this_branch_s_newest_outside_pull_requests(tmp_path, gh):
    repo = Repo(tmp_path / "repo")
    old = repo.git("rev-parse", "HEAD")
    repo.commit({"lillesite/core.py": "edit"})
    tested = repo.commit({"content/pages/index.fr.md": "edit"})
    repo.commit({"content/pages/index.fr.md": "again"})
    # gh lists the newest first; a pull request's run tested a merge commit, not this branch's code
    code, calls = needs_tests(repo, gh, green=[("pull_request", old), ("push", tested), ("schedule", old)])
    assert code == "false"
    (call,) = calls
    assert call[:2] == ["run", "list"]
    flags = dict(zip(call[2::2], call[3::2]))
    assert flags["--workflow"] == "site.yml" and flags["--branch"] == "main" and flags["--status"] == "success"


@pytest.mark.parametrize("case", ["no green run", "gh fails", "green commit not in history", "manual run"])
def test_tests_run_when_the_last_tested_code_is_not_known(tmp_path, gh, case):
    repo = Repo(tmp_path / "repo")
    green = repo.git("rev-parse", "HEAD")
    repo.commit({"content/news/2023-03-31-a.fr.md": "new"})
    kwargs = {"no green run": {},
              "gh fails": {"green": [("push", green)], "fail": True},
              "green commit not in history": {"green": [("push", "1" * 40)]},
              "manual run": {"event": "workflow_dispatch", "green": [("push", green)]}}[case]
    assert needs_tests(repo, gh, **kwargs)[0] == "true"


def test_a_pull_request_is_compared_with_its_base(tmp_path, gh):
    repo = Repo(tmp_path / "repo")
    base = repo.git("rev-parse", "HEAD")
    repo.commit({"content/news/2023-03-31-a.fr.md": "new"})
    code, calls = needs_tests(repo, gh, event="pull_request", base=base)
    assert (code, calls) == ("false", [])
    repo.commit({"templates/base.html": "edit"})
    assert needs_tests(repo, gh, event="pull_request", base=base)[0] == "true"


REPORT_STEP = "Open, update or close the issue about the scheduled run"
TITLE = "Publication programmée en échec / Scheduled publishing failed"
RUN_URL = "https://github.com/lille/site/actions/runs/42"


def report(tmp_path, gh, *, failed: bool, issues: list[dict]):
    env = {**gh, "FAILED": "true" if failed else "false", "RUN_URL": RUN_URL, "GH_REPO": "lille/site",
           "GH_JSON": json.dumps(issues)}
    (tmp_path / "work").mkdir(exist_ok=True)
    Path(gh["GH_LOG"]).unlink(missing_ok=True)
    done, _, calls = run_step("report", REPORT_STEP, tmp_path / "work", env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert calls[0][:2] == ["issue", "list"] and "open" in calls[0]
    return calls[1:]


def test_a_failed_scheduled_run_opens_an_issue(tmp_path, gh):
    (call,) = report(tmp_path, gh, failed=True, issues=[{"number": 3, "title": "Something else"}])
    assert call[:2] == ["issue", "create"]
    flags = dict(zip(call[2::2], call[3::2]))
    assert flags["--title"] == TITLE
    body = flags["--body"]
    assert body.count(RUN_URL) == 2 and "`path:line: error: message`" in body
    assert "corrigez ce fichier et poussez" in body and "\n\n" in body  # French, then English


def test_a_second_failure_comments_on_the_open_issue(tmp_path, gh):
    issues = [{"number": 3, "title": "Something else"}, {"number": 7, "title": TITLE}]
    (call,) = report(tmp_path, gh, failed=True, issues=issues)
    assert call[:3] == ["issue", "comment", "7"] and RUN_URL in call[call.index("--body") + 1]


def test_the_next_green_scheduled_run_closes_it(tmp_path, gh):
    (call,) = report(tmp_path, gh, failed=False, issues=[{"number": 7, "title": TITLE}])
    assert call[:3] == ["issue", "close", "7"] and RUN_URL in call[call.index("--comment") + 1]
    assert report(tmp_path, gh, failed=False, issues=[]) == []


def test_check_and_build_steps_run_as_written_with_the_pages_url(tmp_path):
    site = tmp_path / "repo"
    site.mkdir()
    for name in ("site.yml", "content", "templates", "static", "locales"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, site / name)
        elif source.is_file():
            shutil.copy2(source, site / name)
    named = steps(flow()["jobs"]["build"])
    script = "\n".join([f'lillesite() {{ "{sys.executable}" -m lillesite "$@"; }}',
                        named["Check (strict)"]["run"], named["Build (strict)"]["run"]])
    env = {**os.environ, "PYTHONPATH": str(REPO), "BASE_URL": "https://example.github.io/lillesite"}
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=site, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checked " in done.stdout + done.stderr
    home = (site / "_site/fr/index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://example.github.io/lillesite/fr/">' in home


def test_ci_runs_the_readme_test_command():
    """CI runs what the README tells a new user to run, in the same virtual environment."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick_start = readme[readme.index("## Quick start"):readme.index("\n## ", readme.index("## Quick start"))]
    blocks = re.findall(r"```sh\n(.*?)\n```", quick_start, re.S)
    test_command = next(block for block in blocks if "pytest" in block)
    ci = CI_RUN.read_text(encoding="utf-8").replace("\\\n", " ")
    ci_commands = [" ".join(word for word in shlex.split(line) if word != "-q")
                   for line in ci.splitlines() if line and not line.startswith("#")]
    for command in test_command.split("&&"):
        words = " ".join(shlex.split(command))
        assert any(line == words or line.startswith(words + " ") for line in ci_commands), words
    assert re.search(r"apt-get install .*\bpython3-venv\b", ci)  # Debian's python3 has no venv without it

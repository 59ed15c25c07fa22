"""Fixtures following the object graph.

On disk: a site folder -> its config -> a build -> its output. In memory (tests/graph.py), for stage
tests: config -> documents -> site -> page_plan -> rendered pages, each rung built once per session
(every object on it is immutable).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lillesite.config import load_config
from lillesite.errors import BuildFailed
from lillesite.build import build
from lillesite.options import BuildOptions
from tests import graph

REPO = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"
EPOCH = "1700000000"  # 2023-11-14: after every dated item of the test sites

MINIMAL_CONFIG = """\
base_url: https://example.org/
default_language: fr
languages:
  fr: {locale: fr_FR}
  en: {locale: en_GB}
title: {fr: Site de test, en: Test site}
description: {fr: Un petit site., en: A small site.}
news:
  slug: {fr: actualites, en: news}
  per_page: 2
tags:
  slug: {fr: themes, en: tags}
  labels:
    culture: {fr: Culture, en: Culture}
    economy: {fr: Économie, en: Economy}
"""


def write_site(root: Path, files: dict[str, str | bytes], *, config: str | None = MINIMAL_CONFIG) -> Path:
    """Write a tiny site: {relative path: text} (text is dedented), plus site.yml unless given."""
    root.mkdir(parents=True, exist_ok=True)
    if config is not None and "site.yml" not in files:
        (root / "site.yml").write_text(config, encoding="utf-8")
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def build_site(root: Path, **options) -> Path:
    """Build into <root>/_site and return that folder; raises BuildFailed like the CLI would report."""
    out = options.pop("out", root / "_site")
    build(load_config(root), BuildOptions(out=out, **options))
    return out


def build_errors(root: Path, **options) -> list[str]:
    """The error lines ('path:line: message') a build of `root` reports."""
    with pytest.raises(BuildFailed) as failure:
        build(load_config(root), BuildOptions(out=root / "_site", **options))
    return [str(e) for e in failure.value.errors]


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120):
    """Run `python -m lillesite ARGS` as a user would, with this checkout's code."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": EPOCH, **(env or {})}
    full_env.pop("GITHUB_ACTIONS", None) if "GITHUB_ACTIONS" not in (env or {}) else None
    return subprocess.run([sys.executable, "-m", "lillesite", *args], cwd=cwd or REPO, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(autouse=True)
def _reproducible_now(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch):
    """Messages in English, whatever the machine's locale: the tests compare English texts
    (tests/test_messages.py sets the French environment where it wants it)."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def site_copy(tmp_path):
    """Copy a site from tests/sites/NAME into a temporary folder."""
    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(SITES / name, target, ignore=shutil.ignore_patterns(".lillesite-cache", "_site"))
        return target
    return copy


@pytest.fixture(scope="session")
def lille_site(tmp_path_factory) -> Path:
    """The repository's own site, built once per test session."""
    out = tmp_path_factory.mktemp("lille") / "_site"
    os.environ.setdefault("SOURCE_DATE_EPOCH", EPOCH)
    build(load_config(REPO), BuildOptions(out=out))
    return out


# ------------------------------------------------------------- the ladder, in memory
@pytest.fixture(scope="session")
def config(tmp_path_factory):
    """graph.CONFIG: French and English, paginated news in the menu, tags, search."""
    return graph.make_config(tmp_path_factory.mktemp("graph"))


@pytest.fixture(scope="session")
def converter(config):
    return graph.make_converter(config)


@pytest.fixture(scope="session")
def documents(config, converter):
    """graph.CONTENT parsed."""
    return graph.make_documents(config, graph.CONTENT, converter)


@pytest.fixture(scope="session")
def site(config, documents):
    return graph.make_site(config, documents)


@pytest.fixture(scope="session")
def catalogues(config):
    """The UI strings of each language (the theme's)."""
    return graph.make_catalogues(config)


@pytest.fixture(scope="session")
def page_plan(site, catalogues):
    return graph.make_plan(site, catalogues)


@pytest.fixture(scope="session")
def compiled_templates():
    """Jinja's compiled templates, shared by the session's renderers."""
    return {}


@pytest.fixture(scope="session")
def renderer(site, catalogues, compiled_templates):
    return graph.make_renderer(site, catalogues, compiled_templates)


@pytest.fixture(scope="session")
def rendered(page_plan, renderer):
    """URL -> the page rendered (lillesite.render.Rendered), for every page of the plan."""
    pages = {page.url: renderer.render(page) for page in page_plan}
    graph.fail_on(renderer.errors.values())
    return pages


@pytest.fixture(scope="session")
def make_graph(config, converter, catalogues, compiled_templates):
    """Every rung for other content: make_graph(files) -> graph.Graph (same config, catalogues, templates)."""
    def make(files):
        return graph.make_graph(config, files, converter, catalogues, compiled_templates)
    return make


def pytest_collection_modifyitems(items):
    """Browser tests last: their server threads stay up for the session, and a process with threads
    never forks build workers, which the parallel-build tests need."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)

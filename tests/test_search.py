"""The search index: written by Pagefind into the new output before the swap, one index per language."""
from __future__ import annotations

import json
import sys

import pytest

from lillesite import search
from lillesite.config import load_config
from lillesite.build import build
from lillesite.errors import BuildFailed, ConfigError, ToolError
from lillesite.options import BuildOptions
from tests.conftest import REPO, build_errors, build_site

SEARCH = "search:\n  slug: {fr: recherche, en: search}\n"


@pytest.fixture
def searchable(site_copy):
    """The bilingual test site with search turned on."""
    root = site_copy("bilingual")
    with (root / "site.yml").open("a", encoding="utf-8") as config:
        config.write(SEARCH)
    return root


def _entry(out):
    return json.loads((out / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))


def test_one_index_per_language_with_every_page_and_news_item(lille_site):
    site = build(load_config(REPO), BuildOptions(write=False)).site
    languages = _entry(lille_site)["languages"]
    assert list(languages) == sorted(site.config.language_codes)
    for lang, index in languages.items():
        # pages and news items only (data-pagefind-body): not the home, lists, tags or the search page
        assert index["page_count"] == len(site.pages[lang]) + len(site.news[lang]), lang


def test_search_page_and_box_use_the_sites_own_bundle(searchable):
    out = build_site(searchable)
    for lang, slug in (("fr", "recherche"), ("en", "search")):
        page = (out / lang / slug / "index.html").read_text(encoding="utf-8")
        assert '<script src="../../pagefind/pagefind-ui.js">' in page
        assert 'href="../../pagefind/pagefind-ui.css"' in page
        assert "<noscript>" in page
        home = (out / lang / "index.html").read_text(encoding="utf-8")
        assert f'<form class="search-box" role="search" action="{slug}/" method="get"' in home
    assert (out / "pagefind" / "pagefind-ui.js").is_file()
    assert not (out / "pagefind" / "pagefind-component-ui.css").exists()


def test_index_is_byte_identical_and_unchanged_files_are_kept(searchable):
    out = build_site(searchable)
    first = {p: p.read_bytes() for p in sorted((out / "pagefind").rglob("*")) if p.is_file()}
    inodes = {p: p.stat().st_ino for p in first}
    result = build(load_config(searchable), BuildOptions(out=out))
    assert result.written.written == 0
    second = {p: p.read_bytes() for p in sorted((out / "pagefind").rglob("*")) if p.is_file()}
    assert second == first
    assert {p: p.stat().st_ino for p in second} == inodes  # hard links to the previous output: mtimes kept


def test_a_failing_index_leaves_the_previous_output_intact(searchable, monkeypatch):
    out = build_site(searchable)
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    (searchable / "content" / "pages" / "bureau.fr.md").write_text("---\ntitle: Changé\n---\nNouveau texte.\n")

    def broken(tree):
        raise BuildFailed([ConfigError("search: Pagefind failed (exit 1): disk full")])

    monkeypatch.setattr(search, "index", broken)
    with pytest.raises(BuildFailed, match="Pagefind failed"):
        build(load_config(searchable), BuildOptions(out=out))
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before
    assert not list(out.parent.glob(f".{out.name}.new-*"))


def test_without_search_there_is_no_index_nor_box(site_copy):
    out = build_site(site_copy("bilingual"))
    assert not (out / "pagefind").exists()
    assert "search-box" not in (out / "fr" / "index.html").read_text(encoding="utf-8")


def test_missing_pagefind_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(search.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(BuildFailed) as failure:
        search.index(tmp_path)
    assert str(failure.value) == "site.yml: search: Pagefind is not installed (pip install 'pagefind[bin]')"


def test_pagefind_failures_are_the_tools_not_the_config(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "_command", lambda site, bundle: [sys.executable, "-c", "exit('disk full')"])
    with pytest.raises(BuildFailed) as failure:
        search.index(tmp_path)
    assert [type(e) for e in failure.value.errors] == [ToolError]
    assert str(failure.value) == "site.yml: search: Pagefind failed (exit 1): disk full"


def test_a_static_file_where_the_index_goes_is_an_error(searchable):
    (searchable / "static" / "pagefind").mkdir()
    (searchable / "static" / "pagefind" / "pagefind.js").write_text("// mine\n")
    assert build_errors(searchable) == [
        "static/pagefind/pagefind.js: static file would be overwritten by the search index /pagefind/"]

"""Cached, parallel and incremental builds produce exactly the bytes of a clean single-process build."""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.corpus import generate
from tests.conftest import MINIMAL_CONFIG, SITES, build_site, run_cli, write_site
from lillesite import steps, workers
from lillesite.cache import CACHE_DIR, LONG_TUPLE, BuildCache, PageCache
from lillesite.build import build
from lillesite.config import load_config
from lillesite.errors import BuildFailed, Diagnostics
from lillesite.options import BuildOptions
from lillesite.render import Renderer
from lillesite.templating import THEME_TEMPLATES


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def clean_build(site: Path, out: Path) -> dict[str, bytes] | list[str]:
    """The reference: no cache, one process, a fresh output folder. The files, or the error lines."""
    shutil.rmtree(out, ignore_errors=True)
    try:
        build(load_config(site), BuildOptions(out=out, use_cache=False, jobs=1))
    except BuildFailed as failure:
        return [str(e) for e in failure.errors]
    return tree(out)


def cached_build(site: Path, out: Path, *, cache: BuildCache | None = None, **options) -> dict[str, bytes] | list[str]:
    try:
        build(load_config(site), BuildOptions(out=out, **options), cache=cache)
    except BuildFailed as failure:
        return [str(e) for e in failure.errors]
    return tree(out)


class Served:
    """Builds as `serve` makes them: one cache in memory, and the files of the last build known."""

    def __init__(self, site: Path, out: Path) -> None:
        self.site, self.out, self.cache, self.last_output = site, out, BuildCache(site), None

    def build(self) -> dict[str, bytes] | list[str]:
        try:
            result = build(load_config(self.site), BuildOptions(out=self.out), cache=self.cache,
                           last_output=self.last_output)
        except BuildFailed as failure:
            return [str(e) for e in failure.errors]
        self.last_output = result.written.files
        return tree(self.out)


def test_cached_build_equals_clean_build(site_copy):
    site = site_copy("bilingual")
    reference = clean_build(site, site.parent / "reference")
    assert cached_build(site, site / "_site") == reference  # cold: fills the cache
    assert (site / CACHE_DIR).is_dir()
    assert cached_build(site, site / "_site") == reference  # everything from the cache
    assert cached_build(site, site.parent / "elsewhere") == reference  # page cache misses: other folder


def test_parallel_parse_and_render_equal_single_process(tmp_path):
    assert threading.active_count() == 1  # else the build renders in one process and this test proves nothing
    site = generate(tmp_path / "corpus", 30)
    sources = steps.discover(load_config(site), Diagnostics())
    assert len(sources) >= workers.PARALLEL_MIN_ITEMS  # so jobs=2 really starts workers
    single, parallel = Diagnostics(), Diagnostics()
    assert steps.read_sources(sources, parallel, allow_embeds=False, jobs=2) == \
        steps.read_sources(sources, single, allow_embeds=False, jobs=1)
    assert [str(e) for e in parallel] == [str(e) for e in single]
    reference = clean_build(site, tmp_path / "reference")
    assert cached_build(site, site / "_site", jobs=2) == reference
    # files and pages handed out one at a time: both processes work, and their results interleave
    log = tmp_path / "rendered-by"
    in_processes = workers.in_processes

    def one_by_one(jobs, work, *, chunk, meanwhile=None):
        def logged(claim):
            done = work(claim)
            if isinstance(done, tuple):  # a share of the render (pages, problems, records), not of the parse
                with log.open("a") as handle:
                    handle.write(f"{os.getpid()} {len(done[0])}\n")
            return done
        return in_processes(jobs, logged, chunk=1, meanwhile=meanwhile)
    with mock.patch.object(workers, "in_processes", one_by_one):
        assert cached_build(site, tmp_path / "uncached", jobs=2, use_cache=False) == reference
    shares = dict(line.split() for line in log.read_text().splitlines())
    assert len(shares) == 2 and all(int(count) > 0 for count in shares.values()), shares
    assert sum(int(count) for count in shares.values()) == sum(1 for path in reference if path.endswith(".html"))
    (site / "templates").mkdir()
    (site / "templates/news_item.html").write_text('{% extends "base.html" %}{% block main %}{{ entry.nope.x }}'
                                                    '{% endblock %}', encoding="utf-8")
    errors = clean_build(site, tmp_path / "reference")
    assert len(errors) == 1 and errors[0].startswith("templates/news_item.html:1: "), errors
    assert cached_build(site, site / "_site", jobs=2) == errors  # reported once, as by one process


def test_pages_rendered_by_workers_are_kept_for_the_next_build(tmp_path):
    """The page cache's records made in the worker processes reach the cache: the next build, after nothing
    changed, renders nothing but the pages that read more than their plan (the topics indexes)."""
    assert threading.active_count() == 1  # else the build renders in one process and this test proves nothing
    site = generate(tmp_path / "corpus", 30)
    out = tmp_path / "out"
    with mock.patch.object(workers, "in_processes", wraps=workers.in_processes) as forking:
        cached_build(site, out, jobs=2)
    assert forking.called
    with mock.patch("lillesite.render.Renderer.render", autospec=True, side_effect=Renderer.render) as rendering:
        cached_build(site, out, jobs=1)
    rendered = {call.args[1].kind for call in rendering.call_args_list}
    assert rendered <= {"tags"}, rendered


def test_unchanged_pages_keep_their_file_and_removed_pages_disappear(site_copy):
    site = site_copy("bilingual")
    out = build_site(site)
    home, museum = out / "fr/index.html", out / "fr/actualites/2023/03/le-musee-fete-ses-40-ans/index.html"
    before = home.stat()
    (site / "content/news/2023-03-24-museum.fr.md").unlink()
    (site / "content/news/2023-03-24-museum.en.md").unlink()
    result = build(load_config(site), BuildOptions(out=out))
    assert not museum.exists()
    assert result.written.removed >= 2
    assert (home.stat().st_ino, home.stat().st_mtime_ns) != (before.st_ino, before.st_mtime_ns)  # it listed the museum
    about = out / "fr/bureau/index.html"
    kept = about.stat()
    result = build(load_config(site), BuildOptions(out=out))
    assert (result.written.written, result.written.removed) == (0, 0)
    assert (about.stat().st_ino, about.stat().st_mtime_ns) == (kept.st_ino, kept.st_mtime_ns)


def test_pages_kept_by_stamp_are_not_read_and_a_changed_output_file_is_rewritten(site_copy):
    site = site_copy("bilingual")
    reference = clean_build(site, site.parent / "reference")
    out = site / "_site"
    assert cached_build(site, out) == reference
    # Stamps are trusted only for files older than the build that records them: age the output.
    old = os.stat(out).st_mtime - 3600
    for path in out.rglob("*"):
        os.utime(path, (old, old), follow_symlinks=False)
    assert cached_build(site, out) == reference  # reads every page once more, then records their stamps
    with mock.patch("lillesite.cache.read_stamped", side_effect=AssertionError("read")) as reading:
        assert cached_build(site, out) == reference
    assert not reading.called
    # A hand edit changes the file's stamp: the page is read, found different, and written again.
    page = out / "fr/bureau/index.html"
    data = page.read_bytes()
    page.write_bytes(data.replace(b"<main", b"<MAIN", 1))
    assert page.read_bytes() != data
    assert cached_build(site, out) == reference


def test_an_edit_renders_only_the_pages_that_show_the_edited_item(site_copy):
    site = site_copy("bilingual")
    out = site / "_site"
    cached_build(site, out)
    item = site / "content/news/2023-03-24-museum.en.md"
    item.write_text(item.read_text(encoding="utf-8") + "\nA last paragraph.\n", encoding="utf-8")
    with mock.patch("lillesite.render.Renderer.render", autospec=True, side_effect=Renderer.render) as rendering:
        rebuilt = cached_build(site, out, jobs=1)
    assert rebuilt == clean_build(site, site.parent / "reference")
    rendered = {call.args[1].url for call in rendering.call_args_list}
    pages = {"/" + path.removesuffix("index.html"): data for path, data in rebuilt.items() if path.endswith(".html")}
    showing = {url for url, data in pages.items() if b"museum/" in data}
    tag_indexes = {"/fr/themes/", "/en/tags/"}  # they read every tag's items: never taken from the output
    assert "/en/news/2023/03/museum/" in rendered
    assert rendered <= showing | tag_indexes
    assert len(rendered) < len(pages) / 2


def test_warnings_are_reported_again_from_the_cache(tmp_path):
    site = write_site(tmp_path / "site", {
        "content/pages/index.fr.md": '---\ntitle: "Accueil"\n---\nVoir [plus bas](#nulle-part).\n',
        "content/pages/index.en.md": '---\ntitle: "Home"\n---\nHello.\n',
    })
    for _ in range(2):
        result = build(load_config(site), BuildOptions(out=site / "_site"))
        assert [str(w) for w in result.warnings] == [
            "content/pages/index.fr.md:4: link to #nulle-part: no heading or id with that name on this page"]


def _corruptions(data: bytes) -> list[bytes]:
    header_end = data.index(b"\n", data.index(b"\n") + 1) + 1
    return [
        b"",  # emptied
        data[: len(data) // 2],  # truncated
        data[:-5] + b"XXXXX",  # bytes changed: the checksum no longer matches
        data.replace(b"lillesite-cache\n", b"lillesite-cache\nforeign-version", 1),  # another version's cache
        data[:header_end] + b"0" * 64 + b"\n" + b"not a pickle",  # a lying checksum cannot reach pickle
        b"\x80\x05garbage",  # not even our header
    ]


def test_corrupt_or_foreign_cache_files_are_ignored(site_copy):
    site = site_copy("bilingual")
    reference = clean_build(site, site.parent / "reference")
    assert cached_build(site, site / "_site") == reference
    files = sorted((site / CACHE_DIR).glob("*.pickle"))
    assert files
    originals = {path: path.read_bytes() for path in files}
    for index in range(len(_corruptions(originals[files[0]]))):
        for path, data in originals.items():
            path.write_bytes(_corruptions(data)[index])
        shutil.rmtree(site / "_site")  # so the pages come from the damaged cache, or from rendering
        assert cached_build(site, site / "_site") == reference
    assert cached_build(site, site / "_site") == reference  # and the rewritten cache works


def test_reading_tag_entries_through_tags_of_is_never_stale(site_copy):
    """tags_of() enters the page key by tag name and URL only; a page that counts a tag's items re-renders."""
    site = site_copy("bilingual")
    theme = (THEME_TEMPLATES / "news_item.html").read_text(encoding="utf-8")
    (site / "templates").mkdir()
    (site / "templates/news_item.html").write_text(theme.replace(
        "{{ tag.label }}</a>", "{{ tag.label }} ({{ tag.entries | length }})</a>"), encoding="utf-8")
    assert cached_build(site, site / "_site") == clean_build(site, site.parent / "reference")
    write_site(site, {"content/news/2023-02-01-extra.fr.md": '---\ntitle: "Encore"\ntags: [culture]\n---\nTexte.\n'},
               config=None)
    rebuilt = cached_build(site, site / "_site")
    assert rebuilt == clean_build(site, site.parent / "reference")
    assert "Culture (3)</a>" in rebuilt["fr/actualites/2023/03/meeting/index.html"].decode()


def test_cli_no_cache_and_jobs(site_copy):
    site = site_copy("bilingual")
    done = run_cli("build", "--site", str(site), "--no-cache", "--jobs", "1")
    assert done.returncode == 0, done.stderr
    assert not (site / CACHE_DIR).exists()
    done = run_cli("build", "--site", str(site), "--jobs", "2")
    assert done.returncode == 0, done.stderr
    assert (site / CACHE_DIR).is_dir()
    done = run_cli("build", "--site", str(site), "--jobs", "0")
    assert done.returncode == 2 and "--jobs" in done.stderr


# ------------------------------------------------------------------ random edit sequences
NEWS = "content/news"
EDITS = st.one_of(
    st.tuples(st.just("append"), st.integers(0, 50), st.sampled_from(["Plus.", "## Titre", "[lien](#titre)", "- a\n- b"])),
    st.tuples(st.just("title"), st.integers(0, 50), st.sampled_from(["Autre titre", "Titre « court » !"])),
    st.tuples(st.just("rename"), st.integers(0, 50), st.sampled_from(["renamed", "moved"])),
    st.tuples(st.just("delete"), st.integers(0, 50), st.just("")),
    st.tuples(st.just("add"), st.integers(1, 28), st.sampled_from(["culture", "economy", "culture, economy"])),
    st.tuples(st.just("template"), st.integers(0, 2), st.sampled_from(["news_item.html", "base.html"])),
    st.tuples(st.just("config"), st.integers(1, 3), st.sampled_from(["per_page", "title"])),
)


def _apply(site: Path, edit: tuple[str, int, str]) -> None:
    action, number, text = edit
    files = sorted(p for p in (site / "content").rglob("*.md"))
    path = files[number % len(files)] if files else None
    if action == "append" and path:
        path.write_text(path.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")
    elif action == "title" and path:
        lines = path.read_text(encoding="utf-8").split("\n")
        path.write_text("\n".join(f'title: "{text}"' if line.startswith("title:") else line for line in lines),
                        encoding="utf-8")
    elif action == "rename" and path:
        date_and_key, lang, _ = path.name.rsplit(".", 2)
        path.rename(path.with_name(f"{date_and_key}-{text}.{lang}.md"))
    elif action == "delete" and path:
        path.unlink()
    elif action == "add":
        name = f"{NEWS}/2023-02-{number:02d}-added.fr.md"
        write_site(site, {name: f'---\ntitle: "Ajout {number}"\ntags: [{text}]\n---\nVoir [le bureau](../pages/bureau.fr.md).\n'},
                   config=None)
    elif action == "template":
        theme = (THEME_TEMPLATES / text).read_text(encoding="utf-8")
        (site / "templates").mkdir(exist_ok=True)
        marks = ["", "<!-- v1 -->", "{% for t in tags_of(entry) %}{{ t.entries | length }}{% endfor %}"]
        mark = marks[number] if text == "news_item.html" else marks[min(number, 1)]
        (site / "templates" / text).write_text(theme.replace("{% endblock %}", mark + "{% endblock %}", 1),
                                               encoding="utf-8")
    elif action == "config":
        config = MINIMAL_CONFIG.replace("per_page: 2", f"per_page: {number}") if text == "per_page" else \
            MINIMAL_CONFIG.replace("Site de test", f"Site de test {number}")
        (site / "site.yml").write_text(config, encoding="utf-8")


@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EDITS, min_size=1, max_size=5))
def test_incremental_rebuilds_equal_clean_builds(edits):
    with tempfile.TemporaryDirectory() as tmp, mock.patch.object(workers, "PARALLEL_MIN_ITEMS", 4), \
            mock.patch.dict(os.environ, {"SOURCE_DATE_EPOCH": "1700000000"}):
        site = Path(tmp) / "site"
        shutil.copytree(SITES / "bilingual", site)
        (site / "site.yml").write_text(MINIMAL_CONFIG, encoding="utf-8")
        served = Served(site, site / "_serve")
        cached_build(site, site / "_site", jobs=2, stop_if_unchanged=True)
        served.build()
        for edit in edits:
            _apply(site, edit)
            reference = clean_build(site, Path(tmp) / "reference")
            # as the build command: a new process, the cache on disk, the up-to-date record (uptodate.py)
            assert cached_build(site, site / "_site", jobs=2, stop_if_unchanged=True) == reference, edit
            assert served.build() == reference, edit  # in-process memo


def test_page_stamps_are_trusted_for_files_older_than_the_newest_one(tmp_path):
    """git's racy rule on the output's own clock: the pages a build wrote a tick or more before its
    last one are known by their stamps next time; those of the last tick are read again, and a file
    dated in the future says nothing of the clock (then only files older than RACY_NS are trusted)."""
    def stamped(mtimes: dict[str, int]) -> set[str]:
        out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
        out.mkdir()
        pages = PageCache(("", {}), out, "context", {})
        for name, mtime in mtimes.items():
            (out / name).write_bytes(name.encode())
            os.utime(out / name, ns=(mtime, mtime))
            pages.put(name, name, name.encode())
        pages.stamp_records()
        return {path for path, _, known in pages.new_records.values() if known}

    now = time.time_ns()
    written = {"old.html": now - 5 * 10**9, "earlier.html": now - 10**6, "last.html": now - 1000, "same-tick.html": now - 1000}
    assert stamped(written) == {"old.html", "earlier.html"}
    assert stamped({**written, "future.html": now + 60 * 10**9}) == {"old.html"}


def test_a_page_changed_within_the_last_tick_of_a_build_is_read_again(site_copy):
    """The pages the build wrote last keep no stamp: changed in place with their size and mtime kept, the
    next build finds it by their hash and writes them again."""
    site = site_copy("bilingual")
    out = site / "_site"
    reference = cached_build(site, out)
    paths = [path for path, _, _ in BuildCache(site).page_records()[1].values()]
    newest = max((out / path).stat().st_mtime_ns for path in paths)
    page = next(out / path for path in paths if (out / path).stat().st_mtime_ns == newest)
    before = page.stat()
    data = page.read_bytes()
    page.write_bytes(data[:-1] + (b"?" if data[-1:] != b"?" else b"!"))
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert page.stat().st_size == before.st_size and page.stat().st_ino == before.st_ino
    assert cached_build(site, out) == reference


def test_an_edit_reaches_the_feed_whose_items_are_a_long_tuple(tmp_path):
    """A feed's items (news[:feed_limit]) are a long tuple, digested once per build and known by that
    digest (Digester._long_tuple): an edit to one of them must still reach the feed."""
    site = generate(tmp_path / "corpus", 2 * LONG_TUPLE)
    assert load_config(site).feed_limit > LONG_TUPLE
    out = site / "_site"
    cached_build(site, out)
    newest = sorted((site / "content/news").glob("*.fr.md"))[-1]
    newest.write_text(newest.read_text(encoding="utf-8") + "\nUn dernier paragraphe.\n", encoding="utf-8")
    rebuilt = cached_build(site, out)
    assert b"Un dernier paragraphe." in rebuilt["fr/feed.xml"]
    assert rebuilt == clean_build(site, tmp_path / "reference")

"""`lillesite serve` for real: a server on a free local port, fetched over HTTP while files change."""
from __future__ import annotations

import asyncio
import gc
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import weakref
from dataclasses import replace
from unittest import mock

import pytest
from tornado.websocket import websocket_connect

from lillesite import search, serve, writer
from lillesite.config import load_config
from lillesite.build import build
from lillesite.options import BuildOptions
from tests.conftest import EPOCH, REPO
from tests.test_incremental import tree


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Preview:
    def __init__(self, site, log):
        self.port = free_port()
        self.log = log
        env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": EPOCH}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lillesite", "serve", "--site", str(site), "--port", str(self.port)],
            stdout=log.open("w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        self.wait_for("/fr/", lambda page: "<html" in page)

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def wait_for(self, path: str, condition, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        page = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve stopped:\n{self.log.read_text()}")
            try:
                page = self.get(path)[1]
                if condition(page):
                    return page
            except OSError:
                pass
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {path}; last page:\n{page[:2000]}\nlog:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def preview(site_copy, tmp_path):
    site = site_copy("bilingual")
    server = Preview(site, tmp_path / "serve.log")
    yield site, server
    server.stop()


def test_serves_preview_with_drafts_and_rebuilds_on_save(preview):
    site, server = preview
    status, home = server.get("/fr/")
    assert status == 200 and 'lang="fr"' in home
    assert "livereload.js" in home  # the open tab reloads itself after each build
    # drafts and scheduled items are shown, marked by the banner
    for path in ("/fr/actualites/2023/01/draft/", "/fr/actualites/2030/01/future/"):
        status, page = server.get(path)
        assert status == 200 and 'class="preview-banner"' in page, path
    bureau = site / "content/pages/bureau.fr.md"
    text = bureau.read_text(encoding="utf-8")
    bureau.write_text(text.replace("Ceci est", "Voici désormais") + "\nUn paragraphe ajouté en direct.\n",
                      encoding="utf-8")
    server.wait_for("/fr/bureau/", lambda page: "Un paragraphe ajouté en direct." in page)
    assert not (site / "_site").exists()  # its own output folder, never _site/
    assert (site / ".lillesite-cache/preview/fr/bureau/index.html").is_file()


def test_an_open_tab_is_told_to_reload_once_the_saved_page_is_rebuilt(preview):
    """The livereload protocol, as livereload.js in a page speaks it over the server's websocket."""
    site, server = preview
    bureau = site / "content/pages/bureau.fr.md"

    async def save_and_wait_for_reload() -> tuple[dict, str]:
        tab = await websocket_connect(f"ws://127.0.0.1:{server.port}/livereload")
        try:
            protocols = ["http://livereload.com/protocols/official-7"]
            tab.write_message(json.dumps({"command": "hello", "protocols": protocols}))
            assert json.loads(await asyncio.wait_for(tab.read_message(), 10))["command"] == "hello"
            tab.write_message(json.dumps({"command": "info", "url": f"http://127.0.0.1:{server.port}/fr/bureau/"}))
            await asyncio.sleep(0.2)
            for _ in range(3):  # a save rebuilt before the server read 'info' reloads no tab: save again
                bureau.write_text(bureau.read_text(encoding="utf-8") + "\nRechargé.\n", encoding="utf-8")
                try:
                    message = json.loads(await asyncio.wait_for(tab.read_message(), 10))
                    return message, server.get("/fr/bureau/")[1]  # what the reloading tab gets
                except asyncio.TimeoutError:
                    continue
            return {}, ""
        finally:
            tab.close()

    message, page = asyncio.run(save_and_wait_for_reload())
    assert message["command"] == "reload" and "Rechargé." in page


def test_a_failing_edit_shows_the_error_and_keeps_the_last_good_site(preview):
    site, server = preview
    bureau = site / "content/pages/bureau.fr.md"
    good = bureau.read_text(encoding="utf-8")
    bureau.write_text(good.replace("---\n", "---\nunknown_key: 1\n", 1), encoding="utf-8")
    page = server.wait_for("/fr/bureau/", lambda page: "lillesite-build-error" in page)
    assert "content/pages/bureau.fr.md:2: error: unknown_key: unknown front matter key" in page
    assert "<h1>" in page  # the last good page is still there, under the error
    status, missing = server.get("/fr/no-such-page/")
    assert status == 404 and "content/pages/bureau.fr.md:2: error" in missing
    assert "content/pages/bureau.fr.md:2: error: unknown_key" in server.log.read_text()
    bureau.write_text(good + "\nCorrigé.\n", encoding="utf-8")
    fixed = server.wait_for("/fr/bureau/", lambda page: "Corrigé." in page)
    assert "lillesite-build-error" not in fixed


def test_a_burst_of_saves_gives_one_rebuild(preview):
    site, server = preview
    before = server.log.read_text().count("rebuilt in")
    for name in ("2023-03-24-museum.fr.md", "2023-03-24-museum.en.md", "2023-03-31-meeting.fr.md",
                 "2023-03-31-meeting.en.md"):
        path = site / "content/news" / name
        path.write_text(path.read_text(encoding="utf-8") + "\nRafale.\n", encoding="utf-8")
    server.wait_for("/en/news/2023/03/meeting/", lambda page: "Rafale." in page)
    time.sleep(1)  # any second rebuild would have started by now
    assert server.log.read_text().count("rebuilt in") == before + 1


def test_nothing_outside_the_output_folder_is_served(preview):
    site, server = preview
    for path in ("/../site.yml", "/%2e%2e/site.yml", "/../../content/pages/bureau.fr.md", "/..%2fsite.yml"):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        connection.close()
        assert response.status in (400, 403, 404), path
        assert "base_url" not in body and "title:" not in body


def test_listens_on_localhost_only_by_default(preview):
    site, server = preview
    assert f"at http://127.0.0.1:{server.port}/" in server.log.read_text()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # no packet is sent: this only picks the outgoing interface
            address = probe.getsockname()[0]
        except OSError:
            address = "127.0.0.1"
    if address.startswith("127."):
        pytest.skip("this machine has no non-loopback address to try")
    with pytest.raises(OSError):
        socket.create_connection((address, server.port), timeout=2).close()


def test_the_search_index_follows_edits_in_the_background(site_copy, tmp_path):
    """Pagefind runs after each build while the rebuilt page is already served; its index is swapped in."""
    site = site_copy("bilingual")
    with (site / "site.yml").open("a", encoding="utf-8") as config:
        config.write("search:\n  slug: {fr: recherche, en: search}\n")
    server = Preview(site, tmp_path / "serve.log")
    try:
        def french_pages(text: str) -> int | None:
            try:
                return json.loads(text)["languages"]["fr"]["page_count"]
            except (ValueError, KeyError):
                return None
        before = french_pages(server.wait_for("/pagefind/pagefind-entry.json", french_pages))
        (site / "content/pages/nouvelle.fr.md").write_text("---\ntitle: Nouvelle page\n---\nTexte.\n",
                                                           encoding="utf-8")
        server.wait_for("/fr/nouvelle/", lambda page: "Nouvelle page" in page)
        server.wait_for("/pagefind/pagefind-entry.json", lambda text: french_pages(text) == before + 1)
        assert server.get("/fr/recherche/")[0] == 200
        preview_dir = site / ".lillesite-cache"
        assert sorted(p.name for p in preview_dir.iterdir() if p.name.startswith(".preview.")) == [
            ".preview.lock", ".preview.spare"]  # no bundle left half-written beside the folder
    finally:
        server.stop()


def test_a_rebuild_keeps_what_it_found_out_of_collections_while_it_runs_only(site_copy, monkeypatch):
    """What lives across rebuilds (the cache's documents) is not scanned by the collections a rebuild
    triggers, and is handed back to the collector afterwards, when the build failed too: a long
    session must not keep its garbage forever."""
    site = site_copy("bilingual")
    frozen_during = []
    real_build = serve.build

    def build(*args, **kwargs):
        frozen_during.append(gc.get_freeze_count())
        return real_build(*args, **kwargs)

    monkeypatch.setattr(serve, "build", build)
    config = load_config(site)
    preview = serve.Preview(root=config.root, out=site / serve.PREVIEW_DIR, base_url="http://127.0.0.1:1/",
                            report=lambda errors: None)
    try:
        assert preview.rebuild() and not preview.errors
        assert gc.get_freeze_count() == 0
        (site / "content/pages/broken.fr.md").write_text("---\ntitle: [unclosed\n---\nText.\n", encoding="utf-8")
        assert preview.rebuild() and preview.errors  # the build failed
        assert gc.get_freeze_count() == 0
    finally:
        if preview.index:
            preview.index.stop()
    assert len(frozen_during) == 2 and min(frozen_during) > 1000


def test_a_preview_rebuild_looks_up_the_files_it_wrote_and_carries_the_search_index(site_copy, monkeypatch):
    """A rebuild knows what the last one wrote: it walks only the search index's folder, which Pagefind
    fills in the background, and keeps that index as it is; the rest is as a clean preview build makes it."""
    site = site_copy("bilingual")
    with (site / "site.yml").open("a", encoding="utf-8") as config:
        config.write("search:\n  slug: {fr: recherche, en: search}\n")
    monkeypatch.setattr(serve.BackgroundIndex, "start", lambda self: None)  # its index is written below
    out = site / serve.PREVIEW_DIR
    base_url = "http://127.0.0.1:1/"
    preview = serve.Preview(root=site, out=out, base_url=base_url, report=lambda errors: None)
    assert preview.rebuild() and not preview.errors
    (out / search.BUNDLE).mkdir()
    (out / search.BUNDLE / "pagefind-entry.json").write_text("{}", encoding="utf-8")
    page = site / "content/pages/bureau.fr.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nAjouté pendant l'aperçu.\n", encoding="utf-8")
    walking = mock.Mock(wraps=writer._listing)
    monkeypatch.setattr(writer, "_listing", walking)
    assert preview.rebuild() and not preview.errors
    walked = [call.args[0] for call in walking.call_args_list]
    assert walked == [out / f"{search.BUNDLE}/"]
    assert (out / search.BUNDLE / "pagefind-entry.json").read_text(encoding="utf-8") == "{}"
    clean = site.parent / "clean"
    build(replace(load_config(site), base_url=base_url), BuildOptions(out=clean, preview=True, use_cache=False))
    made = tree(out)
    assert "Ajouté pendant" in made["fr/bureau/index.html"].decode("utf-8")
    assert {rel: data for rel, data in made.items() if not rel.startswith(search.BUNDLE)} == tree(clean)


class _FakePreview:
    """What the watcher asks of a preview: sources() as slow as a big site's walk, and rebuild()."""

    def __init__(self, walk_seconds: float, built: dict, now: dict):
        self.walk_seconds, self.built, self.now = walk_seconds, built, now
        self.looks, self.rebuilds = 0, []

    def sources(self) -> dict:
        self.looks += 1
        time.sleep(self.walk_seconds)
        return self.now

    def rebuild(self, seen: dict) -> bool:
        self.rebuilds.append(seen)
        self.built = seen
        return True


def _watch(preview: _FakePreview, seconds: float, monkeypatch) -> list[str]:
    reloads = []
    monkeypatch.setattr(serve.LiveReloadHandler, "reload_waiters", classmethod(lambda cls: reloads.append("reload")))

    async def run() -> None:
        serve._SourceWatcher(preview).start(callback=None)
        await asyncio.sleep(seconds)
    asyncio.run(run())
    return reloads


def test_an_idle_preview_of_a_big_site_spends_a_bounded_share_of_the_time_looking(monkeypatch):
    """A look that takes 50 ms (a walk over 5,000 news items per language) is followed by a 250 ms pause,
    not a 100 ms one: an idle preview keeps a core a fifth busy at most, and serves its pages meanwhile."""
    preview = _FakePreview(0.05, built={"a": 1}, now={"a": 1})
    assert _watch(preview, 1.2, monkeypatch) == [] and preview.rebuilds == []
    assert 2 <= preview.looks <= 1 + 1.2 / (0.05 / serve.POLL_SHARE)  # 100 ms apart, it would be 9 looks


def test_a_look_that_finds_the_sources_changed_rebuilds_from_what_it_saw_and_reloads(monkeypatch):
    preview = _FakePreview(0.0, built={"a": 1}, now={"a": 2})
    assert _watch(preview, 0.35, monkeypatch) == ["reload"]
    assert preview.rebuilds == [{"a": 2}] and preview.looks >= 3  # later looks find it built


def test_ctrl_c_stops_the_preview_even_when_python_drops_the_interrupt(monkeypatch):
    """A KeyboardInterrupt raised inside a weakref callback (which the garbage collector runs) is printed
    and dropped by Python: the next look stops the server anyway."""
    watcher = serve._SourceWatcher(_FakePreview(0.0, built={"a": 1}, now={"a": 1}))
    dropped = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: dropped.append(unraisable.exc_type))

    class Garbage:
        pass

    def interrupt_inside_a_weakref_callback() -> None:
        garbage = Garbage()
        reference = weakref.ref(garbage, lambda ref: watcher.stop_on_signal(signal.SIGTERM, None))
        del garbage  # the callback runs here; its KeyboardInterrupt is dropped
        assert reference() is None

    loop = asyncio.new_event_loop()
    try:
        loop.call_soon(watcher.start, None)
        loop.call_later(0.2, interrupt_inside_a_weakref_callback)
        loop.call_later(5, loop.stop)  # if the look does not stop it
        started = time.monotonic()
        loop.run_forever()
        assert time.monotonic() - started < 1 and dropped == [KeyboardInterrupt]
    finally:
        loop.close()


@pytest.fixture
def busy_port():
    """A port another program listens on, on 127.0.0.1."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def test_a_port_asked_for_and_in_use_says_so_and_how_to_choose_another(site_copy, busy_port):
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": EPOCH}
    done = subprocess.run([sys.executable, "-m", "lillesite", "serve", "--site", str(site_copy("bilingual")),
                           "--port", str(busy_port)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2, done.stdout  # a usage error: the command line asks for what cannot be
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    message = done.stderr.strip()
    assert message.startswith(f"error: port {busy_port} is already in use, by another preview or program "
                              "(choose another port, e.g. --port "), message
    suggested = int(message.split("--port ")[1].split(",")[0])
    assert suggested != busy_port and serve._cannot_listen("127.0.0.1", suggested) is None
    assert "previewing" not in done.stdout  # refused before building anything


def test_a_port_in_use_is_said_in_the_editors_language(site_copy, busy_port):
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": EPOCH, "LANG": "fr_FR.UTF-8"}
    done = subprocess.run([sys.executable, "-m", "lillesite", "serve", "--site", str(site_copy("bilingual")),
                           "--port", str(busy_port)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2, done.stdout
    assert done.stderr.startswith(f"erreur: le port {busy_port} est déjà occupé, par un autre aperçu ou un autre "
                                  "programme (choisissez un autre port, par exemple --port "), done.stderr
    assert done.stderr.endswith(", ou arrêtez le programme qui l'utilise)\n"), done.stderr


def test_the_default_port_in_use_gives_the_next_free_one_and_says_so(site_copy, busy_port, tmp_path):
    """As Hugo does: without --port, a preview already running on the default port is no reason to fail."""
    log = tmp_path / "serve.log"
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": EPOCH}
    start = (f"import lillesite.serve, lillesite.cli; lillesite.serve.DEFAULT_PORT = {busy_port}; "
             f"lillesite.cli.run(['serve', '--site', {str(site_copy('bilingual'))!r}])")
    process = subprocess.Popen([sys.executable, "-c", start], stdout=log.open("w"), stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 30
        while "press Ctrl-C" not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        text = log.read_text()
        note = next(line for line in text.splitlines() if line.startswith(f"port {busy_port} is already in use"))
        port = int(note.rsplit("using port ", 1)[1].split()[0])
        assert port != busy_port and f"at http://127.0.0.1:{port}/" in text
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/fr/", timeout=10) as response:
            page = response.read().decode("utf-8")
        assert response.status == 200 and 'lang="fr"' in page and f"127.0.0.1:{port}" in page
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_photo_saved_while_previewing_shows_on_the_next_reload(site_copy, tmp_path):
    """An editor replaces the lead photo of a news item by a better one under the same name: the page's next
    reload shows the new photo, at its own variants' URLs, which the preview serves."""
    import re
    from tests import photos

    site = site_copy("bilingual")
    (site / "static/images").mkdir(parents=True, exist_ok=True)
    (site / "static/images/visite.jpg").write_bytes(photos.photo(1300, 900, seed=1))
    (site / "content/news/2023-03-02-photo.fr.md").write_text(
        "---\ntitle: Avec photo\nimage: images/visite.jpg\nimage_alt: La visite\n---\nTexte.\n", encoding="utf-8")
    variant = re.compile(r"/images/visite\.([0-9a-f]{10})\.\d+\.webp")
    path = "/fr/actualites/2023/03/photo/"
    server = Preview(site, tmp_path / "serve.log")
    try:
        first = variant.search(server.wait_for(path, variant.search)).group(1)
        (site / "static/images/visite.jpg").write_bytes(photos.photo(1300, 900, seed=2))
        page = server.wait_for(path, lambda page: (found := variant.search(page)) and found.group(1) != first)
        urls = set(re.findall(r"/images/visite\.[0-9a-f]{10}\.[\w.]+", page))
        assert urls and not any(first in url for url in urls)
        for url in urls:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{url}", timeout=5) as response:
                assert response.status == 200 and response.headers["Content-Type"].startswith("image/"), url
    finally:
        server.stop()

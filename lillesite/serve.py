"""Live preview: livereload around build.build.

The server gets a build function and a folder of its own (never _site/, never watched). The sources
are looked at often, by their stamps, and settled before a build, so a burst of saves gives one
rebuild. A failed build leaves the last good site served, with the errors shown on every page and in
the terminal.
"""
from __future__ import annotations

import errno
import html
import logging
import os
import re
import signal
import socket
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from livereload import Server
from livereload.handlers import LiveReloadHandler, StaticFileHandler
from livereload.watcher import Watcher
from tornado import ioloop, netutil

from lillesite import messages, runtime
from lillesite.build import build
from lillesite.cache import BuildCache
from lillesite.config import Config, load_config
from lillesite.errors import BuildFailed, LilleError, UsageError
from lillesite.messages import Message, Translator, _
from lillesite.options import BuildOptions
from lillesite.search import BackgroundIndex
from lillesite.uptodate import input_stamps

log = logging.getLogger(__name__)
PREVIEW_DIR = Path(".lillesite-cache") / "preview"
POLL_MS = 100  # the shortest pause between two looks at the sources; livereload's 800 ms made saves feel slow
POLL_SHARE = 0.2  # the most of its time the preview spends looking: a site that takes longer is looked at less often
SETTLE_SECONDS = 0.05  # sources must stay unchanged this long before a build: one rebuild per burst
SETTLE_LIMIT = 2.0
DEFAULT_PORT = 8000
PORTS_TRIED = 100  # when the default port is taken (another preview, a notebook): 8001, 8002, ...


@dataclass
class Preview:
    """Builds the site into `out` and remembers the errors of the last attempt."""

    root: Path
    out: Path
    base_url: str
    report: Callable[[list[LilleError]], None]
    errors: list[LilleError] = field(default_factory=list)
    built: dict | None = None  # the stamps of the sources the last build read
    cache: BuildCache | None = None  # kept across rebuilds: an edit re-parses one file, re-renders its pages
    index: BackgroundIndex | None = None
    last_output: frozenset[str] | None = None  # the files the last build left in `out`: not walked again
    # The banner speaks the editor's language, like the terminal, whatever the page's: it is a message to
    # the person editing (a French editor previewing the English translation must read it), not to visitors.
    translate: Translator = field(default_factory=lambda: messages.translator(os.environ))

    def rebuild(self, seen: dict | None = None) -> bool:
        """Build once the sources stopped changing; False when nothing changed since the last build.
        `seen`: the sources as a look just found them (sources()), where the settling starts."""
        snapshot = self._settled_snapshot(seen)
        if snapshot is not None and snapshot == self.built:  # None: a folder could not be read; the build says why
            return False
        self.built = snapshot
        start = time.perf_counter()
        self.index = self.index or BackgroundIndex(self.out)
        self.index.stop()  # it reads the folder the build replaces
        try:
            config = replace(load_config(self.root), base_url=self.base_url)
            self.cache = self.cache or BuildCache(self.root)
            # what lives across rebuilds (the cache's documents: a big site's largest part) is not scanned again
            with runtime.frozen_during():
                result = build(config, BuildOptions(out=self.out, preview=True), cache=self.cache,
                               last_output=self.last_output)
            self.last_output = result.written.files
            if config.search_slug:
                self.index.start()
        except BuildFailed as failure:
            self.errors = failure.errors
            self.report(failure.errors)
            print(self.translate(_("build failed: still serving the last good site; fix the error(s) above and save")),
                  flush=True)
            return True
        self.errors = []
        self.report(result.warnings)
        print(self.translate(_("rebuilt in {seconds:.2f} s", seconds=time.perf_counter() - start)), flush=True)
        return True

    def poll_index(self) -> None:
        """Swap in the search index once Pagefind has finished it; report when it failed."""
        try:
            if self.index:
                self.index.poll()
        except BuildFailed as failure:
            self.report(failure.errors)

    def sources(self) -> dict | None:
        """The stamps of every file a build reads, a linked file by its target's; None if a folder cannot be read."""
        return input_stamps(self.root, follow_links=True)

    def _settled_snapshot(self, seen: dict | None) -> dict | None:
        snapshot = seen if seen is not None else self.sources()
        deadline = time.monotonic() + SETTLE_LIMIT
        while time.monotonic() < deadline:
            time.sleep(SETTLE_SECONDS)
            again = self.sources()
            if again == snapshot:
                break
            snapshot = again
        return snapshot

    def error_html(self) -> str:
        if not self.errors:
            return ""
        lines = "\n".join(html.escape(e.describe(self.translate)) for e in self.errors)
        title = html.escape(self.translate(_("The last build failed; this is the last good version of the site.")))
        return (f'<div id="lillesite-build-error" role="alert" lang="{self.translate.language}" '
                'style="position:sticky;top:0;z-index:2147483647;'
                'margin:0;padding:1em;background:#fff0f0;color:#8b0000;border-bottom:3px solid #c00;'
                f'font:14px/1.4 monospace;white-space:pre-wrap"><strong>{title}</strong>\n{lines}</div>')


def _handler(preview: Preview) -> type:
    """Static files of the preview folder, with the build errors shown at the top of every page."""

    class PreviewFiles(StaticFileHandler):
        def _overlay(self) -> bool:
            return bool(preview.errors) and self.absolute_path.endswith(".html")

        def get_content_size(self) -> int:
            if self._overlay():
                return len(_with_error(self.absolute_path, preview.error_html()))
            return super().get_content_size()

        @classmethod
        def get_content(cls, abspath, start=None, end=None):
            error = preview.error_html()
            if error and abspath.endswith(".html"):
                data = _with_error(abspath, error)
                return data[start:end]
            return super().get_content(abspath, start, end)

        def write_error(self, status_code, **kwargs):
            if status_code == 404:
                page = preview.out / "404.html"
                body = page.read_bytes() if page.is_file() else b"<!DOCTYPE html><title>404</title><h1>404</h1>"
                error = preview.error_html()
                self.set_header("Content-Type", "text/html; charset=UTF-8")
                self.finish(_inject(body, error) if error else body)
                return
            super().write_error(status_code, **kwargs)

    return PreviewFiles


def _with_error(abspath: str, error: str) -> bytes:
    return _inject(Path(abspath).read_bytes(), error)


def _inject(page: bytes, error: str) -> bytes:
    match = re.search(rb"<body[^>]*>", page)
    at = match.end() if match else 0
    return page[:at] + error.encode("utf-8") + page[at:]


class _SourceWatcher(Watcher):
    """Rebuilds when a look at the sources (Preview.sources(), one walk) finds them changed, then reloads
    the browsers. Looks come every POLL_MS, or less often where a look takes longer than POLL_SHARE of
    that: livereload's own watcher stats each file twice at a fixed pace, so that on a big site an idle
    preview spent most of a core looking, and made its pages wait meanwhile."""

    def __init__(self, preview: Preview) -> None:
        super().__init__()
        self.preview = preview
        self.stopping = False

    def start(self, callback) -> bool:  # `callback` would run livereload's own look: not needed
        self.look()
        return True

    def stop_on_signal(self, signum: int, frame) -> None:
        """Ctrl-C and SIGTERM: KeyboardInterrupt as usual, and the next look stops the server, should the
        interrupt land where Python drops exceptions (a weakref callback that the garbage collector runs:
        seen under SIGTERM, and the preview went on serving)."""
        self.stopping = True
        signal.default_int_handler(signum, frame)

    def look(self) -> None:
        if self.stopping:
            ioloop.IOLoop.current().stop()
            return
        started = time.perf_counter()
        try:
            seen = self.preview.sources()
        finally:  # the next look is due whatever happens to this one
            took = time.perf_counter() - started
            ioloop.IOLoop.current().call_later(max(POLL_MS / 1000, took / POLL_SHARE), self.look)
        if seen != self.preview.built and self.preview.rebuild(seen):
            LiveReloadHandler.reload_waiters()


def choose_port(host: str, port: int | None) -> tuple[int, Message | None]:
    """The port to listen on, and what to tell the user about it. A port asked for with --port is that
    port or a usage error saying what to do; without --port, the default or, when that one is taken, the
    next free one, as Hugo does."""
    if port is not None:
        problem = _cannot_listen(host, port)
        if problem:
            raise BuildFailed([_port_error(host, port, problem)])
        return port, None
    for candidate in range(DEFAULT_PORT, DEFAULT_PORT + PORTS_TRIED):
        problem = _cannot_listen(host, candidate)
        if problem is None:
            note = None if candidate == DEFAULT_PORT else _(
                "port {port} is already in use (another preview?): using port {other} instead", port=DEFAULT_PORT,
                other=candidate)
            return candidate, note
        if problem.errno != errno.EADDRINUSE:
            raise BuildFailed([_port_error(host, candidate, problem)])
    raise BuildFailed([UsageError(_("ports {first} to {last} are all in use", first=DEFAULT_PORT,
                                    last=DEFAULT_PORT + PORTS_TRIED - 1),
                                  hint=_("choose a free one with --port, e.g. --port 8765"))])


def _cannot_listen(host: str, port: int) -> OSError | None:
    """Why the server could not listen on host:port, tried as tornado listens (SO_REUSEADDR, every address
    of the host); None when it can. The sockets are closed at once: the server opens its own."""
    try:
        sockets = netutil.bind_sockets(port, host)
    except OSError as exc:
        return exc
    for sock in sockets:
        sock.close()
    return None


def _port_error(host: str, port: int, problem: OSError) -> UsageError:
    if problem.errno == errno.EADDRINUSE:
        free = next((p for p in range(port + 1, min(port + PORTS_TRIED, 65536)) if _cannot_listen(host, p) is None),
                    None)
        example = f"--port {free}" if free else _("--port with another number")
        return UsageError(_("port {port} is already in use, by another preview or program", port=port),
                          hint=_("choose another port, e.g. {example}, or stop the program that uses it",
                                 example=example))
    if problem.errno == errno.EACCES:
        return UsageError(_("port {port} needs administrator rights on this computer", port=port),
                          hint=_("choose a port above 1023, e.g. --port 8000"))
    if problem.errno == errno.EADDRNOTAVAIL or isinstance(problem, socket.gaierror):
        return UsageError(_("--host {host}: not an address of this computer", host=host),
                          hint=_("use --host 127.0.0.1 for this computer only, or --host 0.0.0.0 for the local network"))
    return UsageError(_("cannot listen on {host} port {port}: {problem}", host=host, port=port,
                        problem=problem.strerror or str(problem)),
                      hint=_("choose another port with --port, or another address with --host"))


def run(config: Config, *, host: str, port: int | None, report: Callable[[list[LilleError]], None],
        translate: Translator | None = None) -> None:
    """Serve the preview until Ctrl-C. `port`: as given with --port, None for the default (see choose_port).
    `translate`: the editor's language, for the terminal and the error banner (from the environment if None)."""
    translate = translate or messages.translator(os.environ)
    port, note = choose_port(host, port)
    if note:
        print(translate(note), flush=True)
    root = config.root.resolve()
    out = root / PREVIEW_DIR
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}/"
    preview = Preview(root=root, out=out, base_url=url, report=report, translate=translate)
    watcher = _SourceWatcher(preview)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, watcher.stop_on_signal)
    preview.rebuild()
    ioloop.PeriodicCallback(preview.poll_index, POLL_MS).start()
    server = Server(watcher=watcher)
    server.SFH = _handler(preview)
    server._setup_logging = lambda: None  # lillesite prints its own lines; livereload's would repeat them
    logging.getLogger("livereload").setLevel(logging.WARNING)
    logging.getLogger("tornado.access").setLevel(logging.ERROR)  # 404s are normal while editing
    print(translate(_("previewing {folder} at {url} (drafts and scheduled items shown; output in {output}/)\n"
                      "press Ctrl-C to stop", folder=str(root), url=url, output=str(PREVIEW_DIR))), flush=True)
    try:
        server.serve(host=host, port=port, root=str(out), restart_delay=0)
    except OSError as exc:  # taken between choose_port() and now, while the site was built
        if exc.errno != errno.EADDRINUSE:
            raise
        raise BuildFailed([_port_error(host, port, exc)]) from None
    finally:
        if preview.index:
            preview.index.stop()

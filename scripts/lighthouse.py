#!/usr/bin/env python3
"""Lighthouse's four scores for pages of the Lille site with a camera-size lead photo; fails under a minimum.

    python scripts/lighthouse.py [--url /fr/actualites/…/ …] [--form-factor mobile|desktop]
                                 [--min performance=95 --min accessibility=100 …] [--site DIR]

Writes the Lille site with generated photos (scripts/photo_demo.py: a 4000 × 3000 JPEG of about 5 MB, with
GPS and serial in its EXIF, as the lead image of the latest news item), builds it, serves it on 127.0.0.1
and runs Lighthouse on each URL (default: the French news item with the photo), printing its performance,
accessibility, best-practices and SEO scores. Exit 1 when a score is under its minimum (`--min`), 2 when
Lighthouse cannot run. `--site DIR` runs it on an already built site folder instead (then `--url` is needed).

Lighthouse LIGHTHOUSE_VERSION is installed from npm, once, into the cache folder (`--cache`, default
~/.cache/lillesite/lighthouse-VERSION: `npm i -E lighthouse@VERSION`); it needs Node 20 (`node`, `npm`) and
drives Debian's chromium (CHROME_PATH, default /usr/bin/chromium): it never downloads a browser. The JSON
reports go to test-artifacts/lighthouse/ (git-ignored).
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

LIGHTHOUSE_VERSION = "12.2.3"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# The minimum of each score (0-100). Performance: the figure for a news item with a 5 MB lead photo.
MINIMUM = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 95}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"


def install(cache: Path) -> Path:
    """The lighthouse command of LIGHTHOUSE_VERSION, installed into `cache` unless it is there already."""
    package = cache / "node_modules" / "lighthouse" / "package.json"
    binary = cache / "node_modules" / ".bin" / "lighthouse"
    try:
        installed = json.loads(package.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        installed = None
    if installed != LIGHTHOUSE_VERSION or not binary.exists():
        if not shutil.which("npm"):
            sys.exit("lighthouse: needs Node 20 and npm (apt-get install nodejs npm)")
        cache.mkdir(parents=True, exist_ok=True)
        print(f"installing lighthouse@{LIGHTHOUSE_VERSION} into {cache}", file=sys.stderr)
        done = subprocess.run(["npm", "i", "-E", f"lighthouse@{LIGHTHOUSE_VERSION}", "--no-audit", "--no-fund",
                               "--prefix", str(cache)], stdout=subprocess.DEVNULL)
        if done.returncode != 0 or not binary.exists():
            sys.exit(2)
    return binary


def demo_site(work: Path) -> tuple[Path, list[str]]:
    """The Lille site with a photo on its latest news item, built; its output folder and the photo's pages."""
    from scripts import photo_demo
    from lillesite.build import build
    from lillesite.config import load_config
    from lillesite.options import BuildOptions

    photo_demo.make(work / "site", 1)
    out = work / "site" / "_site"
    build(load_config(work / "site"), BuildOptions(out=out))
    pages = sorted("/" + path.parent.relative_to(out).as_posix() + "/" for path in out.glob("*/*/*/*/*/index.html")
                   if re.search(r'<img [^>]*src="[^"]*photo-1\.[^>]*fetchpriority="high"', path.read_text(encoding="utf-8")))
    return out, pages


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def scores(binary: Path, url: str, form_factor: str, report: Path) -> dict[str, int]:
    """Lighthouse's scores (0-100) for one URL; its JSON report saved as `report`."""
    command = [str(binary), url, "--quiet", "--output=json", f"--output-path={report}",
               f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}"]
    if form_factor == "desktop":
        command.append("--preset=desktop")  # mobile (a throttled mid-range phone) is Lighthouse's default
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=300)
    if done.returncode != 0:
        sys.exit(f"lighthouse failed on {url} ({done.returncode}):\n{done.stderr[-2000:]}")
    found = json.loads(report.read_text(encoding="utf-8"))
    if found.get("runtimeError"):
        sys.exit(f"lighthouse could not load {url}: {found['runtimeError'].get('message')}")
    return {name: round(100 * (found["categories"][name]["score"] or 0)) for name in CATEGORIES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", action="append", help="a page's path on the site (repeatable); default: the news item with the photo")
    parser.add_argument("--form-factor", choices=("mobile", "desktop"), default="mobile")
    parser.add_argument("--min", action="append", default=[], metavar="CATEGORY=SCORE",
                        help=f"a minimum score (repeatable); defaults: {', '.join(f'{k}={v}' for k, v in MINIMUM.items())}")
    parser.add_argument("--site", type=Path, help="an already built site folder (then --url is needed)")
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                        / "lillesite" / f"lighthouse-{LIGHTHOUSE_VERSION}")
    parser.add_argument("--reports", type=Path, default=REPO / "test-artifacts" / "lighthouse")
    args = parser.parse_args(argv)
    minimum = dict(MINIMUM)
    for item in args.min:
        name, _, value = item.partition("=")
        if name not in CATEGORIES or not value.isdigit():
            parser.error(f"--min {item}: write CATEGORY=SCORE, CATEGORY one of {', '.join(CATEGORIES)}")
        minimum[name] = int(value)
    if args.site and not args.url:
        parser.error("--site needs --url")
    binary = install(args.cache)
    args.reports.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lillesite-lighthouse-") as tmp:
        if args.site:
            out, urls = args.site, args.url
        else:
            out, pages = demo_site(Path(tmp))
            urls = args.url or [page for page in pages if page.startswith("/fr/")]
        server, root = serve(out)
        failed = []
        try:
            print(f"Lighthouse {LIGHTHOUSE_VERSION}, {args.form_factor}: " + " ".join(CATEGORIES))
            for url in urls:
                name = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home"
                found = scores(binary, root + url, args.form_factor, args.reports / f"{args.form_factor}-{name}.json")
                low = [f"{k} {v} < {minimum[k]}" for k, v in found.items() if v < minimum[k]]
                print(f"{url}: " + " ".join(f"{k}={v}" for k, v in found.items()) + (f"  UNDER: {'; '.join(low)}" if low else ""))
                failed += low
        finally:
            server.shutdown()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

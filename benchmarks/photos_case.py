"""The images case of bench.py: N camera-size photos, lillesite against Hugo's image processing.

Both publish every photo at the same widths and formats (WebP quality 75 and JPEG quality 80 at
480, 800, 1200 and 1600 pixels); lillesite's photos are images in the text (a lead image would add its
sharing crops, which Hugo is not asked for). Each round measures: lillesite cold (`--jobs 2`, no cache),
Hugo cold (no resources/_gen, no cache folder), nothing changed (lillesite: the up-to-date check; Hugo: its
resource cache), one text edited (lillesite runs every step, every variant from the build cache), the
output deleted with the cache kept, and one photo replaced (only its variants are encoded).
"""
from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests import photos  # noqa: E402

WIDTHS = (480, 800, 1200, 1600)
SITE_YML = f"""\
base_url: https://example.org/
default_language: fr
languages: {{fr: {{locale: fr_FR}}}}
title: Photos
images: {{widths: {list(WIDTHS)}}}
"""
HUGO_CONFIG = 'baseURL = "https://example.org/"\ndisableKinds = ["sitemap", "taxonomy", "term", "RSS"]\n'
HUGO_INDEX = """{{ range resources.Match "photos/*.jpg" }}{{ $img := . }}
{{ range slice 480 800 1200 1600 }}<img src="{{ ($img.Resize (printf "%dx webp q75" .)).RelPermalink }}">
<img src="{{ ($img.Resize (printf "%dx jpg q80" .)).RelPermalink }}">{{ end }}{{ end }}
"""


def make_photos(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for index in range(count):
        path = folder / f"p{index:03d}.jpg"
        path.write_bytes(photos.photo(seed=index, orientation=6 if index % 5 == 1 else 1))
        made.append(path)
    return made


def lillesite_site(root: Path, sources: list[Path]) -> Path:
    (root / "content/pages").mkdir(parents=True)
    (root / "content/news").mkdir(parents=True)
    (root / "static/photos").mkdir(parents=True)
    (root / "site.yml").write_text(SITE_YML, encoding="utf-8")
    (root / "content/pages/index.fr.md").write_text("---\ntitle: Accueil\n---\nBienvenue.\n", encoding="utf-8")
    for index, source in enumerate(sources):
        shutil.copy(source, root / "static/photos" / source.name)
        (root / f"content/news/2023-03-{index % 28 + 1:02d}-photo-{index}.fr.md").write_text(
            f"---\ntitle: Photo {index}\n---\nTexte.\n\n![Photo {index}](../../static/photos/{source.name})\n",
            encoding="utf-8")
    return root


def hugo_site(root: Path, sources: list[Path]) -> Path:
    (root / "assets/photos").mkdir(parents=True)
    (root / "layouts").mkdir(parents=True)
    (root / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (root / "layouts/index.html").write_text(HUGO_INDEX, encoding="utf-8")
    for source in sources:
        shutil.copy(source, root / "assets/photos" / source.name)
    return root


def run(work: Path, count: int, runs: int, measure, lillesite_command, lillesite_env, hugo: str | None,
        trash) -> list[tuple[str, str, list[float], str]]:
    """[(case, tool, wall seconds of each round, note)]. Each round measures every case once, Hugo's builds
    among lillesite's (this machine's speed drifts within minutes: a ratio of builds made seconds apart
    does not drift with it); outputs and caches are moved to `trash`, not deleted (see bench.py)."""
    sources = make_photos(work / "photos", count)
    changed = [photos.photo(seed=1000 + index) for index in range(runs)]  # one new photo per round
    site = lillesite_site(work / "photo-site", sources)
    hugo_root = hugo_site(work / "hugo-photos", sources) if hugo else None
    time.sleep(2.5)  # older than a clock tick (stamps.RACY_NS): the stamps of the sources are trusted
    cache_images = site / ".lillesite-cache" / "images"
    env = lillesite_env()
    walls: dict[tuple[str, str], list[float]] = {}
    notes: dict[tuple[str, str], set[str]] = {}

    def lillesite(case: str) -> None:
        before = {p.name for p in cache_images.iterdir()} if cache_images.is_dir() else set()
        sample = measure(lillesite_command(site, "--jobs", "2"), cwd=site, env=env)
        made = len({p.name for p in cache_images.iterdir()} - before)
        walls.setdefault((case, "lillesite"), []).append(sample.wall)
        notes.setdefault((case, "lillesite"), set()).add(f"{made} encoded")

    def hugo_build(case: str) -> None:
        generated = hugo_root / "resources/_gen/images"
        before = {p.name for p in generated.rglob("*.*")} if generated.is_dir() else set()
        command = [hugo, "--quiet", "--cacheDir", str(work / "hugo-cache"), "--destination", str(work / "hugo-out")]
        sample = measure(command, cwd=hugo_root)
        made = len({p.name for p in generated.rglob("*.*")} - before)
        walls.setdefault((case, "hugo"), []).append(sample.wall)
        notes.setdefault((case, "hugo"), set()).add(f"{made} encoded")

    news = sorted((site / "content/news").iterdir())[-1]
    for round_ in range(runs):
        trash.discard(site / "_site", site / ".lillesite-cache", site / "._site.spare")
        lillesite("cold")
        if hugo_root:
            trash.discard(hugo_root / "resources", work / "hugo-cache", work / "hugo-out")
            hugo_build("cold")
        lillesite("nothing changed")
        if hugo_root:
            hugo_build("nothing changed")
        news.write_text(news.read_text(encoding="utf-8") + f"\nRound {round_}.\n", encoding="utf-8")
        lillesite("one text edited (photos from the cache)")
        trash.discard(site / "_site")
        lillesite("output deleted, cache kept")
        (site / "static/photos" / sources[round_ % count].name).write_bytes(changed[round_])
        lillesite("one photo changed")
        time.sleep(2.5)  # the next round's sources are old enough again
    return [(case, tool, values, ", ".join(sorted(notes[case, tool]))) for (case, tool), values in walls.items()]


def table(rows, count: int, runs: int) -> str:
    """The median of each case, and lillesite's cold time against Hugo's, per round."""
    import statistics

    lines = [f"| case ({count} photos of ~5 MB, 4000 x 3000; median of {runs}) | tool | wall (s) | each round (s) | |",
             "|---|---|---:|---|---|"]
    lines += [f"| {case} | {tool} | {statistics.median(walls):.2f} | {' '.join(f'{w:.2f}' for w in walls)} | {note} |"
              for case, tool, walls, note in rows]
    found = {(case, tool): walls for case, tool, walls, _ in rows}
    if ("cold", "hugo") in found:
        each = [a / b for a, b in zip(found["cold", "lillesite"], found["cold", "hugo"])]
        lines.append(f"\nlillesite cold / Hugo cold: {statistics.median(each):.2f} (rounds: "
                     f"{' '.join(f'{r:.2f}' for r in each)}; target <= 0.33)")
    cold = statistics.median(found["cold", "lillesite"])
    for case in ("nothing changed", "one text edited (photos from the cache)", "output deleted, cache kept"):
        lines.append(f"{case} / cold: {statistics.median(found[case, 'lillesite']) / cold:.3f} (target <= 0.05)")
    return "\n".join(lines)

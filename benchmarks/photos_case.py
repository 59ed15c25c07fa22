"""The images case of bench.py: N camera-size photos, lillesite against Hugo's image processing.

Both publish every photo at the same widths and formats (WebP quality 75 and JPEG quality 80 at
480, 800, 1200 and 1600 pixels); lillesite's photos are images in the text (a lead image would add its
sharing crops, which Hugo is not asked for). Cases: cold (no cache), nothing changed (cache and output as
the last build left them: the up-to-date check), output deleted (every variant from the build cache),
one photo changed (only its variants are encoded).
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


def run(work: Path, count: int, measure, lillesite_command, lillesite_env, hugo: str | None) -> list[tuple[str, str, float, str]]:
    """[(case, tool, wall seconds, note)], one run of each."""
    sources = make_photos(work / "photos", count)
    site = lillesite_site(work / "photo-site", sources)
    cache_images = site / ".lillesite-cache" / "images"
    rows = []
    env = lillesite_env()
    sample = measure(lillesite_command(site, "--jobs", "2"), cwd=site, env=env)
    variants = len(list(cache_images.iterdir()))
    rows.append(("cold, --jobs 2", "lillesite", sample.wall, f"{variants} variants made"))
    sample = measure(lillesite_command(site, "--jobs", "2"), cwd=site, env=env)
    rows.append(("nothing changed", "lillesite", sample.wall, "0 made (up-to-date check)"))
    shutil.rmtree(site / "_site")
    before = {p.name for p in cache_images.iterdir()}
    sample = measure(lillesite_command(site, "--jobs", "2"), cwd=site, env=env)
    made = len({p.name for p in cache_images.iterdir()} - before)
    rows.append(("output deleted, cache kept", "lillesite", sample.wall, f"{made} made"))
    (site / "static/photos" / sources[0].name).write_bytes(photos.photo(seed=999))
    before = {p.name for p in cache_images.iterdir()}
    sample = measure(lillesite_command(site, "--jobs", "2"), cwd=site, env=env)
    made = len({p.name for p in cache_images.iterdir()} - before)
    rows.append(("one photo changed", "lillesite", sample.wall, f"{made} made"))
    if hugo:
        hugo_root = hugo_site(work / "hugo-photos", sources)
        command = [hugo, "--quiet", "--cacheDir", str(work / "hugo-cache"), "--destination", str(work / "hugo-out")]
        sample = measure(command, cwd=hugo_root)
        made = len(list((hugo_root / "resources/_gen/images").rglob("*.*")))
        rows.append(("cold", "hugo", sample.wall, f"{made} variants made"))
        sample = measure(command, cwd=hugo_root)
        rows.append(("nothing changed", "hugo", sample.wall, ""))
    return rows


def table(rows, count: int) -> str:
    lines = [f"| case ({count} photos of ~5 MB, 4000 x 3000) | tool | wall (s) | |", "|---|---|---:|---|"]
    lines += [f"| {case} | {tool} | {wall:.2f} | {note} |" for case, tool, wall, note in rows]
    return "\n".join(lines)

#!/usr/bin/env python3
"""A copy of the Lille site with generated photos on some news items, to look at and to test with.

    python scripts/photo_demo.py DEST [--photos N]

The Lille site has no photos of its own (and none are invented for it): this writes the site into DEST
with camera-size generated photos (tests/photos.py: 4000 x 3000 JPEGs of about 5 MB, with GPS position
and camera serial in their EXIF, one of them a portrait stored with orientation 6) as the lead image of
the N latest news items, each with a credit. Build it with `lillesite build --site DEST`.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import photos  # noqa: E402


def make(dest: Path, count: int = 3) -> list[str]:
    """Write the demo site; return the French news files given a photo."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(REPO, dest, ignore=shutil.ignore_patterns(
        ".git", "_site", ".lillesite-cache", "tests", "test-artifacts", "benchmarks", "docs", "*.egg-info",
        "__pycache__", "lillesite", "scripts"))
    news = sorted((dest / "content/news").glob("*.fr.md"), reverse=True)[:count]
    for index, path in enumerate(news):
        name = f"photo-{index + 1}.jpg"
        (dest / "static/images" / name).write_bytes(
            photos.photo(seed=index, orientation=6 if index == 1 else 1))
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\n---\n", f"\nimage: images/{name}\nimage_alt: \"Photo d'illustration {index + 1}\"\n"
                                  f"image_credit: \"Photo : Jeanne Martin\"\n---\n", text, count=1)
        path.write_text(text, encoding="utf-8")
        english = path.with_name(path.name.replace(".fr.md", ".en.md"))
        if english.exists():  # the picture is inherited; its description is written in each language
            text = english.read_text(encoding="utf-8")
            english.write_text(re.sub(r"\n---\n", f"\nimage_alt: \"Illustration {index + 1}\"\n---\n", text, count=1),
                               encoding="utf-8")
    return [p.name for p in news]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--photos", type=int, default=3)
    args = parser.parse_args()
    for name in make(args.dest, args.photos):
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())

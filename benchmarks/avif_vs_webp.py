"""AVIF against WebP: encoding time and size of the same variants of camera-size photos.

    python benchmarks/avif_vs_webp.py [--photos 4]

Each generated photo (tests/photos.py, 4000 x 3000) is decoded once (draft mode, as images.make does), then
resized to the images case's widths and encoded as WebP (images.WEBP) and as AVIF (Pillow's own encoder,
quality 50 speed 6 and quality 60 speed 8), interleaved, so that the machine's drift affects both alike.
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from lillesite import images  # noqa: E402
from tests import photos  # noqa: E402

WIDTHS = (480, 800, 1200, 1600)
ENCODERS = {
    "webp q75 m4 (published)": ("WEBP", images.WEBP),
    "avif q50 speed 6": ("AVIF", {"quality": 50, "speed": 6}),
    "avif q60 speed 8": ("AVIF", {"quality": 60, "speed": 8}),
}


def main() -> None:
    from PIL import Image

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=4)
    args = parser.parse_args()
    seconds = {name: 0.0 for name in ENCODERS}
    size = {name: 0 for name in ENCODERS}
    for seed in range(args.photos):
        image = Image.open(io.BytesIO(photos.photo(seed=seed)))
        image.draft("RGB", (1601, 1201))
        image.load()
        for width in WIDTHS:
            resized = image.resize((width, round(width * image.height / image.width)), Image.Resampling.LANCZOS)
            for name, (fmt, options) in ENCODERS.items():
                buffer = io.BytesIO()
                start = time.perf_counter()
                resized.save(buffer, fmt, **options)
                seconds[name] += time.perf_counter() - start
                size[name] += buffer.tell()
    base = "webp q75 m4 (published)"
    print(f"| encoder ({args.photos} photos x {len(WIDTHS)} widths) | encode (s) | vs WebP | bytes | vs WebP |")
    print("|---|---:|---:|---:|---:|")
    for name in ENCODERS:
        print(f"| {name} | {seconds[name]:.2f} | {seconds[name] / seconds[base]:.2f} | {size[name]:,} | "
              f"{size[name] / size[base]:.2f} |")


if __name__ == "__main__":
    main()

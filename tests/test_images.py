"""Photos as a visitor's browser and a curious reader get them: variants, no metadata, upright, cached."""
from __future__ import annotations

import io
import os
import re
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from lillesite import images
from lillesite.build import build
from lillesite.cache import BuildCache
from lillesite.config import load_config
from lillesite.options import BuildOptions
from tests import photos
from tests.conftest import MINIMAL_CONFIG, build_errors, build_site, run_cli, write_site
from tests.crawl import parse_page

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif")
CONFIG = MINIMAL_CONFIG + "images: {widths: [320, 640, 1024]}\n"


def _news(image: str | None = "images/portrait.jpg", body: str = "Texte.\n", credit: str = "Photo : Jeanne Martin") -> str:
    lead = f"image: {image}\nimage_alt: Le bureau\nimage_credit: \"{credit}\"\n" if image else ""
    return f"---\ntitle: Une photo\n{lead}---\n{body}"


@pytest.fixture(scope="module")
def sources() -> dict[str, bytes]:
    return {
        # a portrait photo stored landscape, as phones do (orientation 6)
        "static/images/portrait.jpg": photos.photo(1600, 1200, orientation=6, seed=1),
        "static/images/in-text.jpg": photos.photo(1400, 1000, seed=2, progressive=True),
        "static/images/cmyk.jpg": photos.photo(900, 600, seed=3, mode="CMYK"),
        "static/images/logo.png": photos.transparent_png(),
        "static/images/unused-from-phone.jpg": photos.photo(800, 600, seed=4),
        "static/images/linked.jpg": photos.photo(700, 500, seed=5),
    }


def _site(root: Path, sources: dict[str, bytes], **extra) -> Path:
    body = ("Texte.\n\n![Dans le texte](../../static/images/in-text.jpg)\n\n![Un logo](../../static/images/logo.png)\n\n"
            "![CMJN](../../static/images/cmyk.jpg)\n\n[L'original](../../static/images/linked.jpg)\n")
    files = {
        "content/pages/index.fr.md": "---\ntitle: Accueil\n---\nBienvenue.\n",
        "content/news/2023-03-01-photo.fr.md": _news(body=body),
        **sources,
        **extra,
    }
    return write_site(root, files, config=CONFIG)


@pytest.fixture(scope="module")
def built(tmp_path_factory, sources) -> Path:
    return build_site(_site(tmp_path_factory.mktemp("photos") / "site", sources))


def _images(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def test_no_published_image_carries_metadata(built):
    published = _images(built)
    assert len(published) > 20
    for path in published:
        data = path.read_bytes()
        with Image.open(path) as image:
            assert not image.getexif(), path  # no EXIF block at all: no GPS IFD, no serial, no owner
            assert "exif" not in image.info and "xmp" not in image.info and "comment" not in image.info, path
        assert photos.SERIAL.encode() not in data and photos.OWNER.encode() not in data, path
        assert b"Exif\0\0" not in data and b"GPS" not in data, path


def test_photos_are_published_only_as_their_variants(built):
    names = {p.relative_to(built).as_posix() for p in _images(built)}
    assert "images/portrait.jpg" not in names and "images/in-text.jpg" not in names
    # nothing shows it: published, cleaned; a page links to it: published, cleaned
    assert "images/unused-from-phone.jpg" in names and "images/linked.jpg" in names


def test_a_portrait_photo_is_published_portrait(built):
    variants = list((built / "images").glob("portrait.*.*"))
    assert variants
    for path in variants:
        with Image.open(path) as image:
            if re.search(r"\.\d+\.", path.name):  # the whole picture (not a crop)
                assert image.height > image.width, path
    with Image.open(next(p for p in variants if p.name.endswith(".1024.jpg"))) as image:
        assert image.size == (1024, 1365)


def test_widths_are_never_upscaled_and_transparency_is_kept(built):
    widths = sorted(Image.open(p).width for p in (built / "images").glob("in-text.*.webp"))
    assert widths == [320, 640, 1024]
    logo = sorted((built / "images").glob("logo.*.*"))
    assert {p.suffix for p in logo} == {".webp", ".png"}  # PNG, not JPEG, as the fallback of a transparent picture
    assert max(Image.open(p).width for p in logo) == 900  # its own width: 1024 would be upscaled
    with Image.open(next(p for p in logo if p.suffix == ".png")) as image:
        assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0
    with Image.open(next((built / "images").glob("cmyk.*.640.jpg"))) as image:
        assert image.mode == "RGB"


def test_the_text_shows_a_responsive_picture(built):
    path = built / "fr/actualites/2023/03/photo/index.html"
    page = parse_page(path)
    imgs = [attrs for tag, attrs in page.elements if tag == "img" and "in-text" in attrs.get("src", "")]
    assert len(imgs) == 1
    img = imgs[0]
    assert img["loading"] == "lazy" and img["decoding"] == "async" and img["alt"] == "Dans le texte"
    assert (img["width"], img["height"]) == ("1024", "731")
    assert re.fullmatch(r"(\S+\.jpg \d+w, )*\S+\.jpg \d+w", img["srcset"]) and img["sizes"]
    sources = [attrs for tag, attrs in page.elements if tag == "source" and "in-text" in attrs.get("srcset", "")]
    assert sources and sources[0]["type"] == "image/webp"
    for url in re.findall(r"(\S+) \d+w", img["srcset"] + ", " + sources[0]["srcset"]):
        assert (path.parent / url).resolve().is_file(), url


def test_a_warm_build_makes_nothing_and_a_changed_photo_only_its_own(tmp_path, sources):
    root = _site(tmp_path / "site", sources)
    config = load_config(root)
    cold = build(config, BuildOptions(out=tmp_path / "out", jobs=1))
    assert cold.images_made > 20
    warm = build(config, BuildOptions(out=tmp_path / "out", jobs=1))
    assert warm.images_made == 0
    (root / "static/images/in-text.jpg").write_bytes(photos.photo(1400, 1000, seed=9))
    changed = build(config, BuildOptions(out=tmp_path / "out", jobs=1))
    assert changed.images_made == 6  # 3 widths x WebP and JPEG, of that photo only
    old = {p.name for p in (tmp_path / "out/images").glob("in-text.*")}
    assert len(old) == 6
    (root / "static/images/in-text.jpg").unlink()
    text = (root / "content/news/2023-03-01-photo.fr.md").read_text(encoding="utf-8")
    (root / "content/news/2023-03-01-photo.fr.md").write_text(
        text.replace("![Dans le texte](../../static/images/in-text.jpg)", ""), encoding="utf-8")
    removed = build(config, BuildOptions(out=tmp_path / "out", jobs=1))
    assert removed.images_made == 0
    assert not list((tmp_path / "out/images").glob("in-text.*"))
    assert len(list((root / ".lillesite-cache" / BuildCache.IMAGES).iterdir())) == \
        len([p for p in _images(tmp_path / "out") if re.search(r"\.[0-9a-f]{10}\.", p.name)]) + 2  # + the cleaned copies


def test_the_same_bytes_with_one_process_and_several(tmp_path, sources):
    root = _site(tmp_path / "site", sources)
    one = build_site(root, out=tmp_path / "one", jobs=1, use_cache=False)
    several = build_site(root, out=tmp_path / "several", jobs=3, use_cache=False)
    assert [(p.name, p.read_bytes()) for p in _images(one)] == [(p.name, p.read_bytes()) for p in _images(several)]


# --------------------------------------------------------------------- errors
def test_a_truncated_photo_names_the_photo_and_the_line(tmp_path):
    data = photos.photo(1300, 900)
    root = write_site(tmp_path / "site", {
        "content/news/2023-03-01-photo.fr.md": _news(),
        "static/images/portrait.jpg": data[: len(data) // 2],
    }, config=CONFIG)
    errors = build_errors(root)
    assert errors == ["content/news/2023-03-01-photo.fr.md:3: static/images/portrait.jpg: cannot read this picture: "
                      "the file is incomplete (cut short while copying?): copy it again"]


def test_a_missing_photo_says_which_file_was_meant(tmp_path):
    root = write_site(tmp_path / "site", {
        "content/news/2023-03-01-photo.fr.md": _news("images/portait.jpg"),
        "static/images/portrait.jpg": photos.photo(300, 200),
    }, config=CONFIG)
    assert build_errors(root) == ["content/news/2023-03-01-photo.fr.md:3: image: no file 'static/images/portait.jpg' "
                                  "(did you mean 'images/portrait.jpg'?)"]


def test_a_decompression_bomb_is_refused_with_a_message(tmp_path):
    buffer = io.BytesIO()
    Image.new("L", (20000, 10000)).save(buffer, "PNG")  # 200 million pixels: tiny file, huge in memory
    root = write_site(tmp_path / "site", {
        "content/news/2023-03-01-photo.fr.md": _news("images/bomb.png"),
        "static/images/bomb.png": buffer.getvalue(),
    }, config=CONFIG)
    result = run_cli("build", "--site", str(root))
    assert result.returncode == 1, result.stderr
    assert "content/news/2023-03-01-photo.fr.md:3: error: static/images/bomb.png: refused: the picture is too large" \
        in result.stderr
    assert "Traceback" not in result.stderr


def test_the_image_path_may_be_written_as_in_the_text(tmp_path):
    root = write_site(tmp_path / "site", {
        "content/news/2023-03-01-photo.fr.md": _news("../../static/images/portrait.jpg"),
        "static/images/portrait.jpg": photos.photo(1300, 900),
    }, config=CONFIG)
    out = build_site(root)
    assert list((out / "images").glob("portrait.*.1024.webp"))


def test_widths_must_be_whole_numbers(tmp_path):
    root = write_site(tmp_path / "site", {}, config=MINIMAL_CONFIG + "images: {widths: [800, big]}\n")
    result = run_cli("build", "--site", str(root))
    assert result.returncode != 0
    assert "site.yml:16: error: Config value 'images.widths': expected a list of whole numbers" in result.stderr


def test_the_lead_image_loads_first_and_is_shared_as_its_crop(built):
    path = built / "fr/actualites/2023/03/photo/index.html"
    page = parse_page(path)
    lead = [attrs for tag, attrs in page.elements if tag == "img" and "portrait" in attrs.get("src", "")]
    assert len(lead) == 1
    assert lead[0]["fetchpriority"] == "high" and "loading" not in lead[0] and lead[0]["alt"] == "Le bureau"
    assert (lead[0]["width"], lead[0]["height"]) == ("1024", "1365")
    assert re.search(r"<figcaption>Photo\W+Jeanne Martin</figcaption>", path.read_text(encoding="utf-8"))
    og = next(attrs["content"] for tag, attrs in page.elements if tag == "meta" and attrs.get("property") == "og:image")
    assert re.fullmatch(r"https://example\.org/images/portrait\.[0-9a-f]{10}\.og\.jpg", og)
    with Image.open(built / og.removeprefix("https://example.org/")) as card:
        assert card.size == (1200, 630)  # cut from the upright photo, 1200 x 1600


def test_a_listed_item_shows_its_photo_on_its_card(built):
    page = parse_page(built / "fr/actualites/index.html")
    cards = [attrs for tag, attrs in page.elements if tag == "img" and "portrait" in attrs.get("src", "")]
    assert len(cards) == 1 and cards[0]["loading"] == "lazy" and cards[0]["alt"] == ""


def _age(root: Path, seconds: int = 60) -> None:
    """Date every file of the site `seconds` back: older than a clock tick, their stamps are trusted."""
    past = time.time() - seconds
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))


def test_a_warm_build_reads_no_photo_whose_stamp_is_unchanged(tmp_path, sources, monkeypatch):
    root = _site(tmp_path / "site", sources)
    _age(root)
    config = load_config(root)
    build(config, BuildOptions(out=tmp_path / "out", jobs=1))
    read = []
    real = images.inspect
    monkeypatch.setattr(images, "inspect", lambda rel, data: read.append(rel) or real(rel, data))
    warm = build(config, BuildOptions(out=tmp_path / "out", jobs=1))
    assert read == [] and warm.images_made == 0
    (root / "static/images/in-text.jpg").write_bytes(photos.photo(1400, 1000, seed=9))  # a new stamp
    changed = build(config, BuildOptions(out=tmp_path / "out", jobs=1))
    assert read == ["images/in-text.jpg"] and changed.images_made == 6


def test_a_photo_changed_within_a_clock_tick_of_the_build_is_read_again(tmp_path, sources, monkeypatch):
    root = _site(tmp_path / "site", sources)  # just written: stamps too recent to be trusted
    config = load_config(root)
    build(config, BuildOptions(out=tmp_path / "out", jobs=1))
    read = []
    real = images.inspect
    monkeypatch.setattr(images, "inspect", lambda rel, data: read.append(rel) or real(rel, data))
    build(config, BuildOptions(out=tmp_path / "out", jobs=1))
    assert "images/in-text.jpg" in read


def test_a_build_with_photos_stops_early_when_nothing_changed(tmp_path, sources):
    root = _site(tmp_path / "site", sources)
    _age(root)  # written more than a clock tick before the build: their stamps are trusted (stamps.RACY_NS)
    config = load_config(root)
    options = BuildOptions(out=tmp_path / "out", jobs=1, stop_if_unchanged=True)
    assert build(config, options).site is not None
    again = build(config, options)
    assert again.site is None and "up-to-date check" in again.timings  # stopped before reading anything


# ----------------------------------------------------------------------- HEIC
def _heic(width: int = 1100, height: int = 825) -> bytes:
    """An iPhone's HEIC photo, with the same private metadata as tests/photos.py's JPEGs."""
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    with Image.open(io.BytesIO(photos.photo(width, height, seed=7))) as jpeg:
        buffer = io.BytesIO()
        jpeg.save(buffer, "HEIF", exif=jpeg.info["exif"], quality=80)
    return buffer.getvalue()


def test_a_heic_photo_is_published_as_webp_and_jpeg_without_metadata(tmp_path):
    root = write_site(tmp_path / "site", {
        "content/news/2023-03-01-photo.fr.md": _news("images/iphone.heic"),
        "static/images/iphone.heic": _heic(),
    }, config=CONFIG)
    out = build_site(root, jobs=1)
    published = sorted(p.name for p in (out / "images").iterdir())
    assert "iphone.heic" not in published
    assert {name.rsplit(".", 1)[1] for name in published if name.startswith("iphone.")} == {"webp", "jpg"}
    for name in published:
        data = (out / "images" / name).read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            assert not image.getexif() and "exif" not in image.info, name
        assert photos.SERIAL.encode() not in data and b"GPS" not in data, name
    page = (out / "fr/actualites/2023/03/photo/index.html").read_text(encoding="utf-8")
    assert re.search(r'srcset="[^"]*iphone\.[0-9a-f]{10}\.1024\.webp 1024w', page)


def test_without_pillow_heif_a_heic_photo_gets_how_to_convert_it(tmp_path, monkeypatch):
    data = _heic(400, 300)
    monkeypatch.setitem(sys.modules, "pillow_heif", None)  # as if not installed: importing it fails
    monkeypatch.setattr(Image, "OPEN", {k: v for k, v in Image.OPEN.items() if k != "HEIF"})
    monkeypatch.setattr(Image, "ID", [k for k in Image.ID if k != "HEIF"])
    root = write_site(tmp_path / "site", {
        "content/news/2023-03-01-photo.fr.md": _news("images/iphone.heic"),
        "static/images/iphone.heic": data,
    }, config=CONFIG)
    assert build_errors(root, jobs=1) == [
        "content/news/2023-03-01-photo.fr.md:3: static/images/iphone.heic: HEIC photos cannot be read here: convert "
        "it to JPEG (on the iPhone: Settings > Camera > Formats > Most Compatible; on a computer: open it and "
        "export it as JPEG)"]


def test_check_lists_the_pictures_nothing_uses(tmp_path, sources):
    root = _site(tmp_path / "site", sources, **{
        "static/css/extra.css": "header { background: url(../images/banner.png); }\n",
        "static/images/banner.png": photos.transparent_png(400, 300),  # used by a stylesheet
        "static/images/old-logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    })
    result = run_cli("check", "--site", str(root), env={"LC_ALL": "C"})
    assert result.returncode == 0, result.stderr
    found = [line for line in (result.stdout + result.stderr).splitlines() if "uses this picture" in line]
    assert found == [
        f"static/images/{name}: notice: no page, template or stylesheet uses this picture (it is published all "
        "the same) (delete it if it is not needed, or show it on a page)" for name in ("old-logo.svg", "unused-from-phone.jpg")]
    build = run_cli("build", "--site", str(root), env={"LC_ALL": "C"})  # a build does not look for them
    assert build.returncode == 0 and "uses this picture" not in build.stdout + build.stderr

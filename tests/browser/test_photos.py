"""Photos as a phone and a desktop browser load them: the Lille site with generated camera photos
(scripts/photo_demo.py: 4000 x 3000 JPEGs of about 5 MB with GPS and serial in their EXIF)."""
from __future__ import annotations

import functools
import re
import sys
import threading

import pytest
from axe_playwright_python.sync_playwright import Axe

from lillesite.build import build
from lillesite.config import load_config
from lillesite.options import BuildOptions
from tests.browser.conftest import REPO, _QuietHandler, _QuietServer
from tests.browser.test_validity import _vnu_errors

pytestmark = pytest.mark.browser
sys.path.insert(0, str(REPO / "scripts"))
import photo_demo  # noqa: E402

ITEM = "fr/actualites/2023/03/rencontre-representations-metropolitaines-bruxelles/"  # its photo: photo-1.jpg
PORTRAIT = "fr/actualites/2023/03/coup-de-projecteur-metropole-europeenne-de-lille/"  # photo-2.jpg, orientation 6
INDEX = "fr/actualites/"
PHONE_IMAGE_BUDGET = 250_000  # bytes of images a phone downloads for a news item with a camera photo


@pytest.fixture(scope="module")
def photo_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("photos") / "site"
    photo_demo.make(root, count=3)
    assert (root / "static/images/photo-1.jpg").stat().st_size > 4_000_000
    out = root / "_site"
    build(load_config(root), BuildOptions(out=out, jobs=2))
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = _QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield out, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _open(browser, url: str, width: int, scale: float):
    context = browser.new_context(viewport={"width": width, "height": 844}, device_scale_factor=scale)
    page = context.new_page()
    images: dict[str, int] = {}

    def seen(response) -> None:
        if response.request.resource_type == "image":
            images[response.url] = len(response.body())
    page.on("response", seen)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, images


def test_a_phone_downloads_little_of_a_camera_photo(browser, photo_site):
    out, origin = photo_site
    page, images = _open(browser, origin + ITEM, 390, 2)
    total = sum(images.values())
    assert any("photo-1." in url for url in images), images
    assert total <= PHONE_IMAGE_BUDGET, f"{total} bytes of images: {images}"
    page.context.close()


@pytest.mark.parametrize("width, scale", [(1280, 1), (1280, 2), (390, 2), (390, 3)])
def test_the_chosen_candidate_is_sharp(browser, photo_site, width, scale):
    out, origin = photo_site
    page, _ = _open(browser, origin + ITEM, width, scale)
    chosen = page.evaluate("""() => { const img = document.querySelector('.lead-image img');
        return {src: img.currentSrc, shown: img.getBoundingClientRect().width, ratio: devicePixelRatio}; }""")
    width_chosen = int(re.search(r"\.(\d+)\.(?:webp|jpg)$", chosen["src"]).group(1))
    largest = 1600
    assert chosen["src"].endswith(".webp")
    assert width_chosen >= min(chosen["shown"] * chosen["ratio"], largest), chosen
    page.context.close()


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 800)])
def test_a_portrait_lead_photo_is_shown_whole_and_no_taller_than_most_of_the_screen(browser, photo_site, width, height):
    out, origin = photo_site
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(origin + PORTRAIT, wait_until="load")
    box = page.evaluate("""() => { const img = document.querySelector('.lead-image img');
        const r = img.getBoundingClientRect(); return {width: r.width, height: r.height,
        text: document.querySelector('.prose, main p').getBoundingClientRect().width}; }""")
    artifacts = REPO / "test-artifacts" / "photos"
    artifacts.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(artifacts / f"portrait-lead-{width}.png"), full_page=True)
    context.close()
    assert box["height"] > box["width"]  # portrait, whole: the ratio of the photo (3:4) is kept, not cropped
    assert abs(box["width"] / box["height"] - 3 / 4) < 0.01, box
    assert box["height"] <= 0.75 * height + 1, box  # the title and the text's start stay in sight
    assert box["width"] >= min(0.5 * width, 300), box


@pytest.mark.parametrize("path", [ITEM, INDEX])
@pytest.mark.parametrize("width", [390, 1280])
def test_pages_with_photos_are_accessible(browser, photo_site, path, width):
    out, origin = photo_site
    page, _ = _open(browser, origin + path, width, 1)
    violations = [f"{v['id']}: {v['help']}" for v in Axe().run(page).response["violations"]]
    assert not violations
    page.context.close()


def test_pages_with_photos_are_valid_html(photo_site, vnu_command):
    out, _ = photo_site
    pages = [str(out / ITEM / "index.html"), str(out / INDEX / "index.html"), str(out / "fr/index.html"),
             str(out / "en/news/index.html")]
    assert not _vnu_errors(vnu_command, pages)

"""Hostile content is neutralized: it stays text in every output, or it is refused with an error."""
from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from tests.conftest import MINIMAL_CONFIG, build_errors, build_site, run_cli, write_site
from tests.crawl import parse_page

TITLE = '</title><script>alert(1)</script> "><img src=x onerror=alert(1)> ]]> &amp; \' <!-- fin'
SUMMARY = '</script><script>alert(2)</script><meta http-equiv="refresh" content="0;url=https://evil.example">'
TAG = '"><svg onload=alert(3)>'
ALT = "\" onerror=\"alert(4)\" x=\"</script>"
BODY = ("Texte ]]> et <![CDATA[ encore ]]> puis &lt;script&gt;alert(5)&lt;/script&gt; et `<script>alert(6)</script>`.\n\n"
        '![" onerror="alert(7)](../../static/images/photo.png "\\" onload=\\"alert(8)")\n')
RSS_NS = {"content": "http://purl.org/rss/1.0/modules/content/"}


def _yaml(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted string


def _item(lang: str) -> str:
    return (f"---\ntitle: {_yaml(TITLE)}\nsummary: {_yaml(SUMMARY)}\ntags: [culture, {_yaml(TAG)}]\n"
            f"image: images/photo.png\nimage_alt: {_yaml(ALT)}\n---\n{BODY}")


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    root = write_site(tmp_path_factory.mktemp("hostile") / "site", {
        "content/pages/index.fr.md": "---\ntitle: Accueil\n---\nBienvenue.\n",
        "content/pages/index.en.md": "---\ntitle: Home\n---\nWelcome.\n",
        "content/news/2023-03-01-hostile.fr.md": _item("fr"),
        "content/news/2023-03-01-hostile.en.md": _item("en"),
        "static/images/photo.png": _png(),
    })
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    return build_site(root)


def _html_files(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def test_nothing_hostile_becomes_markup_anywhere(hostile_site):
    for path in _html_files(hostile_site):
        page = parse_page(path)
        for tag, attrs in page.elements:
            assert not any(name.startswith("on") for name in attrs), (path, tag, attrs)
            assert tag not in ("svg", "img") or attrs.get("src") != "x", path
            assert not (tag == "meta" and attrs.get("http-equiv") == "refresh" and "evil" in attrs.get("content", ""))
        for attrs, body in page.scripts:
            assert "alert" not in body, path
    page = parse_page(hostile_site / "en/news/2023/03/hostile/index.html")
    assert [a["alt"] for t, a in page.elements if t == "img" and "photo" in a.get("src", "")] == \
        [ALT, '" onerror="alert(7)']  # the lead image's image_alt and a Markdown image's alt text, as text


def test_the_title_stays_text_in_html_and_attributes(hostile_site):
    page = parse_page(hostile_site / "en/news/2023/03/hostile/index.html")
    shown = TITLE.replace("'", "’")  # the English pass curls apostrophes in text, never in attributes
    assert page.texts["h1"] == [shown]
    assert page.texts["title"] == [f"{shown} – Test site"]
    assert page.meta("og:title") == [TITLE]
    assert page.meta("description") == [SUMMARY] and page.meta("og:description") == [SUMMARY]
    assert page.meta("og:image:alt") == [ALT]
    assert TAG in page.texts["a"]  # the tag's link, as text
    for data in page.json_ld():  # structured data, where the theme gives it
        assert TITLE in json.dumps(data, ensure_ascii=False)
    listing = parse_page(hostile_site / "en/news/index.html")
    assert shown in listing.texts["a"] and SUMMARY.replace("'", "’") in listing.texts["p"]


def test_french_pages_keep_the_title_as_text_too(hostile_site):
    page = parse_page(hostile_site / "fr/actualites/2023/03/hostile/index.html")
    squeeze = lambda text: "".join(text.replace("’", "'").split())  # French typography: spaces and apostrophes
    assert [squeeze(t) for t in page.texts["h1"]] == [squeeze(TITLE)]
    assert page.meta("og:title") == [TITLE]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_feed_is_well_formed_and_keeps_the_text(hostile_site, lang):
    raw = (hostile_site / lang / "feed.xml").read_bytes()
    item = ET.fromstring(raw).find("channel/item")
    assert item.findtext("title") == TITLE
    assert item.findtext("description") == SUMMARY
    assert TAG in [c.text for c in item.findall("category")]
    assert "]]>" in item.findtext("content:encoded", namespaces=RSS_NS)
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, parsed.bozo_exception
    assert len(parsed.entries) == 1


def test_sitemap_is_well_formed(hostile_site):
    root = ET.fromstring((hostile_site / "sitemap.xml").read_bytes())
    locs = [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locs and all(loc.startswith("https://example.org/") for loc in locs)


# --------------------------------------------------------------------------- bad characters

@pytest.mark.parametrize("front, message", [
    ('title: "\\ud800"', "front matter: a '\\u' escape here is not a real character"),
    ('title: "A\\x01B"', "title: contains invisible control characters or invalid characters"),
    ('title: T\ntags: ["ok", "\\x1b[31m"]', "tags: contains invisible control characters"),
])
def test_bad_characters_in_front_matter_are_errors(front, message, tmp_path):
    site = write_site(tmp_path / "site", {"content/pages/x.fr.md": f"---\n{front}\n---\nTexte.\n"})
    result = run_cli("build", "--site", str(site))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"content/pages/x.fr.md:2: error: {message}" in result.stderr or \
        f"content/pages/x.fr.md:3: error: {message}" in result.stderr, result.stderr


@pytest.mark.parametrize("char", ["\x00", "\x08", "\x0c", "\x1b", "\x7f", "\x85"])
def test_control_characters_in_the_body_are_errors_with_their_line(char, tmp_path):
    site = write_site(tmp_path / "site", {"content/pages/x.fr.md": f"---\ntitle: T\n---\nLigne.\n\nUn{char}deux.\n"})
    assert build_errors(site) == [
        f"content/pages/x.fr.md:6: invisible control character U+{ord(char):04X} in the text "
        "(often pasted from another program: delete it)"]


def test_character_references_to_non_characters_keep_feeds_well_formed(tmp_path):
    site = write_site(tmp_path / "site", {
        "content/news/2023-03-01-x.fr.md": "---\ntitle: T\n---\nA &#xD800; B &#0; C &#xFFFF; D\n"})
    raw = (build_site(site) / "fr/feed.xml").read_bytes()
    ET.fromstring(raw)
    assert not feedparser.parse(raw).bozo


# --------------------------------------------------------------------------- raw HTML

@pytest.mark.parametrize("html, message", [
    ("<svg/onload=alert(1)>", "<svg> is not allowed"),
    ('<img src="x.png" alt="" onerror="alert(1)">', "event handler attribute 'onerror'"),
    ('<a href=" JaVaScRiPt:alert(1)">x</a>', "javascript: URLs are not allowed"),
    ('<a href="java&#x09;script:alert(1)">x</a>', "javascript: URLs are not allowed"),
    ('<a href="javascript&colon;alert(1)">x</a>', "javascript: URLs are not allowed"),
    ("[x](javascript:alert(1))", "javascript: URLs are not allowed"),
    ("![x](data:image/svg+xml;base64,PHN2Zz4=)", "data: URLs are not allowed"),
    ('<img alt="x" srcset="a.png 1x, javascript:alert(1) 2x">', "javascript: URLs are not allowed"),
    ('<a href="vbscript:msgbox(1)">x</a>', "vbscript: URLs are not allowed"),
    ("<STYLE>body{}</STYLE>", "<style> is not allowed"),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example">', "<meta> is not allowed"),
    ('<base href="https://evil.example/">', "<base> is not allowed"),
    ('<form action="https://evil.example/"><input name="p"></form>', "<form> is not allowed"),
    ("<embed src=\"x.swf\">", "<embed> is not allowed"),
    ("<math><maction actiontype=\"statusline\">x</maction></math>", "<math> is not allowed"),
    ('## Titre {: onclick="alert(1)" }', "event handler attribute 'onclick'"),
])
def test_hostile_html_is_an_error(html, message, tmp_path):
    site = write_site(tmp_path / "site", {"content/pages/x.fr.md": f"---\ntitle: T\n---\nIntro.\n\n{html}\n"})
    errors = build_errors(site)
    assert any(e.startswith("content/pages/x.fr.md:6: ") and message in e for e in errors), errors


def test_allowed_embeds_still_refuse_scripts_inside_them(tmp_path):
    config = MINIMAL_CONFIG + "markdown:\n  allow_embeds: true\n"
    site = write_site(tmp_path / "site", {"content/pages/x.fr.md": (
        "---\ntitle: T\n---\n<iframe src=\"https://video.example/embed/1\" title=\"Vidéo\"></iframe>\n\n"
        "<iframe srcdoc=\"&lt;script&gt;alert(1)&lt;/script&gt;\"></iframe>\n\n"
        "<iframe src=\"javascript:alert(1)\"></iframe>\n")}, config=config)
    errors = build_errors(site)
    assert errors == ["content/pages/x.fr.md:6: attribute 'srcdoc' is not allowed in content",
                      "content/pages/x.fr.md:8: javascript: URLs are not allowed in content"]


def test_code_showing_html_is_fine(tmp_path):
    site = write_site(tmp_path / "site", {"content/pages/x.fr.md": (
        "---\ntitle: T\n---\nExemple : `<script>alert(1)</script>`\n\n    <iframe onload=x></iframe>\n")})
    page = parse_page(build_site(site) / "fr/x/index.html")
    assert any("<script>alert(1)</script>" in text for text in page.texts["p"])  # shown as text
    assert all("alert" not in body for _, body in page.scripts)


# --------------------------------------------------------------------------- symlinks and paths

SECRET = "SECRET-7f3a"


@pytest.fixture
def outside(tmp_path) -> Path:
    """Files beside the site, which the build must never read."""
    folder = tmp_path / "outside"
    (folder / "pages").mkdir(parents=True)
    (folder / "secret.txt").write_text(SECRET, encoding="utf-8")
    (folder / "pages/leak.fr.md").write_text(f"---\ntitle: {SECRET}\n---\n{SECRET}\n", encoding="utf-8")
    return folder


def _site(tmp_path) -> Path:
    return write_site(tmp_path / "site", {"content/pages/index.fr.md": "---\ntitle: Accueil\n---\nBonjour.\n",
                                          "static/style.css": "body {}\n"})


@pytest.mark.parametrize("link, target", [
    ("content/pages/leak.fr.md", "pages/leak.fr.md"),
    ("content/pages/more", "pages"),
    ("static/secret.txt", "secret.txt"),
    ("static/folder", "."),
])
def test_symlinks_out_of_the_site_are_not_followed(link, target, tmp_path, outside):
    site = _site(tmp_path)
    (site / link).symlink_to(outside / target)
    result = run_cli("build", "--site", str(site))
    assert result.returncode == 1
    assert f"{link}: error: symlink points outside the site; not followed" in result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert not (site / "_site").exists()


@pytest.mark.parametrize("folder", ["content", "static"])
def test_a_source_folder_that_is_a_symlink_out_of_the_site_is_refused(folder, tmp_path, outside):
    site = _site(tmp_path)
    real = site / folder
    real.rename(outside / f"real-{folder}")
    real.symlink_to(outside / f"real-{folder}")
    (outside / f"real-{folder}/leak.txt").write_text(SECRET, encoding="utf-8")
    result = run_cli("build", "--site", str(site))
    assert result.returncode == 1
    assert f"{folder}: error: symlink points outside the site; not followed" in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_symlinks_inside_the_site_are_fine(tmp_path):
    site = _site(tmp_path)
    (site / "static/alias.css").symlink_to(site / "static/style.css")
    out = build_site(site)
    assert (out / "alias.css").read_text(encoding="utf-8") == "body {}\n"


@pytest.mark.parametrize("reference, message", [
    ("[x](../../../outside/secret.txt)", "points outside the site"),
    ("![x](../../../../../../etc/passwd)", "points outside the site"),
    ("[x](../../site.yml)", "link to another content file by its path"),
])
def test_links_cannot_reach_outside_the_site(reference, message, tmp_path, outside):
    site = _site(tmp_path)
    (site / "content/pages/x.fr.md").write_text(f"---\ntitle: T\n---\n{reference}\n", encoding="utf-8")
    assert any(message in e for e in build_errors(site))


@pytest.mark.parametrize("image", ["../outside/secret.txt", "/etc/passwd/../../x", "https://evil.example/x.png",
                                   "file:///etc/passwd", "images\\..\\..\\x"])
def test_front_matter_image_stays_inside_static(image, tmp_path):
    site = _site(tmp_path)
    (site / "content/pages/x.fr.md").write_text(
        f"---\ntitle: T\nimage: {_yaml(image)}\nimage_alt: A\n---\n", encoding="utf-8")
    errors = build_errors(site)
    assert len(errors) == 1 and errors[0].startswith("content/pages/x.fr.md:3: image:"), errors


# --------------------------------------------------------------------------- the preview server

def _listening_addresses(port: int) -> list[str]:
    """Local addresses with a socket listening on `port`, read from the kernel's tables (Linux)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.append(address)
    return found


@pytest.fixture
def served_site(site_copy, tmp_path):
    from tests.test_serve import Preview

    site = site_copy("bilingual")
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")  # beside the site
    (site / "secret.txt").write_text(SECRET, encoding="utf-8")  # in the site, not in the output
    server = Preview(site, tmp_path / "serve.log")
    (site / ".lillesite-cache/secret.txt").write_text(SECRET, encoding="utf-8")  # just above the output
    yield server
    server.stop()


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the Linux socket tables")
def test_preview_listens_on_loopback_only(served_site):
    assert _listening_addresses(served_site.port) == ["0100007F"]  # 127.0.0.1, and nothing on IPv6


def test_preview_serves_nothing_outside_its_folder(served_site):
    import http.client

    ups = ["../", "%2e%2e/", "%2E%2E%2F", "..%2f", ".%2e/", "%2e./", "..\\", "..%5c", "....//"]
    paths = [f"/{up * depth}{name}" for up in ups for depth in (1, 2, 3, 4, 8) for name in ("secret.txt", "etc/passwd")]
    paths += ["//etc/passwd", "/%2fetc%2fpasswd", "/fr/../../secret.txt", "/fr/%2e%2e/%2e%2e/secret.txt",
              "/..;/secret.txt", "/static/../../secret.txt", "/%c0%ae%c0%ae/secret.txt", "/.lillesite-cache/secret.txt"]
    for path in paths:
        connection = http.client.HTTPConnection("127.0.0.1", served_site.port, timeout=5)
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        connection.close()
        assert SECRET not in body and "root:x:0:0" not in body, path
        assert response.status != 200 or "<html" in body, path  # at most the site's own pages

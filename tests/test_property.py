"""Generated input (hypothesis): arbitrary Unicode never crashes the build, and what is built stays sound.

"Never crashes" means: the build either succeeds or fails with BuildFailed (the `path:line: message`
errors an editor sees); any other exception would be the CLI's "internal error". When it succeeds,
the feeds parse as XML and as RSS, and the title reads back as the same text from the HTML.
"""
from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.conftest import build_site, write_site
from lillesite.errors import BuildFailed
from tests.crawl import parse_page

# Files are UTF-8, which cannot hold lone surrogates: those only come in through YAML escapes (test_hostile).
TEXT = st.characters(blacklist_categories=("Cs",))
MARKDOWN_BITS = st.sampled_from([
    "# ", "## ", "\n\n", "\n", "*", "**", "_", "`", "```\n", "> ", "- ", "1. ", "[", "]", "(", ")", "![", "<", ">",
    "&", "&amp;", "&#0;", "&#xD800;", "]]>", "<![CDATA[", "|", "---", "{: #id }", "[^1]", "[^1]: note", "<!--", "-->",
    "<b>", "</b>", "<div markdown=\"1\">", "</div>", "\\", "http://example.org/", "*[HTML]: x", "    ", "\t",
])
MARKDOWN = st.lists(st.one_of(MARKDOWN_BITS, st.text(TEXT, max_size=20)), max_size=25).map("".join)
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def yaml_quoted(text: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly `text` (everything non-ASCII escaped)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _build(folder: Path, files: dict[str, str | bytes]) -> Path | None:
    """Build a fresh site in `folder`; None when the build reports errors (which is allowed)."""
    site = write_site(folder / "site", {"content/pages/index.en.md": "---\ntitle: Home\n---\nHi.\n", **files})
    try:
        return build_site(site)
    except BuildFailed as failure:
        assert failure.errors and all(str(e) for e in failure.errors)
        return None


def _check_feeds(out: Path) -> None:
    for lang in ("fr", "en"):
        raw = (out / lang / "feed.xml").read_bytes()
        ET.fromstring(raw)
        parsed = feedparser.parse(raw)
        assert not parsed.bozo, parsed.bozo_exception


@SETTINGS
@given(title=st.text(TEXT, min_size=1, max_size=80), summary=st.text(TEXT, max_size=80),
       tags=st.lists(st.text(TEXT, min_size=1, max_size=12), max_size=3), body=MARKDOWN)
def test_arbitrary_news_item(title, summary, tags, body):
    front = f"title: {yaml_quoted(title)}\n"
    if summary:
        front += f"summary: {yaml_quoted(summary)}\n"
    if tags:
        front += f"tags: [{', '.join(yaml_quoted(t) for t in tags)}]\n"
    with tempfile.TemporaryDirectory(prefix="lillesite-prop-") as tmp:
        out = _build(Path(tmp), {"content/news/2023-03-01-item.en.md": f"---\n{front}---\n{body}\n",
                                 "content/news/2023-03-01-item.fr.md": f"---\n{front}---\n{body}\n"})
        if out is None:
            return
        _check_feeds(out)
        page = parse_page(out / "en/news/2023/03/item/index.html")
        assert page.texts["h1"][0] == title.strip()  # the page's heading (the body may add its own)
        assert page.meta("og:title") == [title.strip()]
        item = ET.fromstring((out / "en/feed.xml").read_bytes()).find("channel/item")
        assert item.findtext("title") == title.strip()


@SETTINGS
@given(body=MARKDOWN)
def test_arbitrary_markdown_page(body):
    with tempfile.TemporaryDirectory(prefix="lillesite-prop-") as tmp:
        out = _build(Path(tmp), {"content/pages/page.en.md": f"---\ntitle: Page\n---\n{body}\n"})
        if out is not None:
            assert parse_page(out / "en/page/index.html").texts["h1"][0] == "Page"


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_as_a_content_file(raw):
    """Not UTF-8, BOMs, NULs, half front matter: always an error or a page, never a crash."""
    with tempfile.TemporaryDirectory(prefix="lillesite-prop-") as tmp:
        _build(Path(tmp), {"content/pages/x.en.md": b"---\ntitle: T\n" + raw})

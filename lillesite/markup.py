"""One configured Markdown converter: heading ids, link rewriting, hostile-HTML checks, summary.

Links to other content files are written as relative source paths; they are replaced here by
placeholders that the render stage turns into URLs, because a target's URL is only known once
the whole site is assembled.
"""
from __future__ import annotations

import bisect
import html
import importlib
import posixpath
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import markdown
from markdown import blockparser, preprocessors, treeprocessors, util
from markdown.extensions import Extension, toc
from markdown.treeprocessors import Treeprocessor

from lillesite.urls import slugify

# The documented extension set (README, "Writing content").
EXTENSIONS = ("tables", "footnotes", "attr_list", "def_list", "md_in_html", "abbr", "sane_lists", "toc")
EXTENSION_CONFIGS = {"toc": {"slugify": lambda value, separator: slugify(value) or "section"}}
TOC_MARKER = "[TOC]"  # the toc extension's default: where a document shows its table of contents

# Markdown tries every extension and inline pattern on every block and every run of text, and a
# typical document uses few of them. Each is listed with what its syntax needs in the document's
# text (strings found as written, or regexes): where none is found, leaving it out changes nothing
# in the output, as read in Python-Markdown's sources and checked by tests/test_markup_equivalence.py.
# A false alarm costs only time. sane_lists is always on: it replaces the core list parsers.
_LINE_START = r"[ \t*+\-.\d]*"  # indentation and list markers, which Markdown strips from a block's lines
OPTIONAL_EXTENSIONS: dict[str, tuple[str | re.Pattern, ...]] = {
    "tables": ("|",),
    "footnotes": ("[^",),
    "attr_list": ("{",),
    # a line starting with ':' (also after the '>' of a quote, or of a raw HTML tag whose tail md_in_html
    # moves to a line of its own); or raw <dl>/<dd>, whose indented content def_list's indent parser takes
    "def_list": (re.compile(r"\n" + _LINE_START + ":"), re.compile(">" + _LINE_START + ":"), re.compile("<[dD][dDlL]")),
    "md_in_html": ("<",),  # without a tag, its HTML parser hands the text on as the core one does
    "abbr": ("*[",),
    # ATX heading, setext underline, raw <h1>-<h6> (md_in_html can bring them into the tree), or the marker
    "toc": ("#", TOC_MARKER, re.compile("<[hH][1-6]"), re.compile(r"\n[ \t]*[=-]+[ \t]*[\n<]"),
            re.compile(r">[ \t]*[=-]+[ \t]*[\n<]")),
}
# Python-Markdown's inline patterns (markdown.inlinepatterns.build_inlinepatterns, footnotes), by what
# they need: left out of a document without it, and skipped on each run of text without it (_InlineBySyntax)
OPTIONAL_INLINE_PATTERNS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("backtick",): ("`",),
    ("escape",): ("\\",),
    ("reference", "link", "short_reference"): ("[",),
    ("image_link", "image_reference", "short_image_ref"): ("![",),
    ("autolink", "automail", "html"): ("<",),
    ("linebreak",): ("  \n", "<"),  # the raw HTML parser can put a line end after a line's spaces
    ("entity",): ("&",),
    ("em_strong",): ("*", "_"),
    ("footnote",): ("[^",),
}
INLINE_PATTERN_NEEDS = {name: needles for names, needles in OPTIONAL_INLINE_PATTERNS.items() for name in names}

# Python-Markdown's block processors (markdown.blockprocessors.build_block_parser, tables), by what a block
# needs for their test to pass, skipped on blocks without it (_BlockParserBySyntax); 'reference' by what its
# run needs: its test always passes and its run hands the block back when its regex finds nothing
BLOCK_PROCESSOR_NEEDS: dict[str, tuple[str, ...]] = {
    "hashheader": ("#",),
    "setextheader": ("\n=", "\n-"),
    "hr": ("-", "_", "*"),
    "quote": (">",),
    "reference": ("]:",),
    "table": ("|",),
}

PAGE_LINK = "lillesite:page:"  # + 'content/pages/x.fr.md' [+ '#anchor']
ASSET_LINK = "lillesite:asset:"  # + 'images/x.jpg' (inside static/)
LINK_PLACEHOLDER_RE = re.compile(r'(?:lillesite:(page|asset):)([^"#\s]*)(#[^"\s]*)?')

FORBIDDEN_TAGS = {"script", "style", "base", "meta", "link", "frame", "frameset", "applet", "form",
                  "svg", "math"}  # inline SVG/MathML can animate attributes into script URLs: images go in static/
EMBED_TAGS = {"iframe", "object", "embed"}
URL_ATTRS = {"href", "src", "action", "formaction", "poster", "data", "srcset", "xlink:href", "background", "cite"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


@dataclass(frozen=True)
class Link:
    kind: str  # 'page' (a content file), 'asset' (a file in static/), 'url' (a site path), 'anchor' (same page)
    target: str  # site-relative path of the file, the site path, or '' for 'anchor'
    fragment: str  # without '#'
    line: int | None  # line in the source file


@dataclass(frozen=True)
class Markup:
    html: str
    anchors: tuple[str, ...]
    links: tuple[Link, ...]
    first_paragraph: str  # plain text
    problems: tuple[tuple[str, str, int | None], ...]  # (level, message, line)


class _LinkCollector(Treeprocessor):
    def run(self, root):
        doc: _DocState = self.md.lillesite_doc
        self.md.lillesite_checker.check_tree(root)
        for element in root.iter():
            if element.tag == "a" and element.get("href") is not None:
                element.set("href", doc.rewrite(element.get("href"), "a"))
                if element.get("class") == "footnote-backref":
                    element.attrib.pop("title", None)  # the extension's title is English on every page
            elif element.tag == "img" and element.get("src") is not None:
                src = element.get("src")  # located before rewriting: the source has the written path
                element.set("src", doc.rewrite(src, "img"))
                if not (element.get("alt") or "").strip():
                    doc.problems.append(("warning", "image without alternative text: write ![description](...)",
                                         doc.line_of(src)))


class _DocState:
    def __init__(self, source_rel: str, body: str, body_line: int):
        self.source_dir = posixpath.dirname(source_rel)
        self.body, self.body_line = body, body_line
        self.links: list[Link] = []
        self.problems: list[tuple[str, str, int | None]] = []
        self._cursor = 0
        self._lower: str | None = None  # built on first need only
        self._newlines: list[int] | None = None

    def line_of(self, *needles: str) -> int | None:
        """The source line of the first needle found (exactly, else ignoring case).

        Links are looked up in document order, so the search starts where the last one was found:
        a 10 MB file with thousands of links stays linear.
        """
        for needle in filter(None, needles):
            index = self.body.find(needle, self._cursor)
            if index < 0:
                index = self.body.find(needle)
            if index < 0:
                if self._lower is None:
                    self._lower = self.body.lower()
                index = self._lower.find(needle.lower())
            if index >= 0:
                self._cursor = index
                if self._newlines is None:
                    self._newlines = [m.start() for m in re.finditer("\n", self.body)]
                return self.body_line + bisect.bisect_left(self._newlines, index)
        return None

    def rewrite(self, href: str, tag: str) -> str:
        original = href
        parts = urlsplit(href)
        if parts.scheme or href.startswith("//"):
            return href  # external, checked for bad schemes on the final HTML
        path, fragment = unquote(parts.path), parts.fragment
        if not path:
            # its line is looked up only if the anchor is missing: footnote links are not in the source
            self.links.append(Link("anchor", "", fragment, None))
            return href
        line = self.line_of(original)
        if path.startswith("/"):
            self.links.append(Link("url", path, fragment, line))
            return href
        target = posixpath.normpath(posixpath.join(self.source_dir, path))
        if target.startswith("../") or target == "..":
            self.problems.append(("error", f"link {original!r} points outside the site", line))
            return href
        if target.endswith(".md") and target.startswith("content/"):
            self.links.append(Link("page", target, fragment, line))
            return PAGE_LINK + target + (f"#{fragment}" if fragment else "")
        if target.startswith("static/"):
            asset = target[len("static/"):]
            self.links.append(Link("asset", asset, fragment, line))
            return ASSET_LINK + asset + (f"#{fragment}" if fragment else "")
        self.problems.append((
            "error",
            f"link {original!r}: link to another content file by its path (e.g. '../pages/eu-office.fr.md') "
            f"or to a file in static/",
            line,
        ))
        return href


class _Setup(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_LinkCollector(md), "lillesite_links", 1)


class _BlockParserBySyntax(blockparser.BlockParser):
    """Python-Markdown's block parser, which tries every processor on every block, minus the processors
    whose syntax the block lacks: their test would fail (or, for 'reference', their run would hand the
    block back). A test has no effect but what it keeps for its own run."""

    by_syntax: list[tuple[object, tuple[str, ...]]]

    def parseBlocks(self, parent, blocks):  # noqa: N802 - Python-Markdown's loop, with the skip
        while blocks:
            for processor, needles in self.by_syntax:
                if needles and not any(needle in blocks[0] for needle in needles):
                    continue
                if processor.test(parent, blocks[0]) and processor.run(parent, blocks) is not False:
                    break


class _NormalizeWhitespace(preprocessors.NormalizeWhitespace):
    """Python-Markdown's, whose regex (a line of spaces only becomes empty) is run only when the text has
    a line ending with a space, which the regex needs: it took a twentieth of the conversion."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines)
        source = source.replace(util.STX, "").replace(util.ETX, "")
        source = source.replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
        source = source.expandtabs(self.md.tab_length)
        if " \n" in source:
            source = re.sub(r"(?<=\n) +\n", "\n", source)
        return source.split("\n")


class _HtmlBlocksBySyntax(preprocessors.HtmlBlockPreprocessor):
    """Python-Markdown's raw HTML block parser, which hands a text without '<' and '&' on as it is
    (its HTML parser then sees only data), skipped on such a text: it took a twentieth of the conversion."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines)
        if "<" not in source and "&" not in source:
            return lines
        return super().run(lines)


class _InlineBySyntax(treeprocessors.InlineProcessor):
    """Python-Markdown's inline processor, which tries every pattern on every run of text, minus the
    patterns whose syntax the run lacks: their regex cannot match, and handleMatch is only called on
    a match. Made once the document's patterns are chosen."""

    def __init__(self, md):
        super().__init__(md)
        self.by_syntax = _by_syntax(md.inlinePatterns, INLINE_PATTERN_NEEDS)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        # Python-Markdown's __handleInline, with the skip
        if not isinstance(data, util.AtomicString):
            startIndex = 0  # noqa: N806
            by_syntax = self.by_syntax
            while patternIndex < len(by_syntax):
                pattern, needles = by_syntax[patternIndex]
                if needles and not any(needle in data for needle in needles):
                    patternIndex, startIndex = patternIndex + 1, 0  # noqa: N806
                    continue
                data, matched, startIndex = self._InlineProcessor__applyPattern(  # noqa: N806
                    pattern, data, patternIndex, startIndex)
                if not matched:
                    patternIndex += 1
        return data


def _by_syntax(registry, needs: dict[str, tuple[str, ...]]) -> list[tuple[object, tuple[str, ...]]]:
    """A registry's items in order, each with the strings one of which its syntax needs (none: always tried)."""
    by_item = {registry[name]: needles for name, needles in needs.items() if name in registry}
    return [(item, by_item.get(item, ())) for item in registry]


class _HostileHtml(HTMLParser):
    """Finds scripts, event handlers and dangerous URLs in raw HTML, and in the elements Markdown made
    (attr_list can add any attribute): only the raw HTML needs parsing, never the whole page."""

    def __init__(self, allow_embeds: bool):
        super().__init__(convert_charrefs=True)
        self.allow_embeds = allow_embeds
        self.found: list[tuple[str, tuple[str, ...]]] = []  # (message, texts to locate it in the source)

    def handle_starttag(self, tag, attrs):
        # raw HTML reaches the output as written in the source: its text locates it
        self.check(tag, attrs, self.get_starttag_text() or "")

    def check_tree(self, root) -> None:
        for element in root.iter():
            if isinstance(element.tag, str):
                self.check(element.tag, list(element.attrib.items()), "")

    def check(self, tag: str, attrs, raw: str) -> None:
        def report(message: str, needle: str) -> None:
            self.found.append((message, (raw, needle)))

        if tag in FORBIDDEN_TAGS or (tag in EMBED_TAGS and not self.allow_embeds):
            hint = " (set markdown: {allow_embeds: true} in site.yml to allow trusted embeds)" if tag in EMBED_TAGS else ""
            report(f"<{tag}> is not allowed in content{hint}", f"<{tag}")
        for name, value in attrs:
            if name.startswith("on"):
                report(f"event handler attribute {name!r} is not allowed in content", name)
            elif name == "srcdoc":  # a whole page inside an embed, scripts included
                report("attribute 'srcdoc' is not allowed in content", name)
            elif name in URL_ATTRS and value:
                # srcset lists several 'URL width' candidates
                for url in value.split(",") if name == "srcset" else (value,):
                    compact = re.sub(r"[\x00-\x20]+", "", url).lower()
                    if compact.startswith(BAD_SCHEMES):
                        scheme = compact.split(":", 1)[0]
                        report(f"{scheme}: URLs are not allowed in content", url.strip()[:20])

    handle_startendtag = handle_starttag

    def check_stash(self, blocks) -> None:
        """What Markdown set aside as raw HTML: text as written, or elements (md_in_html)."""
        for block in blocks:
            if isinstance(block, str):
                self.feed(block)
            else:
                self.check_tree(block)
        self.close()


class Converter:
    """Python-Markdown with lillesite's set-up; one per process, reused for every file.

    A document is converted by a Markdown instance without the extensions and inline patterns its text
    cannot use (see OPTIONAL_EXTENSIONS), made on first need and reused: the output is the full set's.
    """

    def __init__(self, *, allow_embeds: bool = False):
        self.allow_embeds = allow_embeds
        self._instances: dict[tuple[tuple[str, ...], tuple[str, ...], bool], markdown.Markdown] = {}

    def _markdown_for(self, body: str) -> markdown.Markdown:
        text = _as_markdown_reads(body)
        extensions = tuple(name for name in EXTENSIONS
                           if name not in OPTIONAL_EXTENSIONS or _found(text, OPTIONAL_EXTENSIONS[name]))
        unused = tuple(name for names, needles in OPTIONAL_INLINE_PATTERNS.items() if not _found(text, needles)
                       for name in names)
        toc_marker = "toc" in extensions and TOC_MARKER in text
        md = self._instances.get((extensions, unused, toc_marker))
        if md is None:
            md = markdown.Markdown(extensions=[*(_extension(name, toc_marker) for name in extensions), _Setup()],
                                   output_format="html")
            for name in unused:
                md.inlinePatterns.deregister(name, strict=False)  # footnote's exists with its extension only
            md.parser.__class__ = _BlockParserBySyntax
            md.parser.by_syntax = _by_syntax(md.parser.blockprocessors, BLOCK_PROCESSOR_NEEDS)
            md.treeprocessors.register(_InlineBySyntax(md), "inline", 20)  # its priority in build_treeprocessors
            md.preprocessors.register(_NormalizeWhitespace(md), "normalize_whitespace", 30)  # as in build_preprocessors
            if "md_in_html" not in extensions:  # md_in_html brings its own
                md.preprocessors.register(_HtmlBlocksBySyntax(md), "html_block", 20)
            self._instances[extensions, unused, toc_marker] = md
        return md

    def convert(self, body: str, *, source_rel: str, body_line: int) -> Markup:
        state = _DocState(source_rel, body, body_line)
        md = self._markdown_for(body)
        md.reset()
        md.lillesite_doc = state
        checker = _HostileHtml(self.allow_embeds)
        md.lillesite_checker = checker
        output = md.convert(body)
        checker.check_stash(md.htmlStash.rawHtmlBlocks)
        problems = [(level, message, line) for level, message, line in state.problems]
        problems += [("error", message, state.line_of(*needles)) for message, needles in checker.found]
        anchors = tuple(dict.fromkeys(html.unescape(a) for a in re.findall(r'\sid="([^"]+)"', output)))
        present = set(anchors)
        links = [replace(link, line=state.line_of("#" + link.fragment))
                 if link.kind == "anchor" and link.fragment not in present else link for link in state.links]
        return Markup(
            html=output,
            anchors=anchors,
            links=tuple(links),
            first_paragraph=first_paragraph(output),
            problems=tuple(problems),
        )


def _extension(name: str, toc_marker: bool) -> Extension:
    # made from its module: a name would make Python-Markdown read every installed package's entry points
    # first (30 ms in a process that converts one file)
    extension = importlib.import_module(f"markdown.extensions.{name}").makeExtension(**EXTENSION_CONFIGS.get(name, {}))
    if name == "toc" and not toc_marker:
        extension.setConfig("marker", "")  # no paragraph can be the marker: the tree is not searched for one
        extension.TreeProcessorClass = _TocIdsOnly
    return extension


class _TocIdsOnly(toc.TocTreeprocessor):
    """The toc extension in a document without the [TOC] marker: the headings' ids, and not the table,
    which only the marker shows (building and serializing it was a third of the extension's time)."""

    def build_toc_div(self, toc_list: list) -> etree.Element:
        return etree.Element("div")


def _as_markdown_reads(body: str) -> str:
    """The text as Markdown's first preprocessor leaves it (tab_length 4), with every line after a line end.

    Each step only where needed: on a typical document they would cost more than all the searches.
    """
    text = body
    if "\x02" in text or "\x03" in text:  # Markdown's placeholder marks
        text = text.replace("\x02", "").replace("\x03", "")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text:
        text = text.expandtabs(4)
    return "\n" + text + "\n\n"


def _found(text: str, needles: tuple[str | re.Pattern, ...]) -> bool:
    return any(needle in text if isinstance(needle, str) else needle.search(text) for needle in needles)


def first_paragraph(output: str) -> str:
    match = re.search(r"<p>(.*?)</p>", output, re.S)
    return plain_text(match.group(1)) if match else ""


def plain_text(fragment: str) -> str:
    text = re.sub(r"<sup[^>]*>.*?</sup>", "", fragment, flags=re.S)  # footnote marks
    text = re.sub(r"<[^>]+>", "", text)
    return " ".join(html.unescape(text).split())

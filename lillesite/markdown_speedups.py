"""Python-Markdown, sped up for each document, on the Markdown versions the speed-ups were checked with.

Markdown tries every extension on every document, every block processor on every block and every inline
pattern on every run of text, and a typical document uses few of them. Here each document is converted
without what its text cannot use, and two preprocessing passes are skipped where they would change nothing.
Some of that replaces Python-Markdown's private internals (its block parser's loop, its inline processor's
name-mangled __handleInline, two preprocessors, the toc extension's table), whose shape any release may
change: the speed-ups apply only to the versions in TESTED_MARKDOWN, where tests/test_markup_equivalence.py
shows that they give the bytes of plain Python-Markdown with every extension. Any other version is used
plainly: slower, the same output.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Sequence

import markdown
from markdown import blockparser, preprocessors, treeprocessors, util
from markdown.extensions import Extension, toc

# The Markdown versions the speed-ups are checked with, first included, last excluded. pyproject.toml caps
# the dependency at the same last bound (a test holds them together); older versions it accepts are used
# plainly (before 3.7, abbr adds an inline pattern per abbreviation while converting, which _InlineBySyntax,
# made beforehand, would not try). To move a bound: install that version and run
# tests/test_markup_equivalence.py, which forces the speed-ups on whatever version is installed.
TESTED_MARKDOWN: tuple[tuple[int, int], tuple[int, int]] = ((3, 7), (3, 12))

TOC_MARKER = "[TOC]"  # the toc extension's default: where a document shows its table of contents

# Each extension with what its syntax needs in the document's text (strings found as written, or regexes):
# where none is found, leaving it out changes nothing in the output, as read in Python-Markdown's sources
# and checked by tests/test_markup_equivalence.py. A false alarm costs only time. An extension not listed
# is always kept; sane_lists is one: it replaces the core list parsers.
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


def installed_markdown() -> tuple[int, ...]:
    """The version of the Python-Markdown that is imported (major, minor, micro)."""
    return tuple(markdown.__version_info__[:3])


def speedups_apply(version: tuple[int, ...] | None = None) -> bool:
    """Whether the speed-ups were checked with this Markdown version (by default, the installed one)."""
    first, last_excluded = TESTED_MARKDOWN
    return first <= (installed_markdown() if version is None else version) < last_excluded


class MarkdownBySyntax:
    """Markdown instances each without the extensions and inline patterns a document's text cannot use,
    made on first need and reused for every document with the same syntax.

    make_extension makes one of extension_names (in their order) configured; make_markdown makes a
    Markdown instance with lillesite's set-up around the extensions given.
    """

    def __init__(self, extension_names: Sequence[str], *, make_extension: Callable[[str], Extension],
                 make_markdown: Callable[[list[Extension]], markdown.Markdown]):
        self.extension_names = tuple(extension_names)
        self.make_extension, self.make_markdown = make_extension, make_markdown
        self._instances: dict[tuple[tuple[str, ...], tuple[str, ...], bool], markdown.Markdown] = {}

    def markdown_for(self, body: str) -> markdown.Markdown:
        text = _as_markdown_reads(body)
        extensions = tuple(name for name in self.extension_names
                           if name not in OPTIONAL_EXTENSIONS or _found(text, OPTIONAL_EXTENSIONS[name]))
        unused = tuple(name for names, needles in OPTIONAL_INLINE_PATTERNS.items() if not _found(text, needles)
                       for name in names)
        toc_marker = "toc" in extensions and TOC_MARKER in text
        key = (extensions, unused, toc_marker)
        md = self._instances.get(key)
        if md is None:
            md = self._instances[key] = self._new_markdown(extensions, unused, toc_marker)
        return md

    def _new_markdown(self, extensions: tuple[str, ...], unused: tuple[str, ...],
                      toc_marker: bool) -> markdown.Markdown:
        md = self.make_markdown([self._extension(name, toc_marker) for name in extensions])
        for name in unused:
            md.inlinePatterns.deregister(name, strict=False)  # footnote's exists with its extension only
        md.parser.__class__ = _BlockParserBySyntax
        md.parser.by_syntax = _by_syntax(md.parser.blockprocessors, BLOCK_PROCESSOR_NEEDS)
        md.treeprocessors.register(_InlineBySyntax(md), "inline", 20)  # its priority in build_treeprocessors
        md.preprocessors.register(_NormalizeWhitespace(md), "normalize_whitespace", 30)  # as in build_preprocessors
        if "md_in_html" not in extensions:  # md_in_html brings its own
            md.preprocessors.register(_HtmlBlocksBySyntax(md), "html_block", 20)
        return md

    def _extension(self, name: str, toc_marker: bool) -> Extension:
        extension = self.make_extension(name)
        if name == "toc" and not toc_marker:
            extension.setConfig("marker", "")  # no paragraph can be the marker: the tree is not searched for one
            extension.TreeProcessorClass = _TocIdsOnly
        return extension


class _TocIdsOnly(toc.TocTreeprocessor):
    """The toc extension in a document without the [TOC] marker: the headings' ids, and not the table,
    which only the marker shows and which is a large part of the extension's work."""

    def build_toc_div(self, toc_list: list) -> etree.Element:
        return etree.Element("div")


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
    a line ending with a space, which the regex needs: on most documents it finds nothing, at a cost."""

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
    (its HTML parser then sees only data), skipped on such a text, as most documents are."""

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

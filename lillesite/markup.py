"""One configured Markdown converter: heading ids, link rewriting, hostile-HTML checks, summary.

Links to other content files are written as relative source paths; they are replaced here by
placeholders that the render step turns into URLs, because a target's URL is only known once
the whole site is assembled. Speeding up each document's conversion, on the Markdown versions
where that was checked, is lillesite.markdown_speedups's part.
"""
from __future__ import annotations

import bisect
import html
import importlib
import posixpath
import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from urllib.parse import quote, unquote, urlsplit

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from lillesite.markdown_speedups import MarkdownBySyntax, speedups_apply
from lillesite.messages import _
from lillesite.urls import slugify

# The documented extension set (README, "Writing content").
EXTENSIONS = ("tables", "footnotes", "attr_list", "def_list", "md_in_html", "abbr", "sane_lists", "toc")
EXTENSION_CONFIGS = {"toc": {"slugify": lambda value, separator: slugify(value) or "section"}}

PAGE_LINK = "lillesite:page:"  # + 'content/pages/x.fr.md' [+ '#anchor']
ASSET_LINK = "lillesite:asset:"  # + 'images/x.jpg' (inside static/)
# + '/fr/eu-office/' [+ '?query']: a link from the site's root, written relative to each page so that it
# works under any base path (a GitHub Pages project site is served from /<project>/)
URL_LINK = "lillesite:url:"
LINK_PLACEHOLDER_RE = re.compile(r'(?:lillesite:(page|asset|url):)([^"#\s]*)(#[^"\s]*)?')

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
                    doc.problems.append(("warning", _("image without alternative text: write ![description](...)"),
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
            query = f"?{parts.query}" if parts.query else ""
            return URL_LINK + quote(path, safe="/!$&'()*+,;=:@~") + query + (f"#{fragment}" if fragment else "")
        target = posixpath.normpath(posixpath.join(self.source_dir, path))
        if target.startswith("../") or target == "..":
            self.problems.append(("error", _("link {link!r} points outside the site", link=original), line))
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
            _("link {link!r}: link to another content file by its path (e.g. '../pages/eu-office.fr.md') "
              "or to a file in static/", link=original),
            line,
        ))
        return href


class _Setup(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_LinkCollector(md), "lillesite_links", 1)


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
            if tag in EMBED_TAGS:
                report(_("<{tag}> is not allowed in content (set markdown: {{allow_embeds: true}} in site.yml to "
                         "allow trusted embeds)", tag=tag), f"<{tag}")
            else:
                report(_("<{tag}> is not allowed in content", tag=tag), f"<{tag}")
        for name, value in attrs:
            if name.startswith("on"):
                report(_("event handler attribute {name!r} is not allowed in content", name=name), name)
            elif name == "srcdoc":  # a whole page inside an embed, scripts included
                report(_("attribute 'srcdoc' is not allowed in content"), name)
            elif name in URL_ATTRS and value:
                # srcset lists several 'URL width' candidates
                for url in value.split(",") if name == "srcset" else (value,):
                    compact = re.sub(r"[\x00-\x20]+", "", url).lower()
                    if compact.startswith(BAD_SCHEMES):
                        scheme = compact.split(":", 1)[0]
                        report(_("{scheme}: URLs are not allowed in content", scheme=scheme), url.strip()[:20])

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

    With speedups (by default, where the installed Markdown is one lillesite.markdown_speedups was checked
    with), each document is converted by a Markdown instance without what its text cannot use; without,
    by one instance with every extension. The output is the same.
    """

    def __init__(self, *, allow_embeds: bool = False, speedups: bool | None = None):
        self.allow_embeds = allow_embeds
        self.speedups = speedups_apply() if speedups is None else speedups
        self._by_syntax = MarkdownBySyntax(EXTENSIONS, make_extension=_extension,
                                           make_markdown=_markdown_with) if self.speedups else None
        self._every: markdown.Markdown | None = None  # without speedups, made on first need

    def _markdown_for(self, body: str) -> markdown.Markdown:
        if self._by_syntax is not None:
            return self._by_syntax.markdown_for(body)
        if self._every is None:
            self._every = _markdown_with([_extension(name) for name in EXTENSIONS])
        return self._every

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


def _extension(name: str) -> Extension:
    """One of EXTENSIONS, configured. Made from its module: a name would make Python-Markdown read every
    installed package's entry points first, a cost felt by a process that converts one file."""
    return importlib.import_module(f"markdown.extensions.{name}").makeExtension(**EXTENSION_CONFIGS.get(name, {}))


def _markdown_with(extensions: list[Extension]) -> markdown.Markdown:
    return markdown.Markdown(extensions=[*extensions, _Setup()], output_format="html")


def first_paragraph(output: str) -> str:
    match = re.search(r"<p>(.*?)</p>", output, re.S)
    return plain_text(match.group(1)) if match else ""


def plain_text(fragment: str) -> str:
    text = re.sub(r"<sup[^>]*>.*?</sup>", "", fragment, flags=re.S)  # footnote marks
    text = re.sub(r"<[^>]+>", "", text)
    return " ".join(html.unescape(text).split())

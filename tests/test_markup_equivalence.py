"""The sped-up converter (lillesite.markdown_speedups) must give plain Python-Markdown's result.

The plain converter converts every document with one Markdown instance carrying every extension, and with
Python-Markdown's own block parser, inline processor and preprocessors, which try every processor and
pattern on every block and run of text. The sped-up one leaves out, per document, block and run of text,
what the text cannot use. Both must give the same Markup (HTML, anchors, links, summary, problems) for
generated documents built from every extension's syntax and its near misses, and for every Markdown file
of the Lille site and the test sites. The speed-ups are forced on here whatever the installed Markdown:
run on a new version, these tests say whether lillesite.markdown_speedups.TESTED_MARKDOWN may include it.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from lillesite import markdown_speedups
from lillesite.errors import ContentError
from lillesite.frontmatter import ContentErrors, decode, split
from lillesite.markup import Converter

ROOT = Path(__file__).resolve().parent.parent

# Reused across examples, as in a build: instances made for earlier documents serve later ones.
FAST, PLAIN = Converter(speedups=True), Converter(speedups=False)

FRAGMENTS = st.sampled_from([
    # tables
    "| a | b |\n|---|:-:|\n| 1 | 2 |", "a | b\n--- | ---\nc | d", "| x |\n|---|", "|", "a|b", "a|b\n-|-",
    "|a|b|\n|-|-|",
    # footnotes
    "Note[^1] and[^n].", "[^1]: The note.", "[^n]: Long\n    continued\n\n    more", "[^", "[^1]: : x",
    # abbreviations
    "*[HTML]: Hyper Text Markup Language", "HTML and CSS", "*[", "*[EU]: ''",
    # definition lists, and colons that only look like them
    "Term\n: Definition", "Term\n:   Definition\n\n    more", ": x", "Note: x", "Titre : texte", "> : quoted",
    "- : item", "1. : item", "\n:", "https://europa.eu/",
    # attribute lists
    "{: #id }", "{.lead}", "{: .a #b data-x=1 }", "{: onclick=\"x()\" }", "{", "}", "## Titre {#ancre}",
    "[a](x.md){: .c }",
    # raw HTML, with and without markdown="1"
    "<div>", "</div>", "<div markdown=\"1\">", "<div markdown=\"1\">\n", "<section markdown=\"block\">", "<p>",
    "</p>", "<p markdown=\"1\">", "<dl markdown=\"1\">", "</dl>", "<dd markdown=\"1\">", "</dd>", "<dl>",
    "<h2 markdown=\"1\">", "<h3>", "</h3>", "</h2>", "<span lang=\"en\">", "</span>", "<br>", "<hr>",
    "<hr markdown=\"1\">", "<!-- c -->", "<!--", "-->", "<?php x ?>", "<![CDATA[ x ]]>",
    "<img src=\"x.png\" alt=\"x\">",
    "<a href=\"javascript:alert(1)\">x</a>", "<b onclick=\"x\">b</b>", "<script>x</script>", "<iframe src=\"x\">",
    "<https://example.org/>", "<me@example.org>", "&amp;", "&#58;", "&copy;", "&",
    # headings in both styles, the table of contents marker, lines of = and -
    "# Title", "## Sub", "### Trois ###", "Title\n=====", "Title\n-----", "---", "===", "- - -", "[TOC]", "#",
    "***", "* * *", "___", "_ _", "--", "\n-", "\n=", "a #b", "#x", "a\n#", ">", "a > b", "[a]:", "]:", "[a]: <x>",
    "[b]: x 'T'", "[c]:\n  y", "||", "a\n|",
    # links to content files, anchors, outside, references, images
    "[page](../pages/eu-office.fr.md)", "[tasks](eu-office.en.md#tasks)", "[here](#missing)", "[x](#title)",
    "[ext](https://europa.eu/)", "[ref][1]", "[1]: ../pages/x.fr.md", "[1]", "[out](../../x)", "[file](file.txt)",
    "[site](/fr/)", "![alt](../../static/images/x.jpg)", "![](x.png)", "![ref][1]", "![x]", "!", "[", "]", "(", ")",
    # inline syntax and what surrounds a block
    "*em*", "**strong**", "_u_", "__s__", "*", "_", "`code`", "``a ` b``", "`", "\\*", "\\", "  \n", "> ", "> > ",
    "- ", "* ", "1. ", "    ", "    code", "```\nfenced\n```", "\t", "\x02", "\x03", "\r", "\r\n", "word",
    "Un texte en français.",
])
SEPARATORS = st.sampled_from(["", " ", "  ", "\n", "\n\n", "  \n", "\t", "\n    ", "\n> "])
RUNS = st.lists(st.tuples(FRAGMENTS, SEPARATORS), min_size=1, max_size=5).map(
    lambda parts: "".join(a + b for a, b in parts))


def _prefixed(first: str, rest: str):
    return lambda text: "\n".join(first + line if i == 0 else rest + line for i, line in enumerate(text.split("\n")))


# What Markdown strips or splits before it parses a block: quotes, list items, raw HTML around Markdown.
CONTAINERS = st.sampled_from([
    lambda text: f'<div markdown="1">{text}</div>', lambda text: f'<div markdown="1">\n{text}\n</div>',
    lambda text: f'<dl markdown="1">\n{text}\n</dl>', lambda text: f'<p markdown="1">{text}</p>',
    lambda text: f"<div>{text}</div>", lambda text: f'<div markdown="1"><p>x</p>{text}</div>',
    _prefixed("> ", "> "), _prefixed(">", ""), _prefixed("- ", "    "), _prefixed("1. ", "   "),
    _prefixed("[^1]: ", "    "), _prefixed("Term\n:   ", "    "),
])
BLOCKS = st.one_of(RUNS, st.builds(lambda wrap, text: wrap(text), CONTAINERS, RUNS))
DOCUMENTS = st.lists(st.tuples(BLOCKS, st.sampled_from(["\n\n", "\n", ""])), max_size=5).map(
    lambda parts: "".join(a + b for a, b in parts))


def outcome(converter: Converter, body: str, source_rel: str = "content/news/2023-01-01-a.fr.md",
            body_line: int = 4):
    """The converter's Markup, or the exception it raised (Python-Markdown fails on some odd input:
    tests/sites/errors/markdown-crash): both converters must fail alike."""
    try:
        return converter.convert(body, source_rel=source_rel, body_line=body_line)
    except Exception as exc:  # noqa: BLE001
        return (type(exc), str(exc))


def convert_both(body: str, **where):
    return outcome(FAST, body, **where), outcome(PLAIN, body, **where)


@settings(max_examples=600, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
# syntax that only exists once Markdown has stripped or split the text around it (markdown_speedups.OPTIONAL_EXTENSIONS)
@example("[TOC]\n")
@example('<h2 markdown="1">Title</h2>\n')
@example('<div markdown="1">\n<h2>Title</h2>\n</div>\n')
@example('<div markdown="1">Title\n===</div>\n')
@example("> Title\n> ---\n")
@example("> Term\n> : def\n")
@example('<div markdown="1"><p>x</p>: def</div>\n')
@example('<div markdown="1">\n<dl>\n<dd>x</dd>\n</dl>\n\n    indented\n</div>\n')
@example("*\x02[HTML]: Hyper\n\nHTML\n")
@example("ab\t\ncd\n")
# what the raw HTML step and the whitespace step change without a tag or a line ending with a space
@example("x &#58 y\n")  # the raw HTML parser completes a character reference
@example("a\n \nb\n")  # a line of spaces is a blank line
def test_generated_documents_convert_as_plain_markdown(body):
    fast, plain = convert_both(body)
    assert fast == plain


def content_files() -> list[Path]:
    files = sorted((ROOT / "content").rglob("*.md")) + sorted((ROOT / "tests" / "sites").rglob("*.md"))
    assert len(files) > 50
    return files


def site_document(path: Path) -> dict:
    rel = str(path.relative_to(ROOT))
    try:
        front = split(decode(path.read_bytes(), rel), rel)
        body, body_line = front.body, front.body_line
    except (ContentError, ContentErrors):  # a test site's deliberately broken file: Markdown all the same
        body, body_line = path.read_bytes().decode("utf-8", "replace"), 1
    return {"body": body, "source_rel": "content/" + rel.split("content/", 1)[-1], "body_line": body_line}


@pytest.mark.parametrize("path", content_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_site_files_convert_as_plain_markdown(path):
    fast, plain = convert_both(**site_document(path))
    assert fast == plain


def test_a_plain_document_is_converted_without_the_syntax_it_does_not_use():
    converter = Converter(speedups=True)
    plain = converter._markdown_for("A paragraph with [a link](../pages/x.fr.md).\n\n- and\n- a list\n")
    assert "table" not in plain.parser.blockprocessors and "footnote" not in plain.inlinePatterns
    assert "link" in plain.inlinePatterns and "backtick" not in plain.inlinePatterns
    rich = converter._markdown_for("# T\n\n| a | b |\n|---|---|\n\n`x`[^1]\n\n[^1]: n\n")
    assert "table" in rich.parser.blockprocessors and "footnote" in rich.inlinePatterns
    assert "backtick" in rich.inlinePatterns and "toc" in rich.treeprocessors


def test_the_speedups_apply_to_the_tested_markdown_versions_only():
    first, last_excluded = markdown_speedups.TESTED_MARKDOWN
    assert markdown_speedups.speedups_apply((*first, 0))
    assert markdown_speedups.speedups_apply((last_excluded[0], last_excluded[1] - 1, 99))
    assert not markdown_speedups.speedups_apply((first[0], first[1] - 1, 99))
    assert not markdown_speedups.speedups_apply((*last_excluded, 0))
    assert not markdown_speedups.speedups_apply((last_excluded[0] + 1, 0, 0))


@pytest.mark.parametrize("outside", ["before", "after"])
def test_outside_the_tested_versions_markdown_is_used_plainly_with_the_same_output(monkeypatch, outside):
    first, last_excluded = markdown_speedups.TESTED_MARKDOWN
    version = (first[0], first[1] - 1, 0) if outside == "before" else (*last_excluded, 0)
    monkeypatch.setattr(markdown_speedups, "installed_markdown", lambda: version)
    converter = Converter()
    assert not converter.speedups and converter._by_syntax is None
    for path in content_files():
        document = site_document(path)
        assert outcome(converter, **document) == outcome(FAST, **document), path


def test_within_the_tested_versions_the_speedups_are_used(monkeypatch):
    first, _ = markdown_speedups.TESTED_MARKDOWN
    monkeypatch.setattr(markdown_speedups, "installed_markdown", lambda: (*first, 0))
    assert Converter().speedups


def test_pyproject_caps_markdown_where_the_tested_versions_end():
    """Every version pip may install is then one the speed-ups are checked with, or an older one used plainly."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    (requirement,) = [line for line in dependencies if re.match(r"markdown\b(?!-)", line, re.I)]
    first, last_excluded = markdown_speedups.TESTED_MARKDOWN
    lowest = re.search(r">=\s*(\d+)\.(\d+)", requirement)
    assert lowest and (int(lowest[1]), int(lowest[2])) <= first, requirement
    assert re.search(rf"<\s*{last_excluded[0]}\.{last_excluded[1]}(?![.\d])", requirement), requirement

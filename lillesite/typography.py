"""Language typography applied to a finished page: only text between tags, never code, URLs or attributes.

French: its spaces and apostrophes (l’Europe); English: its apostrophes (Lille Metropole’s).
"""
from __future__ import annotations

import re
from typing import Callable

from lillesite import runtime

NNBSP = "\u202f"  # narrow no-break space
NBSP = "\u00a0"

_RAW_ELEMENTS = ("code", "pre", "kbd", "samp", "script", "style", "textarea", "var")
_OPEN_RAW = re.compile(r"<(" + "|".join(_RAW_ELEMENTS) + r")[\s>]", re.I)
# The same, to search with: testing first, in one step, the letter after '<' rules out most tags quickly.
_FIND_RAW = re.compile("<(?=[" + "".join(sorted({name[0] for name in _RAW_ELEMENTS})) + "])" + _OPEN_RAW.pattern[1:],
                       re.I)

APOSTROPHE = "\u2019"  # ’, the French apostrophe
_FRENCH_RULES = [
    (re.compile(r"'"), APOSTROPHE),  # l'Europe -> l’Europe (text only: never code, URLs or attributes)
    (re.compile(r"[ \u00a0\u202f]+([;:!?»])"), NNBSP + r"\1"),  # espace fine avant ; : ! ? et »
    (re.compile(r"(?<=\w)([;!?»])(?=\s|$)"), NNBSP + r"\1"),  # 'Attention!' -> 'Attention !'; not ':' (times)
    (re.compile(r"«[ \u00a0\u202f]*"), "«" + NNBSP),
    (re.compile(r"(?<=\d)[ \u00a0](?=\d{3}(?!\d))"), NNBSP),  # 110 000
    (re.compile(r"(?<=\d)[ \u00a0]?(%|‰|€)"), NNBSP + r"\1"),  # 35 %
    (re.compile(r"(?<=\d)[ \u00a0](?=(?:millions?|milliards?|km|h|min|M)\b)"), NBSP),  # 1,2 million
]
# Matches wherever a rule does, one branch per rule but without their lookaheads (so that it also finds, in
# a whole text, what a rule finds in a piece of it): where it finds nothing, every rule leaves the text alone.
# Each branch starts with a trigger character, which lets re jump from trigger to trigger.
_FRENCH_CANDIDATE = re.compile(
    r"[;:!?»](?<=[ \u00a0\u202f].)|[;!?»](?<=\w.)|«|'|&#39;"
    r"|\d(?:[ \u00a0]\d{3}|[ \u00a0]?[%‰€]|[ \u00a0](?:millions?|milliards?|km|h|min|M))"
)

# Left as written: entities ('&amp;', '&#39;'), and URLs or e-mail addresses shown as text.
_UNTOUCHABLE = re.compile(r"(&#?\w+;|\b(?:https?|ftp)://\S+|\bwww\.\S+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
_FRENCH_TRIGGERS = r";:!?»«\d'&"  # a text where a rule matches holds one of these

# A page is cut into text, comments and tags as re.split on _TAG_OR_COMMENT cuts it: a comment ends at the
# first '-->', a tag at the first '>' (even inside quotes), and the text after the page's last '>' is one run
# even if it holds a '<'. The skips pass over, in C and a whole page at a time, what _apply need not see.
# They consume only whole comments, tags and text runs, so wherever they stop, the cut is the same.
# Atomic groups (?>…), not possessive quantifiers (*+, ++): Python 3.11.0-3.11.2 (Debian 12's python3)
# repeats a possessive group wrongly, and the skip then passed over text holding a trigger.
_TAG_OR_COMMENT = re.compile(r"<!--.*?-->|<[^>]*>", re.S)
_SKIP_OUTSIDE_RAW = re.compile(rf"""(?>(?:
    <!--.*?-->                          # a comment
  | <(?!!--)[^>]*>                      # a tag (a comment whose '-->' lies past endpos is left to the loop)
  | (?>[^<{_FRENCH_TRIGGERS}]+)(?=<)    # text without a trigger, followed by a tag
)*)""", re.S | re.X)
_SKIP_INSIDE_RAW = re.compile(r"(?>(?:<!--.*?-->|<(?!/|!--)[^>]*>|(?>[^<]+))*)", re.S)  # stops at closing tags


@runtime.memoized(maxsize=4096)  # menus, footers and titles come back on page after page
def _french_text(text: str) -> str:
    if not _FRENCH_CANDIDATE.search(text):
        return text  # most text runs, dates and counts among them
    pieces = _UNTOUCHABLE.split(text.replace("&#39;", APOSTROPHE))  # the apostrophe as Jinja escapes it
    for index in range(0, len(pieces), 2):
        if not _FRENCH_CANDIDATE.search(pieces[index]):
            continue  # 'd' and 'essai' around '&#39;', for one
        for pattern, replacement in _FRENCH_RULES:
            pieces[index] = pattern.sub(replacement, pieces[index])
    return "".join(pieces)


@runtime.memoized(maxsize=4096)
def _english_text(text: str) -> str:
    """English keeps its curly quotes (“La Fraise”): its apostrophes are curly too (Lille Metropole’s)."""
    if "'" not in text and "&#39;" not in text:
        return text
    pieces = _UNTOUCHABLE.split(text.replace("&#39;", APOSTROPHE))
    pieces[::2] = [piece.replace("'", APOSTROPHE) for piece in pieces[::2]]
    return "".join(pieces)


def _apply(html: str, fix: Callable[[str], str]) -> str:
    """fix() on each text run outside raw elements; it must leave a text without _FRENCH_TRIGGERS alone.

    The old loop over every part of re.split, done only where it matters: at the text runs holding a trigger,
    and at the tags where _FIND_RAW matches (or that may close a raw element, inside one).
    """
    end = html.rfind(">") + 1  # before it, every '<' starts a tag or a comment; after it, all is text
    pieces: list[str] = []  # the page up to the last text run fix() changed
    copied = position = 0  # html[:copied] is in pieces; html[:position] has been read
    raw_depth: list[str] = []  # the raw elements open here, innermost last
    next_raw = -1  # where _FIND_RAW matches next (maybe in an attribute or a comment): the skips stop there
    while True:
        if next_raw < position:
            found = _FIND_RAW.search(html, position, end)
            next_raw = found.start() if found else end
        position = (_SKIP_INSIDE_RAW if raw_depth else _SKIP_OUTSIDE_RAW).match(html, position, next_raw).end()
        if position < end and html[position] == "<":  # a tag or comment that may open or close a raw element
            close = _TAG_OR_COMMENT.match(html, position).end()
            tag = html[position:close]
            if raw_depth and tag.lower().startswith("</" + raw_depth[-1]):
                raw_depth.pop()
            elif (opening := _OPEN_RAW.match(tag)) and not tag.endswith("/>"):
                raw_depth.append(opening.group(1).lower())
            position = close
            continue
        # a text run that may hold a trigger: up to the next tag, or the end of the page for the last one
        stop = html.find("<", position, end)
        if stop < 0:
            stop = len(html)
        if not raw_depth:
            text = html[position:stop]
            fixed = fix(text)
            if fixed != text:
                pieces += (html[copied:position], fixed)
                copied = stop
        if stop == len(html):
            break
        position = stop
    if not pieces:
        return html
    pieces.append(html[copied:])
    return "".join(pieces)


def for_language(code: str) -> Callable[[str], str] | None:
    """The typography pass for a language, if it has one."""
    if code == "fr" or code.startswith("fr-"):
        return lambda html: _apply(html, _french_text)
    if code == "en" or code.startswith("en-"):
        return lambda html: _apply(html, _english_text)
    return None

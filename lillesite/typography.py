"""Language typography applied to a finished page: only text between tags, never code, URLs or attributes."""
from __future__ import annotations

import re
from typing import Callable

NNBSP = "\u202f"  # narrow no-break space
NBSP = "\u00a0"

_TAG_OR_TEXT = re.compile(r"(<!--.*?-->|<[^>]*>)", re.S)
_RAW_ELEMENTS = ("code", "pre", "kbd", "samp", "script", "style", "textarea", "var")
_OPEN_RAW = re.compile(r"<(" + "|".join(_RAW_ELEMENTS) + r")[\s>]", re.I)

_FRENCH_RULES = [
    (re.compile(r"[ \u00a0\u202f]+([;:!?»])"), NNBSP + r"\1"),  # espace fine avant ; : ! ? et »
    (re.compile(r"(?<=\w)([;!?»])(?=\s|$)"), NNBSP + r"\1"),  # 'Attention!' -> 'Attention !'; not ':' (times)
    (re.compile(r"«[ \u00a0\u202f]*"), "«" + NNBSP),
    (re.compile(r"(?<=\d)[ \u00a0](?=\d{3}(?!\d))"), NNBSP),  # 110 000
    (re.compile(r"(?<=\d)[ \u00a0]?(%|‰|€)"), NNBSP + r"\1"),  # 35 %
    (re.compile(r"(?<=\d)[ \u00a0](?=(?:millions?|milliards?|km|h|min|M)\b)"), NBSP),  # 1,2 million
]


# Left as written: entities ('&amp;', '&#39;'), and URLs or e-mail addresses shown as text.
_UNTOUCHABLE = re.compile(r"(&#?\w+;|\b(?:https?|ftp)://\S+|\bwww\.\S+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
_FRENCH_TRIGGER = re.compile(r"[;:!?»«\d]")  # every rule's match holds one of these


def _french_text(text: str) -> str:
    if not _FRENCH_TRIGGER.search(text):
        return text  # most text between tags: skip the six rules
    pieces = _UNTOUCHABLE.split(text)
    for index in range(0, len(pieces), 2):
        for pattern, replacement in _FRENCH_RULES:
            pieces[index] = pattern.sub(replacement, pieces[index])
    return "".join(pieces)


def _apply(html: str, fix: Callable[[str], str]) -> str:
    parts = _TAG_OR_TEXT.split(html)
    raw_depth: list[str] = []
    for index, part in enumerate(parts):
        if index % 2:  # a tag or comment
            lowered = part.lower()
            if raw_depth and lowered.startswith("</" + raw_depth[-1]):
                raw_depth.pop()
            elif _OPEN_RAW.match(part) and not part.endswith("/>"):
                raw_depth.append(_OPEN_RAW.match(part).group(1).lower())
        elif part and not raw_depth:
            parts[index] = fix(part)
    return "".join(parts)


def for_language(code: str) -> Callable[[str], str] | None:
    """The typography pass for a language, if it has one."""
    if code == "fr" or code.startswith("fr-"):
        return lambda html: _apply(html, _french_text)
    return None

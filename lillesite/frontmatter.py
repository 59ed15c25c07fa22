"""Split a content file into front matter and body; validate the closed set of keys.

The keys are declared once, in SCHEMA at the end of this module: each with its check, whether
translations inherit it, and what it means (README's front matter table says the same, a test sees to it).
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from lillesite import yamltext
from lillesite.errors import ContentError, Diagnostics, Location
from lillesite.messages import _
from lillesite.sources import calendar_date

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # tab and line feed are fine
ALIAS_RE = re.compile(r"^/(?:[A-Za-z0-9._~%!$&'()*+,;=:@-]+/?)*$")


class _Loader(yamltext.Loader):
    """Dates stay text, so an impossible date is reported on its key's line."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yamltext.Loader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class FrontMatter:
    values: dict[str, Any]  # validated; only keys present in the file
    body: str  # Markdown text after the closing '---'
    body_line: int  # line of the body's first line in the file
    text: str = field(repr=False)  # the whole file, decoded and with LF line ends


def decode(raw: bytes, where: str) -> str:
    """UTF-8 (a BOM accepted) with LF line ends."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError(
            _("not UTF-8 text (byte 0x{byte:02x})", byte=raw[exc.start]),
            Location(where, line),
            hint=_("save the file as UTF-8"),
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    control = _CONTROL_RE.search(text)
    if control:
        raise ContentError(
            _("invisible control character U+{code:04X} in the text", code=ord(control.group())),
            Location(where, text.count("\n", 0, control.start()) + 1),
            hint=_("often pasted from another program: delete it"),
        )
    return text


def split(text: str, where: str) -> FrontMatter:
    if not text.strip():
        raise ContentError(_("empty file: it needs front matter with at least a title"), Location(where, 1))
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        raise ContentError(
            _("missing front matter: the file must start with a line '---'"),
            Location(where, 1),
            hint=_("start with three lines: '---', 'title: \"The title\"', '---'"),
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            break
    else:
        raise ContentError(_("front matter opened on line 1 is never closed with a line '---'"), Location(where, 1))
    yaml_text = "\n".join(lines[1:index])
    try:
        data = yamltext.load(yaml_text, _Loader) if yaml_text.strip() else {}
    except yamltext.YamlSyntaxError as exc:
        # +1: the '---' line above the YAML
        raise ContentError(_("front matter: {problem}", problem=exc.message), Location(where, exc.line + 1 if exc.line else 2),
                           hint=exc.hint) from None
    if not isinstance(data, dict):
        raise ContentError(
            _("front matter must be 'key: value' lines, not {kind}", kind=_kind(data)),
            Location(where, 2),
        )
    values = validate(data, yaml_text, where)
    body = "\n".join(lines[index + 1:])
    return FrontMatter(values=values, body=body, body_line=index + 2, text=text)


class _Checker:
    def __init__(self, yaml_text: str, where: str):
        self.yaml_text, self.where = yaml_text, where
        self.found = Diagnostics()

    def line(self, key: str) -> int:
        found = yamltext.key_line(self.yaml_text, (key,))
        return found + 1 if found else 2  # +1: the '---' line above the YAML

    def fail(self, key: str, message: str, hint: str | None = None) -> None:
        self.found.add(ContentError(_("{key}: {problem}", key=key, problem=message), Location(self.where, self.line(key)), hint=hint))


def validate(data: dict, yaml_text: str, where: str) -> dict[str, Any]:
    """The values checked by SCHEMA; ContentErrors with every bad key of the file."""
    c = _Checker(yaml_text, where)
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in SCHEMA:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            c.fail(str(key), _("unknown front matter key"),
                   hint=_("did you mean {key!r}?", key=close[0]) if close
                   else _("allowed keys: {keys}", keys=", ".join(KEYS)))
            continue
        checked = SCHEMA[key].check(c, key, value)
        if checked is not None:
            values[key] = checked
    for key in REQUIRED_KEYS:
        if key not in data:
            c.found.add(ContentError(_("missing {key}: add a line '{key}: \"...\"' to the front matter", key=key),
                                         Location(where, 2)))
    if c.found:
        raise ContentErrors(list(c.found))
    return values


class ContentErrors(Exception):
    """Several errors of one file: every bad key, so an editor fixes them in one pass."""

    def __init__(self, errors: list[ContentError]):
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


def _text(c: _Checker, key: str, value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        c.fail(key, _("expected text, got {kind}", kind=_kind(value)), hint=_("put the text in double quotes"))
        return None
    if _has_control(value):
        c.fail(key, _("contains invisible control characters or invalid characters"))
        return None
    return value.strip()


def _title(c: _Checker, key: str, value: Any) -> str | None:
    text = _text(c, key, value)
    if text == "":
        c.fail(key, _("is empty"))
        return None
    return text


def _has_control(value: str) -> bool:
    """Invisible control characters, and what is not a character at all (lone surrogates, U+FFFE/U+FFFF)."""
    return bool(_CONTROL_RE.search(value)) or any(0xD800 <= ord(ch) < 0xE000 or ch in "\ufffe\uffff" for ch in value)


def _kind(value: Any) -> str:
    if value is None:
        return _("nothing")
    return {bool: _("true/false"), str: _("a text"), bytes: _("binary data"), int: _("a number"), float: _("a number"),
            list: _("a list"), dict: _("a mapping")}.get(type(value), type(value).__name__)


def _date(c: _Checker, key: str, value: Any) -> dt.datetime | dt.date | None:
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        # YAML reads an unquoted 14:30 as a number of minutes (870): a time written without its date
        time = f"{value // 60:02d}:{value % 60:02d}"
        c.fail(key, _("{time} is a time alone: a date is needed too", time=time),
               hint=_("write the date and the time, such as 2023-03-31 {time}", time=time))
        return None
    if not isinstance(value, str):
        c.fail(key, _("expected a date such as 2023-03-31 or 2023-03-31 14:30, got {kind}", kind=_kind(value)))
        return None
    text = value.strip()
    hint = _("write it as YYYY-MM-DD or YYYY-MM-DD HH:MM")
    day = re.match(r"(\d{4}-\d{2}-\d{2})(?=$|[ T])", text)
    if day:
        try:
            calendar_date(day.group(1))
        except ValueError as exc:
            c.fail(key, _("{value!r} is an impossible date: {reason}", value=value, reason=exc.args[0]), hint=hint)
            return None
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        c.fail(key, _("{value!r} is not a date", value=value), hint=hint)
        return None


def _tags(c: _Checker, key: str, value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        c.fail(key, _("expected a list of words such as [culture, economy], got {kind}", kind=_kind(value)))
        return None
    bad = [t for t in value if not isinstance(t, str) or not t.strip()]
    if bad:
        empty = bad[0] is None or isinstance(bad[0], str)
        c.fail(key, _("a tag is empty") if empty
               else _("each tag must be a word, but {tag!r} is {kind}", tag=bad[0], kind=_kind(bad[0])),
               hint=_("write tags as words, e.g. [culture, economy]; put numbers in quotes"))
        return None
    if any(_has_control(t) for t in value):
        c.fail(key, _("contains invisible control characters or invalid characters"))
        return None
    return tuple(dict.fromkeys(t.strip() for t in value))


def _slug(c: _Checker, key: str, value: Any) -> str | None:
    if not isinstance(value, str) or not SLUG_RE.match(value):
        c.fail(key, _("{value!r} is not a URL segment: use lowercase letters, digits and '-' only", value=value),
               hint=_("for example 'bureau-ue'"))
        return None
    return value


def _bool(c: _Checker, key: str, value: Any) -> bool | None:
    if not isinstance(value, bool):
        c.fail(key, _("expected true or false, got {value!r}", value=value),
               hint=_("write '{key}: true' or '{key}: false', without quotes", key=key))
        return None
    return value


def _image(c: _Checker, key: str, value: Any) -> str | None:
    text = _text(c, key, value)
    if text is None:
        return None
    written_as_in_text = re.match(r"^(?:\.\./)*static/(.+)$", text)  # '../../static/images/x.jpg', as in the text
    if written_as_in_text:
        text = written_as_in_text.group(1)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//", text) or ".." in text.split("/") or "\\" in text:
        c.fail(key, _("{path!r}: give a path inside static/, such as 'images/photo.jpg' (or, as in the text, "
                      "'../../static/images/photo.jpg')", path=text))
        return None
    return text.lstrip("/")


def _aliases(c: _Checker, key: str, value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        c.fail(key, _("expected a list of old URLs such as ['/old/page/'], got {kind}", kind=_kind(value)))
        return None
    result = []
    for alias in value:
        if (not isinstance(alias, str) or not ALIAS_RE.match(alias) or "//" in alias
                or ".." in alias.split("/") or "%2f" in alias.lower() or "%2e" in alias.lower()):
            c.fail(key, _("{alias!r} is not a URL path of this site (it must start with '/' and contain no '..')",
                         alias=alias))
            return None
        result.append(alias)
    return tuple(result)


def _menu(c: _Checker, key: str, value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        c.fail(key, _("expected a whole number (the position in the menu), got {value!r}", value=value))
        return None
    return value


def _fingerprint(c: _Checker, key: str, value: Any) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{8,64}", value):
        c.fail(key, _("expected the fingerprint written by 'lillesite translations --mark-done'"))
        return None
    return value


@dataclass(frozen=True)
class Key:
    """A front matter key."""

    check: Callable[[_Checker, str, Any], Any]  # the value as the site uses it; None once the problem is reported
    doc: str  # what it means, as README's front matter table says it
    inherited: bool = False  # the same in every language: given in the source-language file, translations inherit it
    required: bool = False


# The closed set of front matter keys, in the order the README and the "allowed keys" hint list them.
SCHEMA: dict[str, Key] = {
    "title": Key(_title, "required", required=True),
    "summary": Key(_text, "the teaser on lists, in feeds and for search engines; default: the first paragraph"),
    "date": Key(_date, "news only: a time (`2023-03-31 14:30`) or full date-time; must agree with the file name's date",
                inherited=True),
    "tags": Key(_tags, "news: a list of topic keys from `tags.labels` in `site.yml`, e.g. `[culture, eu-affairs]`",
                inherited=True),
    "slug": Key(_slug, "the page's URL segment in this language (lowercase letters, digits, `-`)"),
    "draft": Key(_bool, "`true` keeps the file out of the published site (`--drafts` shows it)"),
    "image": Key(_image, "a picture in `static/` (`images/photo.jpg`)", inherited=True),
    "image_alt": Key(_text, "its description for blind readers"),  # README: one row with image
    "image_credit": Key(_text, "who took the photo (`Photo: Jeanne Martin`): shown under it, as French law requires",
                        inherited=True),
    "aliases": Key(_aliases, "old URLs of this page (`[/old/path/]`): they redirect here"),
    "menu": Key(_menu, "pages: position in the main menu (10, 20, …); pages without it are not in the menu",
                inherited=True),
    "translated_from": Key(_fingerprint, "written by `lillesite translations --mark-done`: "
                                         "which version of the original this translates"),
}
KEYS = tuple(SCHEMA)
SHARED_KEYS = tuple(key for key, spec in SCHEMA.items() if spec.inherited)  # what translations inherit
REQUIRED_KEYS = tuple(key for key, spec in SCHEMA.items() if spec.required)

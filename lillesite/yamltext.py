"""YAML parsing shared by site.yml and front matter: fast loader, plain-language errors with real lines."""
from __future__ import annotations

import yaml

from lillesite.messages import _

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ComposeLoader = yaml.SafeLoader  # the pure loader keeps marks for every node


class Loader(_BaseLoader):
    """The safe loader, except that a key given twice is an error instead of silently keeping the last."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, _value in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, _("the key {key!r} is given twice", key=key_node.value), key_node.start_mark)
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


class YamlSyntaxError(Exception):
    """The parser's own exception, not a finding: its line counts within the parsed text, and only the
    caller knows the file and where that text starts in it (front matter begins below its '---'), so
    site.yml and front matter each turn it into their finding where they call load()."""

    def __init__(self, message: str, line: int | None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.line = line  # 1-based, within the parsed text
        self.hint = hint


# What PyYAML says -> what an editor needs to read (message, hint, report at the start of the construct?).
_PLAIN = (
    ("while scanning a quoted scalar", _("a quote opened on this line is never closed"),
     _("end the text with the same quote mark it starts with"), True),
    ("while parsing a flow sequence", _("a list opened with '[' on this line is never closed with ']'"),
     _("write lists as [first, second]"), True),
    ("while parsing a flow mapping", _("a '{' opened on this line is never closed with '}'"), None, True),
    ("mapping values are not allowed", _("a ':' followed by a space inside a value"),
     _("put the whole value in double quotes, e.g. title: \"Lille : le bilan\""), False),
    ("found a tab character", _("a tab character is used for indentation; YAML needs spaces"), None, False),
    ("found character '\\t'", _("a tab character is used for indentation; YAML needs spaces"), None, False),
    ("invalid Unicode character escape", _("a '\\u' escape here is not a real character (e.g. a lone '\\ud800')"),
     _("type the character itself instead of its code"), False),
    ("found undefined alias", _("'*' starts a YAML alias; put the value in double quotes"), None, False),
    ("could not determine a constructor", _("unsupported YAML tag ('!'); put the value in double quotes"), None, False),
)


def load(text: str, loader: type = Loader):
    """Parse YAML; a syntax error becomes a YamlSyntaxError with its 1-based line within `text`."""
    try:
        return yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        raise _plain(exc, text) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(_("invalid YAML: {detail}", detail=str(exc)), None) from None


def _plain(exc: yaml.MarkedYAMLError, text: str) -> YamlSyntaxError:
    problem, context = exc.problem or "", exc.context or ""
    problem_line = exc.problem_mark.line + 1 if exc.problem_mark else None
    context_line = exc.context_mark.line + 1 if exc.context_mark else None
    for needle, message, hint, at_start in _PLAIN:
        if needle in context or needle in problem:
            return YamlSyntaxError(message, (context_line if at_start else None) or problem_line, hint)
    if problem.startswith("the key "):  # our duplicate-key error
        return YamlSyntaxError(problem, problem_line, _("keep only one of them"))
    # libyaml's words, then PyYAML's
    if ("did not find expected key" in problem or "but found '<scalar>'" in problem) and problem_line:
        nested = _nested_quotes(text.split("\n")[problem_line - 1])
        if nested:
            nested.line = problem_line
            return nested
    detail = f"{context}, {problem}" if context else problem
    return YamlSyntaxError(_("invalid YAML: {detail}", detail=detail or str(exc)), problem_line or context_line)


def _nested_quotes(line: str) -> YamlSyntaxError | None:
    """`title: "Le "Green Deal" à Lille"`: the second quote mark ends the text, and YAML finds more text
    after it. Say so, and show the line written so that YAML reads it whole."""
    key, sep, value = line.partition(": ")
    value = value.strip()
    if not sep or len(value) < 2 or value[0] not in "\"'" or value[-1] != value[0]:
        return None
    quote, inner = value[0], value[1:-1]
    if quote == "'" and "'" in inner and '"' not in inner:
        fixed = f'{key}: "{inner}"'
    elif quote == '"' and "'" not in inner:
        fixed = f"{key}: '{inner}'"
    elif quote == "'":
        fixed = f"{key}: '{inner.replace(chr(39), chr(39) * 2)}'"
    else:
        fixed = f'{key}: "{inner.replace(chr(34), chr(92) + chr(34))}"'
    return YamlSyntaxError(
        _("the text starts with {quote} and has another {quote} inside it, which ends it too early",
          quote=quote),
        None,
        _("write the line as {fixed}", fixed=fixed))


def key_line(text: str, keys: tuple[str, ...]) -> int | None:
    """The 1-based line of a (nested) mapping key, found only when an error needs it."""
    try:
        node = yaml.compose(text, Loader=_ComposeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            break
        for key_node, value_node in node.value:
            if key_node.value == key:
                line = key_node.start_mark.line + 1
                node = value_node
                break
        else:
            break
    return line

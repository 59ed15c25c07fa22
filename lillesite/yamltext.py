"""YAML parsing shared by site.yml and front matter: fast loader, errors with real lines."""
from __future__ import annotations

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ComposeLoader = yaml.SafeLoader  # the pure loader keeps marks for every node


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.message = message
        self.line = line


def load(text: str):
    """Parse YAML; a syntax error carries its 1-based line within `text`."""
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        return _raise(f"invalid YAML: {problem}", mark.line + 1 if mark else None)
    except yaml.YAMLError as exc:
        _raise(f"invalid YAML: {exc}", None)


def _raise(message: str, line: int | None):
    raise YamlSyntaxError(message, line)


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


"""Messages in the editor's language: written in English, translated where they are shown.

A message is written `_("URL {url} is also produced by {other}", url=url, other=other)`: a `Message`,
a str whose value is the English text (what every stage, test and cache sees), keeping its template and
arguments. Only the display (`cli.report`, the preview's banner, the CLI's help) translates it, with the
`Translator` of the editor's environment: the French catalogue's text for the template, formatted with the
arguments (messages among them translated too), or the English when the catalogue has none. So the core
never looks at the process's locale, and one build's findings can be shown in any language (the no-op
build replays the last build's findings, the preview's banner shows them).

The catalogue is lillesite/locale/<lang>/LC_MESSAGES/lillesite.po, compiled to the .mo beside it, which
the stdlib's gettext reads: docs/translating.md says how to update both.
"""
from __future__ import annotations

import gettext
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "lillesite"


class Message(str):
    """English text that remembers how it was made, so that it can be made again in another language."""

    template: str
    args: dict[str, Any]

    def __new__(cls, template: str, /, **args: Any) -> Message:
        message = super().__new__(cls, template.format(**args) if args else template)
        message.template = template
        message.args = args
        return message

    def __reduce__(self):  # found in the build cache and in worker processes' answers: pickled
        return (_restore, (self.template, self.args))


def _restore(template: str, args: dict[str, Any]) -> Message:
    return Message(template, **args)


def _(template: str, /, **args: Any) -> Message:
    """A message to show the editor: `template` is English, with `{name}` fields filled from `args`
    (`{name!r}` quotes a user's value). pybabel extracts the templates from calls to `_`."""
    return Message(template, **args)


@dataclass(frozen=True)
class Translator:
    """Turns messages into one language's text; plain strings pass through unchanged."""

    language: str  # "en" when no catalogue is used
    catalogue: gettext.NullTranslations

    def __call__(self, text: Any) -> str:
        if not isinstance(text, Message):
            return str(text)
        template = self.catalogue.gettext(text.template)
        if template == text.template and not any(isinstance(v, Message) for v in text.args.values()):
            return str(text)
        args = {name: self(value) if isinstance(value, Message) else value for name, value in text.args.items()}
        try:
            return template.format(**args) if args else template
        except (KeyError, IndexError, ValueError):  # a broken translation never hides the message
            return str(text)


ENGLISH = Translator("en", gettext.NullTranslations())


def recover(text: str, templates: tuple[Message, ...]) -> str:
    """English `text` made by a library (argparse) as the Message of the first of `templates` it reads as,
    its fields recovered the same way; `text` itself when none fits. The templates' fields have no
    conversion ({value}, not {value!r}): the text found is put back as it was."""
    for message in templates:
        pattern = re.sub(r"\\\{(\w+)\\\}", lambda field: f"(?P<{field.group(1)}>.+?)", re.escape(message.template))
        found = re.fullmatch(pattern, text, re.DOTALL)
        if found:
            return Message(message.template, **{name: recover(value, templates)
                                                for name, value in found.groupdict().items()})
    return text


def languages_of(environ: Mapping[str, str]) -> list[str]:
    """The languages the editor asked for, in order, by GNU gettext's rule (git's, since it uses it):
    the locale is the first of LC_ALL, LC_MESSAGES, LANG that is set; "C" or "POSIX" means untranslated;
    otherwise LANGUAGE, a ':'-separated list ("fr:en"), comes before the locale."""
    locale = next((environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(name)), "")
    base = locale.split(".")[0].split("@")[0]
    if base in ("C", "POSIX"):
        return []
    wanted = [lang for lang in environ.get("LANGUAGE", "").split(":") if lang]
    return wanted + ([locale] if locale else [])


def translator(environ: Mapping[str, str], *, localedir: Path = LOCALE_DIR) -> Translator:
    """The translator for the editor's environment (pass os.environ): English when nothing matches."""
    for lang in languages_of(environ):
        code = lang.split(".")[0].split("@")[0]
        if code.split("_")[0] == "en":  # the messages are written in English
            return ENGLISH
        found = gettext.find(DOMAIN, str(localedir), languages=[lang])
        if found is None:  # no catalogue for this language: try the next one
            continue
        with open(found, "rb") as mo:  # read here, not by gettext.translation(): it keeps a process-wide cache
            return Translator(code.split("_")[0], gettext.GNUTranslations(mo))
    return ENGLISH

"""The Jinja environment: site templates over the theme's, autoescape, StrictUndefined, gettext, filters."""
from __future__ import annotations

import json
import traceback
from pathlib import Path

import jinja2
from babel.support import NullTranslations

from lillesite import i18n
from lillesite.config import THEME_TEMPLATES, Config, Language
from lillesite.errors import Location, TemplateError
from lillesite.messages import _



class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates by name, kept in the build cache (whose version covers the code and this set-up);
    Jinja checks each against its template's source and recompiles what changed."""

    def __init__(self, store: dict[str, bytes]):
        self.store = store

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


def make_environment(config: Config, language: Language, translations: NullTranslations,
                     compiled: CompiledTemplates | None = None) -> jinja2.Environment:
    """One environment per language: gettext is bound to the environment, never to global state."""
    theme = jinja2.FileSystemLoader(THEME_TEMPLATES)
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(config.templates_dir),
        theme,
        jinja2.PrefixLoader({"theme": theme}),  # a site template may extend 'theme/base.html'
    ])
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(("html", "xml"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        bytecode_cache=compiled,
    )
    env.install_gettext_translations(translations, newstyle=True)
    env.globals["gettext"] = _remembered(env.globals["gettext"])
    locale = language.locale
    env.filters["date"] = lambda value, style="long": i18n.date_text(value, locale, style)
    env.filters["isodate"] = lambda value: value.isoformat()
    env.filters["jsonld"] = _jsonld
    return env


def _remembered(gettext):
    """Jinja's gettext, its result kept for each string used without variables: a page asks for the same
    few dozen strings, and every page of a language gets the same answers."""
    made: dict[tuple[str, bool], str] = {}

    @jinja2.pass_context
    def remembered(context, string: str, **variables):
        if variables:
            return gettext(context, string, **variables)
        key = (string, context.eval_ctx.autoescape)
        found = made.get(key)
        if found is None:
            found = made[key] = gettext(context, string)
        return found
    return remembered


def _jsonld(data) -> str:
    """JSON for a <script type="application/ld+json">: '<', '>' and '&' escaped so content cannot close it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=None)
    from markupsafe import Markup

    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def template_location(config: Config, filename: str | None, line: int | None) -> Location:
    if not filename:
        return Location("templates/", line)
    path = Path(filename)
    for root, shown in ((config.root, None), (THEME_TEMPLATES.parent.parent, "lillesite")):
        try:
            rel = path.resolve().relative_to(root.resolve()).as_posix()
            return Location(f"{shown}/{rel}" if shown else rel, line)
        except ValueError:
            continue
    return Location(filename, line)


def template_error(config: Config, exc: Exception, template_name: str) -> TemplateError:
    """Turn a Jinja error (syntax or while rendering) into 'templates/x.html:LINE: message'."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return TemplateError(_("template syntax error: {problem}", problem=exc.message),
                             template_location(config, exc.filename, exc.lineno))
    if isinstance(exc, jinja2.TemplateNotFound):
        return TemplateError(_("template not found: {name!r}", name=exc.name), Location(f"templates/{template_name}"))
    filename, line = None, None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml", ".txt")):
            filename, line = frame.filename, frame.lineno
    message = str(exc) if isinstance(exc, jinja2.UndefinedError) else f"{type(exc).__name__}: {exc}"
    return TemplateError(_("error while rendering {name!r}: {problem}", name=template_name, problem=message),
                         template_location(config, filename, line))

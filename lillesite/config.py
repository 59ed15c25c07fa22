"""The site's one config file, site.yml, validated once into a frozen Config."""
from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import babel

from lillesite import yamltext
from lillesite.errors import BuildFailed, ConfigError, Location

THEME_TEMPLATES = Path(__file__).parent / "theme" / "templates"  # the built-in theme, under the site's own
THEME_LOCALES = Path(__file__).parent / "theme" / "locales"
CONFIG_NAME = "site.yml"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47 code used in URLs, hreflang and <html lang>: "fr", "en", "nl"
    locale: str  # babel locale for dates and numbers: "fr_FR", "en_GB"
    name: str  # the language's name in that language: "Français"


@dataclass(frozen=True)
class Config:
    root: Path
    base_url: str  # always ends with "/"
    languages: tuple[Language, ...]
    default_language: str  # the source language: translations inherit from it, x-default points to it
    timezone: str
    title: dict[str, str]
    description: dict[str, str]
    news_slug: dict[str, str]
    news_per_page: int
    news_on_home: int
    news_menu: int | None
    feed_limit: int
    tags_slug: dict[str, str]
    tag_labels: dict[str, dict[str, str]]
    search_slug: dict[str, str] | None
    allow_embeds: bool
    source_text: str = field(default="", repr=False, compare=False)

    @functools.cached_property  # asked for on every file and page
    def language_codes(self) -> tuple[str, ...]:
        return tuple(lang.code for lang in self.languages)

    def language(self, code: str) -> Language:
        return next(lang for lang in self.languages if lang.code == code)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def static_dir(self) -> Path:
        return self.root / "static"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    def with_base_url(self, base_url: str) -> "Config":
        from dataclasses import replace

        return replace(self, base_url=_normalize_base_url(base_url, None))

    def tag_label(self, tag: str, lang: str) -> str:
        return self.tag_labels.get(tag, {}).get(lang, tag)


# key -> (required, description). The closed set of site.yml.
SCHEMA: dict[str, Any] = {
    "base_url": True,
    "default_language": True,
    "languages": True,
    "timezone": False,
    "title": True,
    "description": False,
    "news": {"slug", "per_page", "on_home", "menu", "feed_limit"},
    "tags": {"slug", "labels"},
    "search": {"slug"},
    "markdown": {"allow_embeds"},
}
REQUIRED_HINTS = {
    "base_url": "add the address the site is published at, e.g. 'base_url: https://example.org/'",
    "default_language": "add a line such as 'default_language: fr' (the language translations start from)",
    "languages": "add for example 'languages: {fr: {locale: fr_FR}, en: {locale: en_GB}}'",
    "title": "add for example 'title: {fr: Mon site, en: My site}'",
}


class _Reader:
    """Reads site.yml values, collecting every error with its line."""

    def __init__(self, path: Path, text: str, display: str):
        self.path, self.text, self.display = path, text, display
        self.errors: list[ConfigError] = []

    def error(self, keys: tuple[str, ...], message: str, hint: str | None = None) -> None:
        line = yamltext.key_line(self.text, keys)
        name = ".".join(keys)
        self.errors.append(
            ConfigError(f"Config value {name!r}: {message}", Location(self.display, line), hint=hint)
        )

    def unknown_keys(self, data: dict, allowed, prefix: tuple[str, ...]) -> None:
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), [str(a) for a in allowed], n=1)
                self.error(
                    prefix + (str(key),),
                    "unknown key",
                    hint=f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(allowed))}",
                )

    def per_language(self, keys, value, codes, *, slug=False, default=None) -> dict[str, str]:
        """A text given once for all languages, or as a mapping language -> text."""
        if value is None:
            value = default
        if isinstance(value, str) and not slug:
            return {code: value for code in codes}
        if not isinstance(value, dict):
            self.error(keys, "expected a mapping of language code to text" + ("" if slug else ", or a text"))
            return {code: "" for code in codes}
        for code in value:
            if code not in codes:
                self.error(keys + (str(code),), f"language {code!r} is not in 'languages'")
        result = {}
        for code in codes:
            text = value.get(code)
            if not isinstance(text, str) or not text.strip():
                self.error(keys, f"missing text for language {code!r}")
                text = ""
            elif slug and not SLUG_RE.match(text):
                self.error(keys + (code,), f"{text!r} is not a URL slug (lowercase letters, digits and '-')")
            result[code] = text
        return result

    def integer(self, keys, value, default, *, minimum=1, optional=False):
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.error(keys, f"expected a whole number of at least {minimum}, got {value!r}")
            return default
        return value


def _normalize_base_url(url: Any, reader: _Reader | None) -> str:
    parts = urlsplit(url) if isinstance(url, str) else None
    if not parts or parts.scheme not in ("http", "https") or not parts.netloc:
        message = f"expected an absolute http(s) URL such as 'https://example.org/', got {url!r}"
        if reader is None:
            raise BuildFailed([ConfigError(f"--base-url: {message}")])
        reader.error(("base_url",), message)
        return "https://example.invalid/"
    return url if url.endswith("/") else url + "/"


def _language(reader: _Reader, code: Any, spec: Any) -> Language | None:
    keys = ("languages", str(code))
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        reader.error(keys, "expected a mapping such as {locale: fr_FR}")
        return None
    reader.unknown_keys(spec, {"locale", "name"}, keys)
    if not isinstance(code, str) or not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", code):
        reader.error(keys, f"{code!r} is not a language code such as 'fr' or 'en'")
        return None
    locale_id = spec.get("locale", code.replace("-", "_"))
    try:
        locale = babel.Locale.parse(locale_id)
    except (ValueError, TypeError, babel.UnknownLocaleError):
        reader.error(keys, f"unknown language or locale {locale_id!r}")
        return None
    name = spec.get("name") or locale.get_language_name(locale)
    return Language(code=code, locale=str(locale), name=name[:1].upper() + name[1:])


def load_config(site_dir: Path) -> Config:
    """Read and validate site.yml; raise BuildFailed with every problem found."""
    root = site_dir.resolve()
    path = root / CONFIG_NAME
    display = CONFIG_NAME
    if not path.is_file():
        raise BuildFailed([ConfigError(f"no {CONFIG_NAME} here: is {str(site_dir)!r} a site directory?", Location(str(path)))])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BuildFailed([ConfigError(f"not UTF-8 text ({exc.reason})", Location(display))]) from None
    try:
        data = yamltext.load(text)
    except yamltext.YamlSyntaxError as exc:
        raise BuildFailed([ConfigError(exc.message, Location(display, exc.line), hint=exc.hint)]) from None
    if not isinstance(data, dict):
        raise BuildFailed([ConfigError("expected a mapping of settings", Location(display, 1))])

    r = _Reader(path, text, display)
    r.unknown_keys(data, SCHEMA, ())
    for key, required in SCHEMA.items():
        if required is True and key not in data:
            r.errors.append(ConfigError(f"Config value {key!r}: required", Location(display),
                                        hint=REQUIRED_HINTS.get(key)))
        elif isinstance(required, set) and key in data:
            if not isinstance(data[key], dict):
                r.error((key,), "expected a mapping")
                data[key] = {}
            else:
                r.unknown_keys(data[key], required, (key,))

    languages: list[Language] = []
    raw_languages = data.get("languages") or {}
    if isinstance(raw_languages, list):
        raw_languages = {code: None for code in raw_languages}
    if not isinstance(raw_languages, dict) or not raw_languages:
        r.error(("languages",), "expected a mapping of language codes, e.g. {fr: {locale: fr_FR}, en: {locale: en_GB}}")
    else:
        for code, spec in raw_languages.items():
            lang = _language(r, code, spec)
            if lang:
                languages.append(lang)
    codes = tuple(lang.code for lang in languages)

    default_language = data.get("default_language")
    if "default_language" in data and default_language not in codes:
        r.error(("default_language",), f"{default_language!r} is not one of the languages {list(codes)}")

    timezone = data.get("timezone", "Europe/Paris")
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        r.error(("timezone",), f"unknown time zone {timezone!r}", hint="for example 'Europe/Paris'")
        timezone = "UTC"

    news = data.get("news") or {}
    tags = data.get("tags") or {}
    search = data.get("search")
    markdown = data.get("markdown") or {}
    labels = tags.get("labels") or {}
    tag_labels: dict[str, dict[str, str]] = {}
    if not isinstance(labels, dict):
        r.error(("tags", "labels"), "expected a mapping of tag to {language: label}")
    else:
        for tag, names in labels.items():
            tag_labels[str(tag)] = r.per_language(("tags", "labels", str(tag)), names, codes)
    allow_embeds = markdown.get("allow_embeds", False)
    if not isinstance(allow_embeds, bool):
        r.error(("markdown", "allow_embeds"), "expected true or false")
        allow_embeds = False

    config = Config(
        root=root,
        base_url=_normalize_base_url(data.get("base_url"), r) if "base_url" in data else "https://example.invalid/",
        languages=tuple(languages),
        default_language=default_language if default_language in codes else (codes[0] if codes else "en"),
        timezone=str(timezone),
        title=r.per_language(("title",), data.get("title"), codes),
        description=r.per_language(("description",), data.get("description"), codes, default=""),
        news_slug=r.per_language(("news", "slug"), news.get("slug"), codes, slug=True, default={c: "news" for c in codes}),
        news_per_page=r.integer(("news", "per_page"), news.get("per_page"), 10),
        news_on_home=r.integer(("news", "on_home"), news.get("on_home"), 3, minimum=0),
        news_menu=r.integer(("news", "menu"), news.get("menu"), None, minimum=0),
        feed_limit=r.integer(("news", "feed_limit"), news.get("feed_limit"), 20),
        tags_slug=r.per_language(("tags", "slug"), tags.get("slug"), codes, slug=True, default={c: "tags" for c in codes}),
        tag_labels=tag_labels,
        search_slug=(
            r.per_language(("search", "slug"), search.get("slug"), codes, slug=True)
            if isinstance(search, dict) else None
        ),
        allow_embeds=allow_embeds,
        source_text=text,
    )
    if r.errors:
        raise BuildFailed(r.errors)
    return config

"""The site's one config file, site.yml, validated once into a frozen Config.

Each setting is declared once, as a field of Config whose Option says where it sits in site.yml, how it is
read and what it is when left out (MkDocs' typed `config_options`, in miniature). Loading walks those fields:
the closed set of keys, the "did you mean" hints, the required settings and the defaults all come from them.
Adding a setting is one field here plus the code that uses it.
"""
from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import babel

from lillesite import yamltext
from lillesite.errors import BuildFailed, ConfigError, Diagnostics, Location
from lillesite.messages import _

THEME_TEMPLATES = Path(__file__).parent / "theme" / "templates"  # the built-in theme, under the site's own
THEME_LOCALES = Path(__file__).parent / "theme" / "locales"
CONFIG_NAME = "site.yml"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The accessibility statuses in the words of the law (RGAA, décret 2019-768): an audit decides; none is "non-compliant".
ACCESSIBILITY_STATUSES = ("non-compliant", "partially-compliant", "compliant")
# The legal pages' URL segments by language; 'en' serves the languages without their own.
LEGAL_SLUGS = {
    "accessibility": {"fr": "accessibilite", "en": "accessibility"},
    "legal_notice": {"fr": "mentions-legales", "en": "legal-notice"},
    "personal_data": {"fr": "donnees-personnelles", "en": "personal-data"},
    "site_map": {"fr": "plan-du-site", "en": "site-map"},
}
# The settings of 'legal:' that only the site's owner can give: each left unknown prints a notice.
LEGAL_FACTS = ("statement_date", "publisher", "publisher_address", "director", "contact", "host", "host_address")
_NO_BASE_URL = "https://example.invalid/"  # stands in for a missing or bad base_url, already reported


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()  # what an Option reads for a key site.yml leaves out (unlike `key: null`, read as None)


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47 code used in URLs, hreflang and <html lang>: "fr", "en", "nl"
    locale: str  # babel locale for dates and numbers: "fr_FR", "en_GB"
    name: str  # the language's name in that language: "Français"


class _Reader:
    """Reads site.yml values, collecting every problem with its line."""

    def __init__(self, text: str, display: str, found: Diagnostics):
        self.text, self.display, self.found = text, display, found
        self.values: dict[str, Any] = {}  # the settings read so far, by Config field

    @property
    def codes(self) -> tuple[str, ...]:
        """The site's languages: `languages` is read before every setting given per language."""
        return tuple(lang.code for lang in self.values.get("languages", ()))

    def error(self, keys: tuple[str, ...], message: str, hint: str | None = None) -> None:
        line = yamltext.key_line(self.text, keys)
        name = ".".join(keys)
        self.found.add(ConfigError(_("Config value {name!r}: {message}", name=name, message=message),
                                    Location(self.display, line), hint=hint))

    def unknown_keys(self, data: dict, allowed, prefix: tuple[str, ...]) -> None:
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), [str(a) for a in allowed], n=1)
                self.error(
                    prefix + (str(key),),
                    _("unknown key"),
                    hint=_("did you mean {key!r}?", key=close[0]) if close
                    else _("known keys: {keys}", keys=", ".join(sorted(allowed))),
                )

    def per_language(self, keys: tuple[str, ...], value: Any, *, slug: bool = False) -> dict[str, str]:
        """A text given once for all languages, or as a mapping language -> text."""
        codes = self.codes
        if isinstance(value, str) and not slug:
            return {code: value for code in codes}
        if not isinstance(value, dict):
            self.error(keys, _("expected a mapping of language code to text") if slug
                       else _("expected a mapping of language code to text, or a text"))
            return {code: "" for code in codes}
        for code in value:
            if code not in codes:
                self.error(keys + (str(code),), _("language {code!r} is not in 'languages'", code=code))
        result = {}
        for code in codes:
            text = value.get(code)
            if not isinstance(text, str) or not text.strip():
                self.error(keys, _("missing text for language {code!r}", code=code))
                text = ""
            elif slug and not SLUG_RE.match(text):
                self.error(keys + (code,), _("{text!r} is not a URL slug (lowercase letters, digits and '-')", text=text))
            result[code] = text
        return result


# Options: how one setting is read. Each reads the value it is given (ABSENT when site.yml leaves it out),
# reports what is wrong through the reader, and returns what Config holds, a stand-in when the value is bad.


class Option:
    """A setting of site.yml: top-level ("title") or in a section ("news.per_page")."""

    def __init__(
        self,
        path: str,
        *,
        default: Any = None,
        required: str | None = None,
        enabled_by_section: bool = False,
    ):
        self.keys = tuple(path.split("."))
        assert len(self.keys) <= 2, "a setting is top-level or in one section"
        self.default = default  # the value when left out
        self.required = required  # the hint when left out, for a setting the site cannot do without
        # The feature is on when site.yml has the section (e.g. 'search:'): without it the value is None,
        # within it the setting is required.
        self.enabled_by_section = enabled_by_section

    def read(self, value: Any, r: _Reader) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({'.'.join(self.keys)!r})"


class BaseUrl(Option):
    """The address the site is published at, kept with a final '/'."""

    def read(self, value: Any, r: _Reader) -> str:
        if value is ABSENT:
            return _NO_BASE_URL
        normalized = _base_url(value)
        if normalized is None:
            r.error(self.keys, _bad_base_url(value))
            return _NO_BASE_URL
        return normalized


class Languages(Option):
    """Language code -> {locale, name} (both optional), or a plain list of codes."""

    def read(self, value: Any, r: _Reader) -> tuple[Language, ...]:
        specs = value if value is not ABSENT and value else {}
        if isinstance(specs, list):
            specs = {code: None for code in specs}
        if not isinstance(specs, dict) or not specs:
            r.error(self.keys, _("expected a mapping of language codes, e.g. {fr: {locale: fr_FR}, en: {locale: en_GB}}"))
            return ()
        return tuple(lang for code, spec in specs.items() if (lang := _language(r, code, spec)))


class DefaultLanguage(Option):
    """One of the languages: the one translations start from."""

    def read(self, value: Any, r: _Reader) -> str:
        codes = r.codes
        if value is not ABSENT and value not in codes:
            r.error(self.keys, _("{value!r} is not one of the languages {codes}", value=value, codes=list(codes)))
        return value if value in codes else (codes[0] if codes else "en")


class TimeZone(Option):
    """An IANA time zone name, e.g. 'Europe/Paris'."""

    def read(self, value: Any, r: _Reader) -> str:
        if value is ABSENT:
            value = self.default
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            r.error(self.keys, _("unknown time zone {value!r}", value=value), hint=_("for example 'Europe/Paris'"))
            return "UTC"
        return str(value)


class Texts(Option):
    """A text per language: given once for every language, or as a mapping language -> text."""

    def read(self, value: Any, r: _Reader) -> dict[str, str]:
        if value is ABSENT or value is None:
            value = self.default
        return r.per_language(self.keys, value)


class Slugs(Option):
    """A URL segment per language (language -> slug); `default` is one slug for every language, or a mapping
    language -> slug whose 'en' serves the languages it leaves out."""

    def read(self, value: Any, r: _Reader) -> dict[str, str]:
        if value is ABSENT or value is None:
            default = self.default
            if isinstance(default, dict):
                value = {code: default.get(code, default["en"]) for code in r.codes}
            else:
                value = None if default is None else {code: default for code in r.codes}
        return r.per_language(self.keys, value, slug=True)


class Integer(Option):
    """A whole number of at least `minimum`."""

    def __init__(self, path: str, *, default: int | None, minimum: int = 1):
        super().__init__(path, default=default)
        self.minimum = minimum

    def read(self, value: Any, r: _Reader) -> int | None:
        if value is ABSENT or value is None:
            return self.default
        if isinstance(value, bool) or not isinstance(value, int) or value < self.minimum:
            r.error(self.keys, _("expected a whole number of at least {minimum}, got {value!r}",
                                  minimum=self.minimum, value=value))
            return self.default
        return value


class Integers(Option):
    """A list of whole numbers of at least `minimum`, kept sorted and without repeats."""

    def __init__(self, path: str, *, default: tuple[int, ...], minimum: int = 1):
        super().__init__(path, default=default)
        self.minimum = minimum

    def read(self, value: Any, r: _Reader) -> tuple[int, ...]:
        if value is ABSENT or value is None:
            return self.default
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        if (not isinstance(value, list) or not value
                or any(isinstance(v, bool) or not isinstance(v, int) or v < self.minimum for v in value)):
            r.error(self.keys, f"expected a list of whole numbers of at least {self.minimum}, such as "
                               f"{list(self.default)}, got {value!r}")
            return self.default
        return tuple(sorted(set(value)))


class Boolean(Option):
    """true or false, unquoted."""

    def read(self, value: Any, r: _Reader) -> bool:
        if value is ABSENT:
            return self.default
        if not isinstance(value, bool):
            r.error(self.keys, _("expected true or false"))
            return self.default
        return value


class Choice(Option):
    """One of a few words, e.g. 'non-compliant'."""

    def __init__(self, path: str, *, choices: tuple[str, ...], hint: str, **kwargs):
        super().__init__(path, **kwargs)
        self.choices, self.hint = choices, hint

    def read(self, value: Any, r: _Reader) -> str | None:
        if value is ABSENT or value is None:
            if self.enabled_by_section:
                r.error(self.keys, _("required"), hint=self.hint)
            return self.default
        if value not in self.choices:
            r.error(self.keys, _("expected one of {choices}, got {value!r}", choices=", ".join(self.choices),
                                  value=value), hint=self.hint)
            return self.default
        return value


class Date(Option):
    """A day, written 2026-12-06; null or left out: not known yet."""

    def read(self, value: Any, r: _Reader) -> dt.date | None:
        if value is ABSENT or value is None:
            return None
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            r.error(self.keys, _("expected a date such as 2026-12-06, got {value!r}", value=value))
            return None
        return value


class KnownTexts(Texts):
    """A text per language (or one for all), or null: not known yet (the page says so, the build notes it)."""

    def read(self, value: Any, r: _Reader) -> dict[str, str] | None:
        if value is ABSENT or value is None:
            return None
        return r.per_language(self.keys, value)


class Contact(Option):
    """An email address or a web address (https://…), or null: not known yet."""

    def read(self, value: Any, r: _Reader) -> str | None:
        if value is ABSENT or value is None:
            return None
        if isinstance(value, str) and (re.fullmatch(r"[^@\s/:]+@[^@\s/:]+\.[a-z]{2,}", value)
                                       or _base_url(value) == value or _base_url(value) == value + "/"):
            return value
        r.error(self.keys, _("expected an email address or an http(s) address, got {value!r}", value=value))
        return None


class Names(Option):
    """A list of short texts, e.g. the names of tools."""

    def read(self, value: Any, r: _Reader) -> tuple[str, ...]:
        if value is ABSENT or value is None:
            return self.default
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            r.error(self.keys, _("expected a list of texts, such as [axe, Lighthouse], got {value!r}", value=value))
            return self.default
        return tuple(value)


class TagLabels(Option):
    """The tag vocabulary: tag -> its label per language."""

    def read(self, value: Any, r: _Reader) -> dict[str, dict[str, str]]:
        labels = value if value is not ABSENT and value else {}
        if not isinstance(labels, dict):
            r.error(self.keys, _("expected a mapping of tag to {language: label}"))
            return {}
        return {str(tag): r.per_language(self.keys + (str(tag),), names) for tag, names in labels.items()}


def setting(option: Option) -> Any:
    """A Config field read from site.yml by `option`."""
    return field(metadata={"option": option})


@dataclass(frozen=True)
class Config:
    """site.yml, validated. The fields with an Option are its settings, read in this order."""

    root: Path  # the site folder
    base_url: str = setting(BaseUrl(  # always ends with "/"
        "base_url", required=_("add the address the site is published at, e.g. 'base_url: https://example.org/'")))
    languages: tuple[Language, ...] = setting(Languages(
        "languages", required=_("add for example 'languages: {fr: {locale: fr_FR}, en: {locale: en_GB}}'")))
    # the source language: translations inherit from it, x-default points to it
    default_language: str = setting(DefaultLanguage(
        "default_language", required=_("add a line such as 'default_language: fr' (the language translations start from)")))
    timezone: str = setting(TimeZone("timezone", default="Europe/Paris"))
    title: dict[str, str] = setting(Texts("title", required=_("add for example 'title: {fr: Mon site, en: My site}'")))
    description: dict[str, str] = setting(Texts("description", default=""))
    news_slug: dict[str, str] = setting(Slugs("news.slug", default="news"))
    news_per_page: int = setting(Integer("news.per_page", default=10))
    news_on_home: int = setting(Integer("news.on_home", default=3, minimum=0))
    news_menu: int | None = setting(Integer("news.menu", default=None, minimum=0))  # None: not in the menu
    feed_limit: int = setting(Integer("news.feed_limit", default=20))
    tags_slug: dict[str, str] = setting(Slugs("tags.slug", default="tags"))
    tag_labels: dict[str, dict[str, str]] = setting(TagLabels("tags.labels"))
    search_slug: dict[str, str] | None = setting(Slugs("search.slug", enabled_by_section=True))  # None: no search
    allow_embeds: bool = setting(Boolean("markdown.allow_embeds", default=False))
    # the widths (pixels) photos are published at: a browser picks the one its screen needs (images.py)
    image_widths: tuple[int, ...] = setting(Integers("images.widths", default=(480, 800, 1200, 1600), minimum=16))
    # The pages a public body's site must publish (in France: RGAA, LCEN, RGPD), on with the 'legal:' section.
    # None: no legal pages. Values left out or null are not known yet: the pages say so, the build notes it.
    accessibility: str | None = setting(Choice(
        "legal.accessibility", choices=ACCESSIBILITY_STATUSES, enabled_by_section=True,
        hint=_("'non-compliant' unless an accessibility audit (RGAA) found the site partially or fully compliant")))
    statement_date: dt.date | None = setting(Date("legal.statement_date"))
    publisher: dict[str, str] | None = setting(KnownTexts("legal.publisher"))
    publisher_address: dict[str, str] | None = setting(KnownTexts("legal.publisher_address"))
    director: dict[str, str] | None = setting(KnownTexts("legal.director"))  # the director of publication
    contact: str | None = setting(Contact("legal.contact"))  # where to report a problem, ask about one's data
    host: dict[str, str] | None = setting(KnownTexts("legal.host"))
    host_address: dict[str, str] | None = setting(KnownTexts("legal.host_address"))
    automated_checks: tuple[str, ...] = setting(Names("legal.automated_checks", default=()))  # passed by every build
    accessibility_slug: dict[str, str] = setting(Slugs("legal.accessibility_slug", default=LEGAL_SLUGS["accessibility"]))
    legal_notice_slug: dict[str, str] = setting(Slugs("legal.legal_notice_slug", default=LEGAL_SLUGS["legal_notice"]))
    personal_data_slug: dict[str, str] = setting(Slugs("legal.personal_data_slug", default=LEGAL_SLUGS["personal_data"]))
    site_map_slug: dict[str, str] = setting(Slugs("legal.site_map_slug", default=LEGAL_SLUGS["site_map"]))
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

    def with_base_url(self, base_url: str) -> Config:
        normalized = _base_url(base_url)
        if normalized is None:
            raise BuildFailed([ConfigError(_("--base-url: {problem}", problem=_bad_base_url(base_url)))])
        return replace(self, base_url=normalized)

    def tag_label(self, tag: str, lang: str) -> str:
        return self.tag_labels.get(tag, {}).get(lang, tag)


SETTINGS: dict[str, Option] = {f.name: f.metadata["option"] for f in fields(Config) if "option" in f.metadata}


def _layout() -> dict[str, set[str] | None]:
    """site.yml's closed set of keys: top-level key -> the keys of its section, or None for a plain setting."""
    layout: dict[str, set[str] | None] = {}
    for option in SETTINGS.values():
        top, *inner = option.keys
        if inner:
            layout.setdefault(top, set()).update(inner)
        else:
            layout[top] = None
    return layout


LAYOUT = _layout()


def _base_url(url: Any) -> str | None:
    """The address with its final '/', or None when it is not an absolute http(s) URL."""
    parts = urlsplit(url) if isinstance(url, str) else None
    if not parts or parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url if url.endswith("/") else url + "/"


def _bad_base_url(url: Any) -> str:
    return _("expected an absolute http(s) URL such as 'https://example.org/', got {url!r}", url=url)


def _language(r: _Reader, code: Any, spec: Any) -> Language | None:
    keys = ("languages", str(code))
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        r.error(keys, _("expected a mapping such as {locale: fr_FR}"))
        return None
    r.unknown_keys(spec, {"locale", "name"}, keys)
    if not isinstance(code, str) or not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", code):
        r.error(keys, _("{code!r} is not a language code such as 'fr' or 'en'", code=code))
        return None
    locale_id = spec.get("locale", code.replace("-", "_"))
    try:
        locale = babel.Locale.parse(locale_id)
    except (ValueError, TypeError, babel.UnknownLocaleError):
        r.error(keys, _("unknown language or locale {locale!r}", locale=locale_id))
        return None
    name = spec.get("name") or locale.get_language_name(locale)
    return Language(code=code, locale=str(locale), name=name[:1].upper() + name[1:])


def load_config(site_dir: Path) -> Config:
    """Read and validate site.yml; raise BuildFailed with every problem found."""
    root = site_dir.resolve()
    try:
        text, data = _read(site_dir, root / CONFIG_NAME)
    except ConfigError as unreadable:  # nothing can be checked in a file that cannot be read
        raise BuildFailed([unreadable]) from None
    found = Diagnostics()
    r = _Reader(text, CONFIG_NAME, found)
    _check_keys(r, data)
    for name, option in SETTINGS.items():
        if option.enabled_by_section and _given(data, option.keys[:-1]) is ABSENT:
            r.values[name] = None
        else:
            r.values[name] = option.read(_given(data, option.keys), r)
    found.raise_if_failed()
    return Config(root=root, **r.values, source_text=text)


def _read(site_dir: Path, path: Path) -> tuple[str, dict]:
    """site.yml's text and settings; a ConfigError when it cannot be read as a mapping."""
    if not path.is_file():
        raise ConfigError(_("no {name} here: is {folder!r} a site directory?", name=CONFIG_NAME, folder=str(site_dir)),
                          Location(str(path)))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(_("not UTF-8 text ({reason})", reason=exc.reason), Location(CONFIG_NAME)) from None
    try:
        data = yamltext.load(text)
    except yamltext.YamlSyntaxError as exc:
        raise ConfigError(exc.message, Location(CONFIG_NAME, exc.line), hint=exc.hint) from None
    if not isinstance(data, dict):
        raise ConfigError(_("expected a mapping of settings"), Location(CONFIG_NAME, 1))
    return text, data


def _given(data: dict, keys: tuple[str, ...]) -> Any:
    """The value at `keys`, or ABSENT. Sections are mappings by now (see _check_keys)."""
    for key in keys:
        if key not in data:
            return ABSENT
        data = data[key]
    return data


def _check_keys(r: _Reader, data: dict) -> None:
    """Unknown keys, missing required settings, sections that are not mappings (read as empty ones)."""
    r.unknown_keys(data, LAYOUT, ())
    for section, keys in LAYOUT.items():
        if keys is None or section not in data:
            continue
        if isinstance(data[section], dict):
            r.unknown_keys(data[section], keys, (section,))
        else:
            r.error((section,), _("expected a mapping"))
            data[section] = {}
    for option in SETTINGS.values():
        if option.required and _given(data, option.keys) is ABSENT:
            r.error(option.keys, _("required"), hint=option.required)

"""UI strings from gettext catalogues (read from .po with babel) and localized dates. No setlocale."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.support import NullTranslations, Translations

from lillesite import runtime
from lillesite.config import THEME_LOCALES, Config
from lillesite.errors import ConfigError, Diagnostics, Location
from lillesite.messages import _

DOMAIN = "messages"


def catalog_path(locales_dir: Path, lang: str) -> Path:
    return locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(path: Path, lang: str, display: str, compiled: dict[str, bytes] | None,
          report: Diagnostics) -> Translations | None:
    """The catalogue as gettext reads it (compiled), None when it cannot be read;
    `compiled`: .mo bytes by the .po's digest, kept between builds."""
    try:
        source = path.read_bytes()
    except OSError as exc:
        report.add(ConfigError(_("cannot read catalogue: {problem}", problem=str(exc)), Location(display)))
        return None
    key = f"{lang}:{hashlib.sha256(source).hexdigest()}"
    mo = compiled.get(key) if compiled is not None else None
    if mo is None:
        # here: babel's .po reader and what it imports are slow to load, which a build after an edit does without
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import PoFileError, read_po

        try:
            catalog = read_po(io.BytesIO(source), locale=lang.replace("-", "_"), abort_invalid=True)
        except PoFileError as exc:  # babel counts lines from 0, and says so in its message
            problem = str(exc).rpartition(" on ")[0] or str(exc)
            report.add(ConfigError(_("invalid catalogue: {problem}: {line!r}", problem=problem, line=exc.line),
                                   Location(display, exc.lineno + 1)))
            return None
        except ValueError as exc:
            report.add(ConfigError(_("cannot read catalogue: {problem}", problem=str(exc)), Location(display)))
            return None
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        mo = buffer.getvalue()
        if compiled is not None:
            compiled[key] = mo
    return Translations(fp=io.BytesIO(mo), domain=DOMAIN)


def load_translations(config: Config, compiled: dict[str, bytes] | None,
                      report: Diagnostics) -> dict[str, NullTranslations]:
    """Per language: the site's catalogue, falling back to the theme's, then to the English msgid;
    a catalogue that cannot be read is reported and left out. `compiled`: see _read()."""
    result: dict[str, NullTranslations] = {}
    for lang in config.language_codes:
        chain: NullTranslations = NullTranslations()
        for folder, display_root in ((THEME_LOCALES, None), (config.locales_dir, config.root)):
            path = catalog_path(folder, lang)
            if not path.is_file():
                continue
            display = path.relative_to(display_root).as_posix() if display_root else f"lillesite/theme/locales/{lang}"
            translations = _read(path, lang, display, compiled, report)
            if translations is None:
                continue
            translations.add_fallback(chain)
            chain = translations
        result[lang] = chain
    return result


def date_text(value: dt.date | dt.datetime, locale: str, style: str = "long") -> str:
    """'31 mars 2023' / '31 March 2023'."""
    return _date_text(value.date() if isinstance(value, dt.datetime) else value, locale, style)


@runtime.memoized(maxsize=4096)  # a news item's date shows on its page, in lists and on tag pages
def _date_text(value: dt.date, locale: str, style: str) -> str:
    return format_date(value, style, locale=locale)


def datetime_text(value: dt.datetime, locale: str, style: str = "long") -> str:
    return format_datetime(value, style, tzinfo=value.tzinfo, locale=locale)

"""UI strings from gettext catalogues (read from .po with babel) and localized dates. No setlocale."""
from __future__ import annotations

import datetime as dt
import functools
import io
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import NullTranslations, Translations

from lillesite.config import THEME_LOCALES, Config
from lillesite.errors import ConfigError, LilleError, Location

DOMAIN = "messages"


def catalog_path(locales_dir: Path, lang: str) -> Path:
    return locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(path: Path, lang: str, display: str) -> tuple[Translations | None, LilleError | None]:
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang.replace("-", "_"), abort_invalid=True)
    except PoFileError as exc:
        return None, ConfigError(f"invalid catalogue: {exc}", Location(display, getattr(exc, "lineno", None)))
    except (OSError, ValueError) as exc:
        return None, ConfigError(f"cannot read catalogue: {exc}", Location(display))
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN), None


def load_translations(config: Config) -> tuple[dict[str, NullTranslations], list[LilleError]]:
    """Per language: the site's catalogue, falling back to the theme's, then to the English msgid."""
    result: dict[str, NullTranslations] = {}
    errors: list[LilleError] = []
    for lang in config.language_codes:
        chain: NullTranslations = NullTranslations()
        for folder, display_root in ((THEME_LOCALES, None), (config.locales_dir, config.root)):
            path = catalog_path(folder, lang)
            if not path.is_file():
                continue
            display = path.relative_to(display_root).as_posix() if display_root else f"lillesite/theme/locales/{lang}"
            translations, error = _read(path, lang, display)
            if error:
                errors.append(error)
                continue
            translations.add_fallback(chain)
            chain = translations
        result[lang] = chain
    return result, errors


def date_text(value: dt.date | dt.datetime, locale: str, style: str = "long") -> str:
    """'31 mars 2023' / '31 March 2023'."""
    return _date_text(value.date() if isinstance(value, dt.datetime) else value, locale, style)


@functools.lru_cache(maxsize=4096)  # a news item's date shows on its page, in lists and on tag pages
def _date_text(value: dt.date, locale: str, style: str) -> str:
    return format_date(value, style, locale=locale)


def datetime_text(value: dt.datetime, locale: str, style: str = "long") -> str:
    return format_datetime(value, style, tzinfo=value.tzinfo, locale=locale)

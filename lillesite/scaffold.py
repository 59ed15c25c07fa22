"""`lillesite new`: correctly named content files with their front matter filled in."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from lillesite.config import Config
from lillesite.errors import BuildFailed, ContentError, Location, UsageError
from lillesite.sources import NAME_RE
from lillesite.urls import slugify

MAX_KEY_LENGTH = 60  # long titles give readable, not endless, file names and URLs


def short_slug(title: str) -> str:
    """The title's slug, cut at a word boundary so file names stay readable."""
    slug = slugify(title)
    if len(slug) <= MAX_KEY_LENGTH:
        return slug
    return slug[:MAX_KEY_LENGTH + 1].rsplit("-", 1)[0]


def yaml_text(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML), safe for quotes, colons and accents."""
    return json.dumps(value, ensure_ascii=False)


def new_news(config: Config, title: str, *, date: dt.date | None = None, lang: str | None = None,
             key: str | None = None) -> Path:
    """content/news/<date>-<key>.<lang>.md; a translation gets `--key` of its original and its own slug."""
    lang = _language(config, lang)
    date = date or dt.datetime.now(config.tz).date()
    slug = short_slug(title)
    key = key or slug
    _check_key(key, "--key" if key != slug else "the title")
    lines = [f"title: {yaml_text(title)}"]
    if slug and slug != key:
        lines.append(f"slug: {slug}")  # a translation's own URL, in its language
    if lang == config.default_language:
        lines.append("tags: []")
    return _create(config, config.content_dir / "news" / f"{date.isoformat()}-{key}.{lang}.md", lines)


def new_page(config: Config, key: str, *, lang: str | None = None, title: str | None = None) -> Path:
    """content/pages/<key>.<lang>.md, titled from the key unless a title is given."""
    lang = _language(config, lang)
    _check_key(key, "KEY")
    title = title or key.replace("-", " ").replace("_", " ").capitalize()
    lines = [f"title: {yaml_text(title)}"]
    slug = short_slug(title)
    if slug and slug != key:
        lines.append(f"slug: {slug}")
    return _create(config, config.content_dir / "pages" / f"{key}.{lang}.md", lines)


def _language(config: Config, lang: str | None) -> str:
    lang = lang or config.default_language
    if lang not in config.language_codes:
        raise BuildFailed([UsageError(f"--lang {lang!r}: the site's languages are {', '.join(config.language_codes)}")])
    return lang


def _check_key(key: str, given_by: str) -> None:
    match = NAME_RE.match(f"{key}.fr.md")
    if not match or match["date"]:  # a leading date would be read as a news item's date
        raise BuildFailed([UsageError(
            f"{given_by} gives no usable file name ({key!r}): use lowercase letters, digits and '-'")])


def _create(config: Config, path: Path, front: list[str]) -> Path:
    if path.exists():
        raise BuildFailed([ContentError("already exists; not overwriting it",
                                        Location(path.relative_to(config.root).as_posix()),
                                        hint="edit it, or choose another title or key")])
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "---\n" + "\n".join(front) + "\n---\n\n"  # the text goes below; its first paragraph is the summary
    with path.open("x", encoding="utf-8") as handle:  # 'x': never overwrite, even in a race
        handle.write(text)
    return path

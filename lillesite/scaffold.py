"""`lillesite new`: correctly named content files with their front matter filled in."""
from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from lillesite.config import Config
from lillesite.errors import BuildFailed, ContentError, Diagnostics, Location, UsageError
from lillesite.messages import Message, _
from lillesite.sources import NAME_RE, SourceFile, calendar_date, discover
from lillesite.urls import slugify

MAX_KEY_LENGTH = 60  # long titles give readable, not endless, file names and URLs
DATED_KEY_RE = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})-(?P<key>.+)$")
KEYS_SHOWN = 5


@dataclass(frozen=True)
class Created:
    path: Path
    original: SourceFile | None  # the file a translation pairs with
    image: Path | None = None  # the photo copied into static/ (new news --image)


def describe(config: Config, created: Created) -> Message:
    """'created content/news/….en.md (translation of content/news/….fr.md)': what `new` prints."""
    path = created.path.relative_to(config.root).as_posix()
    if created.original:
        return _("created {file} (translation of {original})", file=path, original=created.original.rel)
    return _("created {file}", file=path)


def describe_image(config: Config, created: Created):
    """What `new news --image` adds to describe(): where the photo went and what the editor must fill in."""
    return _("copied the photo to {path}: write what it shows (image_alt) and who took it (image_credit) "
             "in the front matter", path=created.image.relative_to(config.root).as_posix())


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
             key: str | None = None, image: Path | None = None) -> Created:
    """content/news/<date>-<key>.<lang>.md. A translation takes its original's key and date (the original is
    found by `key`, with or without its date, or by the title's slug) and gets its own slug. `image`: a photo,
    copied to static/images/<date>-<key>.<ext> and given as the item's lead image."""
    lang = _language(config, lang)
    if image is not None and lang != config.default_language:
        raise BuildFailed([UsageError(_("--image: a translation shows its original's photo; give --image when "
                                        "creating the original ({lang})", lang=config.default_language))])
    photo = _read_photo(image) if image is not None else None
    slug = short_slug(title)
    original = None
    if key is not None:
        key_date, key = _split_key(config, key)
        if key_date and date and key_date != date:
            raise BuildFailed([UsageError(_("--key gives the date {key_date} and --date {date}: give one of them",
                                            key_date=key_date, date=date))])
        date = date or key_date
    if lang != config.default_language:
        original = _original(config, "news", key or slug, date, lang, given=key is not None)
        key, date = original.key, original.date
    date = date or dt.datetime.now(config.tz).date()
    key = key or slug
    _check_key(key, "--key" if key != slug else _("the title"))
    lines = [f"title: {yaml_text(title)}"]
    if slug and slug != key:
        lines.append(f"slug: {slug}")  # a translation's own URL, in its language
    if lang == config.default_language:
        lines.append("tags: []")
    path = config.content_dir / "news" / f"{date.isoformat()}-{key}.{lang}.md"
    copied = None
    if photo is not None:
        copied = _free_name(config.static_dir / "images", f"{date.isoformat()}-{key}", image.suffix, photo)
        lines += [f"image: {copied.relative_to(config.static_dir).as_posix()}",
                  'image_alt: ""  # describe the photo for blind readers: what it shows, in a sentence',
                  'image_credit: ""  # who took it, as French law requires: "Photo : Jeanne Martin"']
    _create(config, path, lines)
    if copied is not None and not copied.exists():
        copied.parent.mkdir(parents=True, exist_ok=True)
        with copied.open("xb") as handle:  # 'x': never overwrite another photo
            handle.write(photo)
    return Created(path, original, copied)


def _read_photo(image: Path) -> bytes:
    """The bytes of a photo `new news --image` can publish; a usage error, saying why, for any other file."""
    from lillesite import images

    if not images.is_picture(image.name):
        raise BuildFailed([UsageError(_("--image {path}: not a photo (give a JPEG, PNG, WebP or HEIC file)",
                                        path=str(image)))])
    try:
        data = image.read_bytes()
    except OSError as exc:
        raise BuildFailed([UsageError(_("--image {path}: cannot read it: {problem}", path=str(image),
                                        problem=exc.strerror))]) from None
    problem = images.inspect(image.name, data).problem if images.is_raster(image.name) else None
    if problem:
        raise BuildFailed([UsageError(_("--image {path}: {problem}", path=str(image), problem=problem))])
    return data


def _free_name(folder: Path, stem: str, suffix: str, data: bytes) -> Path:
    """folder/<stem>.<ext>, or <stem>-2… when another photo has that name; the same photo keeps its name."""
    ext = {".jpeg": ".jpg", ".heif": ".heic", ".tiff": ".tif"}.get(suffix.lower(), suffix.lower())
    for n in range(1, 1000):
        path = folder / f"{stem}{'' if n == 1 else f'-{n}'}{ext}"
        try:
            if not path.exists() or path.read_bytes() == data:
                return path
        except OSError:
            continue
    raise BuildFailed([UsageError(_("too many photos named {stem} in {folder}", stem=stem, folder=str(folder)))])


def new_page(config: Config, key: str, *, lang: str | None = None, title: str | None = None) -> Created:
    """content/pages/<key>.<lang>.md, titled from the key unless a title is given; a translation's key must
    be a page's in the default language."""
    lang = _language(config, lang)
    key = _split_key(config, key, dated=False)[1]
    original = None
    if lang != config.default_language:
        original = _original(config, "page", key, None, lang, given=True)
    _check_key(key, "KEY")
    title = title or key.replace("-", " ").replace("_", " ").capitalize()
    lines = [f"title: {yaml_text(title)}"]
    slug = short_slug(title)
    if slug and slug != key:
        lines.append(f"slug: {slug}")
    return Created(_create(config, config.content_dir / "pages" / f"{key}.{lang}.md", lines), original)


def _split_key(config: Config, text: str, *, dated: bool = True) -> tuple[dt.date | None, str]:
    """A key as an editor may give it: 'metropoles-meeting', '2023-03-31-metropoles-meeting', or the
    original's file name or path ('content/news/2023-03-31-metropoles-meeting.fr.md'). -> (date, key)"""
    stem = text.strip().replace("\\", "/").rpartition("/")[2]
    stem = stem[:-3] if stem.endswith(".md") else stem
    for code in config.language_codes:
        if stem.endswith(f".{code}"):
            stem = stem[:-len(code) - 1]
            break
    match = DATED_KEY_RE.match(stem) if dated else None
    if not match:
        return None, stem
    try:
        return calendar_date(match["date"]), match["key"]
    except ValueError as exc:
        raise BuildFailed([UsageError(_("--key {text!r}: impossible date {date!r}: {reason}", text=text,
                                        date=match["date"], reason=exc.args[0]))]) from None


def _original(config: Config, kind: str, key: str, date: dt.date | None, lang: str, *, given: bool) -> SourceFile:
    """The file in the default language a translation pairs with, or a usage error naming the keys it could be."""
    default = config.default_language
    sources = [s for s in discover(config, Diagnostics()) if s.kind == kind]
    originals = [s for s in sources if s.lang == default]
    same_key = [s for s in originals if s.key == key]
    found = [s for s in same_key if date is None or s.date == date]
    news = kind == "news"
    option = "--key" if news else "KEY"
    if len(found) == 1:
        return found[0]
    if found:  # pages have one file per key and language: only news items get here
        raise BuildFailed([UsageError(_("{option} {key}: {count} news items in {lang!r} have this key: {files}",
                                        option=option, key=key, count=len(found), lang=default,
                                        files=", ".join(s.rel for s in found)),
                                      hint=_("give the date too, e.g. {option} {name}", option=option,
                                             name=_name(found[-1])))])
    if same_key:
        raise BuildFailed([UsageError(
            _("--date {date}: the news item in {lang!r} with the key {key!r} is dated {dated}: {file}", date=date,
              lang=default, key=key, dated=same_key[0].date, file=same_key[0].rel),
            hint=_("leave out --date: a translation takes its original's date"))])
    newest_first = sorted(originals, key=_name, reverse=kind == "news")
    close = difflib.get_close_matches(key, list(dict.fromkeys(s.key for s in originals)), n=KEYS_SHOWN, cutoff=0.6)
    if close:
        names = [_name(s) for k in close for s in newest_first if s.key == k][:KEYS_SHOWN]
        hint = _("close keys: {keys}", keys=", ".join(names))
    else:  # the newest originals not yet translated: the ones an editor is most likely translating
        translated = {(s.key, s.date) for s in sources if s.lang == lang}
        names = [_name(s) for s in newest_first if (s.key, s.date) not in translated][:KEYS_SHOWN]
        if names:
            hint = (_("news items in {lang!r} not yet in {other!r}: {keys}", lang=default, other=lang,
                      keys=", ".join(names)) if news else
                    _("pages in {lang!r} not yet in {other!r}: {keys}", lang=default, other=lang,
                      keys=", ".join(names)))
        elif originals:
            hint = (_("every news item in {lang!r} has its {other!r} translation: write the original first",
                      lang=default, other=lang) if news else
                    _("every page in {lang!r} has its {other!r} translation: write the original first",
                      lang=default, other=lang))
        else:
            hint = (_("there is no news item in {lang!r} yet: write the original first", lang=default) if news else
                    _("there is no page in {lang!r} yet: write the original first", lang=default))
    if given:
        message = (_("{option} {key}: no news item in {lang!r} has this key; the translation would pair with nothing",
                     option=option, key=key, lang=default) if news else
                   _("{option} {key}: no page in {lang!r} has this key; the translation would pair with nothing",
                     option=option, key=key, lang=default))
    else:
        example = (names or [_name(s) for s in newest_first] or ["2023-03-31-the-original-key"])[0]
        message = _("--lang {lang} makes a translation: give the key of its original in {default!r}, "
                    "e.g. {option} {example}", lang=lang, default=default, option=option, example=example)
    raise BuildFailed([UsageError(message, hint=hint)])


def _name(source: SourceFile) -> str:
    """The key as --key takes it: a news item's with its date."""
    return f"{source.date.isoformat()}-{source.key}" if source.date else source.key


def _language(config: Config, lang: str | None) -> str:
    lang = lang or config.default_language
    if lang not in config.language_codes:
        raise BuildFailed([UsageError(_("--lang {lang!r}: the site's languages are {languages}", lang=lang,
                                        languages=", ".join(config.language_codes)))])
    return lang


def _check_key(key: str, given_by: str) -> None:
    match = NAME_RE.match(f"{key}.fr.md")
    if not match or match["date"]:  # a leading date would be read as a news item's date
        raise BuildFailed([UsageError(
            _("{given_by} gives no usable file name ({key!r}): use lowercase letters, digits and '-'",
              given_by=given_by, key=key))])


def _create(config: Config, path: Path, front: list[str]) -> Path:
    if path.exists():
        raise BuildFailed([ContentError(_("already exists; not overwriting it"),
                                        Location(path.relative_to(config.root).as_posix()),
                                        hint=_("edit it, or choose another title or key"))])
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "---\n" + "\n".join(front) + "\n---\n\n"  # the text goes below; its first paragraph is the summary
    with path.open("x", encoding="utf-8") as handle:  # 'x': never overwrite, even in a race
        handle.write(text)
    return path

"""`lillesite import-feed`: the news of an existing RSS or Atom feed -> content/news files.

Everything is read and converted before anything is written, so a bad feed writes nothing. Each
file records its entry's id in a YAML comment (front matter keys are a closed set), which is how a
re-run recognises what it imported before, even after an editor renamed or retitled the file.
"""
from __future__ import annotations

import datetime as dt
import re
import urllib.error
import urllib.request
import xml.sax
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
from markdownify import MarkdownConverter

from lillesite.config import Config
from lillesite.errors import BuildFailed, ContentError, Diagnostics, Location, UsageError
from lillesite.markup import BAD_SCHEMES, plain_text
from lillesite.scaffold import short_slug, yaml_text
from lillesite.sources import NAME_RE
from lillesite.urls import slugify

FETCH_TIMEOUT = 30
MAX_FEED_BYTES = 50 * 1024 * 1024
ID_COMMENT = "# imported from: "
BENIGN_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


@dataclass(frozen=True)
class FeedEntry:
    """One usable entry of a feed, converted."""

    ident: str  # guid, else link
    link: str
    title: str
    moment: dt.datetime  # in the site's time zone
    summary: str  # plain text, '' when the body's first paragraph will do
    body: str  # Markdown
    tags: tuple[str, ...]


@dataclass
class Outcome:
    created: list[str] = field(default_factory=list)  # site-relative paths
    already: int = 0  # entries found imported by an earlier run; those skipped are in the report


# ------------------------------------------------------------------ reading
def fetch(source: str) -> bytes:
    """The feed's bytes from a URL or a file; a clear error when it cannot be read."""
    if urlsplit(source).scheme in ("http", "https"):
        request = urllib.request.Request(source, headers={"User-Agent": "lillesite import-feed"})
        try:
            with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
                return response.read(MAX_FEED_BYTES)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise BuildFailed([UsageError(f"cannot fetch the feed: {reason}", Location(source))]) from None
    path = Path(source)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BuildFailed([UsageError(f"cannot read the feed: {exc.strerror}", Location(source))]) from None


def read_feed(source: str, data: bytes, config: Config, report: Diagnostics) -> list[FeedEntry]:
    """The usable entries; those without title or date are reported as warnings. A feed that is not
    RSS or Atom fails at once: nothing of it is imported."""
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    bozo = parsed.get("bozo_exception")
    if (parsed.bozo and not isinstance(bozo, BENIGN_BOZO)) or not parsed.version:
        line = bozo.getLineNumber() if isinstance(bozo, xml.sax.SAXParseException) else None
        reason = f"not well-formed XML ({bozo.getMessage()})" if isinstance(bozo, xml.sax.SAXParseException) else (
            str(bozo) if bozo else "no <rss>, <feed> or <rdf:RDF> element")
        raise BuildFailed([ContentError(f"not a valid RSS or Atom feed: {reason}; nothing imported",
                                        Location(source, line))])
    entries = (_entry(raw, number, source, config, report) for number, raw in enumerate(parsed.entries, start=1))
    return [entry for entry in entries if entry is not None]


def _entry(raw, number: int, source: str, config: Config, report: Diagnostics) -> FeedEntry | None:
    link = raw.get("link") or ""
    name = f"entry {number}" + (f" ({raw.get('id') or link})" if raw.get("id") or link else "")
    title = plain_text(raw.get("title") or "")
    parsed_time = raw.get("published_parsed") or raw.get("updated_parsed")
    missing = [what for what, value in (("title", title), ("date", parsed_time)) if not value]
    if missing:
        report.add(ContentError(f"{name} has no {' and no '.join(missing)}; skipped, nothing invented",
                                Location(source), level="warning"))
        return None
    moment = dt.datetime(*parsed_time[:6], tzinfo=dt.timezone.utc).astimezone(config.tz)
    ident = " ".join((raw.get("id") or link or f"{moment.isoformat()} {title}").split())  # what a re-run recognises
    contents = raw.get("content") or []
    body_html = contents[0].get("value", "") if contents else ""
    summary_html = raw.get("summary") or ""
    if not body_html:
        body_html, summary_html = summary_html, ""
    summary = plain_text(summary_html)
    body = to_markdown(body_html, base=link)
    if summary and body.startswith(summary[:40]):
        summary = ""  # the body's first paragraph already says it
    tags = tuple(dict.fromkeys(t for t in (_tag(config, term.get("term") or "") for term in raw.get("tags") or [])
                               if t))
    return FeedEntry(ident=ident, link=link, title=title, moment=moment, summary=summary, body=body, tags=tags)


def _tag(config: Config, term: str) -> str:
    """A category as a tag key: the site vocabulary's key when the term is one of its labels."""
    wanted = slugify(term)
    for key, labels in config.tag_labels.items():
        if wanted in {slugify(key), *(slugify(label) for label in labels.values())}:
            return key
    return wanted


# --------------------------------------------------------------- converting
class _CleanMarkdown(MarkdownConverter):
    """markdownify, with the site's safety rules: scripts and event handlers never survive (only
    Markdown comes out, and '<' in text is escaped); links with a javascript:/data: URL lose their
    URL; relative URLs become absolute; images become links, so the site makes no third-party requests."""

    def __init__(self, base: str):
        super().__init__(heading_style="ATX", bullets="*", escape_misc=False,
                         strip=["iframe", "object", "embed", "form", "button", "input"])
        self.base = base

    def escape(self, text, parent_tags):
        """Text stays text in Python-Markdown: '<' and '&' as entities (a backslash would show), and
        backslash escapes only for the characters it knows."""
        text = super().escape(text.replace("\\", "\\\\"), parent_tags)
        text = text.replace("&", "&amp;").replace("<", "&lt;")
        text = re.sub(r"([`\[\]])", r"\\\1", text)
        text = re.sub(r"^(\s*)(\d+)([.)])(?=\s)", r"\1\2\\\3", text, flags=re.M)  # '1.' would start a list
        text = re.sub(r"^(\s*)([#>+-])(?=\s)", r"\1\\\2", text, flags=re.M)  # so would '-', '+'; '#' a heading
        return text

    def _url(self, value: str | None) -> str | None:
        if not value:
            return None
        compact = re.sub(r"[\x00-\x20]+", "", value).lower()
        if compact.startswith(BAD_SCHEMES):
            return None
        url = urljoin(self.base, value.strip()) if self.base else value.strip()
        return url if urlsplit(url).scheme in ("http", "https", "mailto") else None

    def convert_a(self, el, text, parent_tags):
        url = self._url(el.get("href"))
        if url is None:
            return text
        el["href"] = url
        el.attrs.pop("title", None)
        return super().convert_a(el, text, parent_tags)

    def convert_img(self, el, text, parent_tags):
        url = self._url(el.get("src"))
        alt = (el.get("alt") or "").strip()
        if url is None:
            return alt
        return f"[{self.escape(alt or 'image', parent_tags)}]({url})"


def to_markdown(fragment: str, *, base: str = "") -> str:
    text = _CleanMarkdown(base).convert(fragment)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text + "\n" if text else ""


# ---------------------------------------------------------------- pairing
def _link_pattern(link: str, languages: tuple[str, ...]) -> str:
    """The link with language markers removed: '/fr/x', '?lang=fr' and 'fr.example.org' all match."""
    parts = urlsplit(link.lower())
    codes = {code.lower() for code in languages}
    host = ".".join(p for p in parts.netloc.split(".") if p not in codes)
    path = "/".join(p for p in parts.path.split("/") if p and p.split("-")[0] not in codes)
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if k not in ("lang", "hl", "language")))
    return urlunsplit(("", host, path, query, ""))


def pair_entries(first: list[FeedEntry], second: list[FeedEntry], languages: tuple[str, ...]) -> dict[int, int]:
    """Index in `second` -> index in `first` of its original: same guid, same link pattern, or the
    only entry of both feeds on that day."""
    pairs: dict[int, int] = {}
    taken: set[int] = set()

    def match(key_of) -> None:
        index: dict[str, list[int]] = {}
        for i, entry in enumerate(first):
            if i not in taken and key_of(entry):
                index.setdefault(key_of(entry), []).append(i)
        for j, entry in enumerate(second):
            key = key_of(entry)
            candidates = [i for i in index.get(key, []) if i not in taken] if key else []
            if j not in pairs and len(candidates) == 1:
                pairs[j] = candidates[0]
                taken.add(candidates[0])

    match(lambda e: e.ident)
    match(lambda e: _link_pattern(e.link, languages) if e.link else "")
    days_second: dict[str, int] = {}
    for j, entry in enumerate(second):
        if j not in pairs:
            day = entry.moment.date().isoformat()
            days_second[day] = days_second.get(day, 0) + 1
    for j, entry in enumerate(second):
        day = entry.moment.date().isoformat()
        if j not in pairs and days_second[day] == 1:
            candidates = [i for i, e in enumerate(first) if i not in taken and e.moment.date().isoformat() == day]
            if len(candidates) == 1:
                pairs[j] = candidates[0]
                taken.add(candidates[0])
    return pairs


# ------------------------------------------------------------------ writing
def imported_ids(news_dir: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(language, entry id) -> (date, key) of the news files an earlier import wrote."""
    found = {}
    for path in sorted(news_dir.glob("*.md")) if news_dir.is_dir() else ():
        match = NAME_RE.match(path.name)
        if not match or not match["date"]:
            continue
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle):
                if line.startswith(ID_COMMENT):
                    found[(match["lang"], line[len(ID_COMMENT):].strip())] = (match["date"], match["key"])
                if number > 40 or (number and line.rstrip() == "---"):
                    break
    return found


def _file_text(entry: FeedEntry, *, translation: bool, slug: str | None) -> str:
    lines = ["---", f"title: {yaml_text(entry.title)}"]
    if slug:
        lines.append(f"slug: {slug}")
    if not translation:  # date and tags are shared: a translation inherits them from its original
        if entry.moment.time() != dt.time():
            lines.append(f"date: {entry.moment:%Y-%m-%d %H:%M}")
        if entry.tags:
            lines.append(f"tags: [{', '.join(yaml_text(t) for t in entry.tags)}]")
    if entry.summary:
        lines.append(f"summary: {yaml_text(entry.summary)}")
    lines.append(f"{ID_COMMENT}{entry.ident}")
    lines += ["---", "", entry.body or ""]
    return "\n".join(lines)


class _Plan:
    """The files an import will write, decided before anything is written."""

    def __init__(self, news_dir: Path):
        self.news_dir = news_dir
        self.known = imported_ids(news_dir)
        self.files: dict[Path, str] = {}
        self.already = 0

    def add(self, entry: FeedEntry, lang: str, original: tuple[str, str] | None) -> tuple[str, str]:
        """Plan the entry's file (a translation takes its original's date and key); returns (date, key)."""
        if (lang, entry.ident) in self.known:
            self.already += 1
            return self.known[(lang, entry.ident)]
        slug = short_slug(entry.title) or "news"
        date, key = original or (entry.moment.date().isoformat(), slug)
        if original is None:
            counter = 1
            while self._taken(date, key, lang):  # two different items, same day, same title
                counter += 1
                key = f"{slug}-{counter}"
        elif self._taken(date, key, lang):
            return date, key  # that translation already exists, written by hand
        text = _file_text(entry, translation=original is not None, slug=slug if original and slug != key else None)
        self.files[self.news_dir / f"{date}-{key}.{lang}.md"] = text
        return date, key

    def _taken(self, date: str, key: str, lang: str) -> bool:
        path = self.news_dir / f"{date}-{key}.{lang}.md"
        return path.exists() or path in self.files


def import_feeds(config: Config, source: str, report: Diagnostics, *, lang: str,
                 pair: tuple[str, str] | None = None) -> Outcome:
    """Read the feed (and its translations' with `pair`), then write the news files; skipped entries go to `report`."""
    languages = config.language_codes
    for code in (lang, *(pair[:1] if pair else ())):
        if code not in languages:
            raise BuildFailed([UsageError(f"--lang {code!r}: the site's languages are {', '.join(languages)}")])
    if pair and pair[0] == lang:
        raise BuildFailed([UsageError(f"--lang-pair needs a language other than {lang!r}")])
    outcome = Outcome()
    read = []
    for code, where in [(lang, source)] + ([pair] if pair else []):
        read.append((code, read_feed(where, fetch(where), config, report)))
    news_dir = config.content_dir / "news"
    plan = _Plan(news_dir)
    keys = [plan.add(entry, lang, None) for entry in read[0][1]]
    if pair:
        code, entries = read[1]
        originals = pair_entries(read[0][1], entries, languages)
        for j, entry in enumerate(entries):
            plan.add(entry, code, keys[originals[j]] if j in originals else None)
    news_dir.mkdir(parents=True, exist_ok=True)
    for path, text in plan.files.items():
        with path.open("x", encoding="utf-8") as handle:  # 'x': never overwrite
            handle.write(text)
        outcome.created.append(path.relative_to(config.root).as_posix())
    outcome.already = plan.already
    return outcome

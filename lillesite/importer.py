"""`lillesite import-feed`: the news of an existing RSS or Atom feed -> content/news files.

The import never leaves a site that fails `check --strict`. Everything is read, converted and its
pictures downloaded before anything is written; then the files are written and the site checked
(`build(write=False, strict=True)`, as `check --strict` does). When the check finds a problem that the
site without the import does not have, every file the import wrote is removed again and the problems
are reported: the editor is never left with a broken site.

Feeds are read as feed readers read them: feedparser's lenient parser takes what a strict XML parser
refuses (an undeclared `&nbsp;` in a Drupal feed), and the import says what was wrong with the feed.
Each file records its entry's id in a YAML comment (front matter keys are a closed set), which is how a
re-run recognises what it imported before, even after an editor renamed or retitled the file.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import html
import posixpath
import re
import urllib.error
import urllib.request
import xml.sax
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
from markdownify import MarkdownConverter

from lillesite.config import Config
from lillesite.errors import BuildFailed, ContentError, Diagnostics, LilleError, Location, UsageError
from lillesite.markup import BAD_SCHEMES, plain_text
from lillesite.scaffold import short_slug, yaml_text
from lillesite.sources import NAME_RE
from lillesite.urls import slugify

FETCH_TIMEOUT = 30
MAX_FEED_BYTES = 50 * 1024 * 1024
MAX_IMAGE_BYTES = 20 * 1024 * 1024
ID_COMMENT = "# imported from: "
BENIGN_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
IMAGE_DIR = "images/imported"  # inside static/: the pictures of imported entries, downloaded
STATIC_FROM_NEWS = "../../static/"  # how a file in content/news/ links to a file in static/
# the picture formats a browser shows, recognised by their first bytes (the server's Content-Type can lie);
# SVG is left out: it can carry scripts, and it is served from the site's own address
IMAGE_SIGNATURES = ((b"\xff\xd8\xff", "jpg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"GIF87a", "gif"), (b"GIF89a", "gif"))


@dataclass(frozen=True)
class FeedEntry:
    """One usable entry of a feed, read; its body is converted when its file is planned."""

    ident: str  # guid, else link
    link: str
    title: str
    moment: dt.datetime  # in the site's time zone
    summary: str  # plain text, '' when the body's first paragraph will do
    body_html: str
    base: str  # the address relative URLs in the body are relative to ('' when none is known)
    tags: tuple[str, ...]
    label: str  # "entry 3 (its id)", for messages


@dataclass
class Outcome:
    created: list[str] = field(default_factory=list)  # site-relative paths: news files, then pictures
    already: int = 0  # entries found imported by an earlier run
    skipped: int = 0  # entries without title or date: the report says which
    site_problems: int = 0  # what `check --strict` still finds: the site's own problems, from before the import


# ------------------------------------------------------------------ reading
def _open(url: str, limit: int) -> tuple[bytes, str]:
    """(bytes, final address) of an http(s) URL; raises OSError/ValueError (URLError is an OSError)."""
    request = urllib.request.Request(url, headers={"User-Agent": "lillesite import-feed"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
        data = response.read(limit + 1)
        if len(data) > limit:
            raise ValueError(f"larger than {limit // (1024 * 1024)} MB")
        return data, response.geturl()


def fetch(source: str) -> tuple[bytes, str]:
    """The feed's bytes and its address (relative URLs in it resolve against that address; '' for a
    file), from a URL or a file; a clear error when it cannot be read."""
    if urlsplit(source).scheme in ("http", "https"):
        try:
            return _open(source, MAX_FEED_BYTES)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise BuildFailed([UsageError(f"cannot fetch the feed: {reason}", Location(source))]) from None
    try:
        return Path(source).read_bytes(), ""
    except OSError as exc:
        raise BuildFailed([UsageError(f"cannot read the feed: {exc.strerror}", Location(source))]) from None


def read_feed(source: str, data: bytes, config: Config, report: Diagnostics, *, address: str = "",
              topics: Topics | None = None) -> tuple[list[FeedEntry], int]:
    """The usable entries, and how many were skipped (reported as warnings: no title or date). An
    ill-formed feed is read leniently, with a warning saying what is wrong with it; what is not a feed
    at all fails at once."""
    topics = topics or Topics(config, {})
    headers = {"content-location": address} if address else {}
    try:
        parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False, response_headers=headers)
    except Exception as exc:  # feedparser's own bug on a hostile file: the feed is unreadable, not lillesite
        raise BuildFailed([ContentError(f"not a readable RSS or Atom feed ({type(exc).__name__}: {exc}); "
                                        "nothing imported", Location(source))]) from None
    bozo = parsed.get("bozo_exception")
    sax = isinstance(bozo, xml.sax.SAXParseException)
    line = bozo.getLineNumber() if sax else None
    reason = (f"not well-formed XML ({bozo.getMessage()})" if sax
              else (str(bozo) or type(bozo).__name__) if bozo else "")
    raw_entries = parsed.get("entries") or []
    if not parsed.get("version") and not raw_entries:  # an empty file has not even a version
        raise BuildFailed([ContentError(
            f"not an RSS or Atom feed: {reason or 'no <rss>, <feed> or <rdf:RDF> element'}; nothing imported",
            Location(source, line),
            hint="give the address of the feed itself, not of the web page" if b"<html" in data[:2048].lower()
            else None)])
    if parsed.get("bozo") and not isinstance(bozo, BENIGN_BOZO):
        report.add(ContentError(f"the feed is {reason or 'ill-formed'}: read leniently, as feed readers do",
                                Location(source, line), level="warning",
                                hint="check the imported news, and tell the feed's owner"))
    feed_link = _absolute((parsed.get("feed") or {}).get("link") or "", address) or ""
    entries = (_entry(raw, number, source, config, report, topics, feed_link or address)
               for number, raw in enumerate(raw_entries, start=1))
    found = [entry for entry in entries if entry is not None]
    topics.report_left_out(source, report)
    return found, len(raw_entries) - len(found)


def _entry(raw, number: int, source: str, config: Config, report: Diagnostics, topics: Topics,
           feed_base: str) -> FeedEntry | None:
    link = _absolute(raw.get("link") or "", feed_base) or ""
    label = f"entry {number}" + (f" ({raw.get('id') or link})" if raw.get("id") or link else "")
    title = plain_text(_clean(raw.get("title") or ""))
    parsed_time = raw.get("published_parsed") or raw.get("updated_parsed")
    missing = [what for what, value in (("title", title), ("date", parsed_time)) if not value]
    if missing:
        report.add(ContentError(f"{label} has no {' and no '.join(missing)}; skipped, nothing invented",
                                Location(source), level="warning"))
        return None
    try:
        moment = dt.datetime(*parsed_time[:6], tzinfo=dt.timezone.utc).astimezone(config.tz)
    except (ValueError, OverflowError):  # year 0 or 10000: feedparser passes through what it read
        report.add(ContentError(f"{label} has an impossible date; skipped, nothing invented",
                                Location(source), level="warning"))
        return None
    # what a re-run recognises
    ident = " ".join(_clean(raw.get("id") or link or f"{moment.isoformat()} {title}").split())
    contents = raw.get("content") or []
    body, summary_detail = (contents[0] if contents else {}), raw.get("summary_detail") or {}
    body_html = _clean(body.get("value") or "")
    summary_html = _clean(raw.get("summary") or "")
    if not body_html:
        body, body_html, summary_html = summary_detail, summary_html, ""
    if body.get("type") == "text/plain":
        body_html = _plain_to_html(body_html)
    # relative URLs in the body: against its xml:base (or the feed's address), else the entry's page
    base = _absolute(body.get("base") or "", "") or link or feed_base
    summary = plain_text(summary_html)
    if summary and plain_text(body_html).startswith(summary[:40]):
        summary = ""  # the body's first paragraph already says it
    tags = topics.of(raw.get("tags") or [])
    return FeedEntry(ident=ident, link=link, title=title, moment=moment, summary=summary, body_html=body_html,
                     base=base, tags=tags, label=label)


_INVISIBLE_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    """Without the invisible control characters the site refuses in content (feeds carry them, from
    copy-pasted text or a wrong encoding); line ends as '\\n'."""
    return _INVISIBLE_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _plain_to_html(text: str) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in re.split(r"\n\s*\n", text) if p.strip())


def _absolute(url: str, base: str) -> str | None:
    """An http(s) or mailto URL, made absolute against `base`; None when that cannot be done."""
    url = url.strip()
    if not url or re.sub(r"[\x00-\x20]+", "", url).lower().startswith(BAD_SCHEMES):
        return None
    try:
        joined = urljoin(base, url) if base else url
        scheme = urlsplit(joined).scheme
    except ValueError:  # 'http://[bad' : not a URL
        return None
    return joined if scheme in ("http", "https", "mailto") else None


class Topics:
    """Feed categories -> the site's topics (tags.labels in site.yml): a category whose name is a topic's
    key or label becomes that topic, `--tag-map CATEGORY=TOPIC` maps the others, the rest are left out
    (reported once per feed). A site without a topic list takes every category as a tag."""

    def __init__(self, config: Config, tag_map: dict[str, str]):
        self.config = config
        self.left_out: Counter[str] = Counter()
        self.mapped: dict[str, str] = {}
        for category, topic in tag_map.items():
            key = self._topic(topic)
            if key is None:
                keys = ", ".join(config.tag_labels) or "none"
                raise BuildFailed([UsageError(
                    f"--tag-map {category}={topic}: {topic!r} is not one of the site's topics "
                    f"(tags.labels in site.yml: {keys})")])
            self.mapped[_fold(category)] = key

    def _topic(self, name: str) -> str | None:
        wanted = _fold(name)
        if not wanted:
            return None
        for key, labels in self.config.tag_labels.items():
            if wanted in {_fold(key), *(_fold(label) for label in labels.values())}:
                return key
        if not self.config.tag_labels and slugify(name):  # no topic list: any word is a tag
            return slugify(name)
        return None

    def of(self, categories) -> tuple[str, ...]:
        keys = []
        for category in categories:
            names = [_clean(n) for n in (category.get("term"), category.get("label")) if isinstance(n, str)]
            names = [n for n in names if n.strip()]
            key = next((k for k in (self.mapped.get(_fold(n)) or self._topic(n) for n in names) if k), None)
            if key:
                keys.append(key)
            elif names:
                self.left_out[" ".join(names[0].split())] += 1
        return tuple(dict.fromkeys(keys))

    def report_left_out(self, source: str, report: Diagnostics) -> None:
        if not self.left_out:
            return
        listed = ", ".join(f"{name!r} ({count})" for name, count in sorted(self.left_out.items()))
        topics = ", ".join(self.config.tag_labels)
        report.add(ContentError(
            f"categories that are not topics of the site were left out: {listed}", Location(source),
            level="notice",
            hint=f"to keep one, map it with --tag-map 'CATEGORY=TOPIC'; the topics: {topics}" if topics
            else "they have no letters a tag's address can use: map them with --tag-map 'CATEGORY=TAG'"))
        self.left_out.clear()


def _fold(name: str) -> str:
    """What two spellings of a category share: 'Économie' = 'economie'; non-Latin names are compared as text."""
    return slugify(name) or " ".join(name.casefold().split())


# ---------------------------------------------------------------- pictures
class Pictures:
    """The pictures of imported entries, downloaded into static/images/imported/: the site never makes
    a visitor's browser call another host. Named after the picture and the digest of its bytes, so the
    same picture is stored once, and a re-run finds it."""

    def __init__(self, static_dir: Path, report: Diagnostics):
        self.static_dir = static_dir
        self.report = report
        self.by_url: dict[str, str | None] = {}
        self.files: dict[Path, bytes] = {}  # to write

    def local(self, url: str, source: str, label: str) -> str | None:
        """The picture's path in static/ ('images/imported/photo-1a2b3c4d5e.jpg'), or None, reported."""
        if url not in self.by_url:
            self.by_url[url] = self._fetch(url, source, label)
        return self.by_url[url]

    def _fetch(self, url: str, source: str, label: str) -> str | None:
        def drop(reason: str) -> None:
            self.report.add(ContentError(f"{label}: picture {url} {reason}; left out, its description (if any) kept",
                                         Location(source), level="warning"))

        if urlsplit(url).scheme not in ("http", "https"):
            drop("is not on the web")
            return None
        try:
            data = download(url)
        except urllib.error.HTTPError as exc:
            drop(f"could not be downloaded (HTTP {exc.code} {exc.reason})")
            return None
        except (OSError, ValueError) as exc:
            drop(f"could not be downloaded ({getattr(exc, 'reason', None) or exc})")
            return None
        kind = _image_kind(data)
        if kind is None:
            drop("is not a whole JPEG, PNG, GIF or WebP picture")
            return None
        stem = slugify(posixpath.splitext(posixpath.basename(unquote(urlsplit(url).path)))[0])[:40].strip("-")
        rel = f"{IMAGE_DIR}/{stem or 'picture'}-{hashlib.sha256(data).hexdigest()[:10]}.{kind}"
        path = self.static_dir / rel
        if not path.exists():
            self.files[path] = data
        return rel


def download(url: str) -> bytes:
    """A picture's bytes (the tests replace this to stay off the network)."""
    return _open(url, MAX_IMAGE_BYTES)[0]


def _image_kind(data: bytes) -> str | None:
    """The picture's format, if it is one a browser shows and it is whole: a damaged one would stop the build."""
    for signature, kind in IMAGE_SIGNATURES:
        if data.startswith(signature):
            break
    else:
        if not (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
            return None
        kind = "webp"
    from PIL import Image  # here: only an import that brings pictures needs it

    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for a damaged file; all mean "not whole"
        return None
    return kind


# --------------------------------------------------------------- converting
class _CleanMarkdown(MarkdownConverter):
    """markdownify, with the site's safety rules: scripts and event handlers never survive (only
    Markdown comes out, and '<' in text is escaped); links with a javascript:/data: URL lose their
    URL; relative URLs become absolute (or are dropped, reported, when there is nothing to resolve them
    against); pictures are downloaded into static/ (or left out, reported), so the site makes no
    third-party requests."""

    def __init__(self, base: str, pictures: Pictures | None, where: tuple[str, str]):
        super().__init__(heading_style="ATX", bullets="*", escape_misc=False,
                         strip=["iframe", "object", "embed", "form", "button", "input"])
        self.base, self.pictures, self.where = base, pictures, where
        self.unresolved: list[str] = []
        self.undescribed: list[str] = []

    def escape(self, text, parent_tags):
        """Text stays text in Python-Markdown: '<' and '&' as entities (a backslash would show), and
        backslash escapes only for the characters it knows."""
        text = super().escape(text.replace("\\", "\\\\"), parent_tags)
        text = text.replace("&", "&amp;").replace("<", "&lt;")
        text = re.sub(r"([`\[\]{}])", r"\\\1", text)  # '{' too: '{: onclick=…}' would be attr_list's
        text = re.sub(r"^(\s*)(\d+)([.)])(?=\s)", r"\1\2\\\3", text, flags=re.M)  # '1.' would start a list
        text = re.sub(r"^(\s*)([#>+-])(?=\s)", r"\1\\\2", text, flags=re.M)  # so would '-', '+'; '#' a heading
        return text

    def _url(self, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        url = _absolute(value, self.base)
        if url is None:
            compact = re.sub(r"[\x00-\x20]+", "", value).lower()
            if not compact.startswith(BAD_SCHEMES) and not urlsplit(compact).scheme:
                self.unresolved.append(value.strip())
            return None
        # a URL as Markdown reads it: spaces, parentheses and angle brackets would end or break the link
        return quote(url, safe=":/?#[]@!$&'*+,;=%~")

    def convert_a(self, el, text, parent_tags):
        url = self._url(el.get("href"))
        if url is None:
            return text
        el["href"] = url
        el.attrs.pop("title", None)
        return super().convert_a(el, text, parent_tags)

    def convert_video(self, el, text, parent_tags):
        """A link to the video (its poster would be a picture from another host)."""
        source = el.find("source", attrs={"src": True})
        url = self._url(el.get("src") or (source.get("src") if source else None))
        return f"[{text.strip() or 'video'}]({url})" if url else text

    def convert_img(self, el, text, parent_tags):
        url = self._url(el.get("src"))
        alt = " ".join((el.get("alt") or "").split())
        local = self.pictures.local(url, *self.where) if url and self.pictures else None
        if local is None:
            return self.escape(alt, parent_tags)
        if not alt:  # the check requires a description: the file's name stands in, and the editor is told
            alt = posixpath.basename(local).rsplit("-", 1)[0].replace("-", " ")
            self.undescribed.append(local)
        return f"![{self.escape(alt, parent_tags)}]({STATIC_FROM_NEWS}{local})"


def to_markdown(fragment: str, *, base: str = "", pictures: Pictures | None = None,
                report: Diagnostics | None = None, where: tuple[str, str] = ("", "")) -> str:
    """The entry's HTML as Markdown; what could not be kept is added to `report` (at `where`:
    the feed, the entry)."""
    converter = _CleanMarkdown(base, pictures, where)
    text = converter.convert(fragment)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    source, label = where
    if report is not None and converter.unresolved:
        shown = ", ".join(repr(u) for u in dict.fromkeys(converter.unresolved))
        report.add(ContentError(f"{label}: relative links or pictures ({shown}) have no address to resolve "
                                "them against; left out, their text kept", Location(source), level="warning",
                                hint="import from the feed's web address rather than a saved file"))
    if report is not None and converter.undescribed:
        report.add(ContentError(f"{label}: {len(converter.undescribed)} picture(s) without a description: "
                                "named after the file for now", Location(source), level="notice",
                                hint="describe each one for blind readers: the text in ![…](…)"))
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
@dataclass
class _Existing:
    """What content/news/ holds already: the entries imported before, and the names and addresses taken."""

    ids: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # (lang, id) -> (date, key)
    files: set[tuple[str, str]] = field(default_factory=set)  # (date, key), in any language
    urls: set[tuple[str, str, str]] = field(default_factory=set)  # (lang, 'YYYY-MM', slug)


def existing_news(news_dir: Path) -> _Existing:
    found = _Existing()
    for path in sorted(news_dir.glob("*.md")) if news_dir.is_dir() else ():
        match = NAME_RE.match(path.name)
        if not match or not match["date"]:
            continue
        date, key, lang = match["date"], match["key"], match["lang"]
        slug = key
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle):
                if line.startswith(ID_COMMENT):
                    found.ids[(lang, line[len(ID_COMMENT):].strip())] = (date, key)
                elif line.startswith("slug:"):
                    slug = line[len("slug:"):].strip().strip("\"'") or key
                if number > 40 or (number and line.rstrip() == "---"):
                    break
        found.files.add((date, key))
        found.urls.add((lang, date[:7], slug))
    return found


def _file_text(entry: FeedEntry, body: str, *, translation: bool, slug: str | None) -> str:
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
    lines += ["---", "", body]
    return "\n".join(lines)


class _Plan:
    """The files an import will write, decided before anything is written."""

    def __init__(self, config: Config, report: Diagnostics):
        self.news_dir = config.content_dir / "news"
        self.existing = existing_news(self.news_dir)
        self.pictures = Pictures(config.root / "static", report)
        self.report = report
        self.files: dict[Path, str] = {}
        self.already = 0

    def add(self, entry: FeedEntry, lang: str, source: str, original: tuple[str, str] | None) -> tuple[str, str]:
        """Plan the entry's file (a translation takes its original's date and key); returns (date, key)."""
        known = self.existing.ids.get((lang, entry.ident))
        if known:
            self.already += 1
            return known
        date = original[0] if original else entry.moment.date().isoformat()
        slug = self._free_slug(entry, lang, date, translation=original is not None)
        key = original[1] if original else slug
        if original and self.news_dir.joinpath(f"{date}-{key}.{lang}.md").exists():
            return date, key  # that translation already exists, written by hand
        body = to_markdown(entry.body_html, base=entry.base, pictures=self.pictures, report=self.report,
                           where=(source, entry.label))
        text = _file_text(entry, body, translation=original is not None, slug=slug if slug != key else None)
        self.files[self.news_dir / f"{date}-{key}.{lang}.md"] = text
        self.existing.ids[(lang, entry.ident)] = (date, key)  # the same entry twice in a feed: once
        self.existing.files.add((date, key))
        self.existing.urls.add((lang, date[:7], slug))
        return date, key

    def _free_slug(self, entry: FeedEntry, lang: str, date: str, *, translation: bool) -> str:
        """The title's slug, unless another item has that address (or, for an original, that file name):
        then, and for titles without Latin letters, a digest of the entry's id makes it distinct and
        stable (the same entry gets the same name on every run)."""
        title_slug = short_slug(entry.title)
        digest = hashlib.sha256(entry.ident.encode("utf-8")).hexdigest()
        candidates = [title_slug] if title_slug else []
        candidates += [f"{title_slug or 'news'}-{digest[:n]}" for n in (8, 16, 64)]
        for slug in candidates:
            name_free = translation or (date, slug) not in self.existing.files  # a translation has its original's
            if (lang, date[:7], slug) not in self.existing.urls and name_free:
                return slug
        raise AssertionError("a 64-digit digest collides")  # pragma: no cover

    def write(self, root: Path) -> list[Path]:
        """Write the planned files, never over an existing one; returns them (pictures last)."""
        written: list[Path] = []
        try:
            for path, content in [*self.files.items(), *self.pictures.files.items()]:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("xb" if isinstance(content, bytes) else "x",
                               **({} if isinstance(content, bytes) else {"encoding": "utf-8"})) as handle:
                    written.append(path)
                    handle.write(content)
        except BaseException:
            _remove(written, root)
            raise
        return written


def _remove(paths: list[Path], root: Path) -> None:
    """Remove what the import wrote, and the folders it left empty (content/news, static/images/imported)."""
    for path in paths:
        path.unlink(missing_ok=True)
    for folder in sorted({p.parent for p in paths}, key=lambda p: len(p.parts), reverse=True):
        while folder != root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent


def _strict_check(config: Config) -> list[LilleError]:
    """What `check --strict` finds in the site: every error, warning and notice."""
    from lillesite.build import build  # the whole build machinery loads only now
    from lillesite.options import BuildOptions

    try:
        return build(config, BuildOptions(write=False, strict=True)).warnings
    except BuildFailed as failure:
        return failure.errors


def _failing(findings: list[LilleError]) -> list[LilleError]:
    return [f for f in findings if f.level in ("error", "warning")]


def import_feeds(config: Config, source: str, report: Diagnostics, *, lang: str,
                 pair: tuple[str, str] | None = None, tag_map: dict[str, str] | None = None) -> Outcome:
    """Read the feed (and its translations' with `pair`), write the news files and their pictures, and
    check the site; what was left out goes to `report`. Raises BuildFailed, with nothing written, when
    a feed cannot be read or when what it gave would make the site fail `check --strict`."""
    languages = config.language_codes
    for code in (lang, *(pair[:1] if pair else ())):
        if code not in languages:
            raise BuildFailed([UsageError(f"--lang {code!r}: the site's languages are {', '.join(languages)}")])
    if pair and pair[0] == lang:
        raise BuildFailed([UsageError(f"--lang-pair needs a language other than {lang!r}")])
    topics = Topics(config, tag_map or {})
    read, skipped = [], 0
    for code, where in [(lang, source)] + ([pair] if pair else []):
        data, address = fetch(where)
        entries, skipped_here = read_feed(where, data, config, report, address=address, topics=topics)
        read.append((code, where, entries))
        skipped += skipped_here
    plan = _Plan(config, report)
    for _, _, entries in read:  # oldest first: the order of a feed does not change the names its entries get
        entries.sort(key=lambda e: (e.moment, e.ident))
    first_lang, first_source, first = read[0]
    keys = [plan.add(entry, first_lang, first_source, None) for entry in first]
    if pair:
        code, where, entries = read[1]
        originals = pair_entries(first, entries, languages)
        for j, entry in enumerate(entries):
            plan.add(entry, code, where, keys[originals[j]] if j in originals else None)
    outcome = Outcome(already=plan.already, skipped=skipped)
    if not plan.files:
        return outcome
    written = plan.write(config.root)
    after = _failing(_strict_check(config))
    if after:  # the import's doing, or the site's own problems from before? The site without the import says
        _remove(written, config.root)
        before = {f.describe() for f in _failing(_strict_check(config))}
        new = [f for f in after if f.describe() not in before]
        if new:
            raise BuildFailed([*new, ContentError(
                f"nothing imported: the imported news would make `check --strict` fail "
                f"({len(new)} problem(s), reported with this one)", Location(source),
                hint="this is a bug in import-feed: please report it with the feed")])
        written = plan.write(config.root)
    outcome.created = [path.relative_to(config.root).as_posix() for path in written]
    outcome.site_problems = len(after)  # all were there before the import
    return outcome

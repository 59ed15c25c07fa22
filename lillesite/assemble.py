"""Documents -> Site: grouping into translations, inheritance, URLs, sorting, collisions, links."""
from __future__ import annotations

import datetime as dt
import difflib
import posixpath
from collections import defaultdict
from typing import Mapping

from lillesite import images as pictures, urls
from lillesite.config import Config
from lillesite.document import Document
from lillesite.errors import ContentError, Diagnostics, Location
from lillesite.frontmatter import SHARED_KEYS
from lillesite.messages import Message, _
from lillesite.model import HOME_KEY, Entry, MenuItem, Site, Tag, TranslationSet
from lillesite.sources import MONTHS, NAME_RE


def group_key(doc: Document) -> tuple[str, str]:
    """Translations share kind and key; a news item's date is part of its key."""
    source = doc.source
    return (source.kind, f"{source.date.isoformat()}-{source.key}" if source.date else source.key)


def assemble(
    config: Config,
    docs: list[Document],
    report: Diagnostics,
    *,
    now: dt.datetime,
    static_files: frozenset[str],
    images: Mapping[str, pictures.Source] | None = None,
    include_drafts: bool = False,
    include_future: bool = False,
) -> Site:
    """The site as published: unpublished entries left out, every finding added to `report`.

    `images`: the raster files of static/ (images.inspect()), whose pictures pages show."""
    images = images or {}
    order = {code: i for i, code in enumerate(config.language_codes)}
    groups: dict[tuple[str, str], list[Document]] = defaultdict(list)
    for doc in docs:
        groups[group_key(doc)].append(doc)

    entries_by_group: dict[tuple[str, str], dict[str, Entry]] = {}
    held: dict[tuple[str, str], dict[str, Entry]] = {}  # drafts and scheduled items left out: checked all the same
    source_langs: dict[tuple[str, str], str] = {}
    next_scheduled = None
    for gkey, members in sorted(groups.items()):
        members.sort(key=lambda d: order[d.source.lang])
        source = next((d for d in members if d.source.lang == config.default_language), members[0])
        source_langs[gkey] = source.source.lang
        kept: dict[str, Entry] = {}
        for doc in members:
            meta = _inherit(doc, source, report)
            entry = _entry(config, doc, meta, gkey, now, images, report)
            if entry is None:
                continue
            if entry.draft and not include_drafts:
                held.setdefault(gkey, {})[doc.source.lang] = entry
                continue
            if entry.future and not include_future:
                next_scheduled = min(filter(None, (next_scheduled, entry.date)))
                held.setdefault(gkey, {})[doc.source.lang] = entry
                continue
            kept[doc.source.lang] = entry
        if kept:
            entries_by_group[gkey] = kept

    _check_collisions(config, entries_by_group, report)
    by_rel = {e.rel: e for group in entries_by_group.values() for e in group.values()}
    all_rels = {doc.source.rel: group_key(doc) for doc in docs}
    guesses = LinkGuesses(docs, static_files)
    resolved_groups = {}
    for gkey, group in entries_by_group.items():
        resolved_groups[gkey] = {
            lang: _resolve_links(config, entry, group, entries_by_group, by_rel, all_rels, guesses, images, report)
            for lang, entry in group.items()
        }
    _check_unpublished(config, held, entries_by_group, all_rels, guesses, images, report)

    sets = {
        gkey: TranslationSet(kind=gkey[0], key=gkey[1], source_lang=_source_lang(source_langs[gkey], group),
                             entries=group)
        for gkey, group in resolved_groups.items()
    }
    site = Site(
        config=config,
        now=now,
        sets=sets,
        news={lang: _newest_first(e for e in _in(sets, "news", lang)) for lang in config.language_codes},
        pages={lang: tuple(e for e in _in(sets, "page", lang) if not e.is_home) for lang in config.language_codes},
        homes={lang: sets[("page", HOME_KEY)].entries.get(lang) if ("page", HOME_KEY) in sets else None
               for lang in config.language_codes},
        tags={lang: _tags(config, lang, _in(sets, "news", lang), report) for lang in config.language_codes},
        menus={lang: _menu(config, lang, _in(sets, "page", lang)) for lang in config.language_codes},
        next_scheduled=next_scheduled,
    )
    return site


def _source_lang(lang: str, group: dict[str, Entry]) -> str:
    return lang if lang in group else next(iter(group))


def _in(sets: dict, kind: str, lang: str) -> list[Entry]:
    return [s.entries[lang] for (k, _key), s in sorted(sets.items()) if k == kind and lang in s.entries]


def _newest_first(entries) -> tuple[Entry, ...]:
    # ties (same date and time) are broken by key, so the order never depends on the file system
    return tuple(sorted(sorted(entries, key=lambda e: e.key), key=lambda e: e.date, reverse=True))


def _inherit(doc: Document, source: Document, report: Diagnostics) -> dict:
    meta = dict(doc.meta)
    if doc is source:
        return meta
    for key in SHARED_KEYS:
        if key not in source.meta:
            continue
        if key not in meta:
            meta[key] = source.meta[key]
        elif meta[key] != source.meta[key]:
            report.add(ContentError(
                _("{key}: {value!r} conflicts with {original!r} in {file}", key=key, value=meta[key],
                  original=source.meta[key], file=source.source.rel),
                Location(doc.source.rel, doc.line_of_key.get(key)),
                hint=_("give {key!r} only in the {lang!r} file; translations inherit it", key=key,
                       lang=source.source.lang),
            ))
    return meta


def _entry(config: Config, doc: Document, meta: dict, gkey, now, images: Mapping[str, pictures.Source],
           report: Diagnostics) -> Entry | None:
    source = doc.source
    where = source.rel
    date = None
    if source.kind == "news":
        date = _news_date(config, doc, meta.get("date"), report)
        if date is None:
            return None
    else:
        for key in ("date",):
            if key in meta:
                report.add(ContentError(_("{key}: only news items have a date", key=key),
                                        Location(where, doc.line_of_key.get(key))))
    if source.kind == "news" and "menu" in meta:
        report.add(ContentError(_("menu: news items are not in the menu; use it on pages"),
                                Location(where, doc.line_of_key.get("menu"))))
    slug = meta.get("slug") or urls.slugify(source.key) or "page"
    if source.kind == "news":
        url = urls.news_item(config, source.lang, source.date, slug)
    elif source.key == HOME_KEY:
        url = urls.home(source.lang)
    else:
        url = urls.page(source.lang, slug)
    if meta.get("image") and not meta.get("image_alt"):
        report.add(ContentError(_("image: has no image_alt text describing it"),
                                Location(where, doc.line_of_key.get("image")), level="warning"))
    return Entry(
        doc=doc,
        kind=source.kind,
        key=gkey[1],
        lang=source.lang,
        title=meta.get("title", ""),
        summary=doc.summary,
        date=date,
        tags=meta.get("tags", ()),
        image=meta.get("image"),
        image_alt=meta.get("image_alt"),
        image_credit=meta.get("image_credit"),
        picture=_picture(config, meta.get("image"), images, lead=True),
        menu=meta.get("menu"),
        draft=meta.get("draft", False),
        future=bool(date and date > now),
        url=url,
        link_targets={},  # filled by _resolve_links once every entry has its URL
        pictures={},  # filled by _resolve_links too
    )


def _picture(config: Config, rel: str | None, images: Mapping[str, pictures.Source], *, lead: bool):
    if not rel:
        return None
    if rel.lower().endswith(pictures.PASSED_THROUGH):
        return pictures.drawing(rel)
    source = images.get(rel)
    return pictures.picture(source, config.image_widths, lead=lead) if pictures.usable(source) else None


def _news_date(config: Config, doc: Document, value, report: Diagnostics) -> dt.datetime | None:
    file_date = doc.source.date
    tz = config.tz
    if value is None:
        return dt.datetime.combine(file_date, dt.time(), tz)
    if isinstance(value, dt.datetime):
        moment = value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
    else:
        moment = dt.datetime.combine(value, dt.time(), tz)
    if moment.date() != file_date:
        report.add(ContentError(
            _("date: {date} disagrees with the date {file_date} in the file name", date=moment.date().isoformat(),
              file_date=file_date.isoformat()),
            Location(doc.source.rel, doc.line_of_key.get("date")),
            hint=_("rename the file or correct the date"),
        ))
        return None
    return moment


def _reserved_urls(config: Config) -> dict[str, str]:
    reserved = {}
    for lang in config.language_codes:
        reserved[urls.news_index(config, lang)] = _("the news index")
        reserved[urls.tags_index(config, lang)] = _("the tags index")
        reserved[urls.feed(lang)] = _("the RSS feed")
        if config.search_slug:
            reserved[urls.search(config, lang)] = _("the search page")
    return reserved


def _check_collisions(config: Config, groups: dict, report: Diagnostics) -> None:
    reserved = _reserved_urls(config)
    seen: dict[str, str] = {}
    for group in groups.values():
        for entry in group.values():
            claims = [(entry.url, entry.doc.line_of_key.get("slug"))]
            claims += [(alias, entry.doc.line_of_key.get("aliases")) for alias in entry.doc.meta.get("aliases", ())]
            for url, line in claims:
                other = seen.get(url) or reserved.get(url)
                if other:
                    report.add(ContentError(_("URL {url} is also produced by {other}", url=url, other=other),
                                            Location(entry.rel, line), hint=_("change the slug or the file name")))
                else:
                    seen[url] = entry.rel


def _resolve_links(config, entry: Entry, group, groups, by_rel, all_rels, guesses: LinkGuesses, images,
                   report: Diagnostics) -> Entry:
    targets: dict[str, str] = {}
    where = entry.rel
    for link in entry.doc.links:
        if link.kind == "page":
            gkey = all_rels.get(link.target)
            target_group = groups.get(gkey) if gkey else None
            if gkey is None:
                report.add(ContentError(_("link to a missing file {file!r}", file=link.target),
                                        Location(where, link.line), hint=guesses.page(link.target, where)))
                continue
            if not target_group:
                report.add(ContentError(_("link to {file!r}, which is not published (draft or future)",
                                          file=link.target), Location(where, link.line)))
                continue
            target = target_group.get(entry.lang) or by_rel.get(link.target) or next(iter(target_group.values()))
            targets[link.target] = target.url
            if link.fragment and link.fragment not in target.doc.anchors:
                report.add(ContentError(_("link to {target}#{fragment}: no heading or id {fragment!r} there",
                                          target=link.target, fragment=link.fragment),
                                        Location(where, link.line), level="warning"))
        elif link.kind == "asset":
            if link.target not in guesses.static_files:
                close = guesses.static_file(link.target)
                report.add(ContentError(
                    _("link to a missing file {file!r}", file="static/" + link.target), Location(where, link.line),
                    hint=_("did you mean {key!r}?", key=_relative("static/" + close, where)) if close else None))
            targets[link.target] = "/" + link.target
        elif link.kind == "anchor":
            if link.fragment and link.fragment not in entry.doc.anchors:
                report.add(ContentError(_("link to #{fragment}: no heading or id with that name on this page",
                                          fragment=link.fragment), Location(where, link.line), level="warning"))
    if entry.image and entry.image not in guesses.static_files:
        close = guesses.static_file(entry.image)
        report.add(ContentError(_("image: no file {file!r}", file="static/" + entry.image),
                                Location(where, entry.doc.line_of_key.get("image")),
                                hint=_("did you mean {key!r}?", key=close) if close else None))
    shown = {}
    for rel in pictures.images_in(entry.doc.html):
        if rel in guesses.static_files and pictures.is_picture(rel):
            picture = _picture(config, rel, images, lead=False)
            if picture:
                shown[rel] = picture
    entry.link_targets.update(targets)  # the entry's own dict (see _entry), filled before the site is complete
    entry.pictures.update(shown)
    return entry


def _relative(target: str, where: str) -> str:
    """`target` (from the site's folder) as a link in the file `where` writes it."""
    return posixpath.relpath(target, posixpath.dirname(where))


class LinkGuesses:
    """What a link to a missing file was probably meant to name, for its hint. The site's addresses and
    files are gathered on the first broken link: a site without one never pays for it."""

    def __init__(self, docs: list[Document], static_files: frozenset[str]):
        self.docs = docs
        self.static_files = static_files
        self._by_slug: dict[str, list[Document]] | None = None

    def page(self, target: str, where: str) -> Message | None:
        """For a link from `where` to the content file `target`, which does not exist: the file whose address
        (slug) the editor wrote instead of its name ('bureau-ue.fr.md' for eu-office.fr.md with 'slug:
        bureau-ue'), else a file whose name is one slip away."""
        folder, sep, name = target.rpartition("/")
        named = NAME_RE.match(name)
        if named:
            if self._by_slug is None:
                self._by_slug = defaultdict(list)
                for doc in self.docs:
                    self._by_slug[doc.meta.get("slug") or urls.slugify(doc.source.key)].append(doc)
            # a file of that key in another language or with another date is a slip of its name: see below
            owners = [doc for doc in self._by_slug.get(named["key"], ()) if doc.source.key != named["key"]
                      and (named["date"] is None or doc.source.date is None
                           or doc.source.date.isoformat() == named["date"])]
            # the language asked for first, then the folder (kind) the link points into
            owners.sort(key=lambda doc: (doc.source.lang != named["lang"], posixpath.dirname(doc.source.rel) != folder,
                                         doc.source.rel))
            if owners:
                owner = owners[0].source.rel
                return _("{address!r} is the address (slug) of {file}, not a file name: link to the file, "
                         "{link!r}", address=named["key"], file=posixpath.basename(owner),
                         link=_relative(owner, where))
        close = _closest(target, [doc.source.rel for doc in self.docs])
        return _("did you mean {key!r}?", key=_relative(close, where)) if close else None

    def static_file(self, path: str) -> str | None:
        """The file of static/ whose path is closest to `path` (a letter off, another folder), if any."""
        return _closest(path, self.static_files)


def _closest(path: str, files) -> str | None:
    """The file of `files` whose name is a slip away from `path`'s (a letter off, another letter case): in the
    same folder first, else the same name in another folder. Names are compared without what every file of
    a folder shares ('content/pages/', '.fr.md'), which would make any two look alike."""
    folder, name = posixpath.split(path)
    near = {posixpath.basename(file): file for file in files if posixpath.dirname(file) == folder}
    close = difflib.get_close_matches(name, near, n=1, cutoff=0.8)
    if close and difflib.SequenceMatcher(None, _stem(name), _stem(close[0])).ratio() >= 0.75:
        return near[close[0]]
    elsewhere = sorted(file for file in files if posixpath.basename(file).casefold() == name.casefold())
    return elsewhere[0] if elsewhere else None


def _stem(name: str) -> str:
    """A file's name without its extensions: 'eu-office' for eu-office.fr.md, 'photo' for photo.jpg."""
    return name.split(".", 1)[0]


def _check_unpublished(config: Config, held: dict, published: dict, all_rels, guesses: LinkGuesses, images,
                       report: Diagnostics) -> None:
    """Drafts and scheduled items get the checks of published ones now, said as such, so that CI fails at
    the push and not on the morning a scheduled build publishes them."""
    for gkey, group in sorted(held.items()):
        for lang, entry in group.items():
            why = _("draft") if entry.draft else _("scheduled for {day}", day=_day(entry.date))
            groups = _site_on_its_day(entry, published, held)
            by_rel = {other.rel: other for members in groups.values() for other in members.values()}
            found = Diagnostics()
            _resolve_links(config, entry, groups[gkey], groups, by_rel, all_rels, guesses, images, found)
            if lang == config.default_language and config.tag_labels:
                found.extend(_undeclared_tag(config, key, entry) for key in entry.tags if key not in config.tag_labels)
            report.extend(type(finding)(_("{why}: {message}", why=why, message=finding.message), finding.location,
                                        hint=finding.hint, level=finding.level) for finding in found)


def _site_on_its_day(entry: Entry, published: dict, held: dict) -> dict:
    """The entries a held entry may link to: a scheduled item, to those published by its day; a draft, whose
    day is not known, to every entry."""
    site = {gkey: dict(members) for gkey, members in published.items()}
    for gkey, members in held.items():
        for lang, other in members.items():
            if entry.draft or (not other.draft and other.date is not None and other.date <= entry.date):
                site.setdefault(gkey, {})[lang] = other
    return site


def _day(moment: dt.datetime) -> Message:
    """'7 December 2026' ('7 décembre 2026'): the same on every machine, whatever its locale."""
    if moment.day == 1:  # French writes the first of the month '1er'
        return _("1 {month} {year}", month=MONTHS[moment.month], year=moment.year)
    return _("{day} {month} {year}", day=moment.day, month=MONTHS[moment.month], year=moment.year)


def _undeclared_tag(config: Config, key: str, entry: Entry) -> ContentError:
    return ContentError(_("tags: {key!r} is not in the tag vocabulary (tags.labels in site.yml)", key=key),
                        Location(entry.rel, entry.doc.line_of_key.get("tags")), level="warning",
                        hint=_tag_hint(config, key))


def _tag_hint(config: Config, written: str) -> Message | None:
    """A tag written as one of its labels ('Environnement' for 'environment'), or a slip away from a key."""
    folded = written.casefold().strip()
    for key, labels in config.tag_labels.items():
        if folded in (label.casefold().strip() for label in labels.values()):
            return _("{label!r} is the label shown for the tag {key!r}: in 'tags:', write its key, {key}",
                     label=written, key=key)
    close = difflib.get_close_matches(written, list(config.tag_labels), n=1, cutoff=0.75)
    return _("did you mean {key!r}?", key=close[0]) if close else None


def _tags(config: Config, lang: str, entries: list[Entry], report: Diagnostics) -> tuple[Tag, ...]:
    by_tag: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        for tag in entry.tags:
            by_tag[tag].append(entry)
    tags = []
    slugs: dict[str, str] = {}
    undeclared = {key for key in by_tag if config.tag_labels and key not in config.tag_labels}
    for key, tagged in sorted(by_tag.items(), key=lambda item: item[0] in undeclared):  # declared ones first
        if key in undeclared and lang == config.default_language:
            report.add(_undeclared_tag(config, key, tagged[0]))
        label = config.tag_label(key, lang)
        slug = urls.slugify(label) or urls.slugify(key) or "tag"
        if slug in slugs and slugs[slug] != key:
            if key in undeclared:  # a topic's label written as its key: the warning above says which key to write
                continue
            report.add(ContentError(_("tags: {key!r} and {other!r} would share the URL of tag {slug!r}", key=key,
                                      other=slugs[slug], slug=slug),
                                    Location(tagged[0].rel, tagged[0].doc.line_of_key.get("tags"))))
            continue
        slugs[slug] = key
        tags.append(Tag(key=key, label=label, slug=slug, url=urls.tag(config, lang, slug),
                        entries=_newest_first(tagged)))
    return tuple(sorted(tags, key=lambda t: (t.label.casefold(), t.key)))


def _menu(config: Config, lang: str, pages: list[Entry]) -> tuple[MenuItem, ...]:
    """Pages with a menu weight; the renderer adds the news section, whose label is a UI string."""
    items = [MenuItem(p.title, p.url, p.menu) for p in pages if p.menu is not None and not p.is_home]
    return tuple(sorted(items, key=lambda i: (i.weight, i.title)))

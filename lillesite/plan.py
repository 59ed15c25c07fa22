"""The page plan: every page a build writes, as a frozen record of what its template is given.

Planning decides which pages exist, at which URL, with which template, showing which entries and
listings, and in which languages each exists. Rendering (render.py) builds a template's context from
its PagePlan alone, with what every page shares (the config, the catalogues, the templates), so a
page's cache key is the digest of its plan and cannot drift from what its template sees. The sitemap
reads the same plan. A new kind of page is a new record here and its template.
"""
from __future__ import annotations

import functools
import types
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping

from babel.support import NullTranslations

from lillesite import urls
from lillesite.model import Entry, MenuItem, Site, Tag

# What templates read as `page.title`, `site.title`, `item.url`: attributes, which Jinja finds much
# faster than a dict's keys (it tries the attribute first, and a dict's failure raises an exception).
Record = types.SimpleNamespace


@dataclass(frozen=True)
class Listing:
    """One page of a paginated list of news items."""

    items: tuple[Entry, ...]
    number: int
    total: int
    url: str
    prev_url: str | None
    next_url: str | None
    page_urls: tuple[str, ...]

    def window(self, around: int = 2) -> list[tuple[int, str] | None]:
        """The page links to show: first, last and those near this page; None marks a gap.

        Listing every page would make each of N listing pages link to all N: quadratic in a big site.
        """
        shown = {1, self.total, *range(max(1, self.number - around), min(self.total, self.number + around) + 1)}
        shown |= {n + 1 for n in shown if n + 2 in shown}  # a gap of one page shows that page instead
        links: list[tuple[int, str] | None] = []
        for number in sorted(shown):
            if links and links[-1] and number > links[-1][0] + 1:
                links.append(None)
            links.append((number, self.page_urls[number - 1]))
        return links


def paginate(entries: tuple[Entry, ...], per_page: int, url_of: Callable[[int], str]) -> list[Listing]:
    chunks = [entries[i:i + per_page] for i in range(0, len(entries), per_page)] or [()]
    total = len(chunks)
    page_urls = tuple(url_of(n) for n in range(1, total + 1))
    return [
        Listing(items=chunk, number=n, total=total, url=page_urls[n - 1],
                prev_url=page_urls[n - 2] if n > 1 else None,
                next_url=page_urls[n] if n < total else None, page_urls=page_urls)
        for n, chunk in enumerate(chunks, start=1)
    ]


@dataclass(frozen=True)
class TagHead:
    """A tag as a page names it: label and URL. A page that reads more of a tag (its entries) depends on
    every item of the tag; render.py tells the build so, and such a page is never taken from the cache."""

    key: str
    label: str
    slug: str
    url: str

    @classmethod
    def of(cls, tag: Tag) -> TagHead:
        return cls(tag.key, tag.label, tag.slug, tag.url)


@dataclass(frozen=True)
class Shared:
    """What every page of a language shows: the main navigation and the topics' names."""

    lang: str
    menu: tuple[MenuItem, ...]
    tags: tuple[TagHead, ...]


@dataclass(frozen=True)
class PagePlan:
    kind: str  # home, page, news, news_index, tags, tag, search, chooser, 404, alias, and urls.LEGAL_PAGES
    lang: str
    url: str
    template: str
    title: str
    shared: Shared
    translations: Mapping[str, str]  # language -> this page's URL in it (hreflang, the switcher)
    fallbacks: Mapping[str, str]  # language without a translation -> where the switcher leads
    x_default: str  # the x-default alternate: the default language's page, else the first that exists
    entry: Entry | None = None
    listing: Listing | None = None
    # what only this kind of page shows, by the name its template reads (tags as TagHeads)
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    outdated_source: Entry | None = None  # a translation's original, changed since it was translated
    absolute_links: bool = False  # links from the host's root: the 404 page, served at any depth
    typography: bool = True  # the language's typography pass (not for pages that mix languages)
    in_sitemap: bool = False
    description: str = ""  # the page's own meta description; "": its entry's summary, else the site's

    @property
    def path(self) -> str:
        return urls.output_path(self.url)


def plan(site: Site, catalogues: Mapping[str, NullTranslations], *,
         outdated: Mapping[str, Entry] | None = None) -> tuple[PagePlan, ...]:
    """Every page of the site, in a fixed order. `catalogues`: each language's UI strings; `outdated`:
    translation's file -> its original, changed since."""
    return tuple(_Planner(site, catalogues, outdated or {}).pages())


class _Planner:
    def __init__(self, site: Site, catalogues: Mapping[str, NullTranslations], outdated: Mapping[str, Entry]):
        self.site, self.config, self.catalogues, self.outdated = site, site.config, catalogues, outdated
        self.tags_by_key = {lang: {t.key: t for t in tags} for lang, tags in site.tags.items()}
        self.shared = {lang: Shared(lang, self._menu(lang), tuple(TagHead.of(t) for t in site.tags[lang]))
                       for lang in self.config.language_codes}

    def _menu(self, lang: str) -> tuple[MenuItem, ...]:
        items = list(self.site.menus[lang])
        if self.config.news_menu is not None:
            label = self.catalogues[lang].gettext("News")
            items.append(MenuItem(label, urls.news_index(self.config, lang), self.config.news_menu))
        return tuple(sorted(items, key=lambda i: (i.weight, i.title)))

    def pages(self):
        config, site = self.config, self.site
        for lang in config.language_codes:
            yield from self._language_pages(lang)
        default = config.default_language
        choices = self._choices()
        yield self._page(default, urls.CHOOSER, "chooser.html", kind="chooser", title=config.title[default],
                         typography=False, extra={"choices": choices})
        yield self._page(default, urls.NOT_FOUND, "404.html", kind="404", title="404", absolute_links=True,
                         typography=False, extra={"choices": choices})
        for entry in sorted(site.entries(), key=lambda e: e.rel):
            for alias in entry.doc.meta.get("aliases", ()):
                yield self._page(entry.lang, alias, "alias.html", kind="alias", title=entry.title,
                                 extra={"target": entry.url}, translations={})

    def _language_pages(self, lang: str):
        config, site = self.config, self.site
        news = site.news[lang]
        home = site.homes[lang]
        yield self._page(lang, urls.home(lang), "home.html", kind="home", entry=home,
                         title=home.title if home else config.title[lang],
                         translations=self._all_langs(urls.home), x_default=urls.CHOOSER,
                         extra={"latest": news[:config.news_on_home]}, in_sitemap=True)
        for entry in site.pages[lang]:
            yield self._entry_page(entry, "page.html")
        for index, entry in enumerate(news):
            yield self._entry_page(entry, "news_item.html", extra={
                "newer": news[index - 1] if index > 0 else None,
                "older": news[index + 1] if index + 1 < len(news) else None,
            })
        gettext, site_title = self.catalogues[lang].gettext, config.title[lang]
        for listing in paginate(news, config.news_per_page, functools.partial(urls.news_index, config, lang)):
            yield self._page(lang, listing.url, "news_index.html", kind="news_index", title=gettext("News"),
                             listing=listing, description=self._numbered(lang, listing, gettext(
                                 "%(site)s: all the news, newest first.") % {"site": site_title}), translations=self._listing_translations(
                                 listing.number, lambda other, n: urls.news_index(config, other, n),
                                 lambda other: len(site.news[other])),
                             fallback_of=lambda other: urls.news_index(config, other),
                             in_sitemap=listing.number == 1)
        yield self._page(lang, urls.tags_index(config, lang), "tags.html", kind="tags", title=gettext("Topics"),
                         description=gettext("%(site)s: the news by topic (%(topics)s).") % {
                             "site": site_title, "topics": ", ".join(t.label for t in site.tags[lang])},
                         translations=self._all_langs(lambda other: urls.tags_index(config, other)),
                         extra={"tags": self.shared[lang].tags})
        for tag in site.tags[lang]:
            for listing in paginate(tag.entries, config.news_per_page,
                                    functools.partial(urls.tag, config, lang, tag.slug)):
                yield self._page(lang, listing.url, "tag.html", kind="tag", title=tag.label, listing=listing,
                                 description=self._numbered(lang, listing, gettext(
                                     "%(site)s: the news about %(topic)s.") % {"site": site_title,
                                                                                        "topic": tag.label}),
                                 extra={"tag": TagHead.of(tag)}, translations=self._tag_translations(tag, listing.number),
                                 fallback_of=lambda other: urls.tags_index(config, other))
        if config.search_slug:
            yield self._page(lang, urls.search(config, lang), "search.html", kind="search", title=gettext("Search"),
                             description=gettext("%(site)s: search the pages and the news.") % {"site": site_title},
                             translations=self._all_langs(lambda other: urls.search(config, other)))
        if config.accessibility:
            yield from self._legal_pages(lang)

    def _numbered(self, lang: str, listing: Listing, description: str) -> str:
        """A listing's description, with its page number after the first page: each page its own."""
        if listing.number == 1:
            return description
        return description + " " + self.catalogues[lang].gettext("Page %(number)s of %(total)s.") % {
            "number": listing.number, "total": listing.total}

    def _legal_pages(self, lang: str):
        """The pages a public body's site must publish (RGAA, LCEN, RGPD) and the site map (RGAA 12.1)."""
        config, gettext = self.config, self.catalogues[lang].gettext
        titles = {"accessibility": gettext("Accessibility statement"), "legal_notice": gettext("Legal notice"),
                  "personal_data": gettext("Personal data"), "site_map": gettext("Site map")}
        descriptions = {
            "accessibility": gettext("How accessible this site is, how it was assessed, and how to report a problem."),
            "legal_notice": gettext("Who publishes this site, who is responsible for it and who hosts it."),
            "personal_data": gettext("What this site does with your personal data: it sets no cookie and "
                                     "calls no other server."),
            "site_map": gettext("Every page and section of this site, in one list."),
        }
        for which in urls.LEGAL_PAGES:
            extra = {"site_map": self._site_map(lang, titles)} if which == "site_map" else {}
            yield self._page(lang, urls.legal(config, lang, which), which + ".html", kind=which,
                             title=titles[which], extra=extra, in_sitemap=True, description=descriptions[which],
                             translations=self._all_langs(lambda other: urls.legal(config, other, which)))

    def _site_map(self, lang: str, legal_titles: Mapping[str, str]) -> tuple[Record, ...]:
        """Every page and section of a language, as a tree of Record(title, url, children)."""
        config, site, gettext = self.config, self.site, self.catalogues[lang].gettext

        def node(title: str, url: str, children=()) -> Record:
            return Record(title=title, url=url, children=tuple(children))
        home = site.homes[lang]
        tree = [node(home.title if home else gettext("Home"), urls.home(lang),
                     [node(entry.title, entry.url) for entry in site.pages[lang]])]
        tree.append(node(gettext("News"), urls.news_index(config, lang),
                         [node(entry.title, entry.url) for entry in site.news[lang]]))
        tree.append(node(gettext("Topics"), urls.tags_index(config, lang),
                         [node(tag.label, tag.url) for tag in site.tags[lang]]))
        if config.search_slug:
            tree.append(node(gettext("Search"), urls.search(config, lang)))
        tree.extend(node(legal_titles[which], urls.legal(config, lang, which)) for which in urls.LEGAL_PAGES)
        return tuple(tree)

    # --------------------------------------------------------- translations
    def _all_langs(self, url_of: Callable[[str], str]) -> dict[str, str]:
        return {code: url_of(code) for code in self.config.language_codes}

    def _listing_translations(self, number, url_of, count_of) -> dict[str, str]:
        per_page = self.config.news_per_page
        result = {}
        for code in self.config.language_codes:
            count = count_of(code)  # -1: no such listing in that language
            if count >= 0 and number <= max(1, -(-count // per_page)):  # hreflang only between pages that exist and name each other back
                result[code] = url_of(code, number)
        return result

    def _tag_translations(self, tag: Tag, number: int) -> dict[str, str]:
        by_key = self.tags_by_key
        return self._listing_translations(
            number, lambda code, n: urls.tag(self.config, code, by_key[code][tag.key].slug, n),
            lambda code: len(by_key[code][tag.key].entries) if tag.key in by_key[code] else -1)

    def _fallback(self, entry: Entry, lang: str) -> str:
        """Where the switcher leads when `entry` has no translation in `lang`: its section's index (news), else
        the language's home."""
        if entry.kind == "news":
            return urls.news_index(self.config, lang)
        return urls.home(lang)

    # --------------------------------------------------------------- pages
    def _entry_page(self, entry: Entry, template: str, extra: dict | None = None) -> PagePlan:
        translations = {lang: e.url for lang, e in self.site.translations(entry).items()}
        return self._page(entry.lang, entry.url, template, kind=entry.kind, entry=entry, title=entry.title,
                          translations=translations, extra=extra,
                          fallback_of=lambda lang: self._fallback(entry, lang), in_sitemap=True)

    def _page(self, lang: str, url: str, template: str, *, kind: str, title: str, entry: Entry | None = None,
              listing: Listing | None = None, translations: dict[str, str] | None = None,
              extra: dict | None = None, absolute_links: bool = False, typography: bool = True,
              fallback_of: Callable[[str], str] | None = None, x_default: str | None = None,
              in_sitemap: bool = False, description: str = "") -> PagePlan:
        translations = translations if translations is not None else {lang: url}
        fallbacks = {code: fallback_of(code) if fallback_of else urls.home(code)
                     for code in self.config.language_codes if code not in translations}
        x_default = x_default or translations.get(self.config.default_language) or next(iter(translations.values()), url)
        return PagePlan(kind=kind, lang=lang, url=url, template=template, title=title, shared=self.shared[lang],
                        translations=MappingProxyType(translations), fallbacks=MappingProxyType(fallbacks),
                        x_default=x_default, entry=entry, listing=listing, extra=MappingProxyType(extra or {}),
                        outdated_source=self.outdated.get(entry.rel) if entry else None,
                        absolute_links=absolute_links, typography=typography, in_sitemap=in_sitemap,
                        description=description)

    def _choices(self) -> tuple[Record, ...]:
        choices = []
        for language in self.config.languages:
            gettext = self.catalogues[language.code].gettext
            choices.append(Record(language=language, home=urls.home(language.code),
                                  title=self.config.title[language.code],
                                  choose=gettext("Choose your language"),
                                  not_found=gettext("Page not found"),
                                  not_found_text=gettext("The page you are looking for does not exist or has moved."),
                                  go_home=gettext("Go to the home page")))
        return tuple(choices)

"""Site -> OutputFile for every HTML page. Pure: no disk access beyond loading templates."""
from __future__ import annotations

import functools
import itertools
import types
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import jinja2
from babel.support import NullTranslations
from markupsafe import Markup

from lillesite import typography, urls
from lillesite.cache import PageCache
from lillesite.errors import LilleError
from lillesite.markup import LINK_PLACEHOLDER_RE
from lillesite.model import Entry, MenuItem, Site, Tag
from lillesite.templating import CompiledTemplates, make_environment, template_error
from lillesite.writer import Kept


# What templates read as `page.title`, `site.title`, `item.url`: attributes, which Jinja finds ten times
# faster than a dict's keys (it tries the attribute first, and a dict's failure raises an exception).
Record = types.SimpleNamespace


@dataclass(frozen=True)
class OutputFile:
    path: str  # POSIX, relative to the output folder
    data: bytes | Kept  # Kept: the current output's file, unchanged


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


class Renderer:
    def __init__(self, site: Site, translations: dict[str, NullTranslations], *, preview: bool = False,
                 outdated: dict[str, Entry] | None = None, pages: PageCache | None = None,
                 compiled: CompiledTemplates | None = None):
        self.site = site
        self.outdated = outdated or {}  # translation's file -> its original, changed since
        self.config = site.config
        self.translations = translations
        self.preview = preview
        self.envs = {
            lang.code: make_environment(self.config, lang, translations[lang.code], compiled)
            for lang in self.config.languages
        }
        self.typography = {code: typography.for_language(code) for code in self.config.language_codes}
        self.errors: dict[tuple, LilleError] = {}
        self.tag_urls = {lang: {t.key: t for t in tags} for lang, tags in site.tags.items()}
        self.menus = {lang: self._menu(lang) for lang in self.config.language_codes}
        self.site_records = {lang: Record(title=self.config.title[lang], description=self.config.description[lang],
                                          base_url=self.config.base_url, languages=self.config.languages,
                                          default_language=self.config.default_language)
                             for lang in self.config.language_codes}
        self.pages = pages
        # Tags enter a page's key by name and URL only; a page that reads more of a tag (its entries)
        # depends on the whole tag, so it is never taken from the cache: templates see _TagViews.
        self.reads_tag_entries = False
        self.tag_views = {lang: {t.key: _TagView(t, self) for t in tags} for lang, tags in site.tags.items()}
        if pages:
            self.tag_heads = {lang: [_tag_head(t) for t in tags] for lang, tags in site.tags.items()}
            # what every page of a language shares, digested once rather than with each page
            self.language_inputs = {lang: pages.key((self.menus[lang], self.tag_heads[lang]))
                                    for lang in self.config.language_codes}

    def _menu(self, lang: str) -> tuple[MenuItem, ...]:
        items = list(self.site.menus[lang])
        if self.config.news_menu is not None:
            label = self.translations[lang].gettext("News")
            items.append(MenuItem(label, urls.news_index(self.config, lang), self.config.news_menu))
        return tuple(sorted(items, key=lambda i: (i.weight, i.title)))

    # ----------------------------------------------------------------- driver
    def render_all(self) -> tuple[list[OutputFile], list[LilleError]]:
        """Every page, in a fixed order."""
        files, errors = self.render_claimed(lambda index: True)
        return [file for _, file in files], errors

    def render_claimed(self, claim: Callable[[int], bool]) -> tuple[list[tuple[int, OutputFile]], list[LilleError]]:
        """The pages `claim` takes, by their index in render_all()'s order: one process's part of a parallel
        render. `claim` is asked about every index, in increasing order."""
        self._claim, self._counter = claim, itertools.count()
        files = []
        for file in self._files():
            if file is not None:
                files.append((self._index, file))
        return files, list(self.errors.values())

    def _files(self) -> Iterator[OutputFile]:
        config, site = self.config, self.site
        for lang in config.language_codes:
            yield from self._language_files(lang)
        default = config.default_language
        yield self._page(default, urls.CHOOSER, "chooser.html", kind="chooser", title=config.title[default],
                         absolute_links=False, typography=False, extra={"choices": self._choices()})
        yield self._page(default, urls.NOT_FOUND, "404.html", kind="404", title="404", absolute_links=True,
                         typography=False, extra={"choices": self._choices()})
        for entry in sorted(site.entries(), key=lambda e: e.rel):
            for alias in entry.doc.meta.get("aliases", ()):
                yield self._page(entry.lang, alias, "alias.html", kind="alias", title=entry.title,
                                 extra={"target": entry.url}, translations={})

    def _language_files(self, lang: str) -> Iterator[OutputFile]:
        config, site = self.config, self.site
        news = site.news[lang]
        home = site.homes[lang]
        yield self._page(lang, urls.home(lang), "home.html", kind="home", entry=home,
                         title=home.title if home else config.title[lang],
                         translations=self._all_langs(urls.home), x_default=urls.CHOOSER,
                         extra={"latest": news[:config.news_on_home]})
        for entry in site.pages[lang]:
            yield self._entry_page(entry, "page.html")
        for index, entry in enumerate(news):
            yield self._entry_page(entry, "news_item.html", extra={
                "newer": news[index - 1] if index > 0 else None,
                "older": news[index + 1] if index + 1 < len(news) else None,
            })
        gettext = self.translations[lang].gettext
        for listing in paginate(news, config.news_per_page, functools.partial(urls.news_index, config, lang)):
            yield self._page(lang, listing.url, "news_index.html", kind="news_index", title=gettext("News"),
                             listing=listing, translations=self._listing_translations(
                                 listing.number, lambda other, n: urls.news_index(config, other, n),
                                 lambda other: len(site.news[other])),
                             fallback_of=lambda other: urls.news_index(config, other))
        yield self._page(lang, urls.tags_index(config, lang), "tags.html", kind="tags", title=gettext("Topics"),
                         translations=self._all_langs(lambda other: urls.tags_index(config, other)),
                         extra={"tags": site.tags[lang]})
        for tag in site.tags[lang]:
            for listing in paginate(tag.entries, config.news_per_page,
                                    functools.partial(urls.tag, config, lang, tag.slug)):
                yield self._page(lang, listing.url, "tag.html", kind="tag", title=tag.label, listing=listing,
                                 extra={"tag": tag}, translations=self._tag_translations(tag, listing.number),
                                 fallback_of=lambda other: urls.tags_index(config, other))
        if config.search_slug:
            yield self._page(lang, urls.search(config, lang), "search.html", kind="search", title=gettext("Search"),
                             translations=self._all_langs(lambda other: urls.search(config, other)))

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
        return self._listing_translations(
            number, lambda code, n: urls.tag(self.config, code, self.tag_urls[code][tag.key].slug, n),
            lambda code: len(self.tag_urls[code][tag.key].entries) if tag.key in self.tag_urls[code] else -1)

    def _fallback(self, entry: Entry, lang: str) -> str:
        """Where the switcher leads when `entry` has no translation in `lang`: the nearest translated parent."""
        if entry.kind == "news":
            return urls.news_index(self.config, lang)
        return urls.home(lang)

    # --------------------------------------------------------------- pages
    def _entry_page(self, entry: Entry, template: str, extra: dict | None = None) -> OutputFile:
        translations = {lang: e.url for lang, e in self.site.translations(entry).items()}
        return self._page(entry.lang, entry.url, template, kind=entry.kind, entry=entry, title=entry.title,
                          translations=translations, extra=extra,
                          fallback_of=lambda lang: self._fallback(entry, lang))

    def _page(self, lang: str, url: str, template: str, *, kind: str, title: str, entry: Entry | None = None,
              listing: Listing | None = None, translations: dict[str, str] | None = None,
              extra: dict | None = None, absolute_links: bool = False, typography: bool = True,
              fallback_of: Callable[[str], str] | None = None, x_default: str | None = None) -> OutputFile | None:
        self._index = next(self._counter)
        if not self._claim(self._index):
            return None  # another process renders this page
        translations = translations if translations is not None else {lang: url}
        # where the switcher leads for each language without a translation of this page
        fallbacks = {code: fallback_of(code) if fallback_of else urls.home(code)
                     for code in self.config.language_codes if code not in translations}
        extra = extra or {}
        path = urls.output_path(url)
        key = None
        if self.pages:
            # Everything the context below is made of; what the cache's context key covers (config, options,
            # templates, catalogues, code) aside. A page whose inputs are those of the previous build is
            # taken from the output without building its context. Tags enter by name and URL (see __init__).
            inputs = (template, lang, url, kind, title, entry, listing, translations, fallbacks, x_default,
                      {k: _tag_head(v) if isinstance(v, Tag) else v for k, v in extra.items()},
                      absolute_links, typography, self.language_inputs[lang],
                      self.outdated.get(entry.rel) if entry else None)
            key = self.pages.key(inputs)
            cached = key and self.pages.get(key, path)
            if cached:
                return OutputFile(path, cached)
            self.reads_tag_entries = False
        context = self._context(lang, url, kind=kind, title=title, entry=entry, listing=listing,
                                translations=translations, fallbacks=fallbacks, extra=extra,
                                absolute_links=absolute_links, x_default=x_default)
        html = self._render(lang, template, context)
        if typography and self.typography[lang]:
            html = self.typography[lang](html)
        output = OutputFile(path, html.encode("utf-8"))
        if key and not self.reads_tag_entries:
            self.pages.put(key, path, output.data)
        return output

    def _context(self, lang: str, url: str, *, kind: str, title: str, entry: Entry | None, listing: Listing | None,
                 translations: dict[str, str], fallbacks: dict[str, str], extra: dict, absolute_links: bool,
                 x_default: str | None) -> dict[str, Any]:
        config = self.config
        href = (lambda target: urls.absolute(config, target)) if absolute_links else urls.linker(url)
        switcher = [Record(language=language, url=href(translations.get(language.code) or fallbacks[language.code]),
                           exists=language.code in translations, current=language.code == lang)
                    for language in config.languages]
        alternates = [Record(hreflang=code, url=urls.absolute(config, target)) for code, target in translations.items()]
        x_default = x_default or translations.get(config.default_language) or next(iter(translations.values()), url)
        tag_views = self.tag_views[lang]
        return {
            "site": self.site_records[lang],
            "lang": config.language(lang),
            "page": Record(kind=kind, title=title, url=url, canonical=urls.absolute(config, url),
                           description=(entry.summary if entry else "") or config.description[lang]),
            "entry": entry,
            "content": self._content(entry, href) if entry else Markup(""),
            "listing": listing,
            "alternates": alternates if len(alternates) > 1 else [],
            "x_default": urls.absolute(config, x_default),
            "switcher": switcher,
            "menu": [Record(title=item.title, url=href(item.url), current=_is_current(item.url, url))
                     for item in self.menus[lang]],
            "home_url": href(urls.home(lang)),
            "home_absolute": urls.absolute(config, urls.home(lang)),
            "news_url": href(urls.news_index(config, lang)),
            "tags_url": href(urls.tags_index(config, lang)),
            "search_url": href(urls.search(config, lang)) if config.search_slug else None,
            "feed_url": href(urls.feed(lang)),
            "feed_absolute": urls.absolute(config, urls.feed(lang)),
            "root_url": href("/"),
            "href": href,
            # files the page loads (CSS, images): relative, but from the host's root on pages served at any depth,
            # so that they never come from another host (the base URL's) when the site is served elsewhere
            "asset": functools.partial(urls.host_path, config) if absolute_links else href,
            "absolute": lambda target: urls.absolute(config, target),
            "tags_of": lambda e: [tag_views[t] for t in e.tags if t in tag_views],
            "preview": self.preview,
            "outdated_source": self._outdated_source(entry, href),
            **{name: self._seen(lang, value) for name, value in extra.items()},
        }

    def _seen(self, lang: str, value: Any) -> Any:
        """A value of a page's `extra` as its template sees it: tags as _TagViews."""
        if isinstance(value, Tag):
            return self.tag_views[lang][value.key]
        if isinstance(value, tuple) and value and isinstance(value[0], Tag):
            return tuple(self.tag_views[lang][tag.key] for tag in value)
        return value

    def _outdated_source(self, entry: Entry | None, href: Callable[[str], str]) -> Record | None:
        """For the notice on a translation whose original changed since: where the original is."""
        source = self.outdated.get(entry.rel) if entry else None
        if source is None:
            return None
        return Record(url=href(source.url), lang=source.lang, title=source.title,
                      language=self.config.language(source.lang).name)

    def _content(self, entry: Entry, href: Callable[[str], str]) -> Markup:
        targets = entry.link_targets

        def replace(match) -> str:
            target = targets.get(match.group(2))
            return href(target) + (match.group(3) or "") if target else match.group(0)

        html = entry.doc.html
        return Markup(LINK_PLACEHOLDER_RE.sub(replace, html) if targets else html)

    def _choices(self) -> list[Record]:
        choices = []
        for language in self.config.languages:
            gettext = self.translations[language.code].gettext
            choices.append(Record(language=language, home=urls.home(language.code),
                                  title=self.config.title[language.code],
                                  choose=gettext("Choose your language"),
                                  not_found=gettext("Page not found"),
                                  not_found_text=gettext("The page you are looking for does not exist or has moved."),
                                  go_home=gettext("Go to the home page")))
        return choices

    def _render(self, lang: str, template: str, context: dict) -> str:
        try:
            return self.envs[lang].get_template(template).render(context)
        except jinja2.TemplateError as exc:
            error = template_error(self.config, exc, template)
        except Exception as exc:  # a template calling a filter wrongly, etc.: report it, the build goes on
            error = template_error(self.config, exc, template)
        self.errors.setdefault((str(error.location), error.message), error)
        return ""


class _TagView:
    """A tag as templates see it. Its name and URL are attributes; anything else of the tag (its entries)
    is read through __getattr__, which tells the renderer that the page depends on the whole tag."""

    __slots__ = ("key", "label", "slug", "url", "_tag", "_renderer")

    def __init__(self, tag: Tag, renderer: Renderer) -> None:
        self.key, self.label, self.slug, self.url = _tag_head(tag)
        self._tag, self._renderer = tag, renderer

    def __getattr__(self, name: str) -> Any:
        self._renderer.reads_tag_entries = True
        return getattr(self._tag, name)


def _tag_head(tag: Tag) -> tuple[str, str, str, str]:
    return (tag.key, tag.label, tag.slug, tag.url)


def _is_current(item_url: str, url: str) -> bool:
    return url == item_url or (url.startswith(item_url) and item_url.count("/") > 2)

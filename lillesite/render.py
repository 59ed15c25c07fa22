"""PagePlan -> the page's HTML. Pure: no disk access beyond loading templates.

A page's context is made from its plan record (plan.py) and what every page shares: the config, the
language's catalogue and the templates. The one thing a template can reach beyond its record is a
tag's entries (through _TagView); a page that reads them says so (Rendered.cacheable is False).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import jinja2
from babel.support import NullTranslations
from markupsafe import Markup

from lillesite import images, typography, urls
from lillesite.config import LEGAL_FACTS
from lillesite.errors import LilleError
from lillesite.markup import LINK_PLACEHOLDER_RE
from lillesite.model import Entry, Site, Tag
from lillesite.plan import PagePlan, Record, TagHead
from lillesite.templating import make_environment, template_error


@dataclass(frozen=True)
class Rendered:
    data: bytes
    cacheable: bool = True  # False: the page read more than its plan holds (a tag's entries)


class Renderer:
    def __init__(self, site: Site, catalogues: Mapping[str, NullTranslations], *, preview: bool = False,
                 compiled: jinja2.BytecodeCache | None = None):
        self.site = site
        self.config = site.config
        self.preview = preview
        self.envs = {
            lang.code: make_environment(self.config, lang, catalogues[lang.code], compiled)
            for lang in self.config.languages
        }
        self.typography = {code: typography.for_language(code) for code in self.config.language_codes}
        self.errors: dict[tuple, LilleError] = {}  # a template error shows on many pages: reported once
        self.site_records = {lang: Record(title=self.config.title[lang], description=self.config.description[lang],
                                          base_url=self.config.base_url, languages=self.config.languages,
                                          default_language=self.config.default_language)
                             for lang in self.config.language_codes}
        self.reads_tag_entries = False
        self.tag_views = {lang: {t.key: _TagView(t, self) for t in tags} for lang, tags in site.tags.items()}

    def render(self, page: PagePlan) -> Rendered:
        self.reads_tag_entries = False
        html = self._render(page.lang, page.template, self._context(page))
        if page.typography and self.typography[page.lang]:
            html = self.typography[page.lang](html)
        return Rendered(html.encode("utf-8"), cacheable=not self.reads_tag_entries)

    def _context(self, page: PagePlan) -> dict[str, Any]:
        config, lang, url, entry, translations = self.config, page.lang, page.url, page.entry, page.translations
        absolute_links = page.absolute_links
        # a page served at any depth (404.html) links from the host's root, as it loads its files: a preview or
        # staging copy's 404 then leads into that copy, never to the production address
        href = functools.partial(urls.host_path, config) if absolute_links else urls.linker(url)
        switcher = [Record(language=language, url=href(translations.get(language.code) or page.fallbacks[language.code]),
                           exists=language.code in translations, current=language.code == lang)
                    for language in config.languages]
        alternates = [Record(hreflang=code, url=urls.absolute(config, target)) for code, target in translations.items()]
        tag_views = self.tag_views[lang]
        return {
            "site": self.site_records[lang],
            "lang": config.language(lang),
            "page": Record(kind=page.kind, title=page.title, url=url, canonical=urls.absolute(config, url),
                           description=page.description or (entry.summary if entry else "")
                           or config.description[lang]),
            "entry": entry,
            "content": self._content(entry, href) if entry else Markup(""),
            "listing": page.listing,
            "alternates": alternates if len(alternates) > 1 else [],
            "x_default": urls.absolute(config, page.x_default),
            "switcher": switcher,
            "menu": [Record(title=item.title, url=href(item.url), current=urls.in_section(url, item.url))
                     for item in page.shared.menu],
            "home_url": href(urls.home(lang)),
            "home_absolute": urls.absolute(config, urls.home(lang)),
            "news_url": href(urls.news_index(config, lang)),
            "tags_url": href(urls.tags_index(config, lang)),
            "search_url": href(urls.search(config, lang)) if config.search_slug else None,
            "feed_url": href(urls.feed(lang)),
            "feed_absolute": urls.absolute(config, urls.feed(lang)),
            "root_url": href("/"),
            "legal": self._legal(lang, href),
            "href": href,
            "asset": href,  # files the page loads (CSS, images), as its links
            "absolute": lambda target: urls.absolute(config, target),
            "tags_of": lambda e: [tag_views[t] for t in e.tags if t in tag_views],
            "preview": self.preview,
            "outdated_source": self._outdated_source(page.outdated_source, href),
            **{name: self._seen(lang, value) for name, value in page.extra.items()},
        }

    def _legal(self, lang: str, href: Callable[[str], str]) -> Record | None:
        """What the footer links to and states, and the legal pages show: None without 'legal:' in site.yml."""
        config = self.config
        if not config.accessibility:
            return None
        known = {name: value.get(lang) if isinstance(value, dict) else value
                 for name in LEGAL_FACTS if (value := getattr(config, name)) is not None}
        return Record(status=config.accessibility, checks=config.automated_checks,
                      **{name: known.get(name) for name in LEGAL_FACTS},
                      **{which + "_url": href(urls.legal(config, lang, which)) for which in urls.LEGAL_PAGES})

    def _seen(self, lang: str, value: Any) -> Any:
        """A value of a page's `extra` as its template sees it: tags as _TagViews."""
        if isinstance(value, TagHead):
            return self.tag_views[lang][value.key]
        if isinstance(value, tuple) and value and isinstance(value[0], TagHead):
            return tuple(self.tag_views[lang][tag.key] for tag in value)
        return value

    def _outdated_source(self, source: Entry | None, href: Callable[[str], str]) -> Record | None:
        """For the notice on a translation whose original changed since: where the original is."""
        if source is None:
            return None
        return Record(url=href(source.url), lang=source.lang, title=source.title,
                      language=self.config.language(source.lang).name)

    def _content(self, entry: Entry, href: Callable[[str], str]) -> Markup:
        targets = entry.link_targets

        def replace(match) -> str:
            kind, target, fragment = match.groups()
            if kind == "url":  # a site path, checked by checks.root_relative_links; '?query' kept as written
                path, mark, query = target.partition("?")
                return href(path) + mark + query + (fragment or "")
            target = targets.get(target)
            return href(target) + (fragment or "") if target else match.group(0)

        html = entry.doc.html
        if entry.pictures:
            html = images.IMG_RE.sub(lambda match: _picture_tag(match, entry.pictures, href), html)
        return Markup(LINK_PLACEHOLDER_RE.sub(replace, html) if "lillesite:" in html else html)

    def _render(self, lang: str, template: str, context: dict) -> str:
        try:
            return self.envs[lang].get_template(template).render(context)
        except jinja2.TemplateError as exc:
            error = template_error(self.config, exc, template)
        except Exception as exc:  # a template calling a filter wrongly, etc.: report it, the build goes on
            error = template_error(self.config, exc, template)
        self.errors.setdefault((str(error.location), error.message), error)
        return ""


# An image of the text is as wide as the text's column (site.css: .prose's measure, 44rem), the page's
# width less its margins on a phone.
TEXT_IMAGE_SIZES = "(min-width: 48em) 44rem, calc(100vw - 2rem)"
_ATTR_RE = re.compile(r'\s([a-zA-Z:-]+)="([^"]*)"')


def _picture_tag(match: re.Match, pictures: Mapping[str, images.Picture], href: Callable[[str], str]) -> str:
    """An <img> of the text as a <picture>: WebP and fallback candidates, its size, loaded lazily."""
    picture = pictures.get(match.group(1))
    if picture is None or not picture.webp:
        return match.group(0)
    attrs = {name: value for name, value in _ATTR_RE.findall(match.group(0)) if name != "src"}

    def srcset(candidates) -> str:
        return ", ".join(f"{href(c.url)} {c.width}w" for c in candidates)
    kept = "".join(f' {name}="{value}"' for name, value in attrs.items())  # escaped by Markdown already
    return (f'<picture><source type="image/webp" srcset="{srcset(picture.webp)}" sizes="{TEXT_IMAGE_SIZES}">'
            f'<img src="{href(picture.src)}" srcset="{srcset(picture.fallback)}" sizes="{TEXT_IMAGE_SIZES}"'
            f' width="{picture.width}" height="{picture.height}"{kept} loading="lazy" decoding="async"></picture>')


class _TagView:
    """A tag as templates see it. Its name and URL are attributes; anything else of the tag (its entries)
    is read through __getattr__, which tells the renderer that the page depends on the whole tag."""

    __slots__ = ("key", "label", "slug", "url", "_tag", "_renderer")

    def __init__(self, tag: Tag, renderer: Renderer) -> None:
        self.key, self.label, self.slug, self.url = tag.key, tag.label, tag.slug, tag.url
        self._tag, self._renderer = tag, renderer

    def __getattr__(self, name: str) -> Any:
        self._renderer.reads_tag_entries = True
        return getattr(self._tag, name)


"""The built Lille Metropole EU Office site, read the way a browser, a crawler or a visitor reads it."""
from __future__ import annotations

import collections
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from lillesite.config import load_config
from tests.conftest import REPO

CONFIG = load_config(REPO)
BASE = CONFIG.base_url
SITE_HOST = urlsplit(BASE).netloc
NNBSP, NBSP = "\u202f", "\u00a0"

# The twelve news items of the source text (by date), and the pages every language must have.
SEED_DATES = [dt.date(2023, 3, 31)] * 3 + [dt.date(2023, 3, 24)] * 2 + [dt.date(2023, 3, 23)] \
    + [dt.date(2023, 3, 22)] * 3 + [dt.date(2023, 3, 14)] + [dt.date(2022, 11, 25)] * 2
PAGES = {"fr": ["/fr/", "/fr/profil/", "/fr/cooperation-europeenne/", "/fr/bureau-ue/", "/fr/actualites/",
                "/fr/themes/"],
         "en": ["/en/", "/en/profile/", "/en/eu-cooperation/", "/en/eu-office/", "/en/news/", "/en/topics/"]}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
RAW_TEXT = {"script", "style", "code", "pre", "kbd", "samp", "var", "textarea"}


# ------------------------------------------------------------------ a small DOM from html.parser
@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parent: "Element | None" = None
    children: list = field(default_factory=list)  # Element or str

    def iter(self, *tags: str):
        for child in self.children:
            if isinstance(child, Element):
                if not tags or child.tag in tags:
                    yield child
                yield from child.iter(*tags)

    def find(self, tag: str, **attrs) -> "Element | None":
        return next(self.find_all(tag, **attrs), None)

    def find_all(self, tag: str, **attrs):
        for element in self.iter(tag):
            if all(element.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items()):
                yield element

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def lang(self) -> str | None:
        for node in (self, *self.ancestors()):
            if "lang" in node.attrs:
                return node.attrs["lang"]
        return None


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.current = self.root
        self.doctype = None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        assert node is not self.root, f"stray </{tag}>"
        self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


@dataclass
class Page:
    url: str  # site path: '/fr/profil/'
    path: Path
    source: str
    root: Element
    doctype: str | None

    @property
    def html(self) -> Element:
        return self.root.find("html")

    def meta(self, key: str) -> str | None:
        for element in self.root.iter("meta"):
            if element.attrs.get("property") == key or element.attrs.get("name") == key:
                return element.attrs.get("content")
        return None

    def resolve(self, reference: str) -> str:
        """The site path a link or resource reference of this page leads to."""
        absolute = urljoin(BASE + self.url.lstrip("/"), reference)
        assert absolute.startswith(BASE), f"{self.url}: {reference!r} leaves the site"
        return "/" + unquote(urlsplit(absolute).path[len(urlsplit(BASE).path):])

    def jsonld(self) -> list[dict]:
        return [json.loads(s.text()) for s in self.root.find_all("script", type="application/ld+json")]


def parse(path: Path, url: str) -> Page:
    builder = _TreeBuilder()
    source = path.read_text(encoding="utf-8")
    builder.feed(source)
    builder.close()
    return Page(url, path, source, builder.root, builder.doctype)


@pytest.fixture(scope="module")
def site(lille_site) -> dict[str, Page]:
    pages = {}
    for path in sorted(lille_site.rglob("*.html")):
        rel = path.relative_to(lille_site).as_posix()
        url = "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        pages[url] = parse(path, url)
    return pages


def output_file(lille_site: Path, url: str) -> Path:
    rel = url.lstrip("/")
    return lille_site / (rel + "index.html" if url.endswith("/") or not rel else rel)


def news_items(site: dict[str, Page], lang: str) -> list[Page]:
    return [p for p in site.values() if p.html.attrs.get("lang") == lang and "kind-news" in p.root.find("body").attrs.get("class", "").split()]


def language_pages(site: dict[str, Page]) -> list[Page]:
    return [p for url, p in site.items() if url.startswith(("/fr/", "/en/"))]


# ------------------------------------------------------------------ content: pages and news in both languages
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_exists_in_both_languages(site, lang):
    for url in PAGES[lang]:
        page = site.get(url)
        assert page is not None, f"missing {url}"
        assert page.html.attrs["lang"] == lang
        assert len(list(page.root.find_all("h1"))) == 1


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_twelve_news_items_with_the_dates_of_the_source(site, lang):
    items = news_items(site, lang)
    dates = []
    for item in items:
        published = item.root.find("article").find("time")
        when = dt.datetime.fromisoformat(published.attrs["datetime"])
        assert item.url.startswith(f"/{lang}/{CONFIG.news_slug[lang]}/{when:%Y/%m}/")
        assert item.meta("article:published_time") == published.attrs["datetime"]
        dates.append(when.date())
    assert sorted(dates, reverse=True) == SEED_DATES


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_news_index_lists_every_item_newest_first(site, lang):
    listed = []
    url = f"/{lang}/{CONFIG.news_slug[lang]}/"
    while url:
        index = site[url]
        for card in index.root.find("main").find_all("article"):
            link = card.find("h2").find("a")
            listed.append((dt.date.fromisoformat(card.find("time").attrs["datetime"][:10]), index.resolve(link.attrs["href"])))
        next_link = index.root.find("a", rel="next")
        url = index.resolve(next_link.attrs["href"]) if next_link else None
    assert [date for date, _ in listed] == SEED_DATES
    assert sorted(target for _, target in listed) == sorted(item.url for item in news_items(site, lang))


def test_home_shows_the_latest_news_and_the_key_figures(site):
    for lang in ("fr", "en"):
        home = site[f"/{lang}/"]
        latest = home.root.find("section", class_="section latest")
        cards = list(latest.find_all("article", class_="card"))
        assert len(cards) == CONFIG.news_on_home
        assert all(c.find("time").attrs["datetime"].startswith("2023-03-31") for c in cards)
        figures = home.root.find("div", class_="figures").find("dl")
        assert len(list(figures.find_all("dt"))) == len(list(figures.find_all("dd"))) >= 4


def test_profile_key_figures_are_a_figures_block(site):
    expected = {"fr": ["95", "1,2 million", "110 000", "2e", "3 musées", "35 %", "80 millions", "86 km"],
                "en": ["95", "1.2 million", "110,000", "2nd", "3 museums", "35 %", "80 million", "86 km"]}
    for lang, url in (("fr", "/fr/profil/"), ("en", "/en/profile/")):
        figures = site[url].root.find("div", class_="figures")
        numbers = [re.sub(f"[{NNBSP}{NBSP}]", " ", dt_.text()) for dt_ in figures.find_all("dt")]
        assert numbers == expected[lang]


# ------------------------------------------------------------------ translations
def test_every_translation_link_lands_on_its_counterpart(site):
    checked = 0
    for page in language_pages(site):
        switcher = page.root.find("nav", class_="languages")
        lang = page.html.attrs["lang"]
        assert switcher.find("span", aria_current="true").attrs["lang"] == lang
        for link in switcher.find_all("a"):
            if link.attrs.get("class") == "fallback":
                continue
            target = site[page.resolve(link.attrs["href"])]
            assert target.html.attrs["lang"] == link.attrs["hreflang"] == link.attrs["lang"] != lang
            back = target.root.find("nav", class_="languages").find("a", hreflang=lang)
            assert target.resolve(back.attrs["href"]) == page.url, f"{page.url} -> {target.url} does not lead back"
            # the alternates a crawler sees agree with the visible link
            alternates = {a.attrs["hreflang"]: a.attrs["href"] for a in page.root.find_all("link", rel="alternate")
                          if "hreflang" in a.attrs}
            assert alternates[target.html.attrs["lang"]] == BASE + target.url.lstrip("/")
            assert alternates[lang] == page.meta("og:url") == BASE + page.url.lstrip("/")
            checked += 1
    assert checked >= 2 * (len(PAGES["fr"]) + len(SEED_DATES))


def test_news_translations_share_their_date(site):
    for item in news_items(site, "fr"):
        link = item.root.find("nav", class_="languages").find("a", hreflang="en")
        english = site[item.resolve(link.attrs["href"])]
        assert english.root.find("article").find("time").attrs["datetime"] == item.root.find("article").find("time").attrs["datetime"]


# ------------------------------------------------------------------ French typography
PUNCTUATION_SPACE = re.compile(r"[ \u00a0][;:!?»]|«[ \u00a0]|\d [%€]|\d \d{3}(?!\d)")
MISSING_SPACE = re.compile(r"\w[;!?»]|«\w")


def visible_text(element: Element, skip=RAW_TEXT):
    for child in element.children:
        if isinstance(child, str):
            yield child
        elif child.tag not in skip:
            yield from visible_text(child, skip)


def test_french_pages_follow_french_typography(site):
    found = collections.Counter()
    for page in language_pages(site):
        if page.html.attrs["lang"] != "fr":
            continue
        for element in [page.root.find("title"), page.root.find("body")]:
            for text in visible_text(element):
                text = re.sub(r"\b(?:https?://|www\.)\S+", "", text)  # URLs shown as text keep their characters
                assert not PUNCTUATION_SPACE.search(text), f"{page.url}: plain space in {text!r}"
                assert not MISSING_SPACE.search(text), f"{page.url}: no space in {text!r}"
                found.update(ch for ch in text if ch in (NNBSP, NBSP))
    assert found[NNBSP] > 100 and found[NBSP] > 10  # the pass did run


def test_french_typography_never_touches_attributes_or_english_pages(site):
    profile = site["/fr/profil/"]
    description = profile.meta("description")
    assert "en bref : une" in description  # attribute text keeps its plain spaces
    for page in site.values():
        for element in page.root.iter():
            for name, value in element.attrs.items():
                assert NNBSP not in value, f"{page.url}: {name}={value!r}"
        if page.html.attrs.get("lang") == "en":
            assert NNBSP not in page.source, page.url


def test_english_page_marks_french_phrases(site):
    home = site["/en/"]
    assert any(span.text() == "Métropole Européenne de Lille" for span in home.root.find_all("span", lang="fr"))
    for page in language_pages(site):
        for element in page.root.iter():
            if "lang" in element.attrs:
                assert element.attrs["lang"] in CONFIG.language_codes, f"{page.url}: lang={element.attrs['lang']!r}"


# ------------------------------------------------------------------ privacy: nothing from another host
RESOURCE_ATTRS = {"script": ["src"], "img": ["src", "srcset"], "iframe": ["src"], "frame": ["src"],
                  "source": ["src", "srcset"], "video": ["src", "poster"], "audio": ["src"], "track": ["src"],
                  "embed": ["src"], "object": ["data"], "input": ["src"], "image": ["href"], "use": ["href"]}
LINK_RESOURCES = {"stylesheet", "icon", "apple-touch-icon", "preload", "prefetch", "modulepreload", "manifest",
                  "preconnect", "dns-prefetch", "mask-icon"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""")


def resource_references(page: Page):
    for element in page.root.iter():
        names = list(RESOURCE_ATTRS.get(element.tag, ()))
        if element.tag == "link" and set(element.attrs.get("rel", "").split()) & LINK_RESOURCES:
            names.append("href")
        for name in names:
            value = element.attrs.get(name)
            if value:
                yield from (part.split()[0] for part in value.split(",")) if name == "srcset" else [value]
        for match in CSS_URL.finditer(element.attrs.get("style", "")):
            yield match.group(1) or match.group(2)
    for style in page.root.find_all("style"):
        for match in CSS_URL.finditer(style.text()):
            yield match.group(1) or match.group(2)


def is_own(reference: str) -> bool:
    """A relative reference, a data: URL, or an absolute URL under the site's own base URL."""
    if reference.startswith(BASE):
        return True
    parts = urlsplit(reference)
    return parts.scheme in ("", "data") and not parts.netloc


def test_no_page_loads_anything_from_another_host(site, lille_site):
    references = 0
    for page in site.values():
        for reference in resource_references(page):
            assert is_own(reference), f"{page.url} loads {reference!r} from another host"
            if not reference.startswith("data:"):
                assert output_file(lille_site, page.resolve(reference)).is_file(), f"{page.url}: {reference!r} is missing"
            references += 1
    for css in lille_site.rglob("*.css"):
        for match in CSS_URL.finditer(css.read_text(encoding="utf-8")):
            reference = match.group(1) or match.group(2)
            assert is_own(reference), f"{css.name} loads {reference!r} from another host"
    assert references > 3 * len(site)  # stylesheet, icons and logo on every page


def test_every_internal_link_resolves(site, lille_site):
    for page in site.values():
        for link in page.root.find_all("a"):
            href = link.attrs.get("href", "")
            if urlsplit(href).scheme in ("http", "https", "mailto") and not href.startswith(BASE):
                continue
            path, _, fragment = href.partition("#")
            target = site.get(page.resolve(path)) if path else page
            if target is None:  # a feed, an image…: a file of the output
                assert output_file(lille_site, page.resolve(path)).is_file(), f"{page.url}: broken link {href!r}"
            elif fragment:
                assert any(e.attrs.get("id") == fragment for e in target.root.iter()), f"{page.url}: no #{fragment}"


# ------------------------------------------------------------------ accessible structure
def test_one_h1_and_no_skipped_heading_levels(site):
    for page in site.values():
        headings = [int(h.tag[1]) for h in page.root.iter("h1", "h2", "h3", "h4", "h5", "h6")]
        assert headings.count(1) == 1, f"{page.url}: {headings.count(1)} h1"
        main_headings = [int(h.tag[1]) for h in page.root.find("main").iter("h1", "h2", "h3", "h4", "h5", "h6")]
        assert main_headings[0] == 1, page.url
        for before, after in zip(main_headings, main_headings[1:]):
            assert after <= before + 1, f"{page.url}: h{before} followed by h{after}"


def test_landmarks_skip_link_and_lang(site):
    for page in language_pages(site):
        body = page.root.find("body")
        assert page.doctype.lower() == "doctype html"
        assert page.html.attrs["lang"] == page.url.split("/")[1]
        assert len(list(body.find_all("main"))) == 1
        assert body.find("header") and body.find("footer")
        navs = list(body.find_all("nav"))
        assert len(navs) >= 3 and all(n.attrs.get("aria-label") or n.attrs.get("aria-labelledby") for n in navs)
        labels = [n.attrs.get("aria-label") or n.attrs.get("aria-labelledby") for n in navs]
        assert len(labels) == len(set(labels)), f"{page.url}: navigation landmarks need distinct names"
        skip = next(body.iter("a"))
        assert skip.attrs["class"] == "skip-link" and skip.attrs["href"] == "#main"
        assert body.find("main").attrs["id"] == "main"
        for image in body.iter("img"):
            assert "alt" in image.attrs, f"{page.url}: img without alt"
        ids = [e.attrs["id"] for e in page.root.iter() if "id" in e.attrs]
        assert len(ids) == len(set(ids)), f"{page.url}: duplicate ids"


def test_phone_navigation_is_a_disclosure(site):
    for lang in ("fr", "en"):
        page = site[f"/{lang}/"]
        nav = page.root.find("nav", class_="main-nav")
        summary = nav.find("details").find("summary")
        assert summary.text().strip()
        assert [a.text() for a in nav.find("details").find("ul").find_all("a")][0] in ("Accueil", "Home")
        assert "open" not in nav.find("details").attrs  # closed on phones; a script opens it on wide screens


def test_breadcrumbs_lead_home(site):
    item = next(iter(news_items(site, "en")))
    crumbs = item.root.find("nav", class_="breadcrumbs").find("ol")
    links = list(crumbs.find_all("a"))
    assert [item.resolve(a.attrs["href"]) for a in links] == ["/en/", "/en/news/"]
    assert crumbs.find("span", aria_current="page").text() == item.root.find("h1").text()


def test_header_has_a_search_slot_and_footer_the_sections(site):
    page = site["/fr/bureau-ue/"]
    assert page.root.find("div", class_="header-search") is not None
    footer = page.root.find("footer")
    targets = {page.resolve(a.attrs["href"]) for a in footer.find_all("a")}
    assert set(PAGES["fr"]) <= targets | {"/fr/themes/"} and "/fr/feed.xml" in targets
    assert "2017" in footer.text()


# ------------------------------------------------------------------ sharing metadata
def _absolute(value: str) -> bool:
    return value.startswith(BASE)


def test_open_graph_and_twitter_cards(site):
    for page in language_pages(site):
        lang = page.html.attrs["lang"]
        assert page.meta("og:url") == BASE + page.url.lstrip("/")
        assert page.meta("og:locale") == CONFIG.language(lang).locale
        assert page.meta("og:title") and page.meta("og:description") and page.meta("twitter:title")
        assert page.meta("twitter:card") in ("summary", "summary_large_image")
        for key in ("og:image", "twitter:image"):
            assert _absolute(page.meta(key)), f"{page.url}: {key} is not absolute"
        canonical = page.root.find("link", rel="canonical").attrs["href"]
        assert canonical == page.meta("og:url")


def test_json_ld(site):
    for lang in ("fr", "en"):
        home = site[f"/{lang}/"]
        (data,) = home.jsonld()
        organization = next(node for node in data["@graph"] if node["@type"] == "GovernmentOrganization")
        assert organization["url"] == BASE + f"{lang}/" and _absolute(organization["logo"])
        assert organization["name"] == CONFIG.title[lang]
        for item in news_items(site, lang):
            (article,) = item.jsonld()
            assert article["@type"] == "NewsArticle"
            assert article["inLanguage"] == lang
            assert article["url"] == article["mainEntityOfPage"] == item.meta("og:url")
            # the page's text has the typography pass's spaces and curly apostrophes, the data the source's
            assert article["headline"] == re.sub(f"[{NNBSP}{NBSP}]", " ", item.root.find("h1").text()).replace("’", "'")
            assert article["datePublished"] == item.root.find("article").find("time").attrs["datetime"]
            assert all(_absolute(url) for url in article["image"])
            assert article["publisher"]["@type"] == "GovernmentOrganization"
    for page in site.values():
        for script in page.root.find_all("script", type="application/ld+json"):
            assert "</" not in script.text()  # content cannot close the script element


# ------------------------------------------------------------------ interface strings
def test_french_catalogue_translates_every_interface_string_of_the_templates():
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    with (REPO / "locales" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    used = {message for _, _, message, _, _ in extract_from_dir(
        REPO / "templates", method_map=[("**.html", "jinja2")], options_map={"**.html": {"extensions": "jinja2.ext.i18n"}})}
    assert len(used) > 20
    for message in used:
        entry = catalogue.get(message[0] if isinstance(message, tuple) else message)
        assert entry is not None and not entry.fuzzy, f"{message!r} is not in locales/fr/LC_MESSAGES/messages.po"
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings), f"{message!r} has no French translation"


def test_a_stale_translation_shows_the_notice_in_its_language(tmp_path):
    """Fingerprint mode (no git): the English profile recorded the French original; editing it makes it stale."""
    import shutil

    from tests.conftest import REPO, build_site

    site = tmp_path / "site"
    site.mkdir()
    for name in ("site.yml", "content", "templates", "static", "locales"):
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy)(REPO / name, site / name)
    original = site / "content/pages/profile.fr.md"
    original.write_text(original.read_text(encoding="utf-8") + "\nUn paragraphe ajouté.\n", encoding="utf-8")
    out = build_site(site)
    english = (out / "en/profile/index.html").read_text(encoding="utf-8")
    assert '<p class="outdated-notice" role="note">This translation may be out of date' in english
    assert 'href="../../fr/profil/" hreflang="fr">Read the original (Français)</a>' in english
    assert "outdated-notice" not in (out / "fr/profil/index.html").read_text(encoding="utf-8")

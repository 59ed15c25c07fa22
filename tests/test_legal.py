"""The legal pages a French public body's site must publish (issue 19), read on the built sites: the Lille
site's accessibility statement, legal notice, personal data page and site map in both languages, the footer
of every page linking to them and stating the accessibility status in the law's words; a site without
'legal:' gets none of them; unknown facts are said plainly on the pages and noted by every build."""
from __future__ import annotations

import re

import pytest

from lillesite.build import build
from lillesite.config import load_config
from lillesite.options import BuildOptions
from tests.conftest import MINIMAL_CONFIG, REPO, build_site, write_site
from tests.test_lille_site import Page, language_pages, site  # noqa: F401 (the built site, a fixture)

CONFIG = load_config(REPO)
LEGAL = {"fr": {"accessibility": "/fr/accessibilite/", "legal_notice": "/fr/mentions-legales/",
                "personal_data": "/fr/donnees-personnelles/", "site_map": "/fr/plan-du-site/"},
         "en": {"accessibility": "/en/accessibility/", "legal_notice": "/en/legal-notice/",
                "personal_data": "/en/personal-data/", "site_map": "/en/site-map/"}}
STATUS = {"fr": "Accessibilité : non conforme", "en": "Accessibility: non-compliant"}


def words(text: str) -> str:
    """Text as a reader sees it: every kind of space one space."""
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " ")).strip()


def footer_links(page: Page) -> dict[str, str]:
    """The footer's legal links: target page -> link text."""
    nav = page.root.find("footer").find("nav", class_="legal-links")
    assert nav is not None, f"{page.url}: no legal links in the footer"
    return {page.resolve(a.attrs["href"]): words(a.text()) for a in nav.find_all("a")}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_legal_pages_exist_in_each_language(site, lang):
    titles = {"fr": ["Déclaration d’accessibilité", "Mentions légales", "Données personnelles", "Plan du site"],
              "en": ["Accessibility statement", "Legal notice", "Personal data", "Site map"]}[lang]
    for url, title in zip(LEGAL[lang].values(), titles):
        page = site[url]
        assert page.html.attrs["lang"] == lang
        assert words(page.root.find("h1").text()) == title
        other = "en" if lang == "fr" else "fr"
        assert page.root.find("link", rel="alternate", hreflang=other) is not None


def test_every_page_links_the_legal_pages_and_states_the_status(site):
    pages = language_pages(site)
    assert len(pages) > 50
    for page in pages:
        lang = page.html.attrs["lang"]
        links = footer_links(page)
        assert set(links) == set(LEGAL[lang].values()), page.url
        assert links[LEGAL[lang]["accessibility"]] == STATUS[lang], page.url


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_statement_says_the_status_date_checks_and_recourse(site, lang):
    page = site[LEGAL[lang]["accessibility"]]
    text = words(page.root.find("main").text())
    assert STATUS[lang] in text
    assert page.root.find("main").find("time", datetime="2026-12-06") is not None
    for tool in CONFIG.automated_checks:
        assert tool in text
    assert "Défenseur des droits" in text
    assert "RGAA 4.1" in text


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_unknown_facts_are_said_plainly(site, lang):
    unknown = {"fr": "Pas encore publié", "en": "Not published yet"}[lang]
    notice = words(site[LEGAL[lang]["legal_notice"]].root.find("main").text())
    assert notice.count(unknown) == 4  # the publisher's address, the contact, the director, the host's address
    assert "GitHub Pages" in notice
    data = words(site[LEGAL[lang]["personal_data"]].root.find("main").text())
    assert {"fr": "aucun cookie", "en": "no cookie"}[lang] in data


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_site_map_links_every_page_and_section_of_its_language(site, lang):
    page = site[LEGAL[lang]["site_map"]]
    linked = {page.resolve(a.attrs["href"]) for a in page.root.find("main").find("nav", class_="site-map").find_all("a")}
    wanted = {p.url for p in language_pages(site) if p.url.startswith(f"/{lang}/") and "/page/" not in p.url}
    assert wanted - linked == set()
    assert linked - wanted == set()


def test_a_site_without_legal_settings_has_no_legal_pages(tmp_path):
    out = build_site(write_site(tmp_path, {"content/pages/index.fr.md": "---\ntitle: Accueil\n---\nBonjour.\n"}))
    assert not (out / "fr" / "accessibilite").exists()
    assert "legal-links" not in (out / "fr" / "index.html").read_text(encoding="utf-8")


def test_any_site_gets_the_legal_pages_from_the_theme_and_unknown_facts_are_noted(tmp_path):
    config = MINIMAL_CONFIG + "legal:\n  accessibility: partially-compliant\n  publisher: Ville de Test\n"
    root = write_site(tmp_path, {"content/pages/index.fr.md": "---\ntitle: Accueil\n---\nBonjour.\n",
                                 "content/pages/index.en.md": "---\ntitle: Home\n---\nHello.\n"}, config=config)
    result = build(load_config(root), BuildOptions(out=root / "_site"))
    out = root / "_site"
    for path in ("fr/accessibilite/index.html", "en/legal-notice/index.html", "fr/donnees-personnelles/index.html",
                 "en/site-map/index.html"):
        assert (out / path).is_file(), path
    assert "Accessibility: partially compliant" in (out / "en" / "index.html").read_text(encoding="utf-8")
    notice = words((out / "fr" / "mentions-legales" / "index.html").read_text(encoding="utf-8"))
    assert "Ville de Test" in notice and "Pas encore publié" in notice
    noted = [f.describe() for f in result.warnings]
    assert "site.yml:16: notice: Config value 'legal.director' is not known yet: the legal pages say so " \
           "(write it in site.yml when the site's owner gives it)" in noted
    assert not any("legal.publisher'" in line for line in noted)


def test_the_lille_build_notes_each_fact_not_known_yet(tmp_path):
    result = build(load_config(REPO), BuildOptions(out=tmp_path / "_site"))
    noted = sorted(re.search(r"'legal\.(\w+)'", f.describe()).group(1) for f in result.warnings
                   if f.level == "notice" and "legal." in f.describe())
    assert noted == ["contact", "director", "host_address", "publisher_address"]

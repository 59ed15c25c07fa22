"""Each setting is declared once: site.yml's in config.Config, front matter's in frontmatter.SCHEMA.

These tests hold the declarations to what the README says about them, and pin site.yml's error messages.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from lillesite import yamltext
from lillesite.config import LAYOUT, SETTINGS, Config, load_config
from lillesite.errors import BuildFailed
from lillesite.frontmatter import SCHEMA, SHARED_KEYS

README = Path(__file__).resolve().parent.parent / "README.md"

TITLE = "title: {fr: Mon site, en: My site}\n"
SITE = "base_url: https://example.org\ndefault_language: fr\nlanguages: {fr: {locale: fr_FR}, en: {locale: en_GB}}\n"


def _readme() -> str:
    return README.read_text(encoding="utf-8")


def _front_matter_table() -> list[tuple[list[str], str]]:
    """README's front matter table: (the keys a row names, its meaning), in order."""
    lines = _readme().split("\n")
    start = lines.index("| key | meaning |")
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        keys_cell, meaning = (cell.strip() for cell in line.strip("|").split("|", 1))
        rows.append((re.findall(r"`([^`]+)`", keys_cell), meaning))
    return rows


class TestFrontMatterSchemaAndReadme:
    def test_the_table_names_every_key_once_in_schema_order(self):
        named = [key for keys, _ in _front_matter_table() for key in keys]
        assert named == list(SCHEMA), "README's front matter table and frontmatter.SCHEMA list different keys"

    def test_each_row_says_what_the_schema_says(self):
        """A row naming several keys (`image`, `image_alt`) reads as their meanings joined by 'and'."""
        expected = [" and ".join(SCHEMA[key].doc for key in keys) for keys, _ in _front_matter_table()]
        meanings = [meaning for _, meaning in _front_matter_table()]
        assert meanings == expected, "README's front matter table is out of step with frontmatter.SCHEMA's docs"

    def test_the_readme_names_the_keys_translations_inherit(self):
        text = _readme()
        end = text.index("\n\n", text.index("| key | meaning |"))
        sentence = re.search(r"([^.]*) are the same\s+in every language", text[end:end + 600])
        assert sentence, "the paragraph after README's front matter table no longer says which keys are inherited"
        named = [key for key in re.findall(r"`([^`]+)`", sentence.group(1)) if key in SCHEMA]
        assert named == list(SHARED_KEYS)


class TestSiteYmlSettings:
    def test_every_config_field_but_the_folder_is_a_setting(self):
        settings = {f.name for f in dataclasses.fields(Config)} - {"root", "source_text"}
        assert set(SETTINGS) == settings

    def test_the_readme_example_gives_every_setting_and_nothing_else(self, tmp_path):
        example = re.search(r"## site\.yml\n\n```yaml\n(.*?)```", _readme(), re.S).group(1)
        (tmp_path / "site.yml").write_text(example, encoding="utf-8")
        load_config(tmp_path)  # no unknown key, no bad value
        data = yamltext.load(example)

        def given(keys: tuple[str, ...]) -> bool:
            value = data
            for key in keys:
                if not isinstance(value, dict) or key not in value:
                    return False
                value = value[key]
            return True

        assert [".".join(o.keys) for o in SETTINGS.values() if not given(o.keys)] == []

    def test_left_out_settings_take_their_defaults(self, tmp_path):
        (tmp_path / "site.yml").write_text(SITE + TITLE, encoding="utf-8")
        config = load_config(tmp_path)
        assert (config.timezone, config.news_per_page, config.news_on_home, config.news_menu, config.feed_limit,
                config.allow_embeds, config.search_slug, config.tag_labels) == (
            "Europe/Paris", 10, 3, None, 20, False, None, {})
        assert config.news_slug == {"fr": "news", "en": "news"} and config.description == {"fr": "", "en": ""}
        assert config.base_url == "https://example.org/"

    def test_equal_files_give_equal_configs_and_reprs(self, tmp_path):
        """The build cache keys on repr(config)."""
        (tmp_path / "site.yml").write_text(SITE + TITLE + "search: {slug: {fr: recherche, en: search}}\n",
                                           encoding="utf-8")
        first, second = load_config(tmp_path), load_config(tmp_path)
        assert first == second and repr(first) == repr(second)
        with pytest.raises(dataclasses.FrozenInstanceError):
            first.news_per_page = 3


CONFIG_ERRORS = [
    ("section-keys", SITE + TITLE + "news:\n  per_page: 0\n  perpage: 3\n", [
        "site.yml:6: error: Config value 'news.per_page': expected a whole number of at least 1, got 0",
        "site.yml:7: error: Config value 'news.perpage': unknown key (did you mean 'per_page'?)",
    ]),
    ("section-not-mapping", SITE + TITLE + "news: 5\n", [
        "site.yml:5: error: Config value 'news': expected a mapping",
    ]),
    ("search-needs-slugs", SITE + TITLE + "search: {}\n", [
        "site.yml:5: error: Config value 'search.slug': expected a mapping of language code to text",
    ]),
    ("bad-slug", SITE + TITLE + "tags:\n  slug: {fr: Bad Slug, en: tags}\n", [
        "site.yml:6: error: Config value 'tags.slug.fr': 'Bad Slug' is not a URL slug (lowercase letters, digits and '-')",
    ]),
    ("bad-timezone", SITE + TITLE + "timezone: Not/AZone\n", [
        "site.yml:5: error: Config value 'timezone': unknown time zone 'Not/AZone' (for example 'Europe/Paris')",
    ]),
    ("bool-not-null", SITE + TITLE + "markdown: {allow_embeds: null}\n", [
        "site.yml:5: error: Config value 'markdown.allow_embeds': expected true or false",
    ]),
    ("missing-title", SITE, [
        "site.yml: error: Config value 'title': expected a mapping of language code to text, or a text",
        "site.yml: error: Config value 'title': required (add for example 'title: {fr: Mon site, en: My site}')",
    ]),
    ("text-language", SITE + "title: {fr: Mon site, de: Meine Seite}\n", [
        "site.yml:4: error: Config value 'title': missing text for language 'en'",
        "site.yml:4: error: Config value 'title.de': language 'de' is not in 'languages'",
    ]),
    ("unknown-top-level", SITE + TITLE + "zzz: 1\n", [  # known keys: today's, and those of settings added later
        f"site.yml:5: error: Config value 'zzz': unknown key (known keys: {', '.join(sorted(LAYOUT))})",
    ]),
    ("bad-base-url", SITE.replace("https://example.org", "ftp://x") + TITLE, [
        "site.yml:1: error: Config value 'base_url': expected an absolute http(s) URL such as "
        "'https://example.org/', got 'ftp://x'",
    ]),
    ("tag-labels", SITE + TITLE + "tags:\n  labels:\n    culture: {fr: Culture}\n", [
        "site.yml:7: error: Config value 'tags.labels.culture': missing text for language 'en'",
    ]),
    ("bad-default-language", SITE.replace("default_language: fr", "default_language: de") + TITLE, [
        "site.yml:2: error: Config value 'default_language': 'de' is not one of the languages ['fr', 'en']",
    ]),
    ("legal-status", SITE + TITLE + "legal:\n  accessibility: conforme\n", [
        "site.yml:6: error: Config value 'legal.accessibility': expected one of non-compliant, partially-compliant, "
        "compliant, got 'conforme' ('non-compliant' unless an accessibility audit (RGAA) found the site partially "
        "or fully compliant)",
    ]),
    ("legal-needs-status", SITE + TITLE + "legal:\n  director: null\n", [
        "site.yml:5: error: Config value 'legal.accessibility': required ('non-compliant' unless an accessibility "
        "audit (RGAA) found the site partially or fully compliant)",
    ]),
    ("legal-values", SITE + TITLE + "legal:\n  accessibility: non-compliant\n  statement_date: 6/12/2026\n"
     "  contact: someone\n  automated_checks: axe\n", [
        "site.yml:7: error: Config value 'legal.statement_date': expected a date such as 2026-12-06, got '6/12/2026'",
        "site.yml:8: error: Config value 'legal.contact': expected an email address or an http(s) address, got 'someone'",
        "site.yml:9: error: Config value 'legal.automated_checks': expected a list of texts, such as [axe, Lighthouse], got 'axe'",
    ]),
    ("language-keys", SITE.replace("{locale: en_GB}", "{locale: en_GB, nme: English}") + TITLE, [
        "site.yml:3: error: Config value 'languages.en.nme': unknown key (did you mean 'name'?)",
    ]),
]


@pytest.mark.parametrize("text, expected", [case[1:] for case in CONFIG_ERRORS], ids=[c[0] for c in CONFIG_ERRORS])
def test_site_yml_errors_name_the_setting_and_its_line(tmp_path, text, expected):
    (tmp_path / "site.yml").write_text(text, encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        load_config(tmp_path)
    assert [e.describe() for e in failure.value.errors] == expected

"""Unit tests per stage: urls, sources, front matter, markup, assemble, i18n — no disk beyond tmp sites."""
from __future__ import annotations

import datetime as dt
import posixpath
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from lillesite import feeds, urls
from lillesite.config import load_config
from lillesite.errors import BuildFailed, ContentError, Diagnostics
from lillesite.frontmatter import ContentErrors, split
from lillesite.i18n import date_text
from lillesite.markup import Converter
from lillesite.sources import discover
from tests.conftest import write_site


class TestUrls:
    def test_relative_links_work_from_any_depth(self):
        assert urls.relative("/en/news/2023/03/x/", "/fr/") == "../../../../../fr/"
        assert urls.relative("/en/", "/en/") == "./"
        assert urls.relative("/en/", "/en/feed.xml") == "feed.xml"
        assert urls.relative("/index.html", "/fr/") == "fr/"
        assert urls.relative("/en/a/", "/en/b/#part") == "../b/#part"

    @settings(max_examples=400, derandomize=True)
    @given(st.lists(st.sampled_from(["fr", "en", "news", "a", "..", ".", ""]), max_size=5),
           st.lists(st.sampled_from(["fr", "en", "news", "b", "..", ".", "", "feed.xml"]), max_size=5),
           st.booleans(), st.booleans(), st.sampled_from(["", "#part"]))
    def test_relative_links_are_those_of_posixpath(self, source, target, source_dir, target_dir, fragment):
        from_url = "/" + "/".join(source) + ("/" if source_dir and source else "")
        to_url = "/" + "/".join(target) + ("/" if target_dir and target else "")
        from_dir = from_url if from_url.endswith("/") else posixpath.dirname(from_url) + "/"
        expected = "./" if to_url == from_dir else posixpath.relpath(to_url, from_dir)
        if to_url.endswith("/") and expected != "./":
            expected += "/"
        elif expected == ".":
            expected = "./"
        assert urls.relative(from_url, to_url + fragment) == expected + fragment

    def test_output_path_of_pretty_urls(self):
        assert urls.output_path("/fr/actualites/") == "fr/actualites/index.html"
        assert urls.output_path("/fr/feed.xml") == "fr/feed.xml"

    def test_slugify_folds_accents(self):
        assert urls.slugify("Coopération européenne : l'Œuvre !") == "cooperation-europeenne-l-oeuvre"
        assert urls.slugify("Économie") == "economie"


class TestSources:
    def test_file_names_give_kind_date_key_language(self, tmp_path):
        root = write_site(tmp_path, {
            "content/pages/eu-office.fr.md": "---\ntitle: x\n---\n",
            "content/news/2023-03-31-metropoles-meeting.en.md": "---\ntitle: x\n---\n",
        })
        errors = Diagnostics()
        sources = discover(load_config(root), errors)
        assert not errors
        news, page = sorted(sources, key=lambda s: s.kind)
        assert (news.kind, news.key, news.lang, news.date) == ("news", "metropoles-meeting", "en", dt.date(2023, 3, 31))
        assert (page.kind, page.key, page.lang, page.date) == ("page", "eu-office", "fr", None)

    @pytest.mark.parametrize("name, message", [
        ("content/pages/about.md", "missing language suffix"),
        ("content/pages/about.de.md", "unknown language 'de'"),
        ("content/news/meeting.fr.md", "starts with its date"),
        ("content/news/2023-02-30-x.fr.md", "impossible date '2023-02-30'"),
    ])
    def test_bad_file_names_are_named(self, tmp_path, name, message):
        root = write_site(tmp_path, {name: "---\ntitle: x\n---\n"})
        errors = Diagnostics()
        discover(load_config(root), errors)
        assert [e.location.path for e in errors.items] == [name]
        assert message in errors.items[0].message


class TestFrontMatter:
    def test_values_and_body_line(self):
        front = split("---\ntitle: \"Bonjour\"\ntags: [a, b]\ndraft: false\n---\nBody\n", "x.md")
        assert front.values == {"title": "Bonjour", "tags": ("a", "b"), "draft": False}
        assert front.body_line == 6 and front.body.startswith("Body")

    def test_yaml_error_carries_the_files_real_line(self):
        with pytest.raises(ContentError) as error:
            split("---\ntitle: ok\nsummary: [unclosed\n---\n", "x.md")
        assert error.value.location.line in (3, 4)

    def test_every_bad_key_of_a_file_is_reported_with_its_line(self):
        with pytest.raises(ContentErrors) as errors:
            split("---\ntitle: x\ntitel: y\ntags: 5\ndraft: \"yes\"\ndate: 2023-02-30\n---\n", "x.md")
        found = {(e.location.line, e.message.split(":")[0]) for e in errors.value.errors}
        assert found == {(3, "titel"), (4, "tags"), (5, "draft"), (6, "date")}
        assert "did you mean 'title'?" in [e.hint for e in errors.value.errors if e.location.line == 3]


class TestMarkup:
    def test_extension_set(self):
        html = Converter().convert(
            "## Titre é\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1]\n\nTerm\n:   def\n\nText\n{: .lead }\n\n[^1]: x\n",
            source_rel="content/pages/x.fr.md", body_line=1).html
        assert '<h2 id="titre-e">' in html and "<table>" in html and 'class="footnote"' in html
        assert "<dl>" in html and '<p class="lead">' in html
        assert "Jump back" not in html  # no English tooltip on French pages

    def test_links_to_content_files_become_placeholders_with_lines(self):
        markup = Converter().convert("Intro\n\nSee [x](../pages/eu-office.fr.md#tasks).\n",
                                     source_rel="content/news/2023-01-01-a.fr.md", body_line=5)
        (link,) = markup.links
        assert (link.kind, link.target, link.fragment, link.line) == ("page", "content/pages/eu-office.fr.md", "tasks", 7)

    def test_summary_is_the_first_paragraph_as_text(self):
        markup = Converter().convert("First *para* &amp; more.\n\nSecond.", source_rel="content/pages/x.fr.md",
                                     body_line=1)
        assert markup.first_paragraph == "First para & more."


class TestI18n:
    def test_dates_in_the_pages_language_without_setlocale(self):
        day = dt.date(2023, 3, 31)
        assert date_text(day, "fr_FR") == "31 mars 2023"
        assert date_text(day, "en_GB") == "31 March 2023"


class TestFeeds:
    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(st.datetimes(min_value=dt.datetime(1, 1, 2), timezones=st.sampled_from(
        [dt.timezone.utc, dt.timezone(dt.timedelta(hours=-9, minutes=-30)), ZoneInfo("Europe/Paris")])))
    def test_dates_are_written_as_email_utils_writes_them(self, moment):
        assert feeds._rfc822(moment) == format_datetime(moment)  # RFC 822, in English whatever the locale


class TestAssemble:
    def test_translations_inherit_shared_keys_and_conflicts_are_errors(self, tmp_path):
        root = write_site(tmp_path, {
            "content/news/2023-03-31-a.fr.md": "---\ntitle: A\ntags: [culture]\ndate: 2023-03-31 10:00\n---\nx\n",
            "content/news/2023-03-31-a.en.md": "---\ntitle: A\n---\nx\n",
            "content/news/2023-03-30-b.fr.md": "---\ntitle: B\ntags: [culture]\n---\nx\n",
            "content/news/2023-03-30-b.en.md": "---\ntitle: B\ntags: [economy]\n---\nx\n",
        })
        from tests.conftest import build_errors

        errors = build_errors(root)
        assert errors == [
            "content/news/2023-03-30-b.en.md:3: tags: ('economy',) conflicts with ('culture',) in "
            "content/news/2023-03-30-b.fr.md (give 'tags' only in the 'fr' file; translations inherit it)"
        ]

    def test_news_order_is_newest_first_with_ties_broken_by_key(self, tmp_path):
        from lillesite.build import build
        from lillesite.options import BuildOptions

        root = write_site(tmp_path, {
            "content/news/2023-03-31-b.fr.md": "---\ntitle: B\n---\n",
            "content/news/2023-03-31-a.fr.md": "---\ntitle: A\n---\n",
            "content/news/2023-04-01-c.fr.md": "---\ntitle: C\n---\n",
            "content/news/2023-03-31-z.fr.md": "---\ntitle: Z\ndate: 2023-03-31 18:00\n---\n",
        })
        site = build(load_config(root), BuildOptions(write=False)).site
        assert [e.title for e in site.news["fr"]] == ["C", "Z", "A", "B"]

    def test_drafts_and_future_items_only_on_request(self, tmp_path, monkeypatch):
        from lillesite.build import build
        from lillesite.options import BuildOptions

        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2023, 6, 1, tzinfo=dt.timezone.utc).timestamp())))
        root = write_site(tmp_path, {
            "content/news/2023-05-01-past.fr.md": "---\ntitle: Past\n---\n",
            "content/news/2023-05-02-draft.fr.md": "---\ntitle: Draft\ndraft: true\n---\n",
            "content/news/2023-07-01-future.fr.md": "---\ntitle: Future\n---\n",
        })
        config = load_config(root)
        titles = lambda **o: [e.title for e in build(config, BuildOptions(write=False, **o)).site.news["fr"]]
        assert titles() == ["Past"]
        assert titles(drafts=True) == ["Draft", "Past"]
        assert titles(future=True) == ["Future", "Past"]
        result = build(config, BuildOptions(write=False))
        assert result.site.next_scheduled.date() == dt.date(2023, 7, 1)

    def test_url_collisions_name_both_files(self, tmp_path):
        from tests.conftest import build_errors

        root = write_site(tmp_path, {
            "content/pages/a.fr.md": "---\ntitle: A\nslug: same\n---\n",
            "content/pages/b.fr.md": "---\ntitle: B\nslug: same\n---\n",
            "content/pages/c.fr.md": "---\ntitle: C\nslug: actualites\n---\n",
        })
        assert build_errors(root) == [
            "content/pages/b.fr.md:3: URL /fr/same/ is also produced by content/pages/a.fr.md "
            "(change the slug or the file name)",
            "content/pages/c.fr.md:3: URL /fr/actualites/ is also produced by the news index "
            "(change the slug or the file name)",
        ]


class TestConfig:
    def test_unknown_key_bad_language_and_missing_base_url(self, tmp_path):
        (tmp_path / "site.yml").write_text(
            "default_language: fr\nlanguages:\n  fr: {}\n  xx-!!: {}\ntitle: T\ntitel: T\n", encoding="utf-8")
        with pytest.raises(BuildFailed) as failure:
            load_config(tmp_path)
        lines = sorted(str(e) for e in failure.value.errors)
        assert lines == [
            "site.yml: Config value 'base_url': required (add the address the site is published at, "
            "e.g. 'base_url: https://example.org/')",
            "site.yml:4: Config value 'languages.xx-!!': 'xx-!!' is not a language code such as 'fr' or 'en'",
            "site.yml:6: Config value 'titel': unknown key (did you mean 'title'?)",
        ]

"""`lillesite check` and `build --strict`: every finding as 'path:line: level: message', in one pass."""
from __future__ import annotations

from tests.conftest import run_cli, write_site

BUREAU = {
    "content/pages/bureau.fr.md": "---\ntitle: Le bureau\n---\nLe bureau.\n",
    "content/pages/bureau.en.md": "---\ntitle: The office\n---\nThe office.\n",
}


def test_everything_wrong_is_reported_in_one_pass_without_writing(tmp_path):
    site = write_site(tmp_path / "site", {
        **BUREAU,
        "content/pages/liens.fr.md": """
            ---
            title: Liens
            image: images/absente.jpg
            ---
            Voir [le bureau](bureau.fr.md#nulle-part) et [rien](manque.fr.md).

            ![](../../static/images/logo.png)
            """,
        "static/images/logo.png": b"\x89PNG",
        "content/news/2023-03-31-date.fr.md": "---\ntitle: Date\ndate: 2023-04-01\n---\nTexte.\n",
    })
    done = run_cli("check", "--site", str(site))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert "content/news/2023-03-31-date.fr.md:3: error: date: 2023-04-01 disagrees with the date 2023-03-31 " \
           "in the file name (rename the file or correct the date)" in lines
    assert "content/pages/liens.fr.md:5: error: link to a missing file 'content/pages/manque.fr.md'" in lines
    assert "content/pages/liens.fr.md:3: error: image: no file 'static/images/absente.jpg'" in lines
    assert any(line.startswith("content/pages/liens.fr.md:3: warning: image: has no image_alt") for line in lines)
    assert any(line.startswith("content/pages/liens.fr.md:7: warning: image without alternative text")
               for line in lines)
    assert not (site / "_site").exists()


def test_warnings_fail_only_under_strict_and_build_strict_runs_the_same_checks(tmp_path):
    site = write_site(tmp_path / "site", {
        **BUREAU,
        "templates/page.html": """
            {% extends "theme/page.html" %}
            {% block main %}<p>{{ _("Opening hours") }}</p>{{ super() }}{% endblock %}
            """,
    })
    relaxed = run_cli("check", "--site", str(site))
    assert relaxed.returncode == 0, relaxed.stderr
    finding = ("templates/page.html:2: warning: UI string 'Opening hours' has no Français translation "
               "(add it to locales/fr/LC_MESSAGES/messages.po)")
    assert finding in relaxed.stderr.splitlines()
    assert "1 warning(s), 0 notice(s), no errors" in relaxed.stdout
    assert not (site / "_site").exists()

    strict = run_cli("check", "--strict", "--site", str(site))
    assert strict.returncode == 1 and finding in strict.stderr.splitlines()
    built = run_cli("build", "--strict", "--site", str(site))
    assert built.returncode == 1 and finding in built.stderr.splitlines()
    assert not (site / "_site").exists()
    assert run_cli("build", "--site", str(site)).returncode == 0  # a warning does not stop a normal build

    write_site(site, {"locales/fr/LC_MESSAGES/messages.po": """
        msgid ""
        msgstr "Content-Type: text/plain; charset=UTF-8\\n"

        msgid "Opening hours"
        msgstr "Horaires d'ouverture"
        """})
    fixed = run_cli("check", "--strict", "--site", str(site))
    assert fixed.returncode == 0, fixed.stderr


def test_hreflang_must_be_reciprocal(tmp_path):
    site = write_site(tmp_path / "site", {
        **BUREAU,
        "templates/page.html": """
            {% extends "theme/page.html" %}
            {% block head %}{% if lang.code == "en" %}<link rel="alternate" hreflang="nl" href="{{ absolute('/fr/') }}">
            <link rel="alternate" hreflang="de" href="{{ absolute('/de/bureau/') }}">{% endif %}{% endblock %}
            """,
    })
    done = run_cli("check", "--site", str(site))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert ("content/pages/bureau.en.md: error: hreflang 'nl' points to https://example.org/fr/, which does not "
            "point back (translations must list each other)") in lines
    assert ("content/pages/bureau.en.md: error: hreflang 'de' points to https://example.org/de/bureau/, "
            "which this site does not build") in lines
    assert len([line for line in lines if "hreflang" in line]) == 2


def test_the_test_sites_pass_strict_checks(site_copy):
    done = run_cli("check", "--strict", "--site", str(site_copy("bilingual")))
    assert done.returncode == 0, done.stderr


def test_findings_become_github_annotations(tmp_path):
    site = write_site(tmp_path / "site", {"content/pages/x.fr.md": "---\ntitle: X\n---\n[a](#nowhere)\n"})
    done = run_cli("check", "--site", str(site), env={"GITHUB_ACTIONS": "true"})
    assert "::warning file=content/pages/x.fr.md,line=4::link to #nowhere" in done.stderr


def test_summary_says_when_the_next_scheduled_item_goes_live(tmp_path):
    site = write_site(tmp_path / "site", {
        "content/news/2023-03-31-past.fr.md": "---\ntitle: Passé\n---\nTexte.\n",
        "content/news/2030-06-01-later.fr.md": "---\ntitle: Plus tard\n---\nTexte.\n",
        "content/news/2029-02-01-sooner.fr.md": "---\ntitle: Bientôt\ndate: 2029-02-01 09:30\n---\nTexte.\n",
        "content/news/2028-01-01-draft.fr.md": "---\ntitle: Brouillon\ndraft: true\n---\nTexte.\n",
    })
    done = run_cli("build", "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert ("next scheduled item goes live 2029-02-01 09:30 (+0100), with the first build after that moment"
            in done.stdout)
    assert not (site / "_site/fr/actualites/2029").exists()
    everything = run_cli("build", "--future", "--site", str(site))
    assert "next scheduled" not in everything.stdout
    assert (site / "_site/fr/actualites/2029/02/sooner/index.html").is_file()

"""`lillesite check` and `build --strict`: every finding as 'path:line: level: message', in one pass."""
from __future__ import annotations

import pytest

from lillesite import messages
from lillesite.build import build
from lillesite.config import load_config
from lillesite.errors import BuildFailed
from lillesite.options import BuildOptions
from tests.conftest import MINIMAL_CONFIG, run_cli, write_site

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


# ------------------------------------------------ hints for the slips editors make (issue 20, item 7)
HINT_CONFIG = MINIMAL_CONFIG.replace("""    economy: {fr: Économie, en: Economy}
""", """    economy: {fr: Économie, en: Economy}
    environment: {fr: Environnement, en: Environment}
""")


def _findings(site) -> list:
    with pytest.raises(BuildFailed) as failure:
        build(load_config(site), BuildOptions(strict=True, write=False))
    return failure.value.errors


def _french(finding) -> str:
    return finding.describe(messages.translator({"LANG": "fr_FR.UTF-8"}))


def test_a_link_to_a_pages_address_names_the_file_that_has_it(tmp_path):
    site = write_site(tmp_path / "site", {
        "content/pages/eu-office.fr.md": "---\ntitle: Le bureau\nslug: bureau-ue\n---\nLe bureau.\n",
        "content/news/2023-03-31-reunion.fr.md": """
            ---
            title: Réunion
            ---
            Voir [le bureau](../pages/bureau-ue.fr.md), [encore](../pages/eu-ofice.fr.md)
            et [rien](../pages/absente.fr.md).
            """,
    }, config=HINT_CONFIG)
    found = {f.message: f for f in _findings(site)}
    address = found["link to a missing file 'content/pages/bureau-ue.fr.md'"]
    assert str(address) == (
        "content/news/2023-03-31-reunion.fr.md:4: link to a missing file 'content/pages/bureau-ue.fr.md' "
        "('bureau-ue' is the address (slug) of eu-office.fr.md, not a file name: link to the file, "
        "'../pages/eu-office.fr.md')")
    assert _french(address) == (
        "content/news/2023-03-31-reunion.fr.md:4: erreur: lien vers un fichier qui n'existe pas : "
        "'content/pages/bureau-ue.fr.md' ('bureau-ue' est l'adresse (slug) de eu-office.fr.md, pas un nom de "
        "fichier : faites le lien vers le fichier, '../pages/eu-office.fr.md')")
    assert found["link to a missing file 'content/pages/eu-ofice.fr.md'"].hint == (
        "did you mean '../pages/eu-office.fr.md'?")
    assert found["link to a missing file 'content/pages/absente.fr.md'"].hint is None  # nothing close: no guess


def test_a_missing_picture_one_letter_off_gets_a_did_you_mean(tmp_path):
    site = write_site(tmp_path / "site", {
        "content/pages/bureau.fr.md": """
            ---
            title: Le bureau
            image: images/phot.jpg
            image_alt: L'équipe
            ---
            ![L'équipe](../../static/images/phot.jpg)

            ![Le plan](../../static/images/plan.png)
            """,
        "static/images/photo.jpg": b"\xff\xd8\xff",
        "static/images/logo.png": b"\x89PNG",
    }, config=HINT_CONFIG)
    found = {f.message: f for f in _findings(site)}
    body = found["link to a missing file 'static/images/phot.jpg'"]
    assert str(body) == ("content/pages/bureau.fr.md:6: link to a missing file 'static/images/phot.jpg' "
                         "(did you mean '../../static/images/photo.jpg'?)")
    assert _french(body).endswith("(vouliez-vous dire '../../static/images/photo.jpg' ?)")
    assert found["image: no file 'static/images/phot.jpg'"].hint == "did you mean 'images/photo.jpg'?"
    assert found["link to a missing file 'static/images/plan.png'"].hint is None  # 'logo.png' is not a slip of it


def test_a_tag_label_used_as_a_key_says_which_key_to_write(tmp_path):
    site = write_site(tmp_path / "site", {
        "content/news/2023-03-31-reunion.fr.md": "---\ntitle: Réunion\ntags: [Environnement, cultur]\n---\nTexte.\n",
    }, config=HINT_CONFIG)
    found = {f.message: f for f in _findings(site)}
    label = found["tags: 'Environnement' is not in the tag vocabulary (tags.labels in site.yml)"]
    assert str(label) == (
        "content/news/2023-03-31-reunion.fr.md:3: tags: 'Environnement' is not in the tag vocabulary "
        "(tags.labels in site.yml) ('Environnement' is the label shown for the tag 'environment': in 'tags:', "
        "write its key, environment)")
    assert _french(label) == (
        "content/news/2023-03-31-reunion.fr.md:3: avertissement: tags : 'Environnement' n'est pas dans la liste "
        "des thèmes (tags.labels dans site.yml) ('Environnement' est le libellé affiché du thème 'environment' : "
        "dans 'tags:', écrivez sa clé, environment)")
    assert found["tags: 'cultur' is not in the tag vocabulary (tags.labels in site.yml)"].hint == (
        "did you mean 'culture'?")


def test_a_tag_label_used_as_a_key_beside_the_key_itself_is_one_warning(tmp_path):
    """Not also an error that 'Environnement' and 'environment' would share a topic page: the editor wrote
    one topic, and the warning says which key to write."""
    site = write_site(tmp_path / "site", {
        "content/news/2023-03-30-atelier.fr.md": "---\ntitle: Atelier\ntags: [environment]\n---\nTexte.\n",
        "content/news/2023-03-31-reunion.fr.md": "---\ntitle: Réunion\ntags: [Environnement]\n---\nTexte.\n",
    }, config=HINT_CONFIG)
    findings = _findings(site)
    assert [f.level for f in findings] == ["warning"], [str(f) for f in findings]
    assert "write its key, environment" in str(findings[0])


def test_a_time_without_its_date_says_so(tmp_path):
    """YAML reads an unquoted 14:30 as 870 minutes: the message speaks of the time the editor wrote."""
    site = write_site(tmp_path / "site", {
        "content/news/2023-03-31-reunion.fr.md": "---\ntitle: Réunion\ndate: 14:30\n---\nTexte.\n",
    })
    [finding] = _findings(site)
    assert str(finding) == ("content/news/2023-03-31-reunion.fr.md:3: date: 14:30 is a time alone: a date is needed "
                            "too (write the date and the time, such as 2023-03-31 14:30)")
    assert _french(finding) == ("content/news/2023-03-31-reunion.fr.md:3: erreur: date : 14:30 est une heure seule : "
                                "il faut aussi la date (écrivez la date et l'heure, par exemple 2023-03-31 14:30)")

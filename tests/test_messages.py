"""Messages in the editor's language: written in English, translated by the display from the environment.

The French catalogue is lillesite/locale/fr/LC_MESSAGES/lillesite.po; the .mo beside it is what runs.
"""
from __future__ import annotations

import ast
import io
import logging
import pickle
import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from lillesite import messages
from lillesite.errors import ContentError, Location
from lillesite.messages import ENGLISH, Message, _
from tests.conftest import run_cli, write_site

PACKAGE = Path(messages.__file__).parent
PO = messages.LOCALE_DIR / "fr" / "LC_MESSAGES" / "lillesite.po"
FRENCH_ENV = {"LANG": "fr_FR.UTF-8"}


@pytest.fixture(scope="module")
def french() -> messages.Translator:
    return messages.translator({"LANG": "fr_FR.UTF-8"})


def test_a_message_is_its_english_text_and_keeps_how_it_was_made():
    message = _("URL {url} is also produced by {other!r}", url="/fr/", other="a.fr.md")
    assert message == "URL /fr/ is also produced by 'a.fr.md'" and isinstance(message, str)
    assert message.template == "URL {url} is also produced by {other!r}"
    assert message.args == {"url": "/fr/", "other": "a.fr.md"}
    again = pickle.loads(pickle.dumps(message))  # the build cache and the worker processes pickle findings
    assert (again, again.template, again.args) == (message, message.template, message.args)


def test_translate_uses_the_catalogue_and_translates_nested_messages(french):
    problem = _("unknown key")
    message = _("Config value {name!r}: {message}", name="titel", message=problem)
    assert french(message) == "Réglage 'titel' : clé inconnue"
    assert ENGLISH(message) == "Config value 'titel': unknown key"
    assert french("a plain string") == "a plain string"
    assert french(_("a template nobody translated {x}", x=1)) == "a template nobody translated 1"


def test_a_broken_translation_shows_the_english(french, monkeypatch):
    broken = {**french.catalogue._catalog, "did you mean {key!r}?": "vouliez-vous dire {clé!r} ?"}
    monkeypatch.setattr(french.catalogue, "_catalog", broken)
    assert french(_("did you mean {key!r}?", key="title")) == "did you mean 'title'?"


@pytest.mark.parametrize("environ, language", [
    ({"LANG": "fr_FR.UTF-8"}, "fr"),
    ({"LANG": "fr_BE"}, "fr"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "de_DE.UTF-8"}, "en"),  # no German catalogue: English
    ({}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "fr_FR.UTF-8"}, "fr"),
    ({"LANG": "fr_FR.UTF-8", "LC_ALL": "C"}, "en"),  # LC_ALL wins over LANG
    ({"LANG": "en_US.UTF-8", "LANGUAGE": "fr"}, "fr"),  # LANGUAGE wins over the locale...
    ({"LANG": "C", "LANGUAGE": "fr"}, "en"),  # ...unless the locale is C (GNU gettext's rule, git's)
    ({"LANG": "fr_FR.UTF-8", "LANGUAGE": "de:en:fr"}, "en"),  # the first language with a catalogue or English
    ({"LANG": "en_US.UTF-8", "LANGUAGE": "de:fr"}, "fr"),
])
def test_the_language_comes_from_the_environment_as_git_chooses_it(environ, language):
    assert messages.translator(environ).language == language


def test_the_compiled_catalogue_is_up_to_date_with_the_po():
    with open(PO, "rb") as po:
        catalog = read_po(po, locale="fr")
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    assert PO.with_suffix(".mo").read_bytes() == compiled.getvalue(), (
        "lillesite.mo is older than lillesite.po: run `pybabel compile -D lillesite -d lillesite/locale -l fr`")


def _templates() -> set[str]:
    return {message for _filename, _line, message, _comments, _context in
            extract_from_dir(PACKAGE, method_map=[("**.py", "python")], keywords={"_": None},
                             options_map={"**.py": {}})}


def test_every_message_has_a_french_translation_with_the_same_fields():
    with open(PO, "rb") as po:
        catalog = read_po(po, locale="fr")
    templates = _templates()
    assert len(templates) > 150
    missing = sorted(t for t in templates if not catalog.get(t) or not catalog.get(t).string)
    fuzzy = sorted(t for t in templates if catalog.get(t) and catalog.get(t).fuzzy)
    assert not missing, "docs/translating.md: extract, update, translate: " + repr(missing)
    assert not fuzzy, fuzzy
    fields = re.compile(r"\{(\w+)(?:![rsa])?(?::[^}\s]*)?\}")  # not the YAML examples: {fr: {locale: fr_FR}}
    for template in templates:
        assert set(fields.findall(catalog.get(template).string)) == set(fields.findall(template)), template


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp,
           ast.DictComp, ast.GeneratorExp)


def _own_scope(scope: ast.AST):
    """The nodes of `scope` itself, not those of the functions and comprehensions in it (their own scopes)."""
    for child in ast.iter_child_nodes(scope):
        yield child
        if not isinstance(child, _SCOPES):
            yield from _own_scope(child)


def test_no_scope_both_names_something_underscore_and_calls_the_message_function():
    """`for _, x in …` in a function makes `_` local there: a `_("…")` in it would fail only when reached."""
    wrong = []
    for path in sorted(PACKAGE.glob("*.py")):
        for scope in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(scope, (ast.Module, *_SCOPES)):
                names = list(_own_scope(scope))
                binds = any(isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store) for n in names)
                calls = any(isinstance(n, ast.Call) and getattr(n.func, "id", None) == "_"
                            for n in ast.walk(scope))
                if binds and calls:
                    wrong.append(f"{path.name}:{getattr(scope, 'lineno', 0)}")
    assert not wrong


def test_describe_keeps_the_path_line_prefix_and_translates_level_message_and_hint(french):
    error = ContentError(_("unknown front matter key"), Location("content/pages/a.fr.md", 3),
                         hint=_("did you mean {key!r}?", key="title"), level="warning")
    assert error.describe() == "content/pages/a.fr.md:3: warning: unknown front matter key (did you mean 'title'?)"
    assert error.describe(french) == ("content/pages/a.fr.md:3: avertissement: clé d'en-tête inconnue "
                                      "(vouliez-vous dire 'title' ?)")


def test_the_preview_banner_speaks_the_editors_language(french, tmp_path):
    from lillesite.serve import Preview

    error = ContentError(_("is empty"), Location("content/pages/a.en.md", 2))
    preview = Preview(root=tmp_path, out=tmp_path / "out", base_url="http://127.0.0.1:8000/", report=print,
                      errors=[error], translate=french)
    banner = preview.error_html()
    assert 'lang="fr"' in banner
    assert "La dernière construction a échoué ; ceci est la dernière version correcte du site." in banner
    assert "content/pages/a.en.md:2: erreur: est vide" in banner


def test_log_records_are_shown_in_the_editors_language(french):
    """Modules log Messages (writer.py: another build holds the output's lock); the CLI's log handler shows
    them translated, and any other handler sees the English."""
    from lillesite.cli import _LogFormatter

    record = logging.LogRecord("lillesite.writer", logging.WARNING, __file__, 1, _(
        "another build is writing {folder}; waiting for it to finish", folder="/site/_site"), None, None)
    assert _LogFormatter(french).format(record) == ("une autre construction écrit dans /site/_site ; attente de la "
                                                    "fin de celle-ci")
    assert logging.Formatter().format(record) == "another build is writing /site/_site; waiting for it to finish"
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "%s files", (3,), None)
    assert _LogFormatter(french).format(plain) == "3 files"


MISTAKES = {
    "content/pages/bureau.fr.md": """\
        ---
        title: "Le "Green Deal" à Lille"
        ---
        Texte.
        """,
    "content/pages/accueil.fr.md": """\
        ---
        title: Accueil
        titel: Accueil
        draft: "oui"
        ---
        Bienvenue.
        """,
    "content/news/2023-02-30-sommet.fr.md": "---\ntitle: Sommet\n---\nTexte.\n",
    "content/pages/contact.md": "---\ntitle: Contact\n---\n",
}
FRENCH_LINES = [
    "content/news/2023-02-30-sommet.fr.md: erreur: date impossible '2023-02-30' dans le nom du fichier : "
    "février 2023 compte 28 jours",
    "content/pages/accueil.fr.md:3: erreur: titel : clé d'en-tête inconnue (vouliez-vous dire 'title' ?)",
    "content/pages/accueil.fr.md:4: erreur: draft : true ou false est attendu, et non 'oui' "
    "(écrivez 'draft: true' ou 'draft: false', sans guillemets)",
    "content/pages/bureau.fr.md:2: erreur: en-tête : le texte commence par \" et contient un autre \", qui le "
    "termine trop tôt (écrivez la ligne ainsi : title: 'Le \"Green Deal\" à Lille')",
    "content/pages/contact.md: erreur: suffixe de langue manquant : nommez le fichier comme 'key.fr.md'",
    "échec de la construction : 5 erreur(s), 0 avertissement(s)",
]


@pytest.mark.parametrize("env", [{"LANG": "fr_FR.UTF-8"}, {"LANG": "en_US.UTF-8", "LANGUAGE": "fr"}])
def test_a_french_editor_reads_french_messages(tmp_path, env):
    site = write_site(tmp_path / "site", MISTAKES)
    result = run_cli("build", "--site", str(site), env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == FRENCH_LINES


def test_in_the_c_locale_the_same_mistakes_read_in_english(tmp_path):
    site = write_site(tmp_path / "site", MISTAKES)
    result = run_cli("build", "--site", str(site), env={"LANG": "C", "LANGUAGE": "fr"})
    assert result.returncode == 1
    assert "content/pages/accueil.fr.md:3: error: titel: unknown front matter key (did you mean 'title'?)" in (
        result.stderr.splitlines())
    assert result.stderr.splitlines()[-1] == "build failed: 5 error(s), 0 warning(s)"


def test_github_annotations_keep_their_syntax_with_french_text(tmp_path):
    site = write_site(tmp_path / "site", {"content/pages/accueil.fr.md": "---\ntitle: Accueil\ntitel: x\n---\n"})
    result = run_cli("build", "--site", str(site), env={"LANG": "fr_FR.UTF-8", "GITHUB_ACTIONS": "true"})
    assert ("::error file=content/pages/accueil.fr.md,line=3::titel : clé d'en-tête inconnue "
            "(vouliez-vous dire 'title' ?)") in result.stderr.splitlines()


def test_the_summary_line_and_the_help_are_in_french(tmp_path):
    site = write_site(tmp_path / "site", {"content/pages/accueil.fr.md": "---\ntitle: Accueil\n---\n"})
    built = run_cli("check", "--site", str(site), env=FRENCH_ENV)
    assert built.returncode == 0, built.stderr
    assert re.fullmatch(r"vérifié : \d+ pages \(fr \d+, en \d+\), \d+ flux en \d+\.\d\d s : 0 avertissement\(s\), "
                        r"0 remarque\(s\), aucune erreur\n", built.stdout), built.stdout
    top = run_cli("--help", env=FRENCH_ENV).stdout
    assert top.startswith("usage : lillesite [-h] [--version] COMMAND")
    assert "Générateur de sites statiques multilingues." in top
    assert "construire le site dans _site/" in top and "afficher cette aide et quitter" in top
    build_help = run_cli("build", "--help", env=FRENCH_ENV).stdout
    assert "traiter les avertissements comme des erreurs" in build_help and "\noptions:\n" in build_help


def test_argparse_errors_are_in_french_too():
    result = run_cli("build", "--jobs", "0", env=FRENCH_ENV)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == ("lillesite build: erreur: argument --jobs : un nombre entier "
                                              "d'au moins 1 est attendu, et non '0'")
    english = run_cli("build", "--jobs", "0")
    assert english.stderr.splitlines()[-1] == ("lillesite build: error: argument --jobs: expected a whole number "
                                               "of at least 1, got '0'")


# ------------------------------------------------------------- a French editor's session, end to end
SESSION_CONFIG = """\
base_url: https://example.org/
default_language: fr
languages:
  fr: {locale: fr_FR}
  en: {locale: en_GB}
title: {fr: Bureau UE, en: EU Office}
description: {fr: Le bureau., en: The office.}
news:
  slug: {fr: actualites, en: news}
tags:
  slug: {fr: themes, en: tags}
  labels:
    environment: {fr: Environnement, en: Environment}
"""
NEWS_FR = "content/news/2023-03-31-reunion-des-metropoles.fr.md"
NEWS_EN = "content/news/2023-03-31-reunion-des-metropoles.en.md"


def _git(site: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=site, check=True,
                   capture_output=True)


def test_a_french_editors_session(tmp_path):
    """Under LANG=fr_FR.UTF-8, as an editor works: a news item, a mistake and its French message with the
    file and line, the fix, the English translation, stale after a French edit, marked done, built."""
    site = write_site(tmp_path / "site", {
        "content/pages/index.fr.md": "---\ntitle: Accueil\n---\nBienvenue.\n",
        "content/pages/eu-office.fr.md": "---\ntitle: Le bureau\nslug: bureau-ue\n---\nLe bureau.\n",
    }, config=SESSION_CONFIG)
    _git(site, "init", "-q")
    _git(site, "add", "-A")
    _git(site, "commit", "-qm", "site")

    def lillesite(*args: str):
        return run_cli(*args, cwd=site, env=FRENCH_ENV)

    created = lillesite("new", "news", "Réunion des métropoles", "--date", "2023-03-31")
    assert (created.returncode, created.stdout) == (0, f"créé : {NEWS_FR}\n"), created.stderr
    written = (site / NEWS_FR).read_text(encoding="utf-8")
    assert written.startswith('---\ntitle: "Réunion des métropoles"\ntags: []\n---\n')
    # the editor writes the item, with a tag's French label and the page's address instead of its file
    (site / NEWS_FR).write_text(written.replace("tags: []", "tags: [Environnement]")
                                + "Les métropoles se réunissent. Voir [le bureau](../pages/bureau-ue.fr.md).\n",
                                encoding="utf-8")
    failed = lillesite("build")
    assert failed.returncode == 1
    assert failed.stderr.splitlines() == [
        f"{NEWS_FR}:3: avertissement: tags : 'Environnement' n'est pas dans la liste des thèmes (tags.labels dans "
        "site.yml) ('Environnement' est le libellé affiché du thème 'environment' : dans 'tags:', écrivez sa clé, "
        "environment)",
        f"{NEWS_FR}:6: erreur: lien vers un fichier qui n'existe pas : 'content/pages/bureau-ue.fr.md' ('bureau-ue' "
        "est l'adresse (slug) de eu-office.fr.md, pas un nom de fichier : faites le lien vers le fichier, "
        "'../pages/eu-office.fr.md')",
        "échec de la construction : 1 erreur(s), 1 avertissement(s)",
    ]
    assert not (site / "_site").exists()

    text = (site / NEWS_FR).read_text(encoding="utf-8")
    (site / NEWS_FR).write_text(text.replace("[Environnement]", "[environment]")
                                .replace("../pages/bureau-ue.fr.md", "../pages/eu-office.fr.md"), encoding="utf-8")
    checked = lillesite("check", "--strict")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("vérifié : ") and "0 avertissement(s), 0 remarque(s), aucune erreur" in (
        checked.stdout)
    missing = lillesite("translations")
    assert f"  manquante  {NEWS_FR}  Réunion des métropoles" in missing.stdout.splitlines()
    _git(site, "add", "-A")
    _git(site, "commit", "-qm", "news")

    translated = lillesite("new", "news", "Metropoles meet", "--lang", "en", "--key", "reunion-des-metropoles")
    assert translated.returncode == 0, translated.stderr
    assert translated.stdout == f"créé : {NEWS_EN} (traduction de {NEWS_FR})\n"
    (site / NEWS_EN).write_text((site / NEWS_EN).read_text(encoding="utf-8") + "The metropoles meet.\n",
                                encoding="utf-8")
    _git(site, "add", "-A")
    _git(site, "commit", "-qm", "translation")
    table = lillesite("translations").stdout
    assert table.startswith("traductions périmées d'après l'historique git\n"), table
    assert "en : 2 manquante(s), 0 périmée(s)" in table and NEWS_FR not in table  # the two pages remain

    (site / NEWS_FR).write_text((site / NEWS_FR).read_text(encoding="utf-8").replace("se réunissent",
                                                                                    "se réunissent à Lille"),
                                encoding="utf-8")
    _git(site, "commit", "-qam", "French edit")
    stale = lillesite("translations").stdout
    assert "en : 2 manquante(s), 1 périmée(s)" in stale
    assert f"  périmée    {NEWS_EN}  (l'original {NEWS_FR} a changé après elle, d'après git)" in stale.splitlines()
    noticed = lillesite("check", "--strict")
    assert noticed.returncode == 0, noticed.stderr  # a stale translation is a notice: it never blocks
    assert (f"{NEWS_EN}:1: remarque: la traduction n'est peut-être plus à jour : {NEWS_FR} a changé depuis "
            f"qu'elle a été faite (mettez-la à jour si besoin, puis lancez 'lillesite translations --mark-done "
            f"{NEWS_EN}')") in noticed.stderr.splitlines()

    marked = lillesite("translations", "--mark-done", NEWS_EN)
    assert marked.returncode == 0, marked.stderr
    assert re.fullmatch(rf"{re.escape(NEWS_EN)} est marqué comme traduit de l'original dans son état actuel "
                        r"\([0-9a-f]{16}\)\n", marked.stdout), marked.stdout
    assert "en : 2 manquante(s), 0 périmée(s)" in lillesite("translations").stdout

    built = lillesite("build")
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("construit : ") and built.stderr == ""
    french_page = (site / "_site/fr/actualites/2023/03/reunion-des-metropoles/index.html").read_text(encoding="utf-8")
    assert "se réunissent à Lille" in french_page and 'href="../../../../bureau-ue/"' in french_page
    english_page = (site / "_site/en/news/2023/03/metropoles-meet/index.html").read_text(encoding="utf-8")
    assert "The metropoles meet." in english_page

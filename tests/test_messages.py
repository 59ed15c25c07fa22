"""Messages in the editor's language: written in English, translated by the display from the environment.

The French catalogue is lillesite/locale/fr/LC_MESSAGES/lillesite.po; the .mo beside it is what runs.
"""
from __future__ import annotations

import ast
import io
import pickle
import re
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

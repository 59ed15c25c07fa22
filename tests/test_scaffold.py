"""`lillesite new`, used the way an editor would: then the site builds with the new item in it."""
from __future__ import annotations

from tests.conftest import build_site, run_cli, write_site


def test_new_news_item_is_named_from_its_title_and_builds(tmp_path):
    site = write_site(tmp_path / "site", {})
    done = run_cli("new", "news", "Réunion des métropoles : l'Œuvre à Bruxelles !", "--date", "2023-03-31",
                   "--site", str(site))
    assert done.returncode == 0, done.stderr
    path = site / "content/news/2023-03-31-reunion-des-metropoles-l-oeuvre-a-bruxelles.fr.md"
    assert done.stdout.strip() == f"created {path.relative_to(site).as_posix()}"
    assert path.read_text(encoding="utf-8").startswith(
        '---\ntitle: "Réunion des métropoles : l\'Œuvre à Bruxelles !"\n')
    out = build_site(site)
    page = out / "fr/actualites/2023/03/reunion-des-metropoles-l-oeuvre-a-bruxelles/index.html"
    assert "Réunion des métropoles" in page.read_text(encoding="utf-8")


def test_new_translation_shares_the_key_and_gets_its_own_slug(tmp_path):
    site = write_site(tmp_path / "site", {})
    run_cli("new", "news", "Réunion à Bruxelles", "--date", "2023-03-31", "--site", str(site))
    done = run_cli("new", "news", "Meeting in Brussels", "--date", "2023-03-31", "--lang", "en",
                   "--key", "reunion-a-bruxelles", "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert "content/news/2023-03-31-reunion-a-bruxelles.en.md" in done.stdout
    out = build_site(site)
    english = (out / "en/news/2023/03/meeting-in-brussels/index.html").read_text(encoding="utf-8")
    assert 'hreflang="fr"' in english and "reunion-a-bruxelles" in english


def test_new_page_and_refusal_to_overwrite(tmp_path):
    site = write_site(tmp_path / "site", {})
    done = run_cli("new", "page", "eu-office", "--lang", "en", "--site", str(site))
    assert done.returncode == 0, done.stderr
    path = site / "content/pages/eu-office.en.md"
    path.write_text(path.read_text(encoding="utf-8") + "My own text.\n", encoding="utf-8")
    again = run_cli("new", "page", "eu-office", "--lang", "en", "--site", str(site))
    assert again.returncode == 1
    assert "content/pages/eu-office.en.md: error: already exists; not overwriting it" in again.stderr
    assert "My own text." in path.read_text(encoding="utf-8")


def test_bad_language_date_and_key_are_usage_errors(tmp_path):
    site = write_site(tmp_path / "site", {})
    assert run_cli("new", "news", "Titre", "--lang", "de", "--site", str(site)).returncode == 2
    assert run_cli("new", "news", "Titre", "--date", "2023-02-30", "--site", str(site)).returncode == 2
    punctuation = run_cli("new", "news", "!!!", "--site", str(site))
    assert punctuation.returncode == 2 and "gives no usable file name" in punctuation.stderr
    assert run_cli("new", "page", "Bad Key", "--site", str(site)).returncode == 2
    assert not (site / "content").exists()

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
    assert run_cli("new", "page", "eu-office", "--site", str(site)).returncode == 0
    done = run_cli("new", "page", "eu-office", "--lang", "en", "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "created content/pages/eu-office.en.md (translation of content/pages/eu-office.fr.md)"
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


def test_a_translation_finds_its_original_by_key_and_takes_its_date(tmp_path):
    """`--key` without `--date` made a translation dated today, which paired with nothing."""
    site = write_site(tmp_path / "site", {})
    run_cli("new", "news", "Le LaM fête ses 40 ans", "--date", "2023-03-31", "--site", str(site))
    run_cli("new", "news", "Réunion des métropoles", "--date", "2023-02-01", "--site", str(site))
    done = run_cli("new", "news", "LaM turns 40", "--lang", "en", "--key", "le-lam-fete-ses-40-ans",
                   "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("created content/news/2023-03-31-le-lam-fete-ses-40-ans.en.md "
                                   "(translation of content/news/2023-03-31-le-lam-fete-ses-40-ans.fr.md)")
    # the whole name of the original's file, as an editor copies it, is a key too
    for key in ("2023-02-01-reunion-des-metropoles", "content/news/2023-02-01-reunion-des-metropoles.fr.md"):
        (site / "content/news/2023-02-01-reunion-des-metropoles.en.md").unlink(missing_ok=True)
        done = run_cli("new", "news", "Metropolises meet", "--lang", "en", "--key", key, "--site", str(site))
        assert done.stdout.strip() == ("created content/news/2023-02-01-reunion-des-metropoles.en.md "
                                       "(translation of content/news/2023-02-01-reunion-des-metropoles.fr.md)")
    assert sorted(p.name for p in (site / "content/news").iterdir()) == [
        "2023-02-01-reunion-des-metropoles.en.md", "2023-02-01-reunion-des-metropoles.fr.md",
        "2023-03-31-le-lam-fete-ses-40-ans.en.md", "2023-03-31-le-lam-fete-ses-40-ans.fr.md"]
    assert run_cli("check", "--strict", "--site", str(site)).returncode == 0
    out = build_site(site)
    english = (out / "en/news/2023/03/lam-turns-40/index.html").read_text(encoding="utf-8")
    assert 'hreflang="fr" href="https://example.org/fr/actualites/2023/03/le-lam-fete-ses-40-ans/"' in english


def test_a_translation_of_no_original_is_refused_with_the_keys_it_could_be(tmp_path):
    site = write_site(tmp_path / "site", {})
    run_cli("new", "news", "Le LaM fête ses 40 ans", "--date", "2023-03-31", "--site", str(site))
    run_cli("new", "news", "Journées portes ouvertes", "--date", "2022-06-02", "--site", str(site))
    run_cli("new", "news", "Journées portes ouvertes", "--date", "2023-06-02", "--site", str(site))

    typo = run_cli("new", "news", "LaM turns 40", "--lang", "en", "--key", "le-lam-fete-ses-40", "--site", str(site))
    assert typo.returncode == 2
    assert typo.stderr.strip() == ("error: --key le-lam-fete-ses-40: no news item in 'fr' has this key; the "
                                   "translation would pair with nothing (close keys: 2023-03-31-le-lam-fete-ses-40-ans)")
    no_key = run_cli("new", "news", "LaM turns 40", "--lang", "en", "--site", str(site))
    assert no_key.returncode == 2
    assert no_key.stderr.startswith("error: --lang en makes a translation: give the key of its original in 'fr', "
                                    "e.g. --key 2023-06-02-journees-portes-ouvertes (news items in 'fr' not yet "
                                    "in 'en': 2023-06-02-journees-portes-ouvertes, 2023-03-31-le-lam-fete-ses-40-ans, "
                                    "2022-06-02-journees-portes-ouvertes)")
    twice = run_cli("new", "news", "Open days", "--lang", "en", "--key", "journees-portes-ouvertes", "--site", str(site))
    assert twice.returncode == 2
    assert "2 news items in 'fr' have this key" in twice.stderr
    assert "give the date too, e.g. --key 2023-06-02-journees-portes-ouvertes" in twice.stderr
    other_date = run_cli("new", "news", "LaM turns 40", "--lang", "en", "--key", "le-lam-fete-ses-40-ans",
                         "--date", "2023-04-01", "--site", str(site))
    assert other_date.returncode == 2 and "is dated 2023-03-31" in other_date.stderr
    page = run_cli("new", "page", "eu-ofice", "--lang", "en", "--site", str(site))
    assert page.returncode == 2 and "no page in 'fr' has this key" in page.stderr
    assert not any(path.name.endswith(".en.md") for path in (site / "content").rglob("*"))


def test_check_warns_about_a_translation_without_original(tmp_path):
    site = write_site(tmp_path / "site", {
        "content/news/2023-03-31-lam-40th-anniversary.fr.md": "---\ntitle: Le LaM a 40 ans\n---\nTexte.\n",
        "content/news/2026-12-06-lam-40th-anniversary.en.md": "---\ntitle: LaM turns 40\n---\nText.\n",
        "content/pages/profil.fr.md": "---\ntitle: Profil\n---\nTexte.\n",
        "content/pages/profile.en.md": "---\ntitle: Profile\n---\nText.\n",
        "content/pages/apropos.en.md": "---\ntitle: About\n---\nText.\n",
    })
    done = run_cli("check", "--site", str(site))
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert ("content/news/2026-12-06-lam-40th-anniversary.en.md: warning: translation without an original: there is "
            "no content/news/2026-12-06-lam-40th-anniversary.fr.md (if it translates "
            "content/news/2023-03-31-lam-40th-anniversary.fr.md, rename it 2023-03-31-lam-40th-anniversary.en.md)"
            ) in lines
    assert ("content/pages/profile.en.md: warning: translation without an original: there is no "
            "content/pages/profile.fr.md (if it translates content/pages/profil.fr.md, rename it profil.en.md)") in lines
    # a page in English only, with no original of a close name, is not taken for a lost translation
    assert not any("apropos" in line for line in lines)
    assert "2 warning(s)" in done.stdout
    assert run_cli("check", "--strict", "--site", str(site)).returncode == 1


def test_new_news_with_a_photo_copies_it_under_a_clean_name_and_leaves_alt_and_credit_to_fill(tmp_path):
    from tests import photos

    site = write_site(tmp_path / "site", {})
    camera = tmp_path / "DCIM" / "IMG_4711.JPEG"
    camera.parent.mkdir()
    camera.write_bytes(photos.photo(1300, 900))
    done = run_cli("new", "news", "Visite à Bruxelles", "--date", "2023-03-31", "--image", str(camera),
                   "--site", str(site), env={"LC_ALL": "C"})
    assert done.returncode == 0, done.stderr
    copied = site / "static/images/2023-03-31-visite-a-bruxelles.jpg"
    assert copied.read_bytes() == camera.read_bytes()
    assert done.stdout.splitlines()[1] == ("copied the photo to static/images/2023-03-31-visite-a-bruxelles.jpg: write "
                                           "what it shows (image_alt) and who took it (image_credit) in the front matter")
    text = (site / "content/news/2023-03-31-visite-a-bruxelles.fr.md").read_text(encoding="utf-8")
    assert "\nimage: images/2023-03-31-visite-a-bruxelles.jpg\nimage_alt: \"\"  # describe" in text
    assert "\nimage_credit: \"\"  # who took it" in text
    # as created, it builds, with a warning that the description is missing; filled in, it shows the photo
    built = run_cli("build", "--site", str(site), env={"LC_ALL": "C"})
    assert built.returncode == 0 and "image: has no image_alt text describing it" in built.stderr
    (site / "content/news/2023-03-31-visite-a-bruxelles.fr.md").write_text(
        text.replace('image_alt: ""', 'image_alt: "La Grand-Place"'), encoding="utf-8")
    page = (build_site(site) / "fr/actualites/2023/03/visite-a-bruxelles/index.html").read_text(encoding="utf-8")
    assert 'alt="La Grand-Place"' in page and "2023-03-31-visite-a-bruxelles." in page
    # a second item of the same name and day does not overwrite the first one's photo
    other = tmp_path / "other.jpg"
    other.write_bytes(photos.photo(900, 600, seed=3))
    (site / "content/news/2023-03-31-visite-a-bruxelles.fr.md").rename(site / "content/news/2023-03-31-x.fr.md")
    again = run_cli("new", "news", "Visite à Bruxelles", "--date", "2023-03-31", "--image", str(other),
                    "--site", str(site))
    assert again.returncode == 0, again.stderr
    assert (site / "static/images/2023-03-31-visite-a-bruxelles-2.jpg").read_bytes() == other.read_bytes()


def test_new_news_refuses_a_file_that_is_not_a_photo(tmp_path):
    site = write_site(tmp_path / "site", {})
    notes = tmp_path / "notes.docx"
    notes.write_bytes(b"PK\3\4 not a photo")
    done = run_cli("new", "news", "Visite", "--image", str(notes), "--site", str(site), env={"LC_ALL": "C"})
    assert done.returncode == 2 and "not a photo (give a JPEG, PNG, WebP or HEIC file)" in done.stderr
    assert not (site / "content/news").exists() and not (site / "static/images").exists()

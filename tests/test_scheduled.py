"""Drafts and scheduled news are checked with the rules of published pages on every build and `check`,
said as such, so that CI fails at the push and not on the morning a scheduled build publishes them (issue 20)."""
from __future__ import annotations

from tests.conftest import build_errors, build_site, run_cli, write_site

PUBLISHED = {
    "content/pages/bureau.fr.md": "---\ntitle: Le bureau\n---\nLe bureau.\n",
    "content/news/2023-03-31-reunion.fr.md": "---\ntitle: Réunion\ntags: [culture]\n---\nPassée.\n",
}
# the tests' "now" is 14 November 2023 (conftest.EPOCH)
TOMORROW = "content/news/2023-11-15-demain.fr.md"


def test_a_scheduled_item_is_checked_before_its_day(tmp_path):
    site = write_site(tmp_path / "site", {**PUBLISHED, TOMORROW: """
        ---
        title: Demain
        tags: [sport]
        ---
        Voir [le profil](../pages/profil.fr.md) et [le bureau](../pages/bureau.fr.md).
        """})
    checked = run_cli("check", "--strict", "--site", str(site))
    assert checked.returncode == 1, checked.stderr
    assert (f"{TOMORROW}:5: error: scheduled for 15 November 2023: link to a missing file "
            "'content/pages/profil.fr.md'") in checked.stderr
    assert (f"{TOMORROW}:3: warning: scheduled for 15 November 2023: tags: 'sport' is not in the tag vocabulary "
            "(tags.labels in site.yml)") in checked.stderr
    assert "bureau.fr.md'" not in checked.stderr  # a link to a published page is fine
    # a plain build fails on the error too, and the item is still not published
    assert (f"{TOMORROW}:5: scheduled for 15 November 2023: link to a missing file "
            "'content/pages/profil.fr.md'") in build_errors(site)


def test_a_scheduled_item_may_link_to_what_is_published_by_its_day(tmp_path):
    files = {
        **PUBLISHED,
        "content/news/2023-11-16-apres-demain.fr.md": "---\ntitle: Après-demain\n---\nVoir [demain](2023-11-15-demain.fr.md).\n",
        TOMORROW: "---\ntitle: Demain\n---\nVoir [après-demain](2023-11-16-apres-demain.fr.md).\n",
    }
    site = write_site(tmp_path / "site", files)
    assert build_errors(site) == [
        f"{TOMORROW}:4: scheduled for 15 November 2023: link to 'content/news/2023-11-16-apres-demain.fr.md', "
        "which is not published (draft or future)"]
    (site / TOMORROW).write_text("---\ntitle: Demain\n---\nVoir [le bureau](../pages/bureau.fr.md).\n",
                                 encoding="utf-8")
    out = build_site(site, strict=True)
    assert not (out / "fr/actualites/2023/11").exists()  # neither is published before its day


def test_a_draft_is_checked_and_may_link_to_other_drafts(tmp_path):
    files = {
        **PUBLISHED,
        "content/pages/projet.fr.md": "---\ntitle: Projet\ndraft: true\n---\nVoir [l'autre](autre.fr.md).\n",
        "content/pages/autre.fr.md": "---\ntitle: Autre\ndraft: true\n---\nVoir [le projet](projet.fr.md).\n",
    }
    site = write_site(tmp_path / "site", files)
    out = build_site(site, strict=True)
    assert not (out / "fr/projet").exists()
    (site / "content/pages/autre.fr.md").write_text("---\ntitle: Autre\ndraft: true\n---\n[x](absente.fr.md)\n",
                                                    encoding="utf-8")
    assert build_errors(site) == [
        "content/pages/autre.fr.md:5: draft: link to a missing file 'content/pages/absente.fr.md'"]

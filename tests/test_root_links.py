"""Links written from the site's root ('[profil](/fr/profil/)'): checked against the site's addresses, and
written so that they work where the site is published, also under a sub-path (a GitHub Pages project site)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urljoin, urlsplit

from tests.conftest import MINIMAL_CONFIG, run_cli, write_site
from tests.crawl import parse_page

SUB_PATH_CONFIG = MINIMAL_CONFIG.replace("base_url: https://example.org/", "base_url: https://example.org/projet/")
PROFILE = {
    "content/pages/profil.fr.md": "---\ntitle: Profil\n---\nNotre profil.\n\n## Missions\n\nTexte.\n",
    "content/pages/profil.en.md": "---\ntitle: Profile\nslug: profile\n---\nOur profile.\n",
    "static/docs/rapport.pdf": b"%PDF-1.4",
}


def test_a_root_relative_link_to_no_page_is_an_error_with_the_closest_address(tmp_path):
    site = write_site(tmp_path / "site", {
        **PROFILE,
        "content/pages/liens.fr.md": """
            ---
            title: Liens
            ---
            Voir [profil](/fr/profile/), [le rapport](/docs/rapport.pfd),
            [sans barre](/fr/profil) et [ailleurs](/fr/rien-de-tel/).
            """,
    })
    done = run_cli("check", "--strict", "--site", str(site))
    assert done.returncode == 1, done.stdout
    lines = done.stderr.splitlines()
    assert ("content/pages/liens.fr.md:4: error: link to '/fr/profile/': no page or file of this site has that "
            "address (did you mean '/fr/profil/'?)") in lines
    assert ("content/pages/liens.fr.md:4: error: link to '/docs/rapport.pfd': no page or file of this site has "
            "that address (did you mean '/docs/rapport.pdf'?)") in lines
    assert any(line.startswith("content/pages/liens.fr.md:5: error: link to '/fr/profil': no page or file")
               and "did you mean '/fr/profil/'?" in line for line in lines)
    nowhere = next(line for line in lines if "'/fr/rien-de-tel/'" in line)
    assert nowhere.startswith("content/pages/liens.fr.md:5: error:") and "did you mean" not in nowhere
    assert lines[-1] == "build failed: 4 error(s), 0 warning(s)"
    # a plain build fails too: the link would lead visitors nowhere
    assert run_cli("build", "--site", str(site)).returncode == 1
    assert not (site / "_site").exists()


def test_a_link_from_the_root_with_the_published_path_says_what_to_write(tmp_path):
    site = write_site(tmp_path / "site", {
        **PROFILE, "content/pages/liens.fr.md": "---\ntitle: Liens\n---\n[profil](/projet/fr/profil/)\n",
    }, config=SUB_PATH_CONFIG)
    done = run_cli("check", "--site", str(site))
    assert done.returncode == 1
    assert ("content/pages/liens.fr.md:4: error: link to '/projet/fr/profil/': no page or file of this site has "
            "that address (write '/fr/profil/': links start from the site's root, and the built site adds the "
            "path it is published under)") in done.stderr.splitlines()


def test_root_relative_links_lead_to_their_page_under_a_sub_path_and_in_the_feed(tmp_path):
    site = write_site(tmp_path / "site", {
        **PROFILE,
        "content/pages/liens.fr.md": """
            ---
            title: Liens
            ---
            [profil](/fr/profil/#missions), [en anglais](/en/profile/), [rapport](/docs/rapport.pdf),
            [accueil](/), [flux](/fr/feed.xml), [recherche](/fr/actualites/?page=2&tri=date).
            """,
        "content/news/2023-03-31-reunion.fr.md": "---\ntitle: Réunion\n---\nVoir [le profil](/fr/profil/).\n",
    }, config=SUB_PATH_CONFIG)
    done = run_cli("build", "--strict", "--site", str(site))
    assert done.returncode == 0, done.stderr
    out = site / "_site"
    base = "https://example.org/projet/"

    def targets(page_url: str) -> list[str]:
        """Where a browser goes from the page's text links, as site paths ('/fr/profil/#missions')."""
        page = parse_page(out / page_url.lstrip("/") / "index.html")
        found = []
        for tag, attrs in page.elements:
            if tag == "a" and attrs.get("href") and not attrs.get("class"):
                absolute = urljoin(base + page_url.lstrip("/"), attrs["href"])
                assert absolute.startswith(base), f"{attrs['href']} leaves the site: {absolute}"
                found.append("/" + absolute[len(base):])
        return found

    links = targets("/fr/liens/")
    for wanted in ("/fr/profil/#missions", "/en/profile/", "/docs/rapport.pdf", "/", "/fr/feed.xml",
                   "/fr/actualites/?page=2&tri=date"):
        assert wanted in links
    for path in ("fr/profil/index.html", "en/profile/index.html", "docs/rapport.pdf", "index.html", "fr/feed.xml"):
        assert (out / path).is_file()
    assert "/fr/profil/" in targets("/fr/actualites/2023/03/reunion/")
    # a feed reader has no page to start from: the link is absolute, with the published path
    feed = ET.parse(out / "fr/feed.xml").getroot()
    content = feed.find("channel/item/{http://purl.org/rss/1.0/modules/content/}encoded").text
    assert re.findall(r'href="([^"]+)"', content) == [base + "fr/profil/"]
    assert urlsplit(base).path == "/projet/"


def test_a_missing_heading_on_the_linked_page_is_a_warning(tmp_path):
    site = write_site(tmp_path / "site", {
        **PROFILE, "content/pages/liens.fr.md": "---\ntitle: Liens\n---\n[profil](/fr/profil/#histoire)\n",
    })
    done = run_cli("check", "--site", str(site))
    assert done.returncode == 0, done.stderr
    assert ("content/pages/liens.fr.md:4: warning: link to /fr/profil/#histoire: no heading or id 'histoire' there"
            in done.stderr.splitlines())

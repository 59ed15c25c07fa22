"""The Nu Html Checker (vnu.jar) finds no error in any built page or stylesheet (the files, not a URL)."""
from __future__ import annotations

import json
import subprocess

import pytest

pytestmark = pytest.mark.browser


def _vnu_errors(command: list[str], files: list[str]) -> list[str]:
    run = subprocess.run([*command, *files], capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stdout)["messages"]
    return [f"{m.get('url', '').rsplit('/_site/', 1)[-1]}:{m.get('lastLine', '?')}: {m['message']}"
            for m in messages if m["type"] in ("error", "non-document-error")]


def test_every_page_is_valid_html(lille_site, vnu_command):
    pages = sorted(str(p) for p in lille_site.rglob("*.html") if "pagefind" not in p.relative_to(lille_site).parts)
    assert len(pages) > 40
    errors = _vnu_errors(vnu_command, pages)
    assert not errors, f"{len(errors)} HTML error(s):\n" + "\n".join(errors)


def test_every_stylesheet_is_valid_css(lille_site, vnu_command):
    sheets = sorted(str(p) for p in lille_site.rglob("*.css"))
    assert sheets, "the site has no stylesheet"
    errors = _vnu_errors([*vnu_command, "--css"], sheets)
    assert not errors, f"{len(errors)} CSS error(s):\n" + "\n".join(errors)

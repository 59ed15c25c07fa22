"""The French typography pass: narrow no-break spaces where French typography wants them, nowhere else."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st

from lillesite.typography import NBSP, NNBSP, for_language

french = for_language("fr")


@pytest.mark.parametrize("source, expected", [
    ("<p>Objectifs : réduire</p>", f"<p>Objectifs{NNBSP}: réduire</p>"),
    ("<p>nous en faisons partie !</p>", f"<p>nous en faisons partie{NNBSP}!</p>"),
    ("<p>Savez-vous ?</p>", f"<p>Savez-vous{NNBSP}?</p>"),
    ("<li>de logement ;</li>", f"<li>de logement{NNBSP};</li>"),
    ("<p>Attention!</p>", f"<p>Attention{NNBSP}!</p>"),  # a missing space is added
    ("<p>« La Fraise »</p>", f"<p>«{NNBSP}La Fraise{NNBSP}»</p>"),
    ("<p>«La Fraise»</p>", f"<p>«{NNBSP}La Fraise{NNBSP}»</p>"),
    ("<p>110 000 étudiants</p>", f"<p>110{NNBSP}000 étudiants</p>"),
    ("<p>1 100 projets</p>", f"<p>1{NNBSP}100 projets</p>"),
    ("<p>35 % de moins de 25 ans</p>", f"<p>35{NNBSP}% de moins de 25 ans</p>"),
    ("<p>35% des habitants</p>", f"<p>35{NNBSP}% des habitants</p>"),
    ("<p>1,2 million d'habitants</p>", f"<p>1,2{NBSP}million d'habitants</p>"),
    ("<p>80 millions, 86 km, 35 min</p>", f"<p>80{NBSP}millions, 86{NBSP}km, 35{NBSP}min</p>"),
    ("<p>Paris (1 h)</p>", f"<p>Paris (1{NBSP}h)</p>"),
])
def test_french_rules(source, expected):
    assert french(source) == expected


@pytest.mark.parametrize("source", [
    "<p>Il est 12:30 à Bruxelles</p>",  # a time is not a colon in a sentence
    "<code>a ; b : c ! d ?</code>",
    "<pre><code>x = 1 ; y = 2 ?\n« z »</code></pre>",
    "<kbd>Ctrl : C</kbd>",
    "<script>if (a ? b : c) { x = 1 ; }</script>",
    "<style>a { color : red ; }</style>",
    "<!-- note : rien ! -->",
    '<a href="https://example.org/?q=a ;b" title="Titre : sous-titre !">x</a>',
    "<p>https://example.org/page?x=1;y=2</p>",
    "<p>www.example.org/a;b</p>",
    "<p>contact@example.org</p>",
    "<p>Marks &amp; Spencer &#39;</p>",
])
def test_left_alone(source):
    assert french(source) == source


def test_text_after_code_is_treated_again():
    html = "<p><code>a ; b</code> puis c ; d</p>"
    assert french(html) == f"<p><code>a ; b</code> puis c{NNBSP}; d</p>"


def test_attributes_keep_plain_spaces_while_text_gets_narrow_ones():
    html = '<meta name="description" content="En bref : oui !"><title>En bref : oui !</title>'
    assert french(html) == f'<meta name="description" content="En bref : oui !"><title>En bref{NNBSP}: oui{NNBSP}!</title>'


def test_other_languages_have_no_pass():
    assert for_language("en") is None
    assert for_language("fr-BE") is not None


TEXT = st.text(alphabet="ab 1;:!?«»%0,<>/\"='", max_size=40)


@given(TEXT, TEXT)
def test_idempotent_and_tags_untouched(before, after):
    html = f'<p title="{before}">{before}</p><code>{after}</code>{after}'
    once = french(html)
    assert french(once) == once
    tags = re.compile(r"<[^>]*>")
    assert tags.findall(once) == tags.findall(html)
    # only spaces were added or made no-break: removing them gives back the text without its spaces
    assert re.sub(f"[ {NNBSP}{NBSP}]", "", once) == re.sub(f"[ {NNBSP}{NBSP}]", "", html)

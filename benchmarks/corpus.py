"""Generate a benchmark site in lillesite's content format: N news items in French and English.

Deterministic (seeded): the same N always gives the same bytes. Bodies are realistic Markdown
(headings, paragraphs with emphasis, lists, a table now and then, links to earlier items and to
pages), tags come from a vocabulary declared in site.yml, and the English file inherits date and
tags from the French one, as in the Lille site.

    python benchmarks/corpus.py OUT_DIR --items 1000
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import textwrap
from dataclasses import dataclass
from pathlib import Path

LANGS = ("fr", "en")
TAGS = {
    "culture": ("Culture", "Culture"),
    "environment": ("Environnement", "Environment"),
    "mobility": ("Mobilité", "Mobility"),
    "economy": ("Économie", "Economy"),
    "eu-affairs": ("Affaires européennes", "EU affairs"),
    "innovation": ("Innovation", "Innovation"),
    "tourism": ("Tourisme", "Tourism"),
    "research": ("Recherche", "Research"),
}
PAGES = {"eu-office": ("Le Bureau UE", "The EU Office"), "profile": ("Profil", "Profile"),
         "eu-cooperation": ("Coopération européenne", "EU cooperation")}
WORDS = {
    "fr": ("métropole europe bureau projet commune partenaire réseau innovation culture transition "
           "énergie mobilité fonds programme région ville citoyens rencontre coopération développement "
           "économie recherche territoire emploi formation jeunesse patrimoine climat durable numérique "
           "réunion institution commission parlement conseil stratégie appel candidature financement").split(),
    "en": ("metropolis europe office project municipality partner network innovation culture transition "
           "energy mobility fund programme region city citizens meeting cooperation development "
           "economy research territory employment training youth heritage climate sustainable digital "
           "meeting institution commission parliament council strategy call application funding").split(),
}
HEADINGS = {"fr": ("Contexte", "Objectifs", "Partenaires", "Prochaines étapes", "En savoir plus"),
            "en": ("Background", "Objectives", "Partners", "Next steps", "Find out more")}
SITE_YML = """\
base_url: https://example.org/bench/
default_language: fr
languages:
  fr: {{locale: fr_FR}}
  en: {{locale: en_GB}}
timezone: Europe/Paris
title: {{fr: Bureau UE (banc d'essai), en: EU Office (benchmark)}}
description: {{fr: Un site de {items} actualités., en: A site of {items} news items.}}
news:
  slug: {{fr: actualites, en: news}}
  per_page: 10
  on_home: 3
  menu: 40
  feed_limit: 20
tags:
  slug: {{fr: themes, en: topics}}
  labels:
{labels}
"""


@dataclass(frozen=True)
class Item:
    date: dt.date
    key: str
    tags: tuple[str, ...]
    titles: dict[str, str]

    def name(self, lang: str) -> str:
        return f"{self.date.isoformat()}-{self.key}.{lang}.md"


def items(count: int, seed: int = 5) -> list[Item]:
    rng = random.Random(seed)
    start = dt.date(2014, 1, 6)
    result = []
    for n in range(count):
        date = start + dt.timedelta(days=n * 3650 // max(count, 1))
        words = {lang: rng.sample(WORDS[lang], 4) for lang in LANGS}
        key = f"item-{n:05d}-" + "-".join(w for w in WORDS["en"] if w in words["en"][:2])[:30].strip("-")
        titles = {lang: " ".join(words[lang]).capitalize() + f" ({n})" for lang in LANGS}
        result.append(Item(date, key.rstrip("-"), tuple(rng.sample(sorted(TAGS), rng.randint(1, 3))), titles))
    return result


def _sentence(rng: random.Random, lang: str) -> str:
    words = [rng.choice(WORDS[lang]) for _ in range(rng.randint(8, 18))]
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**" if rng.random() < 0.5 else f"*{words[i]}*"
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, lang: str, link: str | None = None) -> str:
    sentences = [_sentence(rng, lang) for _ in range(rng.randint(3, 6))]
    if link:
        sentences.insert(rng.randrange(len(sentences) + 1), link)
    return "\n".join(textwrap.wrap(" ".join(sentences), 100, break_long_words=False, break_on_hyphens=False))


def body(item: Item, earlier: list[Item], lang: str, rng: random.Random) -> str:
    parts = [_paragraph(rng, lang)]
    heads = HEADINGS[lang]
    for section in range(rng.randint(2, 4)):
        parts.append(f"## {heads[section % len(heads)]}")
        link = None
        if earlier and rng.random() < 0.7:
            other = rng.choice(earlier[-50:])
            link = f"[{other.titles[lang]}]({other.name(lang)})."
        elif rng.random() < 0.5:
            page = rng.choice(sorted(PAGES))
            link = f"[{PAGES[page][LANGS.index(lang)]}](../pages/{page}.{lang}.md)."
        parts.append(_paragraph(rng, lang, link))
        if rng.random() < 0.6:
            parts.append("\n".join(f"- {_sentence(rng, lang)}" for _ in range(rng.randint(2, 5))))
        if rng.random() < 0.1:
            parts.append("| 2023 | 2024 |\n|------|------|\n| " + " | ".join(str(rng.randint(1, 99)) for _ in range(2)) + " |")
    parts.append(_paragraph(rng, lang) + " [Europa](https://europa.eu/).")
    return "\n\n".join(parts) + "\n"


def news_file(item: Item, earlier: list[Item], lang: str, seed: int) -> str:
    rng = random.Random(f"{seed}-{item.key}-{lang}")
    front = [f"title: {item.titles[lang]!r}".replace("'", '"')]
    if lang == LANGS[0]:
        front.append(f"tags: [{', '.join(item.tags)}]")
    return "---\n" + "\n".join(front) + "\n---\n" + body(item, earlier, lang, rng)


def page_file(key: str, lang: str, weight: int) -> str:
    title = PAGES[key][LANGS.index(lang)]
    rng = random.Random(f"page-{key}-{lang}")
    menu = f"menu: {weight}\n" if lang == LANGS[0] else ""
    return f'---\ntitle: "{title}"\n{menu}---\n' + "\n\n".join(_paragraph(rng, lang) for _ in range(4)) + "\n"


def generate(root: Path, count: int, *, seed: int = 5) -> Path:
    """Write the site (site.yml + content/) into `root`, which must not hold another site's content."""
    content = root / "content"
    (content / "news").mkdir(parents=True, exist_ok=True)
    (content / "pages").mkdir(parents=True, exist_ok=True)
    labels = "\n".join(f"    {key}: {{fr: {fr}, en: {en}}}" for key, (fr, en) in TAGS.items())
    (root / "site.yml").write_text(SITE_YML.format(items=count, labels=labels), encoding="utf-8")
    for weight, key in enumerate(sorted(PAGES), start=1):
        for lang in LANGS:
            (content / "pages" / f"{key}.{lang}.md").write_text(page_file(key, lang, weight * 10), encoding="utf-8")
    for lang in LANGS:
        home = f'---\ntitle: "{PAGES["eu-office"][LANGS.index(lang)]}"\n---\n' + _paragraph(random.Random(lang), lang)
        (content / "pages" / f"index.{lang}.md").write_text(home + "\n", encoding="utf-8")
    all_items = items(count, seed)
    for n, item in enumerate(all_items):
        for lang in LANGS:
            (content / "news" / item.name(lang)).write_text(news_file(item, all_items[:n], lang, seed),
                                                            encoding="utf-8")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="folder to create the site in")
    parser.add_argument("--items", type=int, default=1000, help="news items per language (default 1000)")
    args = parser.parse_args()
    generate(args.out, args.items)
    print(f"wrote {args.items} news items per language to {args.out}")


if __name__ == "__main__":
    main()

"""Bidi overrides and invisible characters never reach one-line fields; bodies keep RTL marks."""

from __future__ import annotations

import pytest

from annotations import services
from articles.text import canonicalize_body, canonicalize_line
from tests import factories

RLO, PDF, RLI, PDI = "\u202e", "\u202c", "\u2067", "\u2069"
ZWSP, ZWNJ, BOM, RLM = "\u200b", "\u200c", "\ufeff", "\u200f"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (f"Ada {RLO}ecalovel{PDF} Lovelace", "Ada ecalovel Lovelace"),
        (f"{RLI}Minister{PDI} of {ZWSP}Finance{BOM}", "Minister of Finance"),
        (f"{ZWNJ}Ali {ZWNJ}", "Ali"),
        (f"Le Monde{RLM}", "Le Monde"),
    ],
)
def test_one_line_fields_lose_bidi_controls_and_invisible_characters(raw, clean):
    assert canonicalize_line(raw) == clean


def test_joiners_inside_a_persian_word_are_kept():
    name = f"محمد{ZWNJ}رضا"
    assert canonicalize_line(name) == name


def test_article_bodies_keep_their_right_to_left_marks():
    body = f"قال الوزير{RLM} إن 40% من الطلاب نجحوا."
    assert RLM in canonicalize_body(body)


@pytest.mark.django_db
def test_titles_outlets_and_bylines_are_cleaned_on_save():
    article = factories.ArticleFactory(title=f"Budget {RLO}tegdub{PDF}", outlet=f"{ZWSP}Ledger", byline=f"{RLI}Jo{PDI}")
    article.refresh_from_db()
    assert (article.title, article.outlet, article.byline) == ("Budget tegdub", "Ledger", "Jo")


@pytest.mark.django_db
def test_claimants_and_source_titles_are_cleaned_by_the_services(fact_checker):
    article = factories.ArticleFactory(body="The minister said the budget doubled.")
    claim = services.create_claim(article, 4, 12, "minister", user=fact_checker, claimant=f"The {RLO}retsinim{PDF}")
    assert claim.claimant == "The retsinim"
    source = services.add_source(claim, user=fact_checker, url="https://example.org/a", title=f"{ZWSP}Report{BOM}")
    assert source.title == "Report"


@pytest.mark.django_db
def test_people_are_stored_with_clean_names():
    user = factories.UserFactory(first_name=f"{RLO}adA{PDF}", last_name=f"Love{ZWSP}lace")
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("adA", "Lovelace")

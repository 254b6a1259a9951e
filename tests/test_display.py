"""One rule for naming people and shortening text (factcheck.display), and its users."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.template import Context, Template

from annotations import workflow
from annotations.exports.data import person_name
from annotations.models import Claim
from factcheck.display import display_name, one_line, truncate


def test_display_name_prefers_the_full_name():
    assert display_name(User(username="jdoe", first_name="Jane", last_name="Doe")) == "Jane Doe"


@pytest.mark.parametrize("first, last", [("", ""), ("  ", " ")])
def test_display_name_falls_back_to_the_username(first, last):
    assert display_name(User(username="jdoe", first_name=first, last_name=last)) == "jdoe"


def test_display_name_of_nobody_is_someone_unless_asked_otherwise():
    assert display_name(None) == "someone"
    assert display_name(None, missing="") == ""


def test_display_name_of_an_anonymous_user_is_empty_not_an_error():
    assert display_name(AnonymousUser()) == ""


def test_truncate_keeps_short_text_and_cuts_long_text_to_the_limit():
    assert truncate("Unemployment fell", 17) == "Unemployment fell"
    cut = truncate("Unemployment fell to 6 percent", 12)
    assert cut == "Unemploymen…"
    assert len(cut) == 12


def test_truncate_refuses_a_limit_that_leaves_no_room():
    with pytest.raises(ValueError, match="at least 1"):
        truncate("text", 0)


def test_one_line_collapses_line_breaks_before_cutting():
    assert one_line("Budget\n\n  passed\tat last", 100) == "Budget passed at last"
    assert one_line("Budget\n\npassed at last", 10) == "Budget pa…"


def test_every_place_that_names_people_uses_the_one_rule():
    user = User(username="jdoe", first_name="Jane", last_name="Doe")
    rendered = Template("{% load claim_tags %}{{ user|person }}|{{ nobody|person }}").render(
        Context({"user": user, "nobody": None})
    )
    assert rendered == "Jane Doe|someone"
    assert person_name(user) == "Jane Doe"
    assert person_name(None) == ""


def test_claim_labels_are_cut_the_same_way():
    claim = Claim(statement="The budget is " + "very " * 30 + "large.", exact="budget")
    assert str(claim) == truncate(claim.statement, 80)
    assert workflow.short(Claim(statement="Line one\nline two", exact="x")) == "Line one line two"

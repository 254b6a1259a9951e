"""Verdicts are clear to the eye (issue 16, item 5): a colour-blind-safe palette, a symbol and a
label with every colour, and "no verdict yet" in a grey no verdict uses, everywhere verdicts show."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from annotations import verdict_palette as palette
from annotations.exports.html import render_report_html
from annotations.models import ClaimStatus, RatingLabel
from annotations.templatetags.claim_tags import verdict_pill
from tests import factories
from tests.factories import rating

#: CIEDE2000 below which two colours are easily confused (about 2 is "just noticeable").
MIN_DELTA_E = 10
INK = "#1c2430"  # --ink in static/css/factdesk.css
REPORT_INK = "#1f2328"  # the report's body text


def all_colours() -> dict[str, str]:
    return {**{slug: style.colour for slug, style in palette.DEFAULT_SCALE.items()}, "none": palette.NO_VERDICT.colour}


def tint(colour: str, share: float) -> str:
    """``colour`` mixed with white as the CSS does (color-mix(in srgb, colour share%, #fff))."""
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c * share + 255 * (1 - share)):02x}" for c in channels)


# --- the palette itself ---------------------------------------------------------------------


@pytest.mark.parametrize("vision", ["normal", "protanopia", "deuteranopia", "tritanopia"])
def test_every_two_verdict_colours_stay_apart_for_colour_blind_readers(vision):
    difference, first, second = palette.closest_pair(all_colours(), vision)
    assert difference >= MIN_DELTA_E, f"{first} and {second} look alike with {vision} (ΔE2000 {difference:.1f})"


def test_the_old_palette_fails_the_same_check_so_the_check_has_teeth():
    old = {"true": "#1a7f37", "mostly-true": "#4c9a2a", "half-true": "#b08800", "mostly-false": "#d4640f",
           "false": "#b42318", "misleading": "#8e44ad", "unverifiable": "#6e7781"}
    assert palette.closest_pair(old, "deuteranopia")[0] < MIN_DELTA_E


def test_no_verdict_yet_shares_no_colour_and_no_symbol_with_any_verdict():
    for slug, style in palette.DEFAULT_SCALE.items():
        assert style.colour.lower() != palette.NO_VERDICT.colour.lower(), slug
        assert style.symbol != palette.NO_VERDICT.symbol, slug
        for vision in palette.VISION:
            grey = palette.simulate(palette.NO_VERDICT.colour, vision)
            seen = palette.delta_e(palette.simulate(style.colour, vision), grey)
            assert seen >= MIN_DELTA_E, f"{slug} looks like 'no verdict' with {vision}"


def test_every_verdict_has_its_own_symbol():
    symbols = [style.symbol for style in palette.DEFAULT_SCALE.values()]
    assert len(set(symbols)) == len(symbols) and all(symbols)


def test_text_on_every_verdict_tint_keeps_a_contrast_of_at_least_4_5():
    # Highlights and symbol swatches tint the colour with white (24% to 52%); text stays ink.
    for slug, style in palette.DEFAULT_SCALE.items():
        for share in (0.24, 0.40, 0.52):
            assert palette.contrast_ratio(INK, tint(style.colour, share)) >= 4.5, (slug, share)
            assert palette.contrast_ratio(REPORT_INK, tint(style.colour, share)) >= 4.5, (slug, share)
    # "No verdict yet" is written in its own grey on white.
    assert palette.contrast_ratio(palette.NO_VERDICT.colour, "#ffffff") >= 4.5


def test_a_label_outside_the_default_scale_gets_a_symbol_from_its_value():
    custom = RatingLabel(name="Pants on fire", slug="pants-on-fire", value=0)
    assert palette.symbol_for(custom) == "✗"
    assert palette.symbol_for(RatingLabel(name="Correct", slug="correct", value=5)) == "✓"
    assert palette.symbol_for(RatingLabel(name="Satire", slug="satire", value=None)) == "?"
    assert palette.symbol_for(None) == palette.NO_VERDICT.symbol


@pytest.mark.django_db
def test_the_installed_scale_uses_the_palette():
    for slug, style in palette.DEFAULT_SCALE.items():
        assert rating(slug).colour.lower() == style.colour


@pytest.mark.django_db
def test_the_migration_moves_old_default_colours_but_keeps_an_admins_choice():
    migration = import_module("annotations.migrations.0005_colour_blind_safe_verdicts")
    RatingLabel.objects.filter(slug="false").update(colour="#B42318")  # the old default
    RatingLabel.objects.filter(slug="true").update(colour="#123456")  # an admin's own colour
    migration.forwards(apps, None)
    assert rating("false").colour == "#d55e00"
    assert rating("true").colour == "#123456"


# --- where verdicts are shown ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("slug", list(palette.DEFAULT_SCALE))
def test_each_verdict_badge_carries_its_label_symbol_and_colour(slug):
    label = rating(slug)
    node = HTMLParser(str(verdict_pill(label))).css_first(".verdict-pill")
    assert node.text() == label.name
    assert node.attributes["data-symbol"] == palette.DEFAULT_SCALE[slug].symbol
    assert f"--hl: {palette.DEFAULT_SCALE[slug].colour}" in node.attributes["style"]


def test_the_no_verdict_badge_is_grey_dashed_and_says_so():
    node = HTMLParser(str(verdict_pill(None))).css_first(".verdict-pill")
    assert node.text() == "No verdict yet"
    assert "unrated" in node.attributes["class"].split() and "style" not in node.attributes
    assert node.attributes["data-symbol"] == palette.NO_VERDICT.symbol
    rules = (settings.BASE_DIR / "static" / "css" / "verdicts.css").read_text(encoding="utf-8")
    assert f"--no-verdict: {palette.NO_VERDICT.colour}" in rules and "dashed" in rules


def test_the_article_page_shows_symbols_in_the_list_the_legend_and_the_highlights(checker_client, article):
    rated = factories.ClaimFactory(article=article, verdict=rating("false"))
    factories.ClaimFactory(article=article, phrase="Residents gathered")
    tree = HTMLParser(checker_client.get(f"/articles/{article.pk}/").content.decode())
    pills = {node.text(): node.attributes.get("data-symbol") for node in tree.css("#claim-list .verdict-pill")}
    assert pills == {"False": "✗", "No verdict yet": "…"}
    legend = tree.css_first(".legend").text()
    for slug, style in palette.DEFAULT_SCALE.items():
        assert f"{style.symbol} {rating(slug).name}" in " ".join(legend.split())
    starts = [node for node in tree.css("mark.hl-start") if "legend-sample" not in node.attributes["class"]]
    assert [node.attributes["data-claims"] for node in starts] == [str(rated.pk)]
    assert f"verdict-{rating('false').pk}" in starts[0].attributes["class"]

    css = checker_client.get("/claims/verdicts.css").content.decode()
    assert f'.verdict-{rating("false").pk} {{ --verdict-symbol: "✗"; }}' in css


def test_the_review_queue_and_my_claims_show_the_verdict_badge(editor_client, editor, fact_checker, client):
    factories.ClaimFactory(status=ClaimStatus.IN_REVIEW, verdict=rating("half-true"), verdict_by=fact_checker,
                           rationale="R.", assignee=fact_checker)
    queue = HTMLParser(editor_client.get("/review/queue/").content.decode())
    node = queue.css_first("td .verdict-pill")
    assert (node.text(), node.attributes["data-symbol"]) == ("Half true", "±")
    client.force_login(fact_checker)
    mine = HTMLParser(client.get("/review/my-claims/").content.decode())
    assert mine.css_first("td .verdict-pill").attributes["data-symbol"] == "±"


@pytest.mark.django_db
def test_the_report_pairs_each_colour_with_a_symbol_and_draws_no_verdict_grey_and_dashed():
    article = factories.ArticleFactory()
    rated = factories.ClaimFactory(article=article, verdict=rating("misleading"), status=ClaimStatus.PUBLISHED)
    unrated = factories.ClaimFactory(article=article, phrase="Residents gathered")
    tree = HTMLParser(render_report_html(article, published_only=False))
    card = tree.css_first(f"#claim-{rated.pk}")
    assert card.css_first(".symbol").text() == "!" and card.css_first(".verdict").text() == "Misleading"
    assert "#cc79a7" in card.attributes["style"]
    empty = tree.css_first(f"#claim-{unrated.pk}")
    assert "unrated" in empty.attributes["class"].split()
    assert empty.css_first(".verdict").text() == "No verdict yet"
    assert palette.NO_VERDICT.colour in empty.attributes["style"]
    markers = {node.css_first("a").text(): node.css_first(".symbol-ref").text() for node in tree.css("sup.ref")}
    assert markers == {f"[#{rated.pk}]": "!", f"[#{unrated.pk}]": "…"}
    assert "unrated" in tree.css_first(f'mark[title="Claim #{unrated.pk}"]').attributes["class"].split()

"""Reading news pages (``articles.extraction``) on pages written in the shape of real sites.

The fixtures in ``tests/fixtures/web`` are invented stories laid out the way newsrooms lay
them out: a newspaper page with captions, a "read more" line, a newsletter box, related
stories, share tools, comments and a most-read list; a WordPress blog with share buttons,
related posts, an unrendered shortcode and a comment thread; a wire story with hover cards
inside links, a "Related:" line, a "more on this story" list and a tags line; and an
aggregator page. Each test says which furniture must go and which text must stay.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import lxml.html
import pytest

from articles.extraction import PROMO_LINE, extract_article, prune_furniture
from articles.importing.html_page import EMPTY_EXTRACTION, parse_html
from articles.importing.markdown_text import markdown_to_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "web"


def page(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_newspaper_page_keeps_the_story_and_drops_its_furniture():
    result = extract_article(page("newsroom_article.html"), url="https://chronicle.example/news/x")

    assert result.paragraphs == [
        "The cost of dredging the harbour's main channel will reach £40m, twice the figure given to councillors "
        "three years ago, the port authority has admitted.",
        "Documents released under the Freedom of Information Act show that the authority's own engineers warned "
        "in 2022 that silt was building up faster than the original survey had predicted.",
        "“We were open about the risks at every stage,” said Mira Holt, the authority's chief executive. “The "
        "channel has to be kept at nine metres or the largest ferries cannot berth.”",
        "Opposition councillors said the council had been told as recently as last March that the work would cost "
        "“about £20m”. Councillor Joe Brannigan called for an independent review of the contract.",
        "The authority said it had negotiated a fixed price for the first phase and that the second phase would "
        "be put out to tender again in the summer.",
        "Dredging is expected to continue until 2026, with work paused during the summer tourist season.",
    ]
    body = result.body
    for furniture in (
        "Photograph", "Silt levels", "Read more", "newsletter", "Sign up", "Ferry company reports", "Follow The",
        "SeaDog77", "council tax", "Most read", "marathon", "Share on", "©", "Topics",
    ):
        assert furniture not in body, furniture
    assert result.method == "trafilatura"


def test_newspaper_page_metadata_comes_from_its_tags_and_json_ld():
    result = extract_article(page("newsroom_article.html"), url="https://chronicle.example/news/x")

    assert result.title == "Harbour dredging to cost £40m, port authority admits"
    assert result.byline == "Amira Castell, Tom Pell"
    assert result.outlet == "The Harbour Chronicle"
    assert result.published_on == datetime.date(2024, 3, 12)
    assert result.language == "en-GB"
    # The canonical link wins over og:url, and its relative address is resolved against the page's.
    assert result.canonical_url == "https://chronicle.example/news/2024/03/12/harbour-dredging-cost"


def test_blog_post_keeps_headings_lists_and_quotes_and_drops_sharing_related_posts_and_comments():
    result = extract_article(page("blog_post.html"))

    assert result.paragraphs == [
        "Die Stadt hat am Dienstag neue Zahlen zur Rheinbrücke vorgelegt: Statt 85 Millionen Euro soll der Bau "
        "nun 112 Millionen Euro kosten.",
        "Der größte Posten sind nach Angaben des Baudezernats die gestiegenen Stahlpreise. Dazu kommen Mehrkosten "
        "für den Hochwasserschutz am östlichen Ufer.",
        "Woher das Geld kommt",
        "Land: 60 Millionen Euro",
        "Bund: 30 Millionen Euro",
        "Stadt: der Rest, 22 Millionen Euro",
        "„Wir haben keine andere Wahl, als die Brücke fertigzubauen“, sagte Baudezernentin Petra Lindner.",
        "Der Stadtrat soll im Mai über die zusätzlichen Mittel abstimmen. Die Fraktion der Grünen kündigte bereits "
        "an, eine externe Prüfung der Kosten zu verlangen.",
    ]
    assert (result.title, result.byline, result.outlet) == (
        "Was die neue Brücke wirklich kostet", "Jana Weber", "Stadtblog Rheinufer"
    )
    assert result.published_on == datetime.date(2024, 4, 3)
    assert result.language == "de-DE"


def test_wire_story_keeps_the_name_inside_a_hover_card_but_not_the_card():
    result = extract_article(page("wire_story.html"))

    assert result.paragraphs[1] == (
        "Sen. Dana Reyes (D-N.M.), who wrote the amendment, said it would reach “towns that have waited decades "
        "for clean water.”"
    )
    body = result.body
    for furniture in ("Reyes pushes", "grills regulators", "Related:", "lead pipes in 9 million", "More on this",
                      "House sets date", "Filed under", "Trending", "Copyright"):
        assert furniture not in body, furniture
    assert len(result.paragraphs) == 5
    assert (result.byline, result.outlet, result.language) == ("Luis Ortega", "Capitol Wire", "en-US")


def test_page_of_aggregator_shape_is_split_by_the_aggregator_rules():
    outcome = parse_html(page("aggregator_page.html"), "agg.html")

    assert [article.title for article in outcome.articles] == [
        "Rail fares frozen for a year",
        "Commuters welcome the fare freeze",
        "Unions want wages frozen too? No",
    ]
    assert outcome.articles[0].body == (
        "The transport ministry said on Monday that regulated rail fares will not rise this year.\n\n"
        "The freeze covers season tickets and off-peak returns on every line."
    )
    assert outcome.articles[1].outlet == "Northern Courier"


def test_a_page_without_article_text_is_an_empty_extraction():
    html = (
        "<html><head><title>Video: the storm</title></head>"
        "<body><nav><a href='/'>Home</a></nav><video></video></body></html>"
    )

    outcome = parse_html(html, "video.html")

    assert [error.message for error in outcome.errors] == [EMPTY_EXTRACTION]
    assert outcome.articles == []


def test_a_newsroom_class_on_the_story_container_does_not_prune_the_story():
    paragraph = "<p>" + "The committee heard evidence from eleven witnesses over two days of hearings. " * 3 + "</p>"
    html = (
        "<html><body><div class='story has-comments subscriber-content'>"
        f"<h2>Hearing</h2>{paragraph * 4}</div></body></html>"
    )


    tree = lxml.html.fromstring(html)
    prune_furniture(tree)

    assert tree.text_content().count("eleven witnesses") == 12


@pytest.mark.parametrize(
    "line",
    [
        "Related: Report finds lead pipes in 9 million homes",
        "READ MORE: Ferry timetable cut",
        "Sign up for our free newsletter and get the news in your inbox.",
        "Follow us on Twitter for the latest updates.",
        "Have a tip? Reach our newsroom at tips@example.org.",
        "© 2024 The Harbour Chronicle. All rights reserved.",
        "Filed under: Congress, Infrastructure",
        '[button link="https://x.example/give"]Support us[/button]',
        "12 comments",
    ],
)
def test_promotional_lines_are_furniture(line):
    assert PROMO_LINE.match(line)


@pytest.mark.parametrize(
    "line",
    [
        "Copyright holders say the new law leaves them without a remedy.",
        "More than 2,000 people signed the petition, the council said.",
        "Related companies in the group paid no tax, the report found.",
        "She said she would follow the money wherever it led.",
        "Readers can subscribe to the council's agenda, which is published every Friday.",
        "2019 was the warmest year on record in the region.",
    ],
)
def test_reporting_that_mentions_the_same_words_is_not_furniture(line):
    assert not PROMO_LINE.match(line)


def test_markdown_is_read_as_commonmark():
    title, body = markdown_to_text(
        "Notes\n=====\n\nA *soft*\nwrapped line and a hard  \nbreak.\n\n1) first\n2) second\n   - nested\n\n"
        "> quoted **words**\n\n| Year | Cost |\n|---|---|\n| 2023 | £20m |\n\n    code  kept\n\n"
        "![chart](c.png) `inline code` and \\*escaped\\* and <https://auto.example/link>\n"
    )

    assert title == "Notes"
    assert body == (
        "A soft wrapped line and a hard\nbreak.\n\n1) first\n2) second\nnested\n\nquoted words\n\n"
        "Year | Cost\n2023 | £20m\n\ncode  kept\n\ninline code and *escaped* and https://auto.example/link"
    )

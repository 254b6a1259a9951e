"""Import parsing layer (``articles.importing``): pure Python, no database.

Fixtures in ``tests/fixtures/import`` are invented news texts written in the shapes editors
bring (aggregator pages, saved web pages, Markdown, JSON, JSON Lines, CSV).
"""

from __future__ import annotations

import datetime
import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.importing import (
    BOILERPLATE_PATTERNS,
    PARSERS,
    ImportLimits,
    ParsedArticle,
    ParseError,
    ParseOutcome,
    is_boilerplate,
    looks_like_aggregator_page,
    parse_aggregator_page,
    parse_csv,
    parse_file,
    parse_html,
    parse_json,
    parse_jsonl,
    parse_markdown,
    parse_text,
)
from articles.importing.aggregator import RELATIVE_TIME, outlet_from_label
from articles.text import canonicalize_body

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"

# Page furniture of the invented "Newsly" aggregator used by the fixtures.
FURNITURE = (
    "Related Articles",
    "Hashtags",
    "No comments yet",
    "Try Our AI Features",
    "Explore what",
    "Comments",
    "Read more",
    "Share",
    "Advertisement",
    "Load more",
    "Follow us",
    "#Rail",
    "#Libraries",
)


def parse_fixture(name: str, limits: ImportLimits | None = None) -> ParseOutcome:
    data = (FIXTURES / name).read_bytes()
    return parse_file(name, data, limits) if limits else parse_file(name, data)


def summary(outcome: ParseOutcome) -> list[tuple[str, ...]]:
    """(origin, title, outlet) per article, (origin, message) per error: compact exact asserts."""
    return [
        (record.origin, record.title, record.outlet)
        if isinstance(record, ParsedArticle)
        else (record.origin, record.message)
        for record in outcome.records
    ]


def assert_clean_body(body: str) -> None:
    """Canonical (NFC, one blank line between paragraphs) and free of aggregator furniture."""
    assert body == canonicalize_body(body)
    assert unicodedata.is_normalized("NFC", body)
    assert "\n\n\n" not in body
    for paragraph in body.split("\n\n"):
        assert paragraph
        assert paragraph == paragraph.strip()
    for line in body.split("\n"):
        assert not is_boilerplate(line), line
        assert not RELATIVE_TIME.fullmatch(line), line
    for furniture in FURNITURE:
        assert furniture not in body


# --- aggregator pages -----------------------------------------------------------------


def test_aggregator_page_yields_main_article_and_each_related_article():
    outcome = parse_fixture("aggregator_main_and_three_related.txt")

    assert summary(outcome) == [
        (
            "aggregator_main_and_three_related.txt",
            "Harbour council approves floating solar farm after two-year review",
            "",
        ),
        (
            "aggregator_main_and_three_related.txt related #1",
            "Fishermen seek compensation over basin closure",
            "Coastal Courier",
        ),
        (
            "aggregator_main_and_three_related.txt related #2",
            "Floating solar costs fell 18% last year, industry survey finds",
            "Grid Weekly",
        ),
        (
            "aggregator_main_and_three_related.txt related #3",
            "Tidewater Renewables names new chief executive",
            "The Ellis Gazette",
        ),
    ]
    main, first, second, third = outcome.records
    assert main.body == (
        "PORT ELLIS: The Port Ellis harbour council on Tuesday approved a 40-megawatt floating solar farm "
        "on the disused northern basin, ending a review that began in early 2023.\n\n"
        "Council chair Mirela Quaye said the project would supply roughly a fifth of the town's daytime "
        "electricity demand once complete.\n\n"
        "'We looked at every objection — birds, boats, glare — and the engineers answered each one,' "
        "Quaye told reporters outside the council chamber.\n\n"
        "Construction is expected to start in the spring and take about eighteen months, according to the "
        "developer, Tidewater Renewables."
    )
    assert first.body == (
        "Fishing crews who moor in the northern basin say they were not consulted about the solar project "
        "and want the council to fund new berths elsewhere in the harbour…"
    )
    assert second.body.endswith("a survey of 40 developers showed. Analysts said")
    assert third.body.startswith("Tidewater Renewables has appointed former port engineer Danuta Sowe")
    assert all(article.published_on is None and article.language == "en" for article in outcome.articles)
    assert outcome.notes == [
        "aggregator_main_and_three_related.txt: aggregator page with a main article and 3 related articles."
    ]


def test_aggregator_page_without_related_articles_is_one_article_without_furniture():
    outcome = parse_fixture("aggregator_no_related.txt")

    assert summary(outcome) == [
        ("aggregator_no_related.txt", "Library extends weekend opening hours from March", ""),
    ]
    assert outcome.articles[0].body.endswith("which was increased by 3% this year.")
    assert outcome.articles[0].body.count("\n\n") == 2
    assert "#PortEllis" not in outcome.articles[0].body


def test_aggregator_page_with_related_articles_only_imports_them_and_says_so():
    outcome = parse_fixture("aggregator_related_only.txt")

    assert summary(outcome) == [
        ("aggregator_related_only.txt related #1", "Offshore wind auction attracts record bids", "Grid Weekly"),
        (
            "aggregator_related_only.txt related #2",
            "Lifeboat crew rescues two kayakers off Gull Point",
            "Coastal Courier",
        ),
    ]
    assert outcome.errors == []
    assert (
        "aggregator_related_only.txt: no main article before the related articles; imported the related articles only."
    ) in outcome.notes


def test_messy_aggregator_page_drops_extra_furniture_and_reports_entry_without_body():
    outcome = parse_fixture("aggregator_messy.txt")

    assert summary(outcome) == [
        ("aggregator_messy.txt", "Rail union calls off Friday strike after overnight talks", ""),
        (
            "aggregator_messy.txt related #1",
            "related article 'Commuters weigh in on the cancelled strike' from Metro Line has a title but no body text",
        ),
        ("aggregator_messy.txt related #2", "How the overnight rail talks unfolded", "Transit Review"),
        (
            "aggregator_messy.txt related #3",
            "Freight operators report backlog ahead of expected strike",
            "The Capital Post",
        ),
    ]
    main, _error, multi_line, last = outcome.records
    assert main.body == (
        "The national rail union called off Friday's planned strike after talks with operators ran past "
        "midnight, the union said in a statement on Thursday morning.\n\n"
        "Union secretary Tomas Okafor said members would vote on the revised pay offer within two weeks.\n\n"
        "Operators had warned that the strike would have cancelled nine in ten intercity services."
    )
    assert multi_line.body == (
        "Negotiators met at 6 p.m. in a hotel near the central station.\n\n"
        "By 11 p.m. both sides had exchanged two written offers.\n\n"
        "The final draft was signed shortly after 1 a.m."
    )
    assert last.body == (
        "Freight companies said they had moved some deliveries forward by a day to avoid the planned "
        "walkout, leaving depots with a short-lived backlog."
    )


def test_aggregator_page_parses_the_same_with_crlf_and_trailing_spaces():
    text = (FIXTURES / "aggregator_main_and_three_related.txt").read_text(encoding="utf-8")
    windows = "\r\n".join(line + "  \t" for line in text.split("\n"))

    assert parse_file("page.txt", windows.encode()).records == parse_file("page.txt", text.encode()).records


@pytest.mark.parametrize(
    "name",
    [
        "aggregator_main_and_three_related.txt",
        "aggregator_no_related.txt",
        "aggregator_related_only.txt",
        "aggregator_messy.txt",
    ],
)
def test_no_aggregator_furniture_reaches_any_body(name):
    outcome = parse_fixture(name)

    assert outcome.articles
    for article in outcome.articles:
        assert_clean_body(article.body)
        assert not is_boilerplate(article.title)


def test_main_article_with_title_but_no_body_is_an_error():
    text = "Headline with nothing under it\nHashtags\nComments\nNo comments yet...\n"

    outcome = parse_aggregator_page(text, "page.txt")

    assert summary(outcome) == [("page.txt", "main article 'Headline with nothing under it' has no body text")]


def test_related_entry_with_header_only_is_an_error():
    text = "Title\nBody line.\nRelated Articles\n\nGrid Weekly\n2 days ago\n- Grid Weekly\n"

    outcome = parse_aggregator_page(text, "page.txt")

    assert outcome.records[1] == ParseError(
        "page.txt related #1", "related entry from Grid Weekly has no title or body"
    )


def test_related_entry_header_without_plain_outlet_line_is_recognised():
    text = "Title\nBody line.\nRelated Articles\n\n3 hours ago\n- Grid Weekly\nA title\nA teaser.\n"

    outcome = parse_aggregator_page(text, "page.txt")

    assert summary(outcome)[1] == ("page.txt related #1", "A title", "Grid Weekly")
    assert outcome.records[1].body == "A teaser."


SECTION_LABELLED_PAGE = """Ferry timetable changes from May
The island ferry will run two extra crossings on weekdays from May.
Related Articles

Harbour Times
an hour ago
- Harbour Times
Dock workers vote on new contract
Members of the dockers' union voted on the offer on Thursday.

Opinion
2 hours ago
- Opinion
Why the ferry needs a second boat
A second vessel would end the winter cancellations.

Science & Technology
3 hours ago
- Science & Technology
Tidal turbines tested off the point
Engineers lowered the first turbine into the channel.

islandnews.example
5 hours ago
- islandnews.example
Pier cafe reopens
The cafe on the pier reopened after repairs.

World News
a day ago
- World News
Storm closes northern ports
Ports along the northern coast shut as gales arrived.

read this before you travel
a day ago
- read this before you travel
Winter timetable explained
The winter timetable keeps the early crossing.
"""


def test_section_labels_are_not_taken_for_outlets_and_the_outlet_is_left_blank():
    outcome = parse_aggregator_page(SECTION_LABELLED_PAGE, "page.txt")

    assert summary(outcome) == [
        ("page.txt", "Ferry timetable changes from May", ""),
        ("page.txt related #1", "Dock workers vote on new contract", "Harbour Times"),
        ("page.txt related #2", "Why the ferry needs a second boat", ""),
        ("page.txt related #3", "Tidal turbines tested off the point", ""),
        ("page.txt related #4", "Pier cafe reopens", "islandnews.example"),
        ("page.txt related #5", "Storm closes northern ports", ""),
        ("page.txt related #6", "Winter timetable explained", ""),
    ]
    assert [note for note in outcome.notes if "outlet blank" in note] == [
        "page.txt related #2: left the outlet blank for the editor: the entry is labelled 'Opinion' "
        "and it looks like a section label, not an outlet.",
        "page.txt related #3: left the outlet blank for the editor: the entry is labelled 'Science & Technology' "
        "and it looks like a section label, not an outlet.",
        "page.txt related #5: left the outlet blank for the editor: the entry is labelled 'World News' "
        "and it looks like a section label, not an outlet.",
        "page.txt related #6: left the outlet blank for the editor: the entry is labelled "
        "'read this before you travel' and it does not look like an outlet's name.",
    ]


@pytest.mark.parametrize(
    ("label", "outlet"),
    [
        # Publications: a name with any word that is not a section word, or an address.
        ("Harbour Times", "Harbour Times"),
        ("The Ellis Gazette", "The Ellis Gazette"),
        ("Arab News", "Arab News"),
        ("Sky News", "Sky News"),
        ("Reuters", "Reuters"),
        ("BBC", "BBC"),
        ("U.S. News", "U.S. News"),
        ("valley.example", "valley.example"),
        ("www.news.example.co.uk", "www.news.example.co.uk"),
        # Sections: only section words, however joined, in any case.
        ("Leaders", ""),
        ("leaders", ""),
        ("Opinion", ""),
        ("Business", ""),
        ("WORLD", ""),
        ("News", ""),
        ("Middle East", ""),
        ("Arts and Culture", ""),
        ("Science & Technology", ""),
        ("Top Stories", ""),
        # Page furniture and what no publication is called.
        ("Related Articles", ""),
        ("Read more: the full story, here.", ""),
        ("a label in lower case", ""),
        ("One Two Three Four Five Six Seven", ""),
    ],
)
def test_a_label_is_an_outlet_only_when_it_looks_like_a_publication(label, outlet):
    found, why_not = outlet_from_label(label)

    assert found == outlet
    assert bool(why_not) == (outlet == "")


def test_main_article_ends_at_first_related_header_when_page_has_no_furniture():
    text = "Main title\nMain paragraph.\nGrid Weekly\nan hour ago\n- Grid Weekly\nRelated title\nTeaser.\n"

    outcome = parse_aggregator_page(text, "page.txt")

    assert summary(outcome) == [
        ("page.txt", "Main title", ""),
        ("page.txt related #1", "Related title", "Grid Weekly"),
    ]
    assert outcome.records[0].body == "Main paragraph."


def test_unrecognised_lines_between_main_article_and_related_entries_are_noted_not_imported():
    text = (
        "Main title\nMain paragraph.\nHashtags\nAsk our assistant anything\nRelated Articles\n\n"
        "Grid Weekly\nan hour ago\n- Grid Weekly\nRelated title\nTeaser.\n"
    )

    outcome = parse_aggregator_page(text, "page.txt")

    assert [article.body for article in outcome.articles] == ["Main paragraph.", "Teaser."]
    assert "page.txt: ignored 1 unrecognised line after the main article: 'Ask our assistant anything'" in (
        outcome.notes
    )


@pytest.mark.parametrize(
    "line",
    [
        "an hour ago",
        "3 hours ago",
        "2 days ago",
        "yesterday",
        "a day ago",
        "5 minutes ago",
        "1 min ago",
        "about an hour ago",
        "just now",
        "2d ago",
        "Hashtags",
        "#Energy #Oil, #Markets",
        "Try Our AI Features",
        "Explore what Newsly AI can do for you:",
        "Comments",
        "12 comments",
        "No comments yet...",
        "Read more",
        "Share",
        "Share on WhatsApp",
        "Follow us on Newsly",
        "Load more",
        "Advertisement",
        "© 2024 Newsly",
    ],
)
def test_furniture_lines_are_boilerplate(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "Share prices fell sharply on Monday.",
        "Comments from the minister drew criticism.",
        "Two days ago the council met in private.",
        "Read more widely, the report is less alarming.",
        "#1 seed knocked out in first round",
        "Yesterday's vote was close.",
    ],
)
def test_sentences_that_start_like_furniture_are_not_boilerplate(line):
    assert not is_boilerplate(line)


def test_boilerplate_patterns_are_a_documented_module_level_tuple():
    assert isinstance(BOILERPLATE_PATTERNS, tuple)
    assert all(hasattr(pattern, "fullmatch") for pattern in BOILERPLATE_PATTERNS)


# --- plain text -----------------------------------------------------------------------


def test_plain_text_article_is_imported_as_a_single_article_with_a_note():
    outcome = parse_fixture("plain_article.txt")

    assert summary(outcome) == [("plain_article.txt", "Town hall clock restored after 30 years of silence", "")]
    assert outcome.articles[0].body == (
        "The clock on the Port Ellis town hall struck noon on Saturday for the first time since 1994, after "
        "a volunteer group spent two years restoring its mechanism.\n\n"
        '"People stopped and clapped," said Hannah Oduya, who led the restoration. '
        '"Some of them had never heard it."\n\n'
        "The group raised the money through a series of concerts.\n"
        "Donations came from more than 600 residents."
    )
    assert outcome.notes == ["plain_article.txt: not an aggregator page: imported as a single article."]


def test_plain_text_with_one_paragraph_per_line_gets_one_paragraph_per_line():
    outcome = parse_text("\n  Title here\nFirst paragraph.\nSecond paragraph.\n\n", "notes.txt")

    assert outcome.articles[0].title == "Title here"
    assert outcome.articles[0].body == "First paragraph.\n\nSecond paragraph."


def test_single_comments_line_does_not_make_a_plain_article_an_aggregator_page():
    text = "Readers respond\nComments\nWe received many letters about the bridge.\n"

    assert not looks_like_aggregator_page(text)
    assert parse_text(text, "letters.txt").articles[0].body == (
        "Comments\n\nWe received many letters about the bridge."
    )


def test_plain_text_with_only_a_title_is_an_empty_body_error():
    outcome = parse_file("title.txt", b"Just a headline\n")

    assert summary(outcome) == [("title.txt", "article 'Just a headline' has an empty body")]


def test_non_ascii_text_comes_out_nfc_with_emoji_intact():
    raw = (FIXTURES / "non_ascii.txt").read_text(encoding="utf-8")
    assert not unicodedata.is_normalized("NFC", raw)  # the fixture really is decomposed

    outcome = parse_fixture("non_ascii.txt")

    article = outcome.articles[0]
    assert article.title == "Café owners in Ångström Street celebrate 👩\u200d🍳 centenary"
    assert article.body == (
        "The Ångström Street café opened in 1921 🎉 and still serves phở on Thursdays.\n\n"
        "Its owner, Zoë Nguyễn, said: “Cheers ☕”."
    )
    assert unicodedata.is_normalized("NFC", article.title)
    assert_clean_body(article.body)


# --- HTML -----------------------------------------------------------------------------


def test_html_page_keeps_article_paragraphs_and_metadata_and_drops_noise():
    outcome = parse_fixture("page_with_noise.html")

    assert outcome.errors == []
    article = outcome.articles[0]
    assert article.title == "Water tariffs to rise 6% in April"
    assert article.outlet == "Ellis Gazette"
    assert article.byline == "Priya Nandi"
    assert article.url == "https://gazette.example.org/2024/water-tariffs"
    assert article.published_on == datetime.date(2024, 2, 20)
    assert article.language == "en-GB"
    assert article.body == (
        "Household water bills in Ellis will rise by 6% from April, the regional utility said on Tuesday.\n\n"
        "The utility said the increase would fund the replacement of 120 km of Victorian-era mains, some of "
        "which leak more than a third of the water they carry.\n\n"
        "Bills compared\n\n"
        "Average household: £412 a year\n\n"
        "Single occupant: £268 a year\n\n"
        "“We know this is a difficult time,” the utility’s chief executive said.\n\n"
        "Councillors will question the utility at a public meeting on 4 March.\n"
        "Venue: Town Hall, Room 2."
    )
    for noise in ("tracking", "injected", "Subscribe", "newsletter", "News desk", "Related coverage", "©", "pipe"):
        assert noise not in article.body


def test_html_without_article_uses_body_and_title_tag_and_skips_site_header_h1():
    html = """<html><head><title>Dock strike ends</title></head><body>
    <header><h1>Site Logo</h1></header>
    <div>Dockers returned to work on <i>Monday</i>.</div><div>Talks resume next week.</div>
    <footer>Contact us</footer></body></html>"""

    outcome = parse_html(html, "page.htm")

    assert summary(outcome) == [("page.htm", "Dock strike ends", "")]
    assert outcome.articles[0].body == "Dockers returned to work on Monday.\n\nTalks resume next week."


def test_html_prefers_og_title_over_title_tag_when_there_is_no_h1():
    html = """<head><title>Site | Story</title><meta property="og:title" content="Story"></head>
    <body><main><p>Text.</p></main></body>"""

    assert parse_html(html, "p.html").articles[0].title == "Story"


def test_html_ignores_relative_canonical_url_and_unreadable_date_with_notes():
    html = """<head><link rel="canonical" href="/story"><meta name="date" content="sometime soon"></head>
    <body><article><h1>T</h1><p>Text.</p></article></body>"""

    outcome = parse_html(html, "p.html")

    article = outcome.articles[0]
    assert (article.url, article.published_on) == ("", None)
    assert outcome.notes == [
        "p.html: ignored page address '/story': not an absolute http(s) URL.",
        "p.html: ignored published date 'sometime soon': not a date htmldate could read.",
    ]


def test_html_date_written_out_in_words_is_read_by_htmldate():
    html = """<head><meta name="date" content="20 Feb 2024"></head>
    <body><article><h1>T</h1><p>Text.</p></article></body>"""

    outcome = parse_html(html, "p.html")

    assert outcome.articles[0].published_on == datetime.date(2024, 2, 20)
    assert outcome.notes == []


def test_html_keeps_preformatted_lines_inside_one_paragraph():
    html = "<article><h1>T</h1><p>Intro.</p><pre>line one\n  line two\n\nline three</pre></article>"

    # The lines stay together; their indentation is not kept (trafilatura reads <pre> as a quotation).
    assert parse_html(html, "p.html").articles[0].body == "Intro.\n\nline one\nline two\nline three"


def test_deeply_nested_html_within_a_raised_limit_is_parsed_without_recursion_error():
    html = "<article><h1>Deep</h1>" + "<div>" * 5000 + "<p>Bottom.</p>" + "</div>" * 5000 + "</article>"

    assert parse_html(html, "deep.html", ImportLimits(max_html_depth=6000)).articles[0].body == "Bottom."


def test_html_nested_deeper_than_the_limit_is_one_clear_error():
    html = "<article><h1>Deep</h1>" + "<div>" * 5000 + "<p>Bottom.</p>" + "</div>" * 5000 + "</article>"

    assert summary(parse_html(html, "deep.html")) == [
        ("deep.html", "The page is nested more than 512 elements deep; Factdesk refuses it rather than parse it.")
    ]


def test_html_without_any_title_is_a_missing_title_error():
    assert summary(parse_html("<p>Only text.</p>", "p.html")) == [("p.html", "missing title")]


# --- Markdown -------------------------------------------------------------------------


def test_markdown_title_is_first_heading_and_markup_becomes_plain_text():
    outcome = parse_fixture("article.md")

    article = outcome.articles[0]
    assert article.title == "Council votes to pedestrianise Market Street"
    assert article.body == (
        "The council voted seven to two on Wednesday to close Market Street to cars from June, after a "
        "year-long trial.\n\n"
        "What changes\n\n"
        "Deliveries allowed before 10 a.m.\n"
        "Cyclists may use the centre lane\n"
        "Blue-badge parking moves to Mill Lane\n\n"
        '"It is a good day for the high street," said councillor Ines Varga.\n\n'
        "Traders were split: some reported higher footfall, others fewer sales. "
        "Escaped *asterisks* and snake_case_names stay as written."
    )
    assert_clean_body(article.body)


def test_markdown_without_heading_uses_first_line_as_title():
    outcome = parse_markdown("Plain first line\nSecond line of *text*.\n\n```\ncode  kept\n```\n", "n.md")

    assert outcome.articles[0].title == "Plain first line"
    assert outcome.articles[0].body == "Second line of text.\n\ncode  kept"


def test_markdown_setext_heading_is_the_title():
    outcome = parse_markdown("Kicker paragraph.\n\nThe Title\n=========\n\nBody [link](http://x.org).\n", "n.md")

    assert outcome.articles[0].title == "The Title"
    assert outcome.articles[0].body == "Kicker paragraph.\n\nBody link."


# --- JSON and JSON Lines --------------------------------------------------------------


def test_json_object_uses_case_insensitive_keys_and_aliases():
    outcome = parse_fixture("article.json")

    assert outcome.records == [
        ParsedArticle(
            title="Ferry operator adds winter sailings",
            body=(
                "Coastal Ferries will run two extra sailings a day between Port Ellis and Gull Island from "
                "November.\n\nThe company said bookings had risen by a quarter."
            ),
            outlet="Coastal Courier",
            byline="Sam Ilori",
            url="https://courier.example.org/ferries",
            published_on=datetime.date(2024, 10, 2),
            language="en",
            origin="article.json",
        )
    ]


def test_json_list_reports_non_object_items_by_number():
    outcome = parse_fixture("articles_list.json")

    assert summary(outcome) == [
        ("articles_list.json item 1", "Market hall reopens after roof repairs", "The Ellis Gazette"),
        ("articles_list.json item 2", "Bus fares frozen for another year", "County Herald"),
        ("articles_list.json item 3", "expected an article object, got a string"),
    ]
    assert [article.published_on for article in outcome.articles] == [
        datetime.date(2024, 9, 14),
        datetime.date(2024, 9, 20),
    ]
    assert outcome.articles[1].language == "en"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"title": "x",\n "body": }', "not valid JSON: Expecting value (line 2, column 10)"),
        ("42", "expected a JSON object or a list of objects, got a number"),
        ("[]", "the JSON list is empty: no articles to import"),
        ('{"articles": ' + "[" * 100_000 + "]" * 100_000 + "}", "not valid JSON: nested too deeply"),
        ('{"title": "x", "body": ["a", "b"]}', "field 'body' must be text, got a list"),
        (
            '{"title": "x", "body": "y", "url": "javascript:alert(1)"}',
            "url 'javascript:alert(1)' is not an http:// or https:// address",
        ),
        (
            '{"title": "x", "body": "y", "language": "English"}',
            "language 'English' is not a language code such as 'en' or 'pt-BR'",
        ),
        (
            '{"title": "x", "body": "y", "date": "yesterday"}',
            "published date 'yesterday' is not an ISO date (YYYY-MM-DD)",
        ),
    ],
)
def test_json_problems_get_specific_messages(text, message):
    assert parse_json(text, "f.json").records == [ParseError("f.json", message)]


def test_a_json_item_nested_too_deeply_fails_alone_and_the_others_parse():
    too_deep = '{"title": ' * 100_000 + '"x"' + "}" * 100_000
    text = (
        '[{"title": "Pier repainted", "body": "The pier [was] {repainted}, \\"they said\\"."},\n'
        ' {"title": "Buoys replaced", "body": "New buoys."},\n'
        f" {too_deep},\n"
        ' {"title": "Harbour dredged", "body": "Dredging finished."}]\n'
    )

    assert summary(parse_json(text, "feed.json")) == [
        ("feed.json item 1", "Pier repainted", ""),
        ("feed.json item 2", "Buoys replaced", ""),
        ("feed.json item 3", "not valid JSON: nested too deeply"),
        ("feed.json item 4", "Harbour dredged", ""),
    ]


def test_several_json_items_nested_too_deeply_are_each_reported():
    deep = "[" * 100_000 + "]" * 100_000
    text = f'[{deep}, {{"title": "A", "body": "a"}}, {deep}, {deep}, {deep}, {deep}, {{"title": "B", "body": "b"}}]'

    assert summary(parse_json(text, "f.json")) == [
        ("f.json item 1", "not valid JSON: nested too deeply"),
        ("f.json item 2", "A", ""),
        *[(f"f.json item {n}", "not valid JSON: nested too deeply") for n in (3, 4, 5, 6)],
        ("f.json item 7", "B", ""),
    ]


def test_a_json_list_that_is_only_one_deep_item_is_one_error():
    assert summary(parse_json("[" * 100_000 + "]" * 100_000, "f.json")) == [
        ("f.json item 1", "not valid JSON: nested too deeply")
    ]


def test_a_jsonl_line_nested_too_deeply_fails_alone():
    text = '{"title": "A", "body": "a"}\n' + "[" * 100_000 + "]" * 100_000 + '\n{"title": "B", "body": "b"}\n'

    assert summary(parse_jsonl(text, "f.jsonl")) == [
        ("f.jsonl line 1", "A", ""),
        ("f.jsonl line 2", "not valid JSON: nested too deeply"),
        ("f.jsonl line 3", "B", ""),
    ]


def test_json_articles_wrapper_object_is_accepted():
    data = {"articles": [{"title": "A", "body": "B"}]}

    assert summary(parse_json(json.dumps(data), "f.json")) == [("f.json item 1", "A", "")]


def test_jsonl_reports_bad_lines_by_line_number_and_keeps_good_ones():
    outcome = parse_fixture("articles.jsonl")

    assert summary(outcome) == [
        ("articles.jsonl line 1", "Harbour dredging to start in May", "Coastal Courier"),
        ("articles.jsonl line 2", "New cycle lane opens on Quay Road", "The Ellis Gazette"),
        ("articles.jsonl line 4", "not valid JSON: Expecting ',' delimiter (column 76)"),
        ("articles.jsonl line 5", "article 'Row without a body' has an empty body"),
    ]
    second = outcome.articles[1]
    assert (
        second.body
        == "A protected cycle lane opened on Quay Road on Monday.\n\nIt links the station with the ferry terminal."
    )
    assert (second.byline, second.published_on) == ("Lena Marsh", datetime.date(2024, 4, 8))


def test_jsonl_line_separator_inside_a_string_does_not_split_the_record():
    line = json.dumps({"title": "T", "body": "one\u2028two"}, ensure_ascii=False)

    outcome = parse_file("f.ndjson", (line + "\n").encode())

    assert summary(outcome) == [("f.ndjson line 1", "T", "")]
    assert outcome.articles[0].body == "one\ntwo"


# --- CSV ------------------------------------------------------------------------------


def test_csv_rows_are_parsed_and_bad_rows_reported_by_spreadsheet_row_number():
    outcome = parse_fixture("articles.csv")

    assert summary(outcome) == [
        ("articles.csv row 2", "Bridge repairs finish early", "The Ellis Gazette"),
        ("articles.csv row 3", "missing title"),
        ("articles.csv row 4", "published date '04/03/2024' is not an ISO date (YYYY-MM-DD)"),
        ("articles.csv row 5", "Ferry timetable changes for summer", "Coastal Courier"),
    ]
    bridge, ferry = outcome.articles
    assert bridge.body == (
        "The Old Mill bridge reopened on Monday, two weeks ahead of schedule.\n\nTraffic was light in the morning."
    )
    assert (bridge.byline, bridge.url, bridge.published_on) == (
        "Ana Brook",
        "https://gazette.example.org/bridge",
        datetime.date(2024, 3, 4),
    )
    assert (ferry.published_on, ferry.language) == (datetime.date(2024, 5, 1), "en-GB")


def test_csv_without_required_column_gives_one_clear_error():
    outcome = parse_csv("Title,Outlet\nA,B\nC,D\n", "f.csv")

    assert outcome.records == [
        ParseError(
            "f.csv",
            "the CSV header has no 'body' column (found 'title', 'outlet'); the first row must name the "
            "columns, and title and body are required",
        )
    ]


def test_csv_row_with_too_many_cells_is_reported_and_others_kept():
    outcome = parse_csv("title,body\nA,B\nC,D,E\n\nF,G,,\n", "f.csv")

    assert summary(outcome) == [
        ("f.csv row 2", "A", ""),
        ("f.csv row 3", "row has 3 cells but the header has 2 columns (is there an unquoted comma in a cell?)"),
        ("f.csv row 5", "F", ""),
    ]


def test_csv_with_semicolons_and_text_alias_column():
    outcome = parse_csv("TITLE;Text;Source\nA;Body text;Herald\n", "f.csv")

    assert summary(outcome) == [("f.csv row 2", "A", "Herald")]
    assert outcome.articles[0].body == "Body text"


def test_csv_cell_larger_than_csv_module_default_limit_is_accepted():
    body = "x" * 200_000

    outcome = parse_csv(f"title,body\nBig,{body}\n", "f.csv")

    assert outcome.articles[0].body == body


# --- file-level checks ----------------------------------------------------------------


def test_unsupported_file_type_is_rejected_with_supported_list():
    outcome = parse_file("report.docx", b"PK\x03\x04")

    assert outcome.records == [
        ParseError("report.docx", "Unsupported file type '.docx': use .txt, .md, .html, .json, .jsonl or .csv.")
    ]


def test_file_without_extension_is_rejected():
    assert parse_file("README", b"x").records == [
        ParseError("README", "Unsupported file type (no extension): use .txt, .md, .html, .json, .jsonl or .csv.")
    ]


@pytest.mark.parametrize("name", ["A.TXT", "b.Md", "c.HTM", "d.ndjson", "e.markdown"])
def test_extension_dispatch_is_case_insensitive(name):
    outcome = parse_file(f"uploads/{name}", b'{"title": "T", "body": "B"}\n')

    assert outcome.records
    assert outcome.records[0].origin.startswith(name)


def test_every_registered_parser_is_reachable_through_parse_file():
    assert set(PARSERS) == {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".ndjson", ".csv"}


def test_too_large_file_is_rejected_before_parsing():
    limits = ImportLimits(max_file_bytes=5 * 1024 * 1024)

    outcome = parse_file("big.txt", b"a" * (6 * 1024 * 1024), limits)

    assert outcome.records == [ParseError("big.txt", "file is too large (6 MB); the limit is 5 MB")]


def test_body_over_the_limit_is_a_per_record_error():
    limits = ImportLimits(max_body_chars=10)
    data = b'{"title": "Short", "body": "ok"}\n{"title": "Long", "body": "0123456789ABC"}\n'

    outcome = parse_file("f.jsonl", data, limits)

    assert summary(outcome) == [
        ("f.jsonl line 1", "Short", ""),
        ("f.jsonl line 2", "body is 13 characters; the limit is 10"),
    ]


def test_over_long_title_is_a_per_record_error():
    outcome = parse_json(json.dumps({"title": "t" * 501, "body": "b"}), "f.json")

    assert outcome.records == [ParseError("f.json", "title is 501 characters; the limit is 500")]


def test_latin1_file_is_reported_not_guessed():
    outcome = parse_fixture("latin1.txt")

    assert outcome.records == [
        ParseError("latin1.txt", "title is not valid UTF-8 (byte 0xe9 after 'Caf'); re-save the file as UTF-8")
    ]
    assert "latin1.txt: the file is not entirely UTF-8" in " ".join(outcome.notes)


# --- Lone surrogates and bytes that are not UTF-8: the record fails, the others import ---------


def no_lone_surrogates(outcome: ParseOutcome) -> bool:
    """Every origin, message, note and field can be stored, printed and sent as UTF-8."""
    texts = [*outcome.notes]
    for record in outcome.records:
        texts.extend(value for value in vars(record).values() if isinstance(value, str))
    return not any("\ud800" <= char <= "\udfff" for text in texts for char in text)


def test_json_item_with_a_lone_surrogate_escape_is_reported_and_the_others_parse():
    data = (
        b'[{"title": "Ferry strike ends", "body": "Crews are back."},'
        b' {"title": "Minister \\ud800 resigns", "body": "She left."},'
        b' {"title": "Bridge reopens", "body": "Traffic flows \\udcff again."},'
        b' {"title": "Port grows", "body": "Emoji \\ud83d\\ude00 pairs are fine."}]'
    )

    outcome = parse_file("feed.json", data)

    assert summary(outcome) == [
        ("feed.json item 1", "Ferry strike ends", ""),
        (
            "feed.json item 2",
            "field 'title' contains an unpaired surrogate \\ud800 (after 'Minister '): half of a character "
            "such as an emoji, which cannot be stored; fix the text in the file",
        ),
        (
            "feed.json item 3",
            "field 'body' contains an unpaired surrogate \\udcff (after 'Traffic flows '): half of a character "
            "such as an emoji, which cannot be stored; fix the text in the file",
        ),
        ("feed.json item 4", "Port grows", ""),
    ]
    assert outcome.articles[1].body == "Emoji \U0001f600 pairs are fine."
    assert no_lone_surrogates(outcome)


def test_single_json_object_with_a_lone_surrogate_is_one_clear_error():
    outcome = parse_json('{"title": "T", "body": "B", "outlet": "Radio \\udc00"}', "one.json")

    [error] = outcome.records
    assert error.origin == "one.json"
    assert error.message.startswith("field 'outlet' contains an unpaired surrogate \\udc00 (after 'Radio ')")


def test_jsonl_line_with_bytes_that_are_not_utf8_is_reported_and_the_others_parse():
    data = b"\n".join([
        json.dumps({"title": "Ferry strike ends", "body": "Crews are back."}).encode(),
        b'{"title": "Caf\xe9 opens", "body": "On the quay."}',
        json.dumps({"title": "Bridge reopens", "body": "Traffic flows."}).encode(),
        b'{"title": "Escaped", "body": "A lone \\udc80 escape"}',
    ])

    outcome = parse_file("feed.jsonl", data)

    assert summary(outcome) == [
        ("feed.jsonl line 1", "Ferry strike ends", ""),
        (
            "feed.jsonl line 2",
            """the line is not valid UTF-8 (byte 0xe9 after '{"title": "Caf'); re-save the file as UTF-8""",
        ),
        ("feed.jsonl line 3", "Bridge reopens", ""),
        (
            "feed.jsonl line 4",
            "field 'body' contains an unpaired surrogate \\udc80 (after 'A lone '): half of a character "
            "such as an emoji, which cannot be stored; fix the text in the file",
        ),
    ]
    assert outcome.notes == [
        "feed.jsonl: the file is not entirely UTF-8; the records with other bytes were not imported "
        "(re-save the file as UTF-8 and import it again to add them)."
    ]
    assert no_lone_surrogates(outcome)


def test_csv_row_with_bytes_that_are_not_utf8_is_reported_and_the_others_parse():
    data = (
        b"title,body,notes\n"
        b"Ferry strike ends,Crews are back.,\n"
        b"Bridge reopens,Traffic flows \xff again.,\n"
        b"Harbour dredged,Dredging finished.,ignored \xfe column\n"
    )

    outcome = parse_file("list.csv", data)

    assert summary(outcome) == [
        ("list.csv row 2", "Ferry strike ends", ""),
        (
            "list.csv row 3",
            "column 'body' is not valid UTF-8 (byte 0xff after 'Traffic flows '); re-save the file as UTF-8",
        ),
        ("list.csv row 4", "Harbour dredged", ""),  # the bad byte is in a column nobody imports
    ]
    assert no_lone_surrogates(outcome)


def test_aggregator_entry_with_bytes_that_are_not_utf8_is_reported_and_the_others_parse():
    good = (FIXTURES / "aggregator_main_and_three_related.txt").read_bytes()
    data = good.replace(b"Fishing crews who moor", b"Fishing crews \x96 who moor")

    outcome = parse_file("page.txt", data)

    expected = [
        (record[0], "body is not valid UTF-8 (byte 0x96 after 'Fishing crews '); re-save the file as UTF-8")
        if record[0] == "page.txt related #1"
        else record
        for record in summary(parse_file("page.txt", good))
    ]
    assert summary(outcome) == expected
    assert len(outcome.articles) == len(expected) - 1
    assert no_lone_surrogates(outcome)


@pytest.mark.parametrize("name", ["feed.json", "page.html", "note.md"])
def test_one_document_formats_with_bytes_that_are_not_utf8_fail_as_a_whole(name):
    outcome = parse_file(name, b'{"title": "Caf\xe9", "body": "x"}')

    assert outcome.records == [
        ParseError(name, "not valid UTF-8 (byte 0xe9 at position 14); re-save the file as UTF-8")
    ]


def test_a_file_name_with_bytes_that_are_not_utf8_is_reported_printably():
    outcome = parse_file("caf\udce9.txt", b"Title\n\nBody")

    assert [article.origin for article in outcome.articles] == ["caf\\udce9.txt"]
    assert no_lone_surrogates(outcome)


def test_utf8_byte_order_mark_is_accepted():
    outcome = parse_file("bom.csv", "\ufefftitle,body\nCafé,Crème\n".encode())

    assert summary(outcome) == [("bom.csv row 2", "Café", "")]


def test_utf16_file_is_reported_as_utf16():
    outcome = parse_file("u.txt", "Title\nBody\n".encode("utf-16"))

    assert outcome.records == [ParseError("u.txt", "file is UTF-16, not UTF-8; re-save the file as UTF-8")]


@pytest.mark.parametrize("data", [b"", b"  \n\r\n\t", b"\xef\xbb\xbf\n"])
def test_empty_file_is_reported(data):
    assert parse_file("empty.txt", data).records == [ParseError("empty.txt", "file is empty")]


def test_empty_fixture_file_is_reported():
    assert parse_fixture("empty.txt").records == [ParseError("empty.txt", "file is empty")]


@settings(max_examples=150, deadline=None)
@given(
    extension=st.sampled_from(sorted(PARSERS)),
    text=st.lists(
        st.sampled_from(
            [*"ab #*_[]()<>/-,;:\"'{}\n\r\t.é\u0301👍", "Related Articles", "an hour ago", "- X", "<p>", "</p>"]
        ),
        max_size=120,
    ).map("".join),
)
def test_any_text_yields_records_and_never_raises(extension, text):
    outcome = parse_file(f"f{extension}", text.encode())

    for record in outcome.records:
        assert isinstance(record, ParsedArticle | ParseError)
        if isinstance(record, ParsedArticle):
            assert record.title
            assert record.body == canonicalize_body(record.body)
        else:
            assert record.message


# --- real aggregator samples (not in the repository) ---------------------------------


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"real aggregator samples not available at {SAMPLES}")
def test_real_aggregator_samples_split_into_clean_articles():
    samples = sorted(SAMPLES.glob("*.txt"))
    assert samples, f"no .txt samples in {SAMPLES}"
    for sample in samples:
        data = sample.read_bytes()
        first_line = next(line for line in data.decode("utf-8-sig").splitlines() if line.strip())

        outcome = parse_file(sample.name, data)

        assert len(outcome.articles) > 1, sample.name
        assert outcome.articles[0].title == " ".join(first_line.split()), sample.name
        for article in outcome.articles:
            for marker in ("Related Articles", "Hashtags", "No comments yet"):
                assert marker not in article.body, (sample.name, marker)
            assert not any(RELATIVE_TIME.fullmatch(line) for line in article.body.split("\n")), sample.name
            assert article.body == canonicalize_body(article.body)


def test_trailing_site_furniture_is_cut_from_a_teaser_line():
    from articles.importing.aggregator import strip_trailing_furniture

    line = (
        "Protesters gathered after Friday prayers, the agency said. Related Topics: Storm Warnings "
        "Across the Coast Mayor Opens Bridge Short link : Post Views: 12"
    )
    assert strip_trailing_furniture(line) == "Protesters gathered after Friday prayers, the agency said."
    assert strip_trailing_furniture("Views on the topic differ, she said.") == "Views on the topic differ, she said."

"""Small things a user notices (issue 16, items 5 and 6): admin lists at 1280 px, PDF cards that
break only when they must, a favicon, scheme-less source URLs, date help, plurals, "just now",
links from the import report and the desk, and corrections listed once."""

from __future__ import annotations

import datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django import forms
from django.contrib.staticfiles import finders
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from weasyprint import HTML

from annotations import services, workflow
from annotations.claim_corrections import propose_correction, publish_correction
from annotations.exports.data import report_claims
from annotations.exports.html import card_lines, fits_on_a_page, render_report_html
from annotations.exports.markdown import render_report_markdown
from annotations.exports.pdf import NoFetching
from annotations.forms import CorrectionForm, SourceForm
from annotations.models import Claim, ClaimStatus, Source
from annotations.templatetags.claim_tags import ago
from articles.forms import ArticleForm
from articles.importing import service
from articles.models import Article
from factcheck.display import count_noun
from factcheck.validators import normalize_http_url
from tests import factories
from tests.factories import rating

HTMX = {"HX-Request": "true"}


def parse(response) -> HTMLParser:
    return HTMLParser(response.content.decode())


# --- admin lists at 1280 px ---------------------------------------------------------------------


def column_names(response) -> list[str]:
    return [
        next(name for name in th.attributes["class"].split() if name.startswith("column-"))
        for th in parse(response).css("#result_list thead th")[1:]
    ]


def test_the_admin_claim_list_shows_status_verdict_and_assignee_first(admin_client, fact_checker):
    factories.ClaimFactory(status=ClaimStatus.RESEARCHING, assignee=fact_checker, verdict=rating("false"))
    response = admin_client.get(reverse("admin:annotations_claim_changelist"))
    assert column_names(response)[:4] == ["column-__str__", "column-status", "column-verdict", "column-assignee"]
    row = parse(response).css_first("#result_list tbody tr")
    assert row.css_first("td.field-status").text() == "Researching"
    assert row.css_first("td.field-verdict").text() == "False"
    assert row.css_first("td.field-assignee").text() == fact_checker.username


def test_the_admin_article_list_sums_up_status_verdict_and_assignee_of_its_claims(admin_client, fact_checker):
    article = factories.ArticleFactory()
    factories.ClaimFactory(article=article, status=ClaimStatus.RESEARCHING, assignee=fact_checker)
    factories.ClaimFactory(article=article, phrase="Residents gathered", status=ClaimStatus.NEW)
    factories.ClaimFactory(article=article, phrase="approved a budget", status=ClaimStatus.PUBLISHED,
                           verdict=rating("true"), assignee=fact_checker)
    response = admin_client.get(reverse("admin:articles_article_changelist"))
    assert column_names(response)[:2] == ["column-title", "column-claim_count"]
    cell = parse(response).css_first("td.field-claim_count")
    text = " ".join(cell.text().split())
    assert text.startswith("3 claims")
    assert "○ 1 new · ◔ 1 researching · ✓ 1 published" in text
    assert "2 without a verdict · 1 open unassigned" in text
    link = cell.css_first("a").attributes["href"]
    listed = parse(admin_client.get(link)).css("#result_list tbody tr")
    assert len(listed) == 3


@pytest.mark.parametrize("url_name", ["admin:annotations_claim_changelist", "admin:articles_article_changelist"])
def test_the_admin_lists_cost_the_same_queries_for_more_rows(admin_client, fact_checker, url_name):
    def add_rows(count: int) -> None:
        for _ in range(count):
            article = factories.ArticleFactory()
            factories.ClaimFactory(article=article, assignee=factories.FactCheckerFactory(), verdict=rating("true"))
            factories.ClaimFactory(article=article, phrase="Residents gathered", status=ClaimStatus.IN_REVIEW)

    add_rows(2)
    url = reverse(url_name)
    admin_client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    add_rows(8)
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_admin_loads_its_list_styles_and_the_icon(admin_client):
    tree = parse(admin_client.get(reverse("admin:annotations_claim_changelist")))
    sheets = [node.attributes["href"] for node in tree.css('link[rel="stylesheet"]')]
    assert any(href.endswith("css/admin.css") for href in sheets)
    assert tree.css_first('link[rel="icon"]').attributes["href"].endswith("favicon.svg")
    assert tree.css_first("#site-name a").text() == "Factdesk administration"


# --- PDF cards break only when they must ----------------------------------------------------------

LONG_RATIONALE = "\n\n".join(
    "The office's quarterly labour-force survey shows six percent, down from 6.8 percent a year earlier; "
    "economists warn that many of the new jobs are temporary and part-time. " * 2
    for _ in range(16)
)


def short_and_long_cards():
    article = factories.ArticleFactory()
    short = factories.ClaimFactory(article=article, phrase="approved a budget", verdict=rating("true"),
                                   rationale="The minutes say so.")
    long = factories.ClaimFactory(article=article, verdict=rating("false"), rationale=LONG_RATIONALE)
    return article, short, long


@pytest.mark.django_db
def test_only_cards_that_fit_on_a_page_are_kept_whole_and_none_forces_a_new_page():
    article, short, long = short_and_long_cards()
    notes = {note.number: note for note in report_claims(article, published_only=False)}
    assert fits_on_a_page(notes[short.pk]) and not fits_on_a_page(notes[long.pk])
    assert card_lines(notes[long.pk]) > 42  # more than an A4 page holds

    html = render_report_html(article, published_only=False)
    tree = HTMLParser(html)
    assert "keep-whole" in tree.css_first(f"#claim-{short.pk}").attributes["class"].split()
    assert "keep-whole" not in tree.css_first(f"#claim-{long.pk}").attributes["class"].split()
    style = tree.css_first("style").text()
    assert "page-break-before" not in style and "break-before" not in style
    assert "page-break-inside: avoid" not in style.split(".note {", 1)[1].split("}", 1)[0], "not on every card"
    assert ".note.keep-whole { page-break-inside: avoid; break-inside: avoid; }" in style


@pytest.mark.django_db
def test_a_long_card_starts_right_after_the_previous_one_in_the_pdf():
    article, short, long = short_and_long_cards()
    pages = HTML(string=render_report_html(article, published_only=False), url_fetcher=NoFetching()).render().pages
    first_page_of = {}
    for number, page in enumerate(pages):
        for anchor in page.anchors:
            first_page_of.setdefault(anchor, number)
    # Both cards begin on the page the article text is on: the long one is not pushed to a fresh page.
    assert first_page_of[f"claim-{short.pk}"] == first_page_of[f"claim-{long.pk}"] == 0
    assert len(pages) >= 2


# --- a favicon ---------------------------------------------------------------------------------


def test_every_page_names_the_icon_and_the_icon_is_served(checker_client):
    tree = parse(checker_client.get("/articles/"))
    icon = tree.css_first('link[rel="icon"]')
    assert icon.attributes["type"] == "image/svg+xml" and icon.attributes["href"].endswith("favicon.svg")
    path = finders.find("favicon.svg")
    assert path is not None, "static/favicon.svg is collected with the other static files"
    svg = ElementTree.fromstring(Path(path).read_bytes())  # noqa: S314 (our own file) -- well-formed, or no icon
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.attrib["viewBox"] == "0 0 32 32"


def test_favicon_ico_sends_browsers_to_the_svg_without_logging_in(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("favicon.svg")
    assert "max-age=86400" in response["Cache-Control"]


# --- source URLs without a scheme -----------------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), [
    ("example.com/a", "https://example.com/a"),
    ("  www.example.org/report?id=3 ", "https://www.example.org/report?id=3"),
    ("//example.net/x", "https://example.net/x"),
    ("stats.example.org:8443/t", "https://stats.example.org:8443/t"),
    ("http://example.com/plain", "http://example.com/plain"),
])
def test_an_address_typed_without_a_scheme_is_read_as_https(typed, stored):
    assert normalize_http_url(typed) == stored


def test_a_source_typed_without_a_scheme_is_saved_as_https(checker_client):
    claim = factories.ClaimFactory()
    data = {"version": claim.version, "new-source-url": "stats.example.org/q3", "new-source-title": "Q3",
            "new-source-stance": "supports", "new-source-archive_url": "web.archive.example/stats"}
    response = checker_client.post(f"/claims/{claim.pk}/sources/", data, headers=HTMX)
    assert response.status_code == 200
    source = Source.objects.get(claim=claim)
    assert (source.url, source.archive_url) == ("https://stats.example.org/q3", "https://web.archive.example/stats")


@pytest.mark.parametrize("scheme", ["javascript:alert(1)", "data:text/html,hi", "ftp://files.example.org/x",
                                    "mailto:desk@example.org"])
def test_other_schemes_are_still_refused_by_name(checker_client, scheme):
    claim = factories.ClaimFactory()
    data = {"version": claim.version, "new-source-url": scheme, "new-source-stance": "supports"}
    response = checker_client.post(f"/claims/{claim.pk}/sources/", data, headers=HTMX)
    assert response.status_code == 400
    name = scheme.split(":", 1)[0]
    assert f"{name}: addresses are not accepted" in response.content.decode()
    assert not Source.objects.exists()


def test_source_url_inputs_let_the_browser_send_an_address_without_a_scheme():
    for form, names in ((SourceForm(prefix="new-source"), ["url", "archive_url"]), (CorrectionForm, ["source_url"])):
        fields = form.base_fields if isinstance(form, type) else form.fields
        for name in names:
            html = fields[name].widget.render(name, "", attrs=fields[name].widget_attrs(fields[name].widget))
            node = HTMLParser(html).css_first("input")
            assert node.attributes["type"] == "text", "type=url makes the browser refuse example.com"
            assert node.attributes["inputmode"] == "url"


def test_the_panel_renders_the_source_url_as_a_text_input_for_urls(checker_client):
    claim = factories.ClaimFactory()
    tree = parse(checker_client.get(f"/claims/{claim.pk}/panel/", headers=HTMX))
    node = tree.css_first('input[name="new-source-url"]')
    assert node.attributes["type"] == "text" and node.attributes["inputmode"] == "url"


# --- the date help text matches the widget ---------------------------------------------------------


def test_no_date_picker_asks_for_a_typed_format():
    for form in (ArticleForm, SourceForm):
        for name, field in form.base_fields.items():
            widget = field.widget
            if isinstance(widget, forms.DateInput) and widget.input_type == "date":
                assert not any(part in str(field.help_text) for part in ("YYYY", "MM", "DD")), (form, name)


def test_the_new_article_page_explains_the_date_picker(editor_client):
    tree = parse(editor_client.get(reverse("editing:new")))
    date = tree.css_first('input[name="published_on"]')
    assert date.attributes["type"] == "date"
    help_text = tree.css_first("#id_published_on_help").text()
    assert "YYYY" not in help_text and "date picker" in help_text


# --- plurals ---------------------------------------------------------------------------------------


def test_count_noun_agrees_with_its_number():
    assert [count_noun(n, "article") for n in (0, 1, 2, 1500)] == ["0 articles", "1 article", "2 articles",
                                                                      "1,500 articles"]
    assert count_noun(1, "entry", "entries") == "1 entry" and count_noun(3, "entry", "entries") == "3 entries"


def test_the_article_list_says_1_article_matches(checker_client):
    factories.ArticleFactory(title="Budget vote", outlet="Harbour Times")
    factories.ArticleFactory(title="Other", outlet="Valley Courier")
    one = parse(checker_client.get("/articles/?outlet=Harbour+Times")).css_first('p[role="status"]').text()
    assert one == "1 article matches these filters."
    factories.ArticleFactory(title="Budget again", outlet="Harbour Times")
    two = parse(checker_client.get("/articles/?outlet=Harbour+Times")).css_first('p[role="status"]').text()
    assert two == "2 articles match these filters."


@pytest.mark.django_db
def test_the_markdown_report_counts_one_claim_in_the_singular():
    claim = factories.ClaimFactory()
    assert "1 claim." in render_report_markdown(claim.article, published_only=False)
    assert "claim(s)" not in render_report_markdown(claim.article, published_only=False)


def test_the_export_progress_says_article_for_one(editor_client, editor):
    from factcheck.models import Job

    job = factories.JobFactory(kind=Job.Kind.EXPORT, owner=editor, status=Job.Status.RUNNING, total=1, processed=0,
                               params={"format": "zip", "article_ids": [1]}, title="Export of 1 article")
    text = editor_client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "0 of 1 article done" in text and "1 articles" not in text


# --- "just now" ------------------------------------------------------------------------------------


def test_ago_says_just_now_under_a_minute_and_never_0_minutes():
    now = timezone.now()
    assert ago(now) == "just now"
    assert ago(now - datetime.timedelta(seconds=59)) == "just now"
    assert ago(now + datetime.timedelta(seconds=5)) == "just now", "a clock slightly ahead"
    assert ago(now - datetime.timedelta(minutes=5, seconds=3)).replace("\xa0", " ") == "5 minutes ago"
    assert ago(None) == ""


def test_a_fresh_notification_and_a_fresh_submission_say_just_now(editor_client, editor, fact_checker):
    factories.NotificationFactory(recipient=editor)
    text = editor_client.get("/review/notifications/").content.decode()
    assert "just now" in text and "0\xa0minutes" not in text and "0 minutes" not in text
    factories.ClaimFactory(status=ClaimStatus.IN_REVIEW, verdict=rating("true"), verdict_by=fact_checker,
                           rationale="R.", submitted_at=timezone.now())
    queue = editor_client.get("/review/queue/").content.decode()
    assert "(just now)" in queue and "0\xa0minutes" not in queue
    desk = editor_client.get("/review/desk/").content.decode()
    assert "was submitted just now." in desk


# --- the import report links to the existing article ---------------------------------------------


def test_a_duplicate_in_the_import_report_links_to_the_existing_article(editor):
    text = "Budget approved\nThe council approved the budget on Tuesday.\n"
    first = service.import_upload("budget.txt", text.encode(), editor)
    existing = Article.objects.get(pk=first.created[0][1])
    again = service.import_upload("budget-again.txt", text.encode(), editor)
    html = render_to_string("articles/_import_report.html", {"report": again.as_dict()})
    link = HTMLParser(html).css_first(".import-skipped td a")
    assert link.attributes["href"] == existing.get_absolute_url()
    assert link.text() == f"article {existing.pk}"
    concurrent = [["x.txt", "duplicate (saved concurrently by another import)"]]
    old_style = render_to_string(
        "articles/_import_report.html", {"report": {"created": [], "failed": [], "notes": [], "skipped": concurrent}}
    )
    assert HTMLParser(old_style).css_first(".import-skipped td a") is None


def test_the_upload_page_report_links_the_duplicate(editor_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = b"Ferry fares rise\nFares on the island ferry will rise in spring.\n"
    editor_client.post(reverse("editing:upload"), {"file": SimpleUploadedFile("a.txt", text)})
    existing = Article.objects.get()
    response = editor_client.post(reverse("editing:upload"), {"file": SimpleUploadedFile("b.txt", text)})
    assert f'href="{existing.get_absolute_url()}"' in response.content.decode().split("Skipped as duplicates")[1]


# --- the desk's counts are links --------------------------------------------------------------------


def test_every_desk_count_links_to_the_articles_it_counts(editor_client, fact_checker):
    mine = factories.ArticleFactory(title="Checked by Casey")
    factories.ClaimFactory(article=mine, status=ClaimStatus.RESEARCHING, assignee=fact_checker)
    loose = factories.ArticleFactory(title="Nobody's")
    factories.ClaimFactory(article=loose, status=ClaimStatus.NEW)
    factories.ClaimFactory(article=loose, phrase="Residents gathered", status=ClaimStatus.RESEARCHING,
                           assignee=factories.FactCheckerFactory())
    tree = parse(editor_client.get("/review/desk/"))

    def titles(href: str) -> list[str]:
        return [a.text() for a in parse(editor_client.get(href)).css(".article-table tbody td:first-child a")]

    status_links = {row.css_first("th").text().strip(): row.css_first("td a") for row in
                    tree.css('section[aria-labelledby="desk-status"] tbody tr')}
    assert status_links["Published"] is None, "a zero is not a link"
    assert sorted(titles(status_links["Researching"].attributes["href"])) == ["Checked by Casey", "Nobody's"]
    assert titles(status_links["New"].attributes["href"]) == ["Nobody's"]

    rows = {row.css_first("th").text(): row for row in tree.css('section[aria-labelledby="desk-assignee"] tbody tr')}
    casey = rows[fact_checker.username].css("td a")
    assert [a.text() for a in casey] == ["1", "1"]  # researching, total
    assert all(titles(a.attributes["href"]) == ["Checked by Casey"] for a in casey)
    unassigned = rows["Unassigned"].css("td a")
    assert all(titles(a.attributes["href"]) == ["Nobody's"] for a in unassigned)
    # Status and assignee together mean one claim with both, as the desk counts it.
    assert titles(f"/articles/?status=new&assignee={fact_checker.pk}") == []
    assert tree.css_first("main p a").attributes["href"] == "/articles/"


# --- a correction of verdict and rationale is listed once ---------------------------------------------


def test_a_correction_of_verdict_and_rationale_is_listed_once(client, fact_checker, editor):
    second_editor = factories.EditorFactory()
    claim = factories.ClaimFactory(status=ClaimStatus.NEW)
    claim = workflow.apply(claim, fact_checker, "take")
    claim = services.update_claim(claim, user=fact_checker, expected_version=claim.version,
                                  changes={"verdict": rating("mostly-true"), "rationale": "6.1 percent."})
    services.add_source(claim, user=fact_checker, url="https://stats.example.org/q2", title="Q2")
    claim = workflow.apply(Claim.objects.get(pk=claim.pk), fact_checker, "submit")
    claim = workflow.apply(claim, editor, "publish")
    correction = propose_correction(
        claim, user=fact_checker, note="The office revised its figure.", expected_version=claim.version,
        changes={"verdict": rating("false"), "rationale": "The revised figure is 7.2 percent."},
    )
    publish_correction(correction, user=second_editor)

    client.force_login(editor)
    tree = parse(client.get(f"/claims/{claim.pk}/panel/", headers=HTMX))
    entries = tree.css(".verdict-history li")
    assert len(entries) == 1
    text = " ".join(entries[0].text().split())
    assert "verdict changed from Mostly true to False; rationale rewritten" in text
    assert text.count("Public note: The office revised its figure.") == 1
    corrected = [li for li in tree.css(".review-timeline li") if "timeline-corrected" in li.attributes["class"]]
    assert len(corrected) == 1
    assert "corrected the verdict and rationale" in corrected[0].text()

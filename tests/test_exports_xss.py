"""Hostile text in every user field stays inert in every export format."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.conf import settings
from selectolax.lexbor import LexborHTMLParser

from annotations.exports import render_export_bytes
from annotations.models import ClaimEvent, ClaimStatus
from tests import factories

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "[x](javascript:alert(1))",
    '=HYPERLINK("http://evil.example","click")',
    "<a href=javascript:alert(1)>link</a>",
    "![img](http://evil.example/x.png)",
    "<style>body{display:none}</style>",
]
HOSTILE = " ".join(PAYLOADS)
#: For columns limited to 200 characters (outlet, source publisher): the first payloads.
SHORT = " ".join(PAYLOADS[:4])


def hostile_article():
    """Every user-controlled text field carries every payload."""
    article = factories.ArticleFactory(
        title=HOSTILE, outlet=SHORT, byline=HOSTILE,
        body=f"Intro {HOSTILE} middle.\n\nSecond paragraph with {HOSTILE} end.",
    )
    start = article.body.index("<script>")
    claim = factories.ClaimFactory(
        article=article, phrase=article.body[start:start + len(HOSTILE)],
        statement=HOSTILE, claimant=HOSTILE, rationale=f"{HOSTILE}\n\n{HOSTILE}",
        status=ClaimStatus.PUBLISHED, verdict=factories.rating("false"),
    )
    factories.SourceFactory(claim=claim, url="https://ok.example.org/a", title=HOSTILE, publisher=SHORT,
                            excerpt=HOSTILE)
    factories.CommentFactory(claim=claim, body=HOSTILE)
    factories.ClaimEventFactory(claim=claim, kind=ClaimEvent.Kind.CORRECTED, is_public=True, note=HOSTILE,
                                old_value=HOSTILE, new_value=HOSTILE, field="rationale")
    return article


def assert_inert_html(html: str) -> None:
    tree = LexborHTMLParser(html)
    assert tree.css("script") == [], "no script element"
    assert tree.css("img, iframe, object, embed") == []
    assert len(tree.css("style")) == 1, "only the report's own stylesheet"
    for node in tree.css("*"):
        for name, value in node.attributes.items():
            assert not name.lower().startswith("on"), f"event handler attribute {name} on <{node.tag}>"
            if name.lower() in {"href", "src", "action", "formaction"}:
                assert not (value or "").strip().lower().startswith(("javascript:", "data:", "vbscript:"))
    hrefs = {node.attributes["href"] for node in tree.css("a[href]")}
    # The published claim's public page is on FACTDESK_SITE_URL (http in the test settings).
    site = settings.FACTDESK_SITE_URL.rstrip("/") + "/fact-checks/"
    assert all(href.startswith(("#", "https://", site)) for href in hrefs), hrefs


@pytest.mark.parametrize("published_only", [False, True])
def test_html_report_keeps_payloads_as_text(published_only):
    article = hostile_article()
    html = render_export_bytes(article, "html", published_only=published_only).decode()
    assert_inert_html(html)
    tree = LexborHTMLParser(html)
    assert "<script>alert(1)</script>" in tree.css_first("h1").text(), "payloads are shown as text"
    assert "&lt;script&gt;" in html


def test_pdf_report_renders_payloads_as_text():
    from pypdf import PdfReader

    pdf = render_export_bytes(hostile_article(), "pdf", published_only=False)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "<script>alert(1)</script>" in text




def test_markdown_report_has_no_raw_html_or_unsafe_links():
    markdown = render_export_bytes(hostile_article(), "md", published_only=False).decode()
    assert "<script" not in markdown.lower() and "<img" not in markdown.lower() and "<a " not in markdown.lower()
    assert "<style" not in markdown.lower()
    assert "&lt;script&gt;" in markdown
    # Every link destination is http(s); user brackets and parentheses are escaped, so
    # "[x](javascript:alert(1))" can never become a link.
    destinations = re.findall(r"(?<!\\)\]\((?!\\)([^)\s]*)\)", markdown)
    assert destinations and all(d.startswith(("https://", "http://")) for d in destinations), destinations
    assert "\\[x\\]\\(javascript:alert\\(1\\)\\)" in markdown
    assert "\\!\\[img\\]" in markdown
    # No unescaped "<" anywhere outside link destinations.
    assert "<" not in re.sub(r"\]\([^)]*\)", "", markdown)


def test_csv_neutralises_formula_payloads_in_every_text_column():
    article = factories.ArticleFactory(title='=HYPERLINK("http://evil.example","x")')
    claim = factories.ClaimFactory(
        article=article, statement="=1+1", claimant="+cmd", rationale="@SUM(A1)",
        status=ClaimStatus.PUBLISHED, verdict=factories.rating("false"),
    )
    factories.SourceFactory(claim=claim)
    raw = render_export_bytes(article, "csv", published_only=False).decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(raw, newline="")))
    for column in ("article_title", "statement", "claimant", "rationale"):
        assert row[column].startswith("'"), column
    for cell in row.values():
        assert not cell.startswith(("=", "+", "-", "@"))


@pytest.mark.parametrize("fmt", ["w3c", "claimreview"])
def test_json_exports_keep_payloads_as_data_and_safe_to_embed_in_a_page(fmt):
    article = hostile_article()
    raw = render_export_bytes(article, fmt, published_only=False)
    assert b"<" not in raw and b">" not in raw, "embeddable in <script type=application/ld+json>"
    data = json.loads(raw)
    text = data[0]["claimReviewed"] if fmt == "claimreview" else data["first"]["items"][0]["body"][2]["value"]
    assert text == HOSTILE, "the values themselves are unchanged"


# --- the pages of export and import jobs ----------------------------------------------------------


def assert_inert_page(html: str) -> None:
    """An app page: payloads only as text, no inline script, no event handlers, no script URLs."""
    assert "<script>alert(1)</script>" not in html and "onerror=alert(1)>" not in html
    tree = LexborHTMLParser(html)
    for script in tree.css("script"):
        assert script.attributes.get("src") or script.attributes.get("type") in {"application/json"}, script.html
    for node in tree.css("*"):
        for name, value in node.attributes.items():
            assert not name.lower().startswith("on"), f"event handler attribute {name} on <{node.tag}>"
            if name.lower() in {"href", "src", "action", "formaction", "hx-get"}:
                assert not (value or "").strip().lower().startswith(("javascript:", "data:", "vbscript:")), value


def test_the_pdf_job_page_shows_a_hostile_title_as_text(checker_client):
    from django.urls import reverse

    article = hostile_article()
    response = checker_client.get(reverse("exports:article", args=[article.pk, "pdf"]))
    assert response.status_code == 303
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        page = checker_client.get(response["Location"], **headers).content.decode()
        assert_inert_page(page)
    page = checker_client.get(response["Location"]).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in LexborHTMLParser(page).css_first("h1").html


def test_the_import_job_page_shows_hostile_file_names_and_records_as_text(editor_client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from factcheck.models import Job

    article = factories.ArticleFactory(title=HOSTILE)
    document = [
        {"type": "Annotation", "target": {"selector": {"type": "TextQuoteSelector", "exact": HOSTILE}}},
        {"type": "Annotation", "body": [{"purpose": "tagging", "value": HOSTILE}],
         "target": {"selector": {"type": "TextQuoteSelector", "exact": "town hall"}}},
        {"type": HOSTILE},
    ]
    upload = SimpleUploadedFile('"><img src=x onerror=alert(1)>.json', json.dumps(document).encode())
    response = editor_client.post(reverse("exports:w3c_import", args=[article.pk]), {"file": upload})
    assert response.status_code == 303
    job = Job.objects.get()
    assert job.errors, "the hostile records are reported"
    assert_inert_page(editor_client.get(response["Location"]).content.decode())

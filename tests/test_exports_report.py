"""The annotated report in HTML, PDF and Markdown, parsed back and checked."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from annotations.exports import render_export_bytes
from annotations.exports.data import report_claims
from annotations.exports.html import render_report_html
from annotations.exports.markdown import escape_markdown, markdown_link, render_report_markdown
from annotations.exports.pdf import render_report_pdf
from annotations.public_links import public_claim_url
from tests import factories
from tests.exports_helpers import SECRET, checked_article

pytestmark = pytest.mark.django_db


def parse(html: str) -> HTMLParser:
    return HTMLParser(html)


def test_report_claims_come_in_text_order_with_their_permanent_numbers_in_constant_queries(
    django_assert_max_num_queries,
):
    data = checked_article()
    with django_assert_max_num_queries(5):
        notes = report_claims(data.article, published_only=False)
    assert [note.claim for note in notes] == [data.published, data.in_review, data.overlapping, data.orphaned]
    # A claim's number is its id (#128), never its position: adding a claim above renumbers nothing.
    assert [note.number for note in notes] == [note.claim.pk for note in notes]
    # Published corrections only: a proposal under review and a private history note are not corrections.
    assert [c.note for c in notes[0].corrections] == ["We misread the table."]
    assert (notes[0].checked_by, notes[0].reviewed_by, notes[0].corrected_by) == (
        "Casey Checker", "Erin Editor", "Dana Corrector",
    )
    assert [s.url for s in notes[0].sources] == ["https://council.example.org/minutes", "https://news.example.org/budget"]


def test_report_claims_query_count_does_not_grow_with_claims(django_assert_max_num_queries):
    data = checked_article()
    for _ in range(10):
        claim = factories.ClaimFactory(article=data.article, phrase="the town hall")
        factories.SourceFactory(claim=claim)
    with django_assert_max_num_queries(5):
        notes = report_claims(data.article, published_only=False)
        render_report_html(data.article, published_only=False, notes=notes)
    assert len(notes) == 14


def test_html_report_is_self_contained():
    data = checked_article()
    html = render_report_html(data.article, published_only=False)
    tree = parse(html)
    assert tree.css("script") == []
    assert tree.css("link") == [], "no external stylesheets or other linked resources"
    assert tree.css("img, iframe, object, embed, video, audio") == []
    assert tree.css_first("style") is not None
    assert "@media print" in html and "@page" in html and "page-break-inside: avoid" in html
    external = [node.attributes["href"] for node in tree.css("a[href]") if not node.attributes["href"].startswith("#")]
    assert set(external) == {
        data.article.url, "https://council.example.org/minutes", "https://news.example.org/budget",
        "https://secret.example.org/SECRET-DRAFT",
        public_claim_url(data.published),  # the published claim's public page; drafts have none
    }
    assert not re.search(r"""src\s*=\s*["']?https?:""", html)
    assert "url(" not in html


def test_html_report_highlights_and_numbers_every_anchored_claim():
    data = checked_article()
    tree = parse(render_report_html(data.article, published_only=False))
    assert tree.css_first("h1").text() == data.article.title
    marks = tree.css("mark.claim")
    highlighted = "".join(mark.text() for mark in marks)
    assert "a budget of 4.2 million euros" in highlighted
    assert "unemployment fell to 6 percent, the lowest level since 2009" in highlighted
    assert "Residents gathered" not in highlighted, "orphaned claims are not highlighted"
    assert any("overlap" in mark.attributes["class"] for mark in marks), "the shared '6 percent' is marked as overlap"
    numbers = [data.published.pk, data.in_review.pk, data.overlapping.pk, data.orphaned.pk]
    refs = [node.text() for node in tree.css("sup.ref a")]
    assert refs == [f"[#{number}]" for number in numbers[:3]]
    for number in numbers[:3]:
        assert tree.css_first(f'sup.ref a[href="#claim-{number}"]') is not None
    notes = tree.css("article.note")
    assert [note.attributes["id"] for note in notes] == [f"claim-{number}" for number in numbers]
    assert [note.css_first(".num").text() for note in notes] == [f"#{number}" for number in numbers]
    assert "no longer in the current text" in notes[3].text()


def test_html_report_note_lists_claim_details():
    data = checked_article()
    tree = parse(render_report_html(data.article, published_only=False))
    note = tree.css_first(f"#claim-{data.published.pk}")
    text = " ".join(note.text().split())
    for expected in (
        "False", "The budget is 4.2 million euros.", "The mayor", "Published",
        "The adopted budget is 3.9 million euros.", "See the council minutes.",
        "Casey Checker", "Erin Editor", "Council minutes", "City council", "Refutes",
        "Budget adopted: 3.9 million euros.", "We misread the table.", "Dana Corrector",
        "Rationale: “Was 3.8” → “Is 3.9”", "Corrected by Dana Corrector, proposed by Casey Checker.",
    ):
        assert expected in text, expected
    verdict = note.css_first(".verdict")
    assert verdict.text() == "False"
    assert "#d55e00" in verdict.attributes["style"], "the verdict's colour goes with its label"
    links = {a.attributes["href"]: a.text() for a in note.css("ul.sources a")}
    assert links["https://council.example.org/minutes"] == "Council minutes"
    assert links["https://news.example.org/budget"] == "https://news.example.org/budget"


def test_published_only_report_leaks_no_unpublished_claim():
    data = checked_article()
    html = render_report_html(data.article, published_only=True)
    markdown = render_report_markdown(data.article, published_only=True)
    for text in (html, markdown):
        assert SECRET not in text
        assert "secret.example.org" not in text
        assert "The budget is 4.2 million euros" in text
    tree = parse(html)
    assert len(tree.css("article.note")) == 1
    assert [node.text() for node in tree.css("sup.ref a")] == [f"[#{data.published.pk}]"]


def test_pdf_report_contains_the_report_text():
    data = checked_article()
    pdf = render_report_pdf(data.article, published_only=False)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert data.article.title in text
    assert "The budget is 4.2 million euros." in text
    assert f"[#{data.published.pk}]" in text and f"#{data.orphaned.pk}" in text
    assert "Council minutes" in text


def test_published_pdf_leaks_no_unpublished_claim():
    data = checked_article()
    reader = PdfReader(io.BytesIO(render_report_pdf(data.article, published_only=True)))
    text = "".join(page.extract_text() for page in reader.pages)
    assert SECRET not in text
    assert "The budget is 4.2 million euros." in " ".join(text.split())


def test_pdf_rendering_never_fetches_urls(monkeypatch):
    from annotations.exports import pdf

    fetched: list[str] = []
    real_fetch = pdf.NoFetching.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(pdf.NoFetching, "fetch", spy)
    output = pdf.html_to_pdf('<p>x</p><img src="https://example.org/tracker.png"><link rel="stylesheet" href="http://x/y.css">')
    assert output.startswith(b"%PDF-")
    assert fetched, "WeasyPrint asked for the URLs..."
    with pytest.raises(ValueError, match="do not load external resources"):
        real_fetch(pdf.NoFetching(), "https://example.org/x")


def test_markdown_report_has_footnotes_after_each_claim():
    data = checked_article()
    markdown = render_report_markdown(data.article, published_only=False)
    assert markdown.startswith(f"# {data.article.title}\n")
    first, second, third, orphan = (data.published.pk, data.in_review.pk, data.overlapping.pk, data.orphaned.pk)
    assert f"a budget of 4.2 million euros[^{first}] on Tuesday" in markdown
    assert f"unemployment fell to 6 percent[^{second}], the lowest level since 2009[^{third}]." in markdown
    assert "Residents gathered outside" in markdown
    assert f"Claims no longer found in the text: [^{orphan}]" in markdown
    footnotes = re.findall(r"^\[\^(\d+)\]: \*\*#(\d+) · (.+?)\*\* — (.*)$", markdown, flags=re.MULTILINE)
    assert footnotes[0] == (str(first), str(first), "False", "The budget is 4.2 million euros.")
    assert footnotes[2] == (str(third), str(third), "No verdict yet", f"{SECRET} lowest level")
    assert [int(number) for number, _, _, _ in footnotes] == [first, second, third, orphan]
    assert "[Council minutes](https://council.example.org/minutes)" in markdown
    assert "We misread the table" in markdown


def test_markdown_report_keeps_line_breaks_inside_paragraphs():
    article = factories.ArticleFactory(body="Line one\nline two\n\nSecond paragraph")
    markdown = render_report_markdown(article, published_only=False)
    assert "Line one\\\nline two\n\nSecond paragraph" in markdown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*bold* _it_", r"\*bold\* \_it\_"),
        ("[x](javascript:alert(1))", r"\[x\]\(javascript:alert\(1\)\)"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"),
        ("# heading", r"\# heading"),
        ("- item", r"\- item"),
        ("1. item", r"1\. item"),
        ("a & b", "a &amp; b"),
        ("back\\slash", "back\\\\slash"),
        ("`code`", r"\`code\`"),
        ("![img](x)", r"\!\[img\]\(x\)"),
    ],
)
def test_escape_markdown_neutralises_markup(text, expected):
    assert escape_markdown(text) == expected


def test_markdown_links_only_for_http_urls():
    assert markdown_link("ok", "https://example.org/a_(b)") == "[ok](https://example.org/a_%28b%29)"
    assert markdown_link("bad", "javascript:alert(1)") == "bad"
    assert markdown_link("[x]", "https://example.org/") == r"[\[x\]](https://example.org/)"


def test_render_export_bytes_matches_the_module_renderers():
    data = checked_article()
    html = render_export_bytes(data.article, "html", published_only=True)
    assert html == render_report_html(data.article, published_only=True).encode()

"""Reports of right-to-left articles: the HTML carries the article's lang and dir, the PDF
(WeasyPrint) is set in an Arabic-capable font and lists the claims in body order."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pytest

from annotations.exports.html import render_report_html
from annotations.exports.pdf import render_report_pdf
from tests.factories import ArticleFactory, ClaimFactory

FIXTURES = Path(__file__).parent / "fixtures"
ARABIC_BODY = (FIXTURES / "arabic_article.txt").read_text(encoding="utf-8")
ARABIC_TITLE = (FIXTURES / "arabic_article_title.txt").read_text(encoding="utf-8").strip()
#: Claims in body order: Arabic words, an Arabic figure, an English name inside Arabic, a year.
PHRASES = ("تحلية المياه", "420 مليون دولار", "Omar Haddad", "بحلول عام 2027")

pytestmark = pytest.mark.django_db


@pytest.fixture
def arabic_article():
    article = ArticleFactory(title=ARABIC_TITLE, body=ARABIC_BODY, language="ar")
    # Created out of order: reports list claims by their place in the text, not by id.
    for phrase in reversed(PHRASES):
        ClaimFactory(article=article, phrase=phrase, statement=f"الادعاء: {phrase}")
    return article


def test_the_html_report_sets_the_article_text_right_to_left_whatever_the_interface(arabic_article):
    html = render_report_html(arabic_article, published_only=False)
    assert re.search(r'<section class="body" lang="ar" dir="rtl"', html)
    assert re.search(r'<blockquote class="quote" lang="ar" dir="auto">420 مليون دولار</blockquote>', html)


def test_an_english_article_report_stays_left_to_right(db):
    article = ArticleFactory(language="en")
    html = render_report_html(article, published_only=False)
    assert '<section class="body" lang="en" dir="ltr"' in html


def _pdf_text_and_fonts(pdf: bytes) -> tuple[str, set[str]]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts: set[str] = set()
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont", "")))
    return "\n".join(page.extract_text() for page in reader.pages), fonts


def test_the_pdf_report_of_an_arabic_article_reads_back_with_the_claims_in_order(arabic_article):
    text, fonts = _pdf_text_and_fonts(render_report_pdf(arabic_article, published_only=False))
    # Arabic glyphs came from a font that has them (fontconfig: `fc-list :lang=ar`).
    assert any(re.search(r"DejaVu|Noto|Kacst|Amiri|Arab", font) for font in fonts), fonts
    # The Arabic text is extractable as text (a missing font would give boxes, not letters).
    assert "يقول الخبراء إن الطلب يزداد بسرعة" in text
    cards = text[text.index("Fact-checks"):]
    numbers = [int(n) for n in re.findall(r"^#(\d+) ", cards, flags=re.MULTILINE)]
    assert len(numbers) == len(PHRASES)
    positions = [cards.index(f"#{number} ") for number in numbers]
    assert positions == sorted(positions)
    # Each card quotes its own passage, in the order of the text.
    for phrase, start, end in zip(PHRASES, positions, [*positions[1:], len(cards)], strict=True):
        card = cards[start:end]
        words = phrase.split()
        assert all(word in card for word in words), (phrase, card[:200])

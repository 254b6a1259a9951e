"""The claim's line in My claims and the review queue (``{% claim_link claim %}``, ``{% timestamp %}``)."""

from __future__ import annotations

import datetime

import pytest
from django.template import engines
from django.utils import timezone, translation
from selectolax.lexbor import LexborHTMLParser

from annotations.templatetags.claim_tags import claim_link, timestamp
from tests import factories

pytestmark = pytest.mark.django_db


def line(claim) -> LexborHTMLParser:
    return LexborHTMLParser(f"<td>{claim_link(claim)}</td>")


def test_it_links_to_the_claim_on_its_article_and_escapes_every_text():
    article = factories.ArticleFactory(title="Budget <script>x</script>", outlet="Le <Monde> & co")
    claim = factories.ClaimFactory(article=article, statement="Taxes <rose> & fell")
    html = str(claim_link(claim))
    tree = line(claim)
    link = tree.css_first("a.claim-link")
    assert link.attributes["href"] == f"/articles/{article.pk}/?claim={claim.pk}#claim-{claim.pk}"
    assert link.text() == f"#{claim.pk} Taxes <rose> & fell"
    assert tree.css_first("cite").text() == "Budget <script>x</script>"
    assert "<script>" not in html and "Le &lt;Monde&gt; &amp; co" in html
    assert tree.css_first(".changes-badge") is None


@pytest.mark.parametrize(
    ("status", "badge"),
    [("in_review", "Resubmitted after changes requested"), ("researching", "Changes requested")],
)
def test_a_claim_sent_back_carries_its_badge(status, badge):
    claim = factories.ClaimFactory(status=status)
    claim.changes_requested = True
    assert line(claim).css_first(".changes-badge").text() == badge


def test_its_words_follow_the_interface_language():
    claim = factories.ClaimFactory(status="researching", article=factories.ArticleFactory(outlet=""))
    claim.changes_requested = True
    with translation.override("es"):
        tree = line(claim)
    assert tree.css_first(".changes-badge").text() != "Changes requested"
    assert not tree.css_first("div.muted").text().startswith("in ")


@pytest.mark.parametrize("language", ["en-gb", "ar", "es", "fr"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/New_York"])
def test_the_timestamp_reads_as_the_date_filters_do_in_every_language_and_zone(language, zone):
    filters = engines["django"].from_string(
        """<time datetime="{{ moment|date:'c' }}">{{ moment|date:"j M Y, H:i" }}</time>"""
    )
    for month in range(1, 13):
        moment = datetime.datetime(2026, month, 3, 23, 5, 7, 123456, tzinfo=datetime.UTC)
        with translation.override(language), timezone.override(zone):
            assert str(timestamp(moment)) == filters.render({"moment": moment})
    assert str(timestamp(None)) == ""

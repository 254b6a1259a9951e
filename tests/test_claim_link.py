"""The claim's line in My claims and the review queue (``{% claim_link claim %}``)."""

from __future__ import annotations

import pytest
from django.utils import translation
from selectolax.lexbor import LexborHTMLParser

from annotations.templatetags.claim_tags import claim_link
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

"""Check-worthiness suggestions in a real browser: reasons shown, Accept anchors a claim, Dismiss sticks."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Claim, SuggestionDismissal
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOBS = "Officials claimed that unemployment fell to 6 percent, the lowest level since 2009."
BUDGET = "The city council approved a budget of 4.2 million euros on Tuesday, the mayor said."


def open_article(page: Page, live_server, login):
    user = factories.FactCheckerFactory()
    article = factories.ArticleFactory()
    login(page, user)
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    return article, page.get_by_role("region", name="Suggested claims to check")


def test_accept_turns_the_suggested_sentence_into_an_anchored_highlighted_claim(page: Page, live_server, login):
    article, suggestions = open_article(page, live_server, login)
    item = suggestions.get_by_role("listitem").filter(has_text=JOBS)
    expect(item).to_contain_text("contains a percentage; contains a date; makes a comparison")

    item.get_by_role("button", name="Accept").click()

    expect(suggestions.get_by_role("listitem").filter(has_text=JOBS)).to_have_count(0)
    expect(suggestions.get_by_role("listitem").filter(has_text=BUDGET)).to_have_count(1)
    claim = Claim.objects.get(article=article)
    assert claim.exact == JOBS
    assert article.body[claim.start:claim.end] == JOBS
    # The article text reloads on claim-changed and highlights the new claim on that sentence.
    highlight = page.locator("#article-text mark.hl")
    expect(highlight.first).to_be_visible()
    assert "".join(highlight.all_text_contents()) == JOBS


def test_dismiss_hides_the_suggestion_and_it_stays_hidden_after_reload(page: Page, live_server, login):
    article, suggestions = open_article(page, live_server, login)
    suggestions.get_by_role("listitem").filter(has_text=BUDGET).get_by_role("button", name="Dismiss").click()

    expect(suggestions.get_by_role("listitem").filter(has_text=BUDGET)).to_have_count(0)
    page.reload()
    suggestions = page.get_by_role("region", name="Suggested claims to check")
    expect(suggestions.get_by_role("listitem").filter(has_text=JOBS)).to_have_count(1)
    expect(suggestions.get_by_role("listitem").filter(has_text=BUDGET)).to_have_count(0)
    assert SuggestionDismissal.objects.filter(article=article, sentence=BUDGET).exists()
    assert not Claim.objects.exists()


def test_the_claim_panel_lists_a_similar_claim_and_an_editor_links_it_as_precedent(page: Page, live_server, login):
    """Similar claims live in the claim panel (lazy-loaded); linking shows the precedent verdict."""
    editor = factories.EditorFactory()
    mine = factories.ClaimFactory(phrase="unemployment fell to 6 percent", statement="Unemployment fell to 6 percent")
    other = factories.ClaimFactory(
        phrase="unemployment fell to 6 percent", statement="Unemployment fell to 6 percent, the lowest since 2009",
        status="published", verdict=factories.rating("false"),
    )
    login(page, editor)
    page.goto(f"{live_server.url}/articles/{mine.article_id}/")
    page.locator("#article-text mark.hl").first.click()
    similar = page.locator("#claim-panel").get_by_role("region", name="Similar claims")
    item = similar.get_by_role("listitem").filter(has_text="the lowest since 2009")
    expect(item).to_contain_text("False")
    expect(item).to_contain_text("Published")

    item.get_by_role("button", name="Link as same claim").click()

    similar = page.locator("#claim-panel").get_by_role("region", name="Similar claims")
    expect(similar).to_contain_text("Precedent: False")
    expect(similar.get_by_role("heading", name="Linked claims")).to_be_visible()
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.group_id is not None and mine.group_id == other.group_id

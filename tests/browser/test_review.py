"""Browser: a fact-checker submits a claim, a second person (an editor) publishes it from the review queue."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from annotations.models import Claim, ClaimEvent, ClaimStatus, Notification
from tests import factories
from tests.factories import rating

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def researched_claim(checker, article, *, phrase: str, verdict_by=None) -> Claim:
    claim = factories.ClaimFactory(
        article=article, phrase=phrase, status=ClaimStatus.RESEARCHING, assignee=checker,
        verdict=rating("mostly-false"), verdict_by=verdict_by or checker,
        rationale="The labour office reports 7.1 percent for the same quarter.",
        statement=f"Claim about {phrase}",
    )
    factories.SourceFactory(claim=claim, url="https://stats.example.org/labour/q3")
    return claim


def review_section(page, claim: Claim):
    return page.locator(f"#claim-actions-{claim.pk}")


def test_fact_checker_submits_and_another_editor_publishes(page, browser, live_server, login):
    checker = factories.FactCheckerFactory()
    editor = factories.EditorFactory()
    article = factories.ArticleFactory()
    claim = researched_claim(checker, article, phrase="unemployment fell to 6 percent")

    # The fact-checker submits from the claim panel on the article page.
    login(page, checker)
    page.goto(f"{live_server.url}/articles/{article.pk}/?claim={claim.pk}")
    actions = review_section(page, claim)
    expect(actions.get_by_text("Status: Researching")).to_be_visible()
    expect(actions.get_by_role("button", name="Publish")).to_have_count(0)
    actions.get_by_role("button", name="Submit for review").click()
    expect(review_section(page, claim).get_by_text("Status: In review")).to_be_visible()
    expect(review_section(page, claim).get_by_role("button", name="Submit for review")).to_have_count(0)

    # The editor, in a second browser context, sees the notification and the review queue.
    editor_context = browser.new_context(viewport={"width": 1280, "height": 800})
    editor_page = editor_context.new_page()
    login(editor_page, editor)
    expect(editor_page.get_by_role("link", name=re.compile(r"Notifications \(1 unread\)"))).to_be_visible()
    editor_page.get_by_role("link", name="Review queue").click()
    expect(editor_page.get_by_role("heading", name="Review queue")).to_be_visible()
    editor_page.get_by_role("link", name=claim.statement).click()
    editor_actions = review_section(editor_page, claim)
    expect(editor_actions.get_by_text("Status: In review")).to_be_visible()
    editor_actions.get_by_role("button", name="Publish", exact=True).click()
    expect(review_section(editor_page, claim).get_by_text("Status: Published")).to_be_visible()
    expect(review_section(editor_page, claim).get_by_text("In review → Published")).to_be_visible()
    editor_context.close()

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PUBLISHED
    assert claim.reviewed_by == editor
    steps = list(
        ClaimEvent.objects.filter(claim_ref=claim.pk, kind=ClaimEvent.Kind.TRANSITION)
        .values_list("from_status", "to_status", "actor")
    )
    assert steps == [
        (ClaimStatus.RESEARCHING, ClaimStatus.IN_REVIEW, checker.pk),
        (ClaimStatus.IN_REVIEW, ClaimStatus.PUBLISHED, editor.pk),
    ]
    assert Notification.objects.filter(recipient=checker, kind=Notification.Kind.PUBLISHED).exists()


def test_an_editor_cannot_publish_a_verdict_they_set(page, live_server, login):
    checker = factories.FactCheckerFactory()
    editor = factories.EditorFactory()
    article = factories.ArticleFactory()
    claim = researched_claim(checker, article, phrase="a budget of 4.2 million euros", verdict_by=editor)
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.IN_REVIEW)

    login(page, editor)
    page.get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("heading", name="Needs another editor (1)")).to_be_visible()
    page.get_by_role("link", name=claim.statement).click()
    actions = review_section(page, claim)
    expect(actions.get_by_text("another editor must publish it (two-person rule)")).to_be_visible()
    expect(actions.get_by_role("button", name="Publish", exact=True)).to_have_count(0)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW

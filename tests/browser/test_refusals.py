"""Browser: a refused htmx request shows the server's reasons in place (static/js/htmx-errors.js)."""

from __future__ import annotations

import pytest
from django.db.models import F
from playwright.sync_api import expect

from annotations.models import Claim, ClaimStatus
from tests import factories
from tests.factories import rating

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_stale_publish_shows_the_conflict_in_the_review_section(page, live_server, login):
    checker = factories.FactCheckerFactory()
    editor = factories.EditorFactory()
    claim = factories.ClaimFactory(
        status=ClaimStatus.IN_REVIEW, assignee=checker, verdict=rating("false"), verdict_by=checker,
        rationale="The labour office reports 7.1 percent.", statement="Unemployment fell to 6 percent",
    )
    factories.SourceFactory(claim=claim)

    login(page, editor)
    page.goto(f"{live_server.url}/articles/{claim.article_id}/?claim={claim.pk}")
    actions = page.locator(f"#claim-actions-{claim.pk}")
    expect(actions.get_by_text("Status: In review")).to_be_visible()
    Claim.objects.filter(pk=claim.pk).update(version=F("version") + 1)  # someone else saved meanwhile

    with page.expect_response(lambda response: "/transition/publish/" in response.url) as answer:
        actions.get_by_role("button", name="Publish", exact=True).click()

    assert answer.value.status == 409
    expect(page.locator(f"#claim-actions-{claim.pk}").get_by_role("alert")).to_contain_text("changed by someone else")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW

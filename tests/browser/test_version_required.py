"""Browser: a write that does not say which claim version it was made on is refused with 428,
and the page shows why (static/js/htmx-errors.js swaps 428 like the other refusals)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from annotations.models import Claim, ClaimStatus, Comment
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MESSAGE = "Reload the claim: this change did not say which version it was made on."


def test_a_comment_without_a_version_shows_the_reason_and_keeps_the_text(page, live_server, login):
    checker = factories.FactCheckerFactory()
    claim = factories.ClaimFactory(status=ClaimStatus.RESEARCHING, assignee=checker)
    login(page, checker)
    page.goto(f"{live_server.url}/articles/{claim.article_id}/#claim-{claim.pk}")
    comment = page.locator("#comment-body")
    expect(comment).to_be_visible()
    comment.fill("Checked the Q3 table.")
    page.locator("#comment-add").evaluate("button => button.form.querySelector('[name=version]').remove()")

    with page.expect_response(lambda response: "/comments/" in response.url) as answer:
        page.locator("#comment-add").click()

    assert answer.value.status == 428
    expect(page.locator("#annotate-alert")).to_contain_text(MESSAGE)
    expect(page.locator("#comment-body")).to_have_value("Checked the Q3 table.")
    assert not Comment.objects.exists()


def test_a_review_step_without_a_version_shows_the_reason_in_the_review_section(page, live_server, login):
    editor = factories.EditorFactory()
    claim = factories.ClaimFactory(status=ClaimStatus.NEW)
    login(page, editor)
    page.goto(f"{live_server.url}/articles/{claim.article_id}/?claim={claim.pk}")
    actions = page.locator(f"#claim-actions-{claim.pk}")
    take = actions.get_by_role("button", name="Take this claim")
    expect(take).to_be_visible()
    take.evaluate("button => button.form.querySelector('[name=version]').remove()")

    with page.expect_response(lambda response: "/transition/take/" in response.url) as answer:
        take.click()

    assert answer.value.status == 428
    expect(page.locator(f"#claim-actions-{claim.pk}").get_by_role("alert")).to_contain_text(MESSAGE)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.NEW

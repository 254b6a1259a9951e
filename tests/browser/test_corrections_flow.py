"""Browser: published means locked. A checker who edits a published claim is offered a correction; a second
person, an editor, reviews and publishes it; the public report shows it. At desktop and phone widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from annotations import services, workflow
from annotations.models import Claim, ClaimCorrection, ClaimEvent, ClaimStatus, Notification
from tests import factories
from tests.factories import rating

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]
OLD_RATIONALE = "The labour office reports 7.1 percent for the same quarter."
NEW_RATIONALE = "The office revised the quarter to 6.4 percent; the claim is still wrong, by less."
NOTE = "The labour office revised its figure after publication."


def panel(page: Page):
    return page.locator("#claim-panel")


def no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0


def researched_claim(checker, article) -> Claim:
    claim = factories.ClaimFactory(
        article=article, status=ClaimStatus.RESEARCHING, assignee=checker, verdict=rating("false"),
        verdict_by=checker, rationale=OLD_RATIONALE, statement="Unemployment fell to 6 percent",
    )
    factories.SourceFactory(claim=claim, url="https://stats.example.org/labour/q3", title="Labour survey Q3")
    return claim


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["1280px", "390px"])
def test_a_checker_proposes_a_correction_and_an_editor_publishes_it(page, browser, live_server, login, viewport):
    checker = factories.FactCheckerFactory(first_name="Chris", last_name="Checker")
    publisher = factories.EditorFactory(first_name="Pat", last_name="Publisher")
    reviewer = factories.EditorFactory(first_name="Erin", last_name="Editor")
    article = factories.ArticleFactory()
    claim = researched_claim(checker, article)
    page.set_viewport_size(viewport)

    # The checker has the claim open while it is still theirs to edit...
    login(page, checker)
    page.goto(f"{live_server.url}/articles/{article.pk}/?claim={claim.pk}")
    expect(page.locator("#annotator[data-ready]")).to_be_attached()
    expect(panel(page).get_by_role("heading", name=f"Claim #{claim.pk}", exact=True)).to_be_visible()
    # ...and meanwhile it is submitted and published (another tab, another editor).
    claim = workflow.apply(claim, checker, "submit")
    workflow.apply(claim, publisher, "publish")

    # Editing it now is refused: the panel offers a correction holding what was typed.
    panel(page).get_by_label("Rationale").fill(NEW_RATIONALE)
    panel(page).get_by_role("button", name="Save verdict").click()
    expect(panel(page).get_by_role("alert").filter(has_text="This claim is published: propose a correction.")) \
        .to_be_visible()
    proposal = panel(page).locator("details.propose-correction")
    expect(proposal).to_have_attribute("open", "")
    expect(panel(page).get_by_role("button", name="Save verdict")).to_have_count(0)
    expect(proposal.get_by_label("Rationale")).to_have_value(NEW_RATIONALE)
    claim.refresh_from_db()
    assert claim.rationale == OLD_RATIONALE and claim.status == ClaimStatus.PUBLISHED
    no_horizontal_scroll(page)

    proposal.get_by_label("Public correction note").fill(NOTE)
    proposal.get_by_role("button", name="Propose correction").click()
    expect(panel(page).get_by_role("status").filter(has_text="Correction proposed")).to_be_visible()
    expect(panel(page).locator(".correction-table")).to_contain_text(NEW_RATIONALE)
    # Not the proposer's to publish.
    expect(panel(page).get_by_role("button", name="Publish correction")).to_have_count(0)
    correction = ClaimCorrection.objects.get(claim=claim)
    assert correction.proposed_by == checker and correction.status == ClaimCorrection.Status.PROPOSED

    # A second person, an editor who did not propose it, opens it from the notification.
    editor_context = browser.new_context(viewport=viewport)
    editor_page = editor_context.new_page()
    login(editor_page, reviewer)
    editor_page.goto(f"{live_server.url}/review/notifications/")
    told = editor_page.locator(".notification-correction_proposed")
    expect(told).to_contain_text(f"#{claim.pk}")
    told.get_by_role("link").click()
    expect(editor_page.locator("#annotator[data-ready]")).to_be_attached()
    editor_panel = panel(editor_page)
    expect(editor_panel.get_by_role("heading", name=f"Claim #{claim.pk}", exact=True)).to_be_visible()
    rows = editor_panel.locator(".correction-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(OLD_RATIONALE)
    expect(rows.first).to_contain_text(NEW_RATIONALE)
    assert not Notification.objects.filter(recipient=reviewer, claim=claim, read_at__isnull=True).exists()
    no_horizontal_scroll(editor_page)
    editor_panel.get_by_role("button", name="Publish correction").click()
    expect(editor_panel.get_by_role("status").filter(has_text="Correction published")).to_be_visible()
    expect(editor_panel.locator("[data-review-actions] .verdict-history")).to_contain_text(NOTE)

    claim.refresh_from_db()
    assert claim.rationale == NEW_RATIONALE and claim.status == ClaimStatus.PUBLISHED
    event = ClaimEvent.objects.get(claim_ref=claim.pk, kind=ClaimEvent.Kind.CORRECTED)
    assert (event.actor, event.is_public, event.note, event.via) == (reviewer, True, NOTE, "browser")
    assert Notification.objects.filter(recipient=checker, claim=claim, kind=Notification.Kind.CORRECTED).exists()

    # The public report shows the correction: when, what changed (old → new), the note, and who.
    # (The public report is a download: fetch it with the editor's session and show it in the page.)
    report_response = editor_page.request.get(
        f"{live_server.url}/exports/articles/{article.pk}/html/?published_only=1"
    )
    assert report_response.ok
    editor_page.set_content(report_response.text())
    report = editor_page.locator("ul.corrections")
    expect(report).to_contain_text(NOTE)
    change = rf"Rationale: “{re.escape(OLD_RATIONALE)}” → “{re.escape(NEW_RATIONALE)}”"
    expect(report).to_contain_text(re.compile(change))
    expect(editor_page.locator("body")).to_contain_text("Erin Editor")
    no_horizontal_scroll(editor_page)
    editor_context.close()


def test_a_stale_panel_says_so_without_reloading_and_lists_what_changed(page, browser, live_server, login):
    checker = factories.FactCheckerFactory()
    reviewer = factories.EditorFactory()
    article = factories.ArticleFactory()
    claim = researched_claim(checker, article)
    claim = workflow.apply(claim, checker, "submit")

    page.clock.install()  # time flows as usual; fast_forward below stands in for waiting 15 s
    login(page, reviewer)
    page.goto(f"{live_server.url}/articles/{article.pk}/?claim={claim.pk}")
    expect(page.locator("#annotator[data-ready]")).to_be_attached()
    expect(panel(page).get_by_role("heading", name=f"Claim #{claim.pk}", exact=True)).to_be_visible()
    page.clock.fast_forward(16_000)
    expect(panel(page).locator(".stale-banner")).to_have_count(0)  # nothing changed yet: 204, nothing shown

    # The checker withdraws it and changes the verdict while the editor's panel is open.
    claim = workflow.apply(claim, checker, "withdraw", note="One more source.")
    services.update_claim(claim, user=checker, expected_version=claim.version, changes={"verdict": rating("true")})
    page.clock.fast_forward(16_000)
    banner = panel(page).locator(".stale-banner")
    expect(banner).to_contain_text("This claim changed since you opened it")
    expect(banner).to_contain_text("False")
    expect(banner).to_contain_text("True")
    banner.get_by_role("button", name="Reload the claim").click()
    expect(panel(page).locator(".stale-banner")).to_have_count(0)
    expect(panel(page).locator(".claim-tags .verdict-pill")).to_have_text("True")

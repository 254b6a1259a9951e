"""No lost work (issue 16, item 3): drafts of the claim panel, warnings before unsaved changes
are set aside, and "Accept" on a suggestion opening the new claim."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from annotations import services
from annotations.models import Claim
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAFT = "Half-written rationale: the survey says 7.1 percent."
VIEWPORTS = {
    "1280px": {"viewport": {"width": 1280, "height": 800}},
    "390px-touch": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}


def panel(page: Page):
    return page.locator("#claim-panel")


def heading(page: Page, claim: Claim):
    return panel(page).get_by_role("heading", name=f"Claim #{claim.pk}", exact=True)


def two_claims(checker):
    article = factories.ArticleFactory()
    first = factories.ClaimFactory(article=article, created_by=checker, statement="First claim")
    second = factories.ClaimFactory(
        article=article, created_by=checker, phrase="approved a budget of 4.2 million euros", statement="Second claim"
    )
    return article, first, second


def open_article(page: Page, live_server, article, query: str = "") -> None:
    page.goto(f"{live_server.url}/articles/{article.pk}/{query}")
    expect(page.locator("#annotator[data-ready]")).to_be_attached()


def choose_in_list(page: Page, claim: Claim, phone: bool) -> None:
    entry = page.locator(f"#claim-{claim.pk} .claim-open")
    if phone:
        entry.tap()
    else:
        entry.click()


@pytest.mark.parametrize("device", VIEWPORTS, ids=list(VIEWPORTS))
def test_a_draft_survives_switching_claims_and_is_dropped_once_saved(browser, live_server, login, device):
    context = browser.new_context(**VIEWPORTS[device])
    page = context.new_page()
    phone = device != "1280px"
    checker = factories.FactCheckerFactory()
    article, first, second = two_claims(checker)
    login(page, checker)
    open_article(page, live_server, article, f"?claim={first.pk}")
    expect(heading(page, first)).to_be_visible()
    panel(page).get_by_label("Rationale").fill(DRAFT)

    # Switching claims (on a phone: back to the text first) asks before setting the typing aside.
    if phone:
        panel(page).get_by_role("button", name="Back to text").tap()
    else:
        choose_in_list(page, second, phone)
    question = panel(page).get_by_role("alertdialog")
    expect(question).to_contain_text(f"You have unsaved changes to Claim #{first.pk}")
    expect(question.get_by_role("button", name="Keep editing")).to_be_focused()
    question.get_by_role("button", name="Keep draft and continue").click()
    if phone:
        expect(heading(page, first)).to_have_count(0)
        choose_in_list(page, second, phone)
    expect(heading(page, second)).to_be_visible()
    expect(panel(page).get_by_label("Rationale")).to_have_value("")

    # Back on the first claim, the draft is restored and says so.
    if phone:
        panel(page).get_by_role("button", name="Back to text").tap()
    choose_in_list(page, first, phone)
    expect(heading(page, first)).to_be_visible()
    expect(panel(page).get_by_label("Rationale")).to_have_value(DRAFT)
    expect(panel(page).get_by_role("status").filter(has_text="Draft restored")).to_contain_text("Rationale")

    # Saving it drops the draft: no notice next time, and nothing to warn about.
    panel(page).get_by_role("button", name="Save verdict").click()
    expect(panel(page).get_by_text("Verdict saved.")).to_be_visible()
    first.refresh_from_db()
    assert first.rationale == DRAFT
    if phone:
        panel(page).get_by_role("button", name="Back to text").tap()
    choose_in_list(page, second, phone)
    expect(heading(page, second)).to_be_visible()
    if phone:
        panel(page).get_by_role("button", name="Back to text").tap()
    choose_in_list(page, first, phone)
    expect(heading(page, first)).to_be_visible()
    expect(panel(page).get_by_label("Rationale")).to_have_value(DRAFT)
    expect(panel(page).locator(".draft-notice")).to_have_count(0)
    context.close()


def test_closing_asks_first_and_discard_brings_back_the_stored_values(page: Page, live_server, login):
    checker = factories.FactCheckerFactory()
    article, first, _ = two_claims(checker)
    login(page, checker)
    open_article(page, live_server, article, f"?claim={first.pk}")
    panel(page).get_by_label("Statement").fill("A statement I did not save")

    panel(page).get_by_role("button", name="Close").click()
    question = panel(page).get_by_role("alertdialog")
    question.get_by_role("button", name="Keep editing").click()
    expect(question).to_have_count(0)
    expect(panel(page).get_by_label("Statement")).to_be_focused()
    expect(panel(page).get_by_label("Statement")).to_have_value("A statement I did not save")

    # Esc asks the same question; Discard closes and forgets the draft.
    page.keyboard.press("Escape")
    panel(page).get_by_role("alertdialog").get_by_role("button", name="Discard changes").click()
    expect(heading(page, first)).to_have_count(0)
    expect(page.locator(f"#article-text mark.hl[data-claims~='{first.pk}']").first).to_be_focused()
    page.locator(f"#claim-{first.pk} .claim-open").click()
    expect(panel(page).get_by_label("Statement")).to_have_value("First claim")
    expect(panel(page).locator(".draft-notice")).to_have_count(0)


def test_leaving_the_page_with_unsaved_changes_asks_and_the_draft_survives_a_reload(page: Page, live_server, login):
    checker = factories.FactCheckerFactory()
    article, first, _ = two_claims(checker)
    login(page, checker)
    open_article(page, live_server, article, f"?claim={first.pk}")
    rationale = panel(page).get_by_label("Rationale")
    rationale.click()
    page.keyboard.type(DRAFT)

    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Articles").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert re.search(rf"/articles/{article.pk}/", page.url)
    expect(rationale).to_have_value(DRAFT)

    # Even a reload (answered "leave") keeps the draft on this device.
    page.remove_listener("dialog", answer)
    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    expect(page.locator("#annotator[data-ready]")).to_be_attached()
    expect(heading(page, first)).to_be_visible()
    expect(panel(page).get_by_label("Rationale")).to_have_value(DRAFT)
    expect(panel(page).get_by_role("status").filter(has_text="Draft restored")).to_be_visible()


def test_a_draft_never_hides_a_later_change_by_someone_else(page: Page, live_server, login):
    checker = factories.FactCheckerFactory()
    other = factories.FactCheckerFactory()
    article, first, second = two_claims(checker)
    login(page, checker)
    open_article(page, live_server, article, f"?claim={first.pk}")
    panel(page).get_by_label("Rationale").fill(DRAFT)
    page.locator(f"#claim-{second.pk} .claim-open").click()
    panel(page).get_by_role("button", name="Keep draft and continue").click()
    expect(heading(page, second)).to_be_visible()

    first.refresh_from_db()
    services.update_claim(first, user=other, expected_version=first.version, changes={"rationale": "Their rationale"})

    page.locator(f"#claim-{first.pk} .claim-open").click()
    expect(heading(page, first)).to_be_visible()
    expect(panel(page).get_by_label("Rationale")).to_have_value("Their rationale")
    notice = panel(page).locator(".draft-notice")
    expect(notice).to_contain_text("Not restored: Rationale was changed by someone since your draft")
    notice.locator("summary").click()
    expect(notice).to_contain_text(DRAFT)


@pytest.mark.parametrize("device", VIEWPORTS, ids=list(VIEWPORTS))
def test_accepting_a_suggestion_opens_the_new_claim(browser, live_server, login, device):
    context = browser.new_context(**VIEWPORTS[device])
    page = context.new_page()
    article = factories.ArticleFactory()
    login(page, factories.FactCheckerFactory())
    open_article(page, live_server, article)
    suggestions = page.get_by_role("region", name="Suggested claims to check")
    sentence = "Officials claimed that unemployment fell to 6 percent, the lowest level since 2009."
    accept = suggestions.get_by_role("listitem").filter(has_text=sentence).get_by_role("button", name="Accept")
    if device == "1280px":
        accept.click()
    else:
        accept.tap()

    claim_heading = panel(page).get_by_role("heading", name=re.compile(r"^Claim #\d+$"))
    expect(claim_heading).to_be_visible()
    claim = Claim.objects.get(article=article)
    expect(heading(page, claim)).to_be_focused()
    expect(panel(page).locator("blockquote.claim-quote")).to_have_text(sentence)
    expect(page.locator(f"#claim-{claim.pk}")).to_have_class(re.compile(r"\bis-selected\b"))
    context.close()


def test_adding_a_claim_while_the_panel_has_unsaved_changes_asks_first(page: Page, live_server, login):
    checker = factories.FactCheckerFactory()
    article, first, _ = two_claims(checker)
    login(page, checker)
    open_article(page, live_server, article, f"?claim={first.pk}")
    panel(page).get_by_label("Rationale").fill(DRAFT)
    page.locator("#article-text").evaluate(
        """text => {
            const node = [...text.querySelectorAll('.seg')].map((s) => s.firstChild)
              .find((n) => n && n.data.includes('Residents gathered'));
            const start = node.data.indexOf('Residents gathered');
            document.getSelection().setBaseAndExtent(node, start, node, start + 'Residents gathered'.length);
        }"""
    )
    page.get_by_role("button", name="Add claim").click()
    panel(page).get_by_role("alertdialog").get_by_role("button", name="Keep draft and continue").click()
    expect(panel(page).get_by_role("heading", name=re.compile(r"^Claim #\d+$"))).not_to_have_text(f"Claim #{first.pk}")
    new = Claim.objects.exclude(pk__in=[first.pk]).get(exact="Residents gathered")
    expect(heading(page, new)).to_be_visible()
    page.locator(f"#claim-{first.pk} .claim-open").click()
    expect(panel(page).get_by_label("Rationale")).to_have_value(DRAFT)

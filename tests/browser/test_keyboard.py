"""Keyboard everywhere (issue 16, item 1): caret browsing in the article text.

A keyboard-only user reaches the text with Tab, moves a caret anywhere with the arrow keys,
selects from it with Shift, adds the claim (Tab to "Add claim", or Alt+C), researches and
submits it, and Esc brings them back to the highlight. These tests use no mouse at all:
only ``page.keyboard``, and ``page.evaluate`` to read what the page shows.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from annotations import workflow
from annotations.models import Claim, ClaimCorrection, ClaimEvent, ClaimStatus
from annotations.public_links import public_claim_path
from tests import factories
from tests.browser.helpers import press_until, state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SENTENCE = "The port authority admitted the cost had doubled to 40 million pounds."
BODY = "\n\n".join([
    "Harbour dredging to go ahead, council confirms.",
    "The council approved the plan on Tuesday after a long debate.",
    "Fishermen said the channel had silted up over the winter.",
    "Residents asked whether the work would close the beach.",
    f"Dredging began in May. {SENTENCE} Critics were not surprised.",
    "The work should end before the summer festival.",
])

#: What the keyboard user is on: the focused element and the text around the caret.


def tab_to(page: Page, matches, *, limit: int = 120, backwards: bool = False) -> dict:
    """Press Tab (Shift+Tab) until ``matches(state)`` holds, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = state(page)
        if matches(now):
            return now
    raise AssertionError(f"never reached the wanted element with Tab; last focus: {state(page)['focused']}")


def keyboard_login(page: Page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, lambda s: s["label"].startswith("Username"))
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/articles/")


def test_a_keyboard_user_selects_a_sentence_in_paragraph_five_adds_and_submits_a_claim(page: Page, live_server):
    checker = factories.FactCheckerFactory()
    article = factories.ArticleFactory(body=BODY)
    keyboard_login(page, live_server, checker)
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator("#annotator[data-ready]")).to_be_attached()
    expect(page.locator("#annotate-hint")).to_contain_text("move the caret with the arrow keys")

    # Tab reaches the text: a visible caret at its start.
    now = tab_to(page, lambda s: s["id"] == "article-text")
    assert now["collapsed"] and now["after"].startswith("Harbour"), now
    expect(page.locator(".text-caret")).to_be_visible()

    # Down to paragraph 5 (Ctrl+Down: by paragraph; Down: by line), then along it.
    for _ in range(4):
        page.keyboard.press("Control+ArrowDown")
    assert state(page)["after"].startswith("Dredging"), state(page)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert state(page)["after"].startswith("Dredging"), state(page)
    page.keyboard.press("Control+ArrowRight")
    press_until(page, "ArrowRight", lambda s: s["after"].startswith("The port"))
    assert state(page)["collapsed"], "plain arrows move the caret without selecting"

    # Shift+Ctrl+arrows select word by word from the caret, Shift+arrows character by character.
    press_until(page, "Control+Shift+ArrowRight", lambda s: s["selected"].endswith("pounds"))
    page.keyboard.press("Shift+ArrowRight")
    assert state(page)["selected"] == SENTENCE
    add = page.get_by_role("button", name="Add claim")
    expect(add).to_be_visible()

    # Esc clears the selection but keeps the caret; select again, backwards this time.
    page.keyboard.press("Escape")
    expect(add).to_be_hidden()
    assert state(page)["collapsed"] and state(page)["after"].startswith(" Critics"), state(page)
    press_until(page, "Control+Shift+ArrowLeft", lambda s: s["selected"].startswith("The port"))
    assert state(page)["selected"] == SENTENCE

    # "Add claim" is the next Tab stop (Shift+Tab goes back, the selection kept); Enter adds
    # the claim and opens it.
    page.keyboard.press("Tab")
    assert state(page)["text"] == "Add claim"
    page.keyboard.press("Shift+Tab")
    assert (state(page)["id"], state(page)["selected"]) == ("article-text", SENTENCE)
    page.keyboard.press("Tab")
    assert state(page)["text"] == "Add claim"
    page.keyboard.press("Enter")
    panel = page.locator("#claim-panel")
    expect(panel.get_by_role("heading", name=re.compile(r"^Claim #\d+$"))).to_be_visible()
    claim = Claim.objects.get(article=article)
    assert claim.exact == SENTENCE
    assert (claim.start, claim.end) == (BODY.index(SENTENCE), BODY.index(SENTENCE) + len(SENTENCE))

    # Research it without a mouse: statement, take it, source, verdict, then submit.
    expect(panel.get_by_label("Statement")).to_be_focused()
    page.keyboard.type("Dredging cost doubled to 40 million pounds.")
    tab_to(page, lambda s: s["text"] == "Save")
    page.keyboard.press("Enter")
    expect(panel.get_by_text("Claim saved.")).to_be_visible()

    tab_to(page, lambda s: s["text"] == "Take this claim")
    page.keyboard.press("Enter")
    expect(panel.locator(".claim-tags .status-pill")).to_have_text("Researching")

    tab_to(page, lambda s: s["label"].startswith("URL"))
    page.keyboard.type("https://port.example.org/accounts/2024")
    tab_to(page, lambda s: s["text"] == "Add source")
    page.keyboard.press("Enter")
    expect(panel.get_by_text("Source added.")).to_be_visible()

    tab_to(page, lambda s: s["label"].startswith("Verdict"), backwards=True)
    page.keyboard.type("False")
    expect(panel.get_by_role("combobox", name="Verdict")).to_have_value(str(factories.rating("false").pk))
    page.keyboard.press("Tab")
    page.keyboard.type("The accounts show 38 million pounds: close to double.")
    tab_to(page, lambda s: s["text"] == "Save verdict")
    page.keyboard.press("Enter")
    expect(panel.get_by_text("Verdict saved.")).to_be_visible()

    tab_to(page, lambda s: s["text"] == "Submit for review")
    page.keyboard.press("Enter")
    expect(panel.locator(".claim-tags .status-pill")).to_have_text("In review")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW
    assert claim.rationale == "The accounts show 38 million pounds: close to double."

    # Esc closes the panel and returns focus to the claim's highlight.
    page.keyboard.press("Escape")
    expect(panel.get_by_role("heading", name=re.compile(r"^Claim #"))).to_have_count(0)
    expect(page.locator(f"#article-text mark.hl[data-claims~='{claim.pk}']").first).to_be_focused()


def test_an_editor_reviews_and_publishes_from_the_queue_without_a_mouse(page: Page, live_server):
    checker = factories.FactCheckerFactory()
    editor = factories.EditorFactory()
    article = factories.ArticleFactory(body=BODY)
    claim = factories.ClaimFactory(
        article=article, phrase=SENTENCE, status=ClaimStatus.RESEARCHING, assignee=checker,
        verdict=factories.rating("false"), verdict_by=checker, rationale="The accounts say otherwise.",
    )
    factories.SourceFactory(claim=claim)
    workflow.apply(claim, checker, "submit")
    keyboard_login(page, live_server, editor)
    page.goto(f"{live_server.url}/review/queue/")
    tab_to(page, lambda s: s["focused"].startswith("a") and f"#{claim.pk}" in s["focused"])
    page.keyboard.press("Enter")
    panel = page.locator("#claim-panel")
    expect(panel.get_by_role("heading", name=f"Claim #{claim.pk}", exact=True)).to_be_visible()
    tab_to(page, lambda s: s["text"] == "Publish")
    page.keyboard.press("Enter")
    expect(panel.locator(".claim-tags .status-pill")).to_have_text("Published")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PUBLISHED


def test_in_right_to_left_text_the_arrows_follow_the_reading_direction(page: Page, live_server):
    body = "مقدمة قصيرة.\n\nقال الوزير إن البطالة انخفضت إلى ستة في المئة."
    phrase = "قال الوزير"
    article = factories.ArticleFactory(body=body, language="ar")
    keyboard_login(page, live_server, factories.FactCheckerFactory())
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator("#annotator[data-ready]")).to_be_attached()
    expect(page.locator("#article-text .para").last).to_have_attribute("dir", "auto")

    tab_to(page, lambda s: s["id"] == "article-text")
    page.keyboard.press("Control+ArrowDown")
    assert state(page)["after"].startswith("قال"), state(page)
    # In right-to-left text, Shift+Left selects forwards (towards the end of the sentence).
    for _ in range(len(phrase)):
        page.keyboard.press("Shift+ArrowLeft")
    assert state(page)["selected"] == phrase
    page.keyboard.press("Alt+c")

    expect(page.locator("#claim-panel").get_by_role("heading", name=re.compile(r"^Claim #\d+$"))).to_be_visible()
    claim = Claim.objects.get(article=article)
    assert (claim.start, claim.exact) == (body.index(phrase), phrase)


@pytest.mark.parametrize(
    ("context_args", "wording"),
    [
        ({"viewport": {"width": 1280, "height": 800}}, "move the caret with the arrow keys"),
        ({"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
         "Select text with your finger, then tap Add claim."),
    ],
    ids=["1280px-keyboard", "390px-touch"],
)
def test_the_hint_fits_the_device(browser, live_server, context_args, wording):
    context = browser.new_context(**context_args)
    page = context.new_page()
    try:
        keyboard_login(page, live_server, factories.FactCheckerFactory())
        article = factories.ArticleFactory()
        page.goto(f"{live_server.url}/articles/{article.pk}/")
        expect(page.locator("#annotator[data-ready]")).to_be_attached()
        hint = page.locator("#annotate-hint")
        expect(hint).to_contain_text(wording)
        assert wording in hint.inner_text()
        other = "Select text with your finger" if "caret" in wording else "arrow keys"
        assert other not in hint.inner_text()
    finally:
        context.close()


def assert_focus_kept(page: Page) -> None:
    """Focus lands inside the page after an htmx swap (the swap settles a moment after the status shows)."""
    page.wait_for_function("() => document.activeElement && document.activeElement !== document.body", timeout=5000)


def test_a_checker_proposes_and_an_editor_publishes_a_correction_without_a_mouse(browser, live_server):
    """Issue 16 item 1, "correct": both halves of a correction, Tab/Shift+Tab/Enter and typing only."""
    old_rationale = "The accounts show 38 million pounds: close to double."
    new_rationale = "The audited accounts show 41 million pounds: more than double."
    note = "The port authority published audited accounts after we published."
    checker = factories.FactCheckerFactory()
    editor = factories.EditorFactory()
    article = factories.ArticleFactory(body=BODY)
    claim = factories.ClaimFactory(
        article=article, phrase=SENTENCE, status=ClaimStatus.RESEARCHING, assignee=checker,
        verdict=factories.rating("false"), verdict_by=checker, rationale=old_rationale,
    )
    factories.SourceFactory(claim=claim)
    claim = workflow.apply(claim, checker, "submit")
    claim = workflow.apply(claim, factories.EditorFactory(), "publish")

    viewport = {"width": 1280, "height": 800}
    checker_context = browser.new_context(viewport=viewport)
    editor_context = browser.new_context(viewport=viewport)
    reader_context = browser.new_context(viewport=viewport)
    try:
        # The checker opens the published claim from the claim list and proposes a correction.
        page = checker_context.new_page()
        keyboard_login(page, live_server, checker)
        page.goto(f"{live_server.url}/articles/{article.pk}/")
        expect(page.locator("#annotator[data-ready]")).to_be_attached()
        tab_to(page, lambda s: s["text"] and page.evaluate(
            f"() => document.activeElement.closest('#claim-{claim.pk}') !== null"
        ))
        page.keyboard.press("Enter")
        panel = page.locator("#claim-panel")
        expect(panel.get_by_role("heading", name=f"Claim #{claim.pk}", exact=True)).to_be_visible()
        expect(panel.get_by_role("button", name="Save verdict")).to_have_count(0)

        tab_to(page, lambda s: s["text"] == "Propose a correction")
        page.keyboard.press("Enter")
        proposal = panel.locator("details.propose-correction")
        expect(proposal).to_have_attribute("open", "")
        tab_to(page, lambda s: s["label"].startswith("Rationale"))
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.type(new_rationale)
        tab_to(page, lambda s: s["label"].startswith("Public correction note"))
        page.keyboard.type(note)
        tab_to(page, lambda s: s["text"] == "Propose correction")
        page.keyboard.press("Enter")
        expect(panel.get_by_role("status").filter(has_text="Correction proposed")).to_be_visible()
        expect(panel.locator(".correction-table")).to_contain_text(new_rationale)
        expect(panel.get_by_role("button", name="Publish correction")).to_have_count(0)
        assert_focus_kept(page)

        # An editor who did not propose it follows the notification and publishes it.
        editor_page = editor_context.new_page()
        keyboard_login(editor_page, live_server, editor)
        editor_page.goto(f"{live_server.url}/review/notifications/")
        tab_to(editor_page, lambda s: s["focused"].startswith("a") and editor_page.evaluate(
            "() => document.activeElement.closest('.notification-correction_proposed') !== null"
        ))
        editor_page.keyboard.press("Enter")
        expect(editor_page.locator("#annotator[data-ready]")).to_be_attached()
        editor_panel = editor_page.locator("#claim-panel")
        expect(editor_panel.get_by_role("heading", name=f"Claim #{claim.pk}", exact=True)).to_be_visible()
        tab_to(editor_page, lambda s: s["text"] == "Publish correction")
        editor_page.keyboard.press("Enter")
        expect(editor_panel.get_by_role("status").filter(has_text="Correction published")).to_be_visible()
        assert_focus_kept(editor_page)

        # The claim shows the corrected rationale, and the correction is noted publicly.
        expect(editor_panel.locator("section[aria-labelledby='verdict-title'] .pre")).to_have_text(new_rationale)
        history = editor_panel.locator("[data-review-actions] .verdict-history")
        expect(history).to_contain_text("rationale rewritten")
        expect(history).to_contain_text(note)
        claim.refresh_from_db()
        assert (claim.status, claim.rationale) == (ClaimStatus.PUBLISHED, new_rationale)
        correction = ClaimCorrection.objects.get(claim=claim)
        assert (correction.proposed_by, correction.status) == (checker, ClaimCorrection.Status.PUBLISHED)
        event = ClaimEvent.objects.get(claim_ref=claim.pk, kind=ClaimEvent.Kind.CORRECTED)
        assert (event.actor, event.is_public, event.note) == (editor, True, note)

        # Readers see it too: the public fact-check page, opened by someone not logged in.
        reader = reader_context.new_page()
        reader.goto(f"{live_server.url}{public_claim_path(claim)}")
        expect(reader.locator("body")).to_contain_text(new_rationale)
        expect(reader.locator(".fc-corrections .fc-correction")).to_have_count(1)
        expect(reader.locator(".fc-corrections")).to_contain_text(note)
    finally:
        checker_context.close()
        editor_context.close()
        reader_context.close()

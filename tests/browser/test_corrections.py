"""Corrections in a real browser: edit an article and its claims stay highlighted; settle displaced claims."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from annotations.models import AnchorState, Claim
from annotations.services import create_claim
from articles import corrections
from articles.models import Article
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = (
    "The port authority said on Monday that cargo volumes grew by 9 percent in the first quarter.\n\n"
    "Its director claimed the new crane had halved unloading times for container ships.\n\n"
    "Dock workers said overtime had risen sharply since January."
)
FIRST = "cargo volumes grew by 9 percent"
SECOND = "halved unloading times"


def claim_on(article: Article, phrase: str) -> Claim:
    start = article.body.index(phrase)
    return create_claim(article, start, start + len(phrase), phrase, user=None, check_permission=False)


def highlighted_texts(page: Page) -> list[str]:
    """The text of each highlighted claim, joining the segments a highlight is cut into."""
    return page.eval_on_selector_all(
        "#article-text mark[data-claims]",
        """marks => {
          const byClaim = new Map();
          for (const mark of marks) {
            const id = mark.dataset.claims;
            byClaim.set(id, (byClaim.get(id) || '') + mark.textContent);
          }
          return [...byClaim.values()];
        }""",
    )


def test_editor_corrects_the_text_and_both_claims_stay_highlighted_on_the_same_words(page: Page, live_server, login):
    editor = factories.EditorFactory()
    article = factories.ArticleFactory(body=BODY)
    claim_on(article, FIRST)
    claim_on(article, SECOND)
    login(page, editor)

    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(page.locator("#article-text mark[data-claims]").first).to_be_visible()
    assert sorted(highlighted_texts(page)) == sorted([FIRST, SECOND])

    page.get_by_role("link", name="Edit text").click()
    expect(page).to_have_url(re.compile(r"/articles/\d+/edit/$"))
    inserted = "Correction: an earlier version misstated the date of the announcement. "
    page.get_by_label("Text").fill(inserted + BODY)
    page.get_by_label("Note for the revision history").fill("Date corrected")
    page.get_by_role("button", name="Save correction").click()

    expect(page).to_have_url(re.compile(rf"/articles/{article.pk}/$"))
    expect(page.get_by_text("2 claims anchored, 0 moved, 0 orphaned")).to_be_visible()
    expect(page.locator("#article-text")).to_contain_text("Correction: an earlier version")
    assert sorted(highlighted_texts(page)) == sorted([FIRST, SECOND])
    assert set(Claim.objects.values_list("anchor_state", flat=True)) == {AnchorState.ANCHORED}


def test_editor_reattaches_an_orphaned_claim_by_selecting_the_new_words(page: Page, live_server, login):
    editor = factories.EditorFactory()
    article = factories.ArticleFactory(body=BODY)
    claim = claim_on(article, SECOND)
    corrections.edit_article(
        article, user=editor, title=article.title, expected_version=1,
        body=BODY.replace("halved unloading times", "cut turnaround by about a third") + " Emoji 🚢 ahead.",
    )
    login(page, editor)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    panel = page.locator("#corrections-panel")
    expect(panel).to_contain_text("Orphaned claims (1)")
    expect(panel).to_contain_text(SECOND)
    assert highlighted_texts(page) == []  # orphans are listed, never highlighted

    panel.get_by_role("link", name=re.compile("Re-attach claim")).click()
    expect(page).to_have_url(re.compile(r"/reattach/$"))
    page.wait_for_load_state("load")  # reattach.js (a deferred module) must be listening first
    # Select the new words (after an emoji, so UTF-16 and code point offsets differ) as a user would.
    page.evaluate(
        """(phrase) => {
          const node = document.getElementById('reattach-text').firstChild;
          const start = node.data.indexOf(phrase);
          document.getSelection().setBaseAndExtent(node, start, node, start + phrase.length);
          document.getElementById('reattach-text').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        }""",
        "ahead.",
    )
    expect(page.get_by_label("Text to attach the claim to")).to_have_value("ahead.")
    page.get_by_role("button", name="Re-attach claim").click()

    expect(page).to_have_url(re.compile(rf"/articles/{article.pk}/$"))
    assert highlighted_texts(page) == ["ahead."]
    claim.refresh_from_db()
    assert (claim.exact, claim.anchor_state) == ("ahead.", AnchorState.ANCHORED)
    expect(page.locator("#corrections-panel")).not_to_contain_text("Orphaned claims")


def test_editor_marks_a_moved_claim_checked_without_reloading(page: Page, live_server, login):
    editor = factories.EditorFactory()
    article = factories.ArticleFactory(body=BODY)
    claim = claim_on(article, FIRST)
    corrections.edit_article(
        article, user=editor, title=article.title, expected_version=1, body=BODY.replace("9 percent", "11 percent")
    )
    login(page, editor)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    panel = page.locator("#corrections-panel")
    expect(panel).to_contain_text("Moved claims to check (1)")
    page.evaluate("window.__notReloaded = true")

    panel.get_by_role("button", name=re.compile("Mark checked")).click()

    expect(page.locator("#corrections-panel")).not_to_contain_text("Moved claims")
    assert page.evaluate("window.__notReloaded") is True
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.ANCHORED

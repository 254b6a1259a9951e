"""The annotation page in a real browser (Debian Chromium through Playwright).

These tests prove what unit tests cannot: that the offsets the browser computes from a DOM
selection are the ones the server stores (across paragraphs, backwards, around emoji),
that the page updates without reloads, and that overlapping highlights stay usable.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Claim, ClaimEvent, Source
from tests import factories
from tests.browser.helpers import select

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHRASE = "unemployment fell to 6 percent"
#: The panel heading of a claim just added (its number is its id: ``Claim #128``).
NEW_CLAIM = re.compile(r"^Claim #\d+$")


# Client coordinates just inside the first and last character of ``phrase``.
PHRASE_RECTS_JS = """
(phrase) => {
  const root = document.getElementById('article-text');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const index = node.data.indexOf(phrase);
    if (index < 0) continue;
    const range = document.createRange();
    range.setStart(node, index);
    range.setEnd(node, index + 1);
    const first = range.getBoundingClientRect();
    range.setStart(node, index + phrase.length - 1);
    range.setEnd(node, index + phrase.length);
    const last = range.getBoundingClientRect();
    return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2};
  }
  throw new Error('phrase not found');
}
"""


def add_claim_button(page: Page):
    return page.get_by_role("button", name="Add claim")


def panel(page: Page):
    return page.locator("#claim-panel")


def open_article(page: Page, live_server, article, query: str = "") -> None:
    """Go to the article page and wait until its script is running (selections before that are not seen)."""
    page.goto(f"{live_server.url}/articles/{article.pk}/{query}")
    expect(page.locator("#annotator[data-ready]")).to_be_attached()


def wait_for_highlight(page: Page, claim: Claim) -> None:
    """Wait until the text has reloaded with the claim highlighted (before selecting again)."""
    expect(page.locator(f"#article-text mark.hl[data-claims~='{claim.pk}']").first).to_be_attached()


def wait_for_claims(count: int, article) -> list[Claim]:
    """The claims of ``article`` once there are ``count`` (the page posts asynchronously)."""
    import time

    for _ in range(100):
        claims = list(Claim.objects.filter(article=article).order_by("start", "id"))
        if len(claims) >= count:
            return claims
        time.sleep(0.05)
    raise AssertionError(f"expected {count} claims, found {len(claims)}")


def test_fact_checker_adds_a_claim_with_source_and_verdict_and_finds_it_after_reload(page, live_server, login):
    checker = factories.FactCheckerFactory()
    article = factories.ArticleFactory()
    login(page, checker)
    open_article(page, live_server, article)

    # A real mouse drag over the phrase in the second paragraph.
    box = page.evaluate(PHRASE_RECTS_JS, PHRASE)
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, box["y1"], steps=5)
    page.mouse.move(box["x2"], box["y2"], steps=5)
    page.mouse.up()
    expect(add_claim_button(page)).to_be_visible()
    add_claim_button(page).click()

    expect(panel(page).get_by_role("heading", name=NEW_CLAIM)).to_be_visible()
    expect(page.locator("#article-text mark.hl")).to_have_text(PHRASE)
    expect(page.get_by_label("Statement")).to_be_focused()
    claim = Claim.objects.get(article=article)
    start = article.body.index(PHRASE)
    assert (claim.start, claim.end, claim.exact) == (start, start + len(PHRASE), PHRASE)

    page.get_by_label("Statement").fill("Unemployment fell to 6%, the lowest since 2009.")
    page.get_by_label("Claimant").fill("City officials")
    panel(page).get_by_role("button", name="Save", exact=True).click()
    expect(panel(page).get_by_text("Claim saved.")).to_be_visible()

    panel(page).get_by_label("URL", exact=True).fill("https://stats.example.org/labour/2024")
    panel(page).get_by_label("Title").fill("Labour force survey")
    panel(page).get_by_label("Stance").select_option("refutes")
    panel(page).get_by_role("button", name="Add source").click()
    expect(panel(page).get_by_text("Source added.")).to_be_visible()
    expect(panel(page).get_by_role("link", name="Labour force survey")).to_have_attribute(
        "rel", "noopener noreferrer nofollow"
    )

    panel(page).get_by_role("combobox", name="Verdict").select_option(label="False")
    panel(page).get_by_label("Rationale").fill("The survey puts it at 7.1 percent.")
    panel(page).get_by_role("button", name="Save verdict").click()
    expect(panel(page).get_by_text("Verdict saved.")).to_be_visible()
    # The highlight takes the verdict's colour class without a reload.
    expect(page.locator("#article-text mark.hl")).to_have_class(re.compile(r"\bhl-rated\b"))

    page.reload()
    expect(page.locator("#annotator[data-ready]")).to_be_attached()
    # The URL remembers the open claim (#claim-N), so its panel comes back too.
    expect(panel(page).get_by_role("heading", name=f"Claim #{claim.pk}", exact=True)).to_be_visible()
    mark = page.locator("#article-text mark.hl")
    expect(mark).to_have_count(1)
    expect(mark).to_have_text(PHRASE)
    expect(mark).to_have_class(re.compile(rf"\bverdict-{factories.rating('false').pk}\b"))
    expect(mark).to_have_attribute("data-marker", f"#{claim.pk}○")  # its permanent number, and its status
    expect(page.locator("#claim-list")).to_contain_text("False")

    claim.refresh_from_db()
    assert claim.verdict.slug == "false"
    assert claim.statement == "Unemployment fell to 6%, the lowest since 2009."
    assert Source.objects.get(claim=claim).url == "https://stats.example.org/labour/2024"
    kinds = set(ClaimEvent.objects.filter(claim_ref=claim.pk).values_list("kind", flat=True))
    assert {"created", "edited", "source_added"} <= kinds
    assert set(ClaimEvent.objects.filter(claim_ref=claim.pk).values_list("actor", flat=True)) == {checker.pk}


def test_keyboard_selection_with_shift_arrows_and_the_shortcut_adds_a_claim(page, live_server, login):
    checker = factories.FactCheckerFactory()
    article = factories.ArticleFactory()
    login(page, checker)
    open_article(page, live_server, article)

    # Click just before "unemployment" (a caret, no selection), then select with the keyboard:
    # two words with Ctrl+Shift+Right, the rest character by character.
    box = page.evaluate(PHRASE_RECTS_JS, PHRASE)
    page.mouse.click(box["x1"] - 1, box["y1"])
    assert page.evaluate("() => document.getSelection().isCollapsed")
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")
    typed = page.evaluate("() => document.getSelection().toString()")
    assert PHRASE.startswith(typed.rstrip()), typed
    for _ in range(len(PHRASE) - len(typed)):
        page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate("() => document.getSelection().toString()") == PHRASE
    expect(add_claim_button(page)).to_be_visible()
    page.keyboard.press("Alt+c")

    expect(panel(page).get_by_role("heading", name=NEW_CLAIM)).to_be_visible()
    claim = wait_for_claims(1, article)[0]
    assert claim.exact == PHRASE
    expect(page.locator("#article-text mark.hl")).to_have_text(PHRASE)


def test_selection_across_two_paragraphs_backwards_with_spaces_is_stored_trimmed(page, live_server, login):
    checker = factories.FactCheckerFactory()
    article = factories.ArticleFactory()
    login(page, checker)
    open_article(page, live_server, article)

    # From the space before "the mayor said." to "Officials claimed" in the next paragraph,
    # dragged right to left.
    select(page, "the mayor said.", "Officials claimed", backwards=True, pad_before=1)
    expect(add_claim_button(page)).to_be_visible()
    add_claim_button(page).click()

    claim = wait_for_claims(1, article)[0]
    assert claim.exact == "the mayor said.\n\nOfficials claimed"
    assert article.body[claim.start:claim.end] == claim.exact
    # One claim, drawn in two paragraphs.
    marks = page.locator("#article-text mark.hl")
    expect(marks).to_have_count(2)
    expect(marks.nth(0)).to_have_text("the mayor said.")
    expect(marks.nth(1)).to_have_text("Officials claimed")


def test_selections_around_emoji_are_stored_as_code_point_offsets(page, live_server, login):
    checker = factories.FactCheckerFactory()
    body = "Intro line with 🎉 a party.\n\nThe 🏥 clinic reported 9 days of waiting, up from 4 👩‍⚕️ days."
    article = factories.ArticleFactory(body=body)
    login(page, checker)
    open_article(page, live_server, article)

    select(page, "clinic reported 9 days")
    add_claim_button(page).click()
    expect(panel(page).get_by_role("heading", name=NEW_CLAIM)).to_be_visible()
    after = wait_for_claims(1, article)[0]
    wait_for_highlight(page, after)
    assert (after.start, after.end) == (body.index("clinic reported 9 days"), body.index("clinic reported 9 days") + 22)
    assert after.exact == "clinic reported 9 days"

    select(page, "🏥 clinic")
    add_claim_button(page).click()
    containing = next(c for c in wait_for_claims(2, article) if c.pk != after.pk)
    expect(panel(page).get_by_role("heading", name=f"Claim #{containing.pk}", exact=True)).to_be_visible()
    wait_for_highlight(page, containing)
    assert containing.exact == "🏥 clinic"
    assert containing.start == body.index("🏥")

    select(page, "4 👩‍⚕️ days")
    add_claim_button(page).click()
    zwj = next(c for c in wait_for_claims(3, article) if c.pk not in {after.pk, containing.pk})
    assert zwj.exact == "4 👩‍⚕️ days"
    assert zwj.start == body.index("4 👩")

    page.reload()
    expect(page.locator("#annotator[data-ready]")).to_be_attached()
    texts = {claim.pk: "".join(page.locator(f"#article-text mark.hl[data-claims~='{claim.pk}']").all_text_contents())
             for claim in (after, containing, zwj)}
    assert texts == {after.pk: "clinic reported 9 days", containing.pk: "🏥 clinic", zwj.pk: "4 👩‍⚕️ days"}


def test_overlapping_and_nested_claims_render_and_each_can_be_opened(page, live_server, login):
    checker = factories.FactCheckerFactory()
    article = factories.ArticleFactory()
    outer = factories.ClaimFactory(
        article=article, phrase="Officials claimed that unemployment fell", statement="Outer claim"
    )
    inner = factories.ClaimFactory(article=article, phrase=PHRASE, statement="Overlapping claim")
    login(page, checker)
    open_article(page, live_server, article)

    shared = page.locator("#article-text mark.hl[data-claims]").filter(has_text=re.compile(r"^unemployment fell$"))
    expect(shared).to_have_count(1)
    assert set(shared.get_attribute("data-claims").split()) == {str(outer.pk), str(inner.pk)}
    expect(shared).to_have_class(re.compile(r"\bhl-depth-2\b"))

    # The part only the outer claim covers opens it directly.
    page.locator("#article-text mark.hl").filter(has_text="Officials claimed that").click()
    expect(panel(page).get_by_role("heading", name=f"Claim #{outer.pk}", exact=True)).to_be_visible()
    expect(panel(page)).to_contain_text("Outer claim")
    expect(page.locator(f"#claim-{outer.pk}")).to_have_class(re.compile(r"\bis-selected\b"))

    # The shared part asks which claim; both are reachable.
    for claim in (inner, outer):
        shared.click()
        chooser = page.get_by_role("dialog", name="Claims on this text")
        expect(chooser).to_be_visible()
        chooser.get_by_role("button", name=re.compile(rf"^Claim #{claim.pk}:")).click()
        expect(chooser).to_be_hidden()
        expect(panel(page).get_by_role("heading", name=f"Claim #{claim.pk}", exact=True)).to_be_visible()
        expect(page.locator(f"#claim-{claim.pk}")).to_have_class(re.compile(r"\bis-selected\b"))

    # And from the list: clicking an entry focuses its highlight and opens the panel.
    page.locator(f"#claim-{inner.pk} .claim-open").click()
    expect(panel(page).get_by_role("heading", name=f"Claim #{inner.pk}", exact=True)).to_be_visible()
    expect(page.locator(f"#article-text mark.hl[data-claims~='{inner.pk}']").first).to_be_focused()


def test_identical_spans_are_both_listed_in_the_chooser(page, live_server, login):
    checker = factories.FactCheckerFactory()
    article = factories.ArticleFactory()
    first = factories.ClaimFactory(article=article, statement="First reading")
    second = factories.ClaimFactory(article=article, statement="Second reading")
    login(page, checker)
    open_article(page, live_server, article)

    mark = page.locator("#article-text mark.hl")
    expect(mark).to_have_count(1)
    expect(mark).to_have_attribute("data-marker", f"#{first.pk}○ #{second.pk}○")
    mark.focus()
    page.keyboard.press("Enter")
    chooser = page.get_by_role("dialog", name="Claims on this text")
    expect(chooser.get_by_role("button")).to_have_count(2)
    expect(chooser.get_by_role("button").first).to_be_focused()
    chooser.get_by_role("button", name=re.compile("Second reading")).click()
    expect(panel(page)).to_contain_text("Second reading")
    assert {first.pk, second.pk} == set(map(int, mark.get_attribute("data-claims").split()))


def test_second_save_of_a_stale_claim_is_refused_and_can_be_reapplied(page, live_server, login, browser):
    checker = factories.FactCheckerFactory()
    other = factories.FactCheckerFactory()
    article = factories.ArticleFactory()
    claim = factories.ClaimFactory(article=article, created_by=checker, statement="Original statement")
    login(page, checker)
    open_article(page, live_server, article, f"?claim={claim.pk}")
    expect(page.get_by_label("Statement")).to_have_value("Original statement")

    second_context = browser.new_context()
    second = second_context.new_page()
    login(second, other)
    open_article(second, live_server, article, f"?claim={claim.pk}")
    second.get_by_label("Statement").fill("Their statement")
    second.get_by_role("button", name="Save", exact=True).click()
    expect(second.get_by_text("Claim saved.")).to_be_visible()
    second_context.close()

    page.get_by_label("Statement").fill("My statement")
    panel(page).get_by_role("button", name="Save", exact=True).click()
    conflict = page.get_by_role("alert").filter(has_text="someone else changed this claim")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Their statement")
    expect(conflict).to_contain_text("My statement")
    claim.refresh_from_db()
    assert claim.statement == "Their statement"

    conflict.get_by_role("button", name="Re-apply my changes").click()
    expect(panel(page).get_by_text("Claim saved.")).to_be_visible()
    claim.refresh_from_db()
    assert claim.statement == "My statement"


def test_a_review_step_in_the_panel_refreshes_the_panel_and_the_highlight_marker(page, live_server, login):
    checker = factories.FactCheckerFactory()
    article = factories.ArticleFactory()
    claim = factories.ClaimFactory(article=article)
    login(page, checker)
    open_article(page, live_server, article)
    mark = page.locator("#article-text mark.hl")
    expect(mark).to_have_attribute("data-marker", f"#{claim.pk}○")
    mark.click()
    panel(page).get_by_role("button", name="Take this claim").click()

    # The highlight and list reload on claim-changed; the panel reloads and keeps the step's message.
    expect(mark).to_have_attribute("data-marker", f"#{claim.pk}◔")
    expect(page.locator(f"#claim-{claim.pk} .status-pill")).to_have_text("Researching")
    expect(panel(page).locator(".claim-tags .status-pill")).to_have_text("Researching")
    expect(panel(page).get_by_role("status").filter(has_text="Researching")).to_be_visible()
    claim.refresh_from_db()
    assert (claim.status, claim.assignee) == ("researching", checker)


def test_unsaved_text_in_the_panel_survives_adding_a_source(page, live_server, login):
    checker = factories.FactCheckerFactory()
    article = factories.ArticleFactory()
    claim = factories.ClaimFactory(article=article, created_by=checker)
    login(page, checker)
    open_article(page, live_server, article, f"?claim={claim.pk}")
    panel(page).get_by_label("Rationale").fill("Half-written rationale")
    panel(page).get_by_label("URL", exact=True).fill("https://stats.example.org/a")
    panel(page).get_by_role("button", name="Add source").click()
    expect(panel(page).get_by_text("Source added.")).to_be_visible()
    expect(panel(page).get_by_label("Rationale")).to_have_value("Half-written rationale")
    # Saving it now works: the form carries the version after the source was added.
    panel(page).get_by_role("button", name="Save verdict").click()
    expect(panel(page).get_by_text("Verdict saved.")).to_be_visible()
    claim.refresh_from_db()
    assert claim.rationale == "Half-written rationale"


def test_deleting_a_claim_asks_for_confirmation_and_removes_the_highlight(page, live_server, login):
    checker = factories.FactCheckerFactory()
    article = factories.ArticleFactory()
    claim = factories.ClaimFactory(article=article, created_by=checker)
    login(page, checker)
    open_article(page, live_server, article)
    page.locator("#article-text mark.hl").click()
    panel(page).get_by_role("button", name="Delete claim…").click()
    expect(panel(page).get_by_role("heading", name="Delete this claim?")).to_be_focused()
    assert Claim.objects.filter(pk=claim.pk).exists()
    panel(page).get_by_role("button", name="Yes, delete this claim").click()
    expect(panel(page).get_by_role("heading", name="Claim deleted")).to_be_visible()
    expect(page.locator("#article-text mark.hl")).to_have_count(0)
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert ClaimEvent.objects.filter(claim_ref=claim.pk, kind="deleted", actor=checker).exists()


def test_a_stale_selection_gets_a_clear_error_in_the_alert_region(page, live_server, login):
    checker = factories.FactCheckerFactory()
    article = factories.ArticleFactory()
    login(page, checker)
    open_article(page, live_server, article)
    select(page, PHRASE)
    expect(add_claim_button(page)).to_be_visible()
    # Someone corrects the article under our feet.
    article.body = article.body.replace("Officials claimed", "Officials said")
    article.save()
    add_claim_button(page).click()
    alert = page.locator("#annotate-alert")
    expect(alert).to_contain_text("does not match the article text")
    assert not Claim.objects.exists()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}])
def test_article_page_layout_fits_the_viewport(page, live_server, login, viewport, tmp_path):
    checker = factories.FactCheckerFactory()
    article = factories.ArticleFactory()
    claim = factories.ClaimFactory(article=article, statement="Unemployment fell to 6 percent")
    factories.ClaimFactory(
        article=article, phrase="approved a budget of 4.2 million euros", verdict=factories.rating("true")
    )
    factories.SourceFactory(claim=claim)
    page.set_viewport_size(viewport)
    login(page, checker)
    open_article(page, live_server, article, f"?claim={claim.pk}")
    expect(panel(page).get_by_role("heading", name=f"Claim #{claim.pk}", exact=True)).to_be_visible()
    # Nothing is wider than the window (no horizontal scrolling).
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    # Kept for a human look: set FACTDESK_SCREENSHOT_DIR to keep them somewhere visible.
    folder = Path(os.environ.get("FACTDESK_SCREENSHOT_DIR", tmp_path))
    page.screenshot(path=folder / f"factdesk-article-{viewport['width']}.png")

"""Phone first-class (issue 16, item 2): at 390 px with touch, nothing scrolls sideways, the
claim panel is a sheet over the text with "Back to text", and the list leads to the highlight."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from annotations import workflow
from annotations.models import ClaimStatus
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis-and-a-very-long-hyphenated-compound"
LONG_URL = "https://statistics.example.org/" + "labour-force-survey-quarterly-results/" * 3 + "table.html"

#: What stands out beyond the window: the widest elements, to say *what* overflows when it does.
OVERFLOW_JS = """
() => {
  const width = screen.width;
  const wide = [];
  for (const element of document.querySelectorAll('body *')) {
    const rect = element.getBoundingClientRect();
    if (rect.right > width + 0.5 && rect.width > 0) {
      const classes = typeof element.className === 'string' ? element.className.trim().split(/\\s+/) : [];
      const name = element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
        + classes.filter(Boolean).map((c) => '.' + c).join('');
      wide.push(`${name} (right edge ${Math.round(rect.right)} px)`);
    }
  }
  const scrollWidth = document.documentElement.scrollWidth;
  return {scrollWidth, innerWidth: window.innerWidth, screen: width, wide: wide.slice(0, 12)};
}
"""


@pytest.fixture
def phone(browser, live_server):
    """A touch phone, 390 px wide (Playwright's emulation: touch events, coarse pointer, mobile viewport)."""
    context = browser.new_context(base_url=live_server.url, **PHONE)
    yield context.new_page()
    context.close()


def assert_fits(page: Page, what: str) -> None:
    found = page.evaluate(OVERFLOW_JS)
    # On a phone the layout viewport grows to fit wide content (the page is zoomed out), so
    # window.innerWidth is no yardstick: compare with the screen's 390 px.
    assert found["scrollWidth"] <= found["screen"] == 390, f"{what} scrolls sideways at 390 px: {found}"
    assert found["innerWidth"] == 390, f"{what} is zoomed out to fit: {found}"


def busy_desk():
    """Data that stresses widths: long unbroken words and addresses, every status, notifications."""
    checker = factories.FactCheckerFactory(first_name="Maximiliana", last_name="Featherstonehaugh-Worthington")
    editor = factories.EditorFactory(first_name="Bartholomew", last_name="Higginbottom-Smythe")
    body = factories.ARTICLE_BODY + f"\n\n{LONG_WORD} appears in {LONG_URL} as well."
    article = factories.ArticleFactory(title=f"Council approves budget: {LONG_WORD}", body=body,
                                       outlet="The Extraordinarily Long-Named Daily Example Gazette")
    researching = factories.ClaimFactory(
        article=article, status=ClaimStatus.RESEARCHING, assignee=checker, verdict=factories.rating("false"),
        verdict_by=checker, rationale=f"See {LONG_URL}", statement=f"Unemployment fell: {LONG_WORD}",
        claimant=LONG_WORD,
    )
    factories.SourceFactory(claim=researching, url=LONG_URL, title=LONG_WORD)
    workflow.apply(researching, checker, "submit")
    factories.ClaimFactory(article=article, phrase=LONG_WORD, statement=LONG_WORD, assignee=editor,
                           status=ClaimStatus.RESEARCHING)
    factories.ClaimFactory(article=article, phrase="approved a budget of 4.2 million euros", assignee=checker,
                           status=ClaimStatus.RESEARCHING)
    for _ in range(3):
        factories.NotificationFactory(recipient=editor, claim=researching, message=f"{LONG_WORD} {LONG_URL}")
    return editor, article


def test_no_page_scrolls_sideways_on_a_phone(phone: Page, live_server, login):
    editor, article = busy_desk()
    login(phone, editor)
    pages = {
        "the article list": "/articles/",
        "the article page": f"/articles/{article.pk}/",
        "the review queue": "/review/queue/",
        "the desk": "/review/desk/",
        "my claims": "/review/my-claims/",
        "the notifications": "/review/notifications/",
        "the search page": "/search/?q=budget",
    }
    for what, path in pages.items():
        phone.goto(path)
        expect(phone.locator("main h1").first).to_be_visible()
        assert_fits(phone, what)

    # The HTML report is a download; shown inline here so its layout can be measured.
    def inline(route):
        response = route.fetch()
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-disposition"}
        route.fulfill(response=response, headers=headers)

    phone.route(re.compile(r".*/exports/articles/\d+/html/.*"), inline)
    phone.goto(f"/exports/articles/{article.pk}/html/")
    expect(phone.locator("h1").first).to_be_visible()
    assert_fits(phone, "the HTML report")


LONG_BODY = "\n\n".join(
    [f"Paragraph {n}: the council discussed the harbour, the budget and the schools at length." for n in range(1, 13)]
    + ["Officials claimed that unemployment fell to 6 percent, the lowest level since 2009."]
    + [f"Closing paragraph {n} repeats what the mayor said about the festival." for n in range(1, 4)]
)


def in_view(page: Page, selector: str) -> bool:
    return page.evaluate(
        """(selector) => {
            const rect = document.querySelector(selector).getBoundingClientRect();
            return rect.top >= 0 && rect.bottom <= window.innerHeight;
        }""",
        selector,
    )


def test_on_a_phone_a_claim_opens_as_a_sheet_over_the_text_and_back_returns_to_the_same_place(
    phone: Page, live_server, login
):
    checker = factories.FactCheckerFactory()
    article = factories.ArticleFactory(body=LONG_BODY)
    far = factories.ClaimFactory(article=article, statement="Unemployment fell to 6 percent")
    early = factories.ClaimFactory(article=article, phrase="Paragraph 2: the council", statement="Paragraph two")
    factories.SourceFactory(claim=far)
    login(phone, checker)
    phone.goto(f"/articles/{article.pk}/")
    expect(phone.locator("#annotator[data-ready]")).to_be_attached()
    expect(phone.locator("#annotate-hint")).to_contain_text("Select text with your finger, then tap Add claim.")

    # Tap a highlight far down the text: the claim opens over the text, nothing jumps.
    mark = phone.locator(f"#article-text mark.hl[data-claims~='{far.pk}']").first
    mark.scroll_into_view_if_needed()
    before = phone.evaluate("() => window.scrollY")
    assert before > 300
    mark.tap()
    sheet = phone.locator("#claim-panel")
    expect(sheet.get_by_role("heading", name=f"Claim #{far.pk}", exact=True)).to_be_visible()
    expect(sheet).to_have_class(re.compile(r"\bis-sheet\b"))
    assert phone.evaluate("() => window.scrollY") == before
    box = sheet.bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844)
    expect(sheet.get_by_role("button", name="Close")).to_have_count(0)
    back = sheet.get_by_role("button", name="Back to text")
    expect(back).to_be_visible()
    # The sheet scrolls on its own (its Back button stays on top) and fits the screen.
    assert sheet.evaluate("element => element.scrollHeight > element.clientHeight")
    sheet.evaluate("element => element.scrollTo(0, element.scrollHeight)")
    expect(back).to_be_in_viewport()
    assert_fits(phone, "the claim sheet")
    if os.environ.get("FACTDESK_SCREENSHOT_DIR"):  # for a human look
        phone.screenshot(path=Path(os.environ["FACTDESK_SCREENSHOT_DIR"]) / "factdesk-claim-sheet-390.png")

    back.tap()
    expect(sheet.get_by_role("heading", name=re.compile(r"^Claim #"))).to_have_count(0)
    expect(sheet).not_to_have_class(re.compile(r"\bis-sheet\b"))
    assert abs(phone.evaluate("() => window.scrollY") - before) <= 1
    expect(mark).to_be_focused()

    # Choosing a claim in the list scrolls to its highlight first; Back returns there.
    entry = phone.locator(f"#claim-{early.pk} .claim-open")
    entry.scroll_into_view_if_needed()
    entry.tap()
    expect(sheet.get_by_role("heading", name=f"Claim #{early.pk}", exact=True)).to_be_visible()
    early_mark = f"#article-text mark.hl[data-claims~='{early.pk}']"
    assert in_view(phone, early_mark)
    sheet.get_by_role("button", name="Back to text").tap()
    expect(phone.locator(early_mark).first).to_be_focused()
    assert in_view(phone, early_mark)

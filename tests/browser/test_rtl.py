"""Right-to-left articles in a real browser: selecting text in an Arabic article (with English
names and figures inside its sentences) creates a claim with exactly the selected characters,
by mouse, by a Range handed to the page's own selection handler, and by keyboard, on a desk
and a phone width, with the interface switched to Arabic (the article keeps its own lang/dir).

Offsets are measured in DOM order (static/js/offsets.js), which is the logical order of the
text whatever the visual order bidi gives it on screen; these tests check that claim.exact is
the body's own characters.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Claim
from tests import factories
from tests.browser.helpers import press_until, select, state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BODY = (FIXTURES / "arabic_article.txt").read_text(encoding="utf-8").strip()
TITLE = (FIXTURES / "arabic_article_title.txt").read_text(encoding="utf-8").strip()
#: All Arabic, in the first sentence.
ARABIC_PHRASE = "ميزانية مشروع تحلية المياه"
#: Mixed direction, in the middle of the second sentence: Arabic, an English name, Arabic, an English name.
MIXED_PHRASE = "Omar Haddad في مؤتمر صحفي إن شركة BlueWave"
#: Arabic around figures with percent signs.
FIGURES_PHRASE = "من 35% إلى 22%"

VIEWPORTS = [
    pytest.param({"width": 1280, "height": 800}, id="1280"),
    pytest.param({"width": 390, "height": 844}, id="390"),
]


# Where a mouse drag over ``phrase`` starts and ends on screen: the logical start and end,
# wherever bidi draws them (in right-to-left text the first character is on the right).
DRAG_POINTS_JS = """
(phrase) => {
  const root = document.getElementById('article-text');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const index = node.data.indexOf(phrase);
    if (index < 0) continue;
    const rect = (i) => {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      return range.getBoundingClientRect();
    };
    const rtl = getComputedStyle(node.parentElement).direction === 'rtl';
    const first = rect(index), last = rect(index + phrase.length - 1);
    return {
      x1: rtl ? first.right - 1 : first.left + 1, y1: first.top + first.height / 2,
      x2: rtl ? last.left + 1 : last.right - 1, y2: last.top + last.height / 2,
    };
  }
  throw new Error('phrase not found');
}
"""



def add_button(page: Page):
    # By its shortcut, not its name: the interface is in Arabic.
    return page.locator("#new-claim-form button[aria-keyshortcuts='Alt+C']")


def switch_interface_to_arabic(page: Page, live_server) -> None:
    """Through the interface's own language switcher (a form POSTing to /i18n/setlang/)."""
    page.goto(f"{live_server.url}/articles/")
    switcher = page.locator("form.language-switcher").first
    switcher.locator("select").select_option("ar")
    switcher.locator("button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "ar")


def open_article(page: Page, live_server, viewport: dict) -> object:
    checker = factories.FactCheckerFactory()
    article = factories.ArticleFactory(title=TITLE, body=BODY, language="ar")
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill(checker.username)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()  # not the language switcher's button in the footer
    page.wait_for_url(f"{live_server.url}/articles/")
    switch_interface_to_arabic(page, live_server)
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator("#annotator[data-ready]")).to_be_attached()
    text = page.locator("#article-text")
    # The article keeps its own language and direction, whatever the interface's.
    expect(text).to_have_attribute("lang", "ar")
    expect(text).to_have_attribute("dir", "rtl")
    return article


def created_claim(article) -> Claim:
    for _ in range(100):
        claim = Claim.objects.filter(article=article).first()
        if claim is not None:
            return claim
        time.sleep(0.05)
    raise AssertionError("no claim was created")


def assert_claim_is(article, claim: Claim, phrase: str) -> None:
    start = BODY.index(phrase)
    assert (claim.start, claim.end, claim.exact) == (start, start + len(phrase), phrase)
    assert article.body[claim.start:claim.end] == phrase


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_mouse_drag_over_arabic_text_creates_a_claim_with_exactly_those_characters(
    page: Page, live_server, viewport
):
    article = open_article(page, live_server, viewport)
    points = page.evaluate(DRAG_POINTS_JS, ARABIC_PHRASE)
    page.mouse.move(points["x1"], points["y1"])
    page.mouse.down()
    page.mouse.move((points["x1"] + points["x2"]) / 2, (points["y1"] + points["y2"]) / 2, steps=5)
    page.mouse.move(points["x2"], points["y2"], steps=5)
    page.mouse.up()
    assert state(page)["selected"] == ARABIC_PHRASE
    expect(add_button(page)).to_be_visible()
    add_button(page).click()
    assert_claim_is(article, created_claim(article), ARABIC_PHRASE)
    expect(page.locator("#article-text mark.hl")).to_have_text(ARABIC_PHRASE)


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("phrase", [MIXED_PHRASE, FIGURES_PHRASE], ids=["names", "figures"])
def test_a_mixed_direction_selection_creates_a_claim_with_exactly_those_characters(
    page: Page, live_server, viewport, phrase
):
    article = open_article(page, live_server, viewport)
    # A Range set in DOM order; the page's own selectionchange handler takes it from there.
    assert select(page, phrase) == phrase
    expect(add_button(page)).to_be_visible()
    add_button(page).click()
    assert_claim_is(article, created_claim(article), phrase)
    expect(page.locator("#article-text mark.hl")).to_have_text(phrase)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_keyboard_selection_in_a_mixed_direction_sentence_creates_the_exact_claim(
    page: Page, live_server, viewport
):
    article = open_article(page, live_server, viewport)
    for _ in range(40):
        page.keyboard.press("Tab")
        if state(page)["id"] == "article-text":
            break
    assert state(page)["id"] == "article-text"
    page.keyboard.press("Control+ArrowDown")  # to the second paragraph
    # In right-to-left text the left arrow goes forward (static/js/annotate.js).
    press_until(page, "ArrowLeft", lambda s: s["after"].startswith("Omar"))
    assert state(page)["collapsed"]
    press_until(page, "Control+Shift+ArrowLeft", lambda s: "BlueWave" in s["selected"])
    # Word steps may take a space along; character steps trim it (right goes back).
    if state(page)["selected"] != MIXED_PHRASE:
        press_until(page, "Shift+ArrowRight", lambda s: s["selected"] == MIXED_PHRASE, limit=5)
    assert state(page)["selected"] == MIXED_PHRASE
    page.keyboard.press("Tab")
    assert state(page)["button"], state(page)
    page.keyboard.press("Enter")
    assert_claim_is(article, created_claim(article), MIXED_PHRASE)

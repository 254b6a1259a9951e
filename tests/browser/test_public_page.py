"""The public fact-check page in a real browser, logged out, at 1280 and at 390 px.

A claim is researched and published the desk's way (services and workflow, two people); its
public page then carries ClaimReview JSON-LD whose ``url`` is that very page, nothing
scrolls sideways on a phone, and on the annotated article a tap on a highlight shows the verdict.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from annotations import services
from annotations.public_links import public_claim_path
from tests import factories
from tests.test_public_pages import publish_through_the_workflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis-and-a-very-long-hyphenated-compound"
LONG_URL = "https://statistics.example.org/" + "labour-force-survey-quarterly-results/" * 3 + "table.html"
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}
#: On a phone the layout viewport grows to fit wide content (the page is zoomed out), so the
#: screen's width is the yardstick, not window.innerWidth.
WIDTH_JS = "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth, screen: screen.width})"


@pytest.fixture
def published_claim(settings, live_server):
    settings.FACTDESK_SITE_URL = live_server.url
    settings.FACTDESK_PUBLIC_PAGES = True
    settings.FACTDESK_CDN_PURGE_URL = ""
    article = factories.ArticleFactory(
        title=f"Council approves budget {LONG_WORD}", url=LONG_URL, outlet="The Daily Example",
    )
    claim = publish_through_the_workflow(article, factories.FactCheckerFactory(), factories.EditorFactory())
    services.add_comment(claim, user=factories.EditorFactory(), body="Internal: double-check the table.")
    return claim


@pytest.fixture(params=list(VIEWPORTS))
def visitor(request, browser, live_server):
    """A browser that never logged in, at the given width."""
    context = browser.new_context(base_url=live_server.url, **VIEWPORTS[request.param])
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()


def assert_fits(page, what: str) -> None:
    sizes = page.evaluate(WIDTH_JS)
    assert sizes["scroll"] <= sizes["screen"], f"{what} scrolls sideways at {sizes['screen']} px: {sizes}"
    assert sizes["inner"] == sizes["screen"], f"{what} is zoomed out to fit: {sizes}"


def test_a_published_claims_public_page_carries_claim_review_pointing_at_itself(visitor, published_claim, live_server):
    visitor.goto(public_claim_path(published_claim))
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Unemployment fell to 6 percent.")
    expect(visitor.locator(".fc-verdict .verdict-pill")).to_have_text("False")
    assert "/accounts/login/" not in visitor.url, "no login on the way"
    [raw] = visitor.locator('script[type="application/ld+json"]').all_text_contents()
    review = json.loads(raw)
    assert review["@type"] == "ClaimReview"
    assert review["url"] == visitor.url == live_server.url + public_claim_path(published_claim)
    assert visitor.locator('link[rel="canonical"]').get_attribute("href") == visitor.url
    assert "double-check the table" not in visitor.content(), "comments stay on the desk"
    assert_fits(visitor, "the claim page")


def test_a_reader_taps_a_highlight_and_sees_the_verdict(visitor, published_claim):
    visitor.goto(public_claim_path(published_claim))
    visitor.get_by_role("link", name=published_claim.article.title).click()
    highlight = visitor.locator("#article-text a.hl-link").first
    expect(highlight).to_have_text("unemployment fell to 6 percent")
    assert_fits(visitor, "the article page")
    if visitor.viewport_name == "phone":
        highlight.tap()
    else:
        highlight.click()
    card = visitor.locator(f"#fc-{published_claim.pk}")
    expect(card).to_be_in_viewport()
    expect(card.locator(".verdict-pill")).to_have_text("False")
    assert visitor.url.endswith(f"#fc-{published_claim.pk}")


def test_the_index_and_the_embed_fit_the_screen(visitor, published_claim):
    visitor.goto(reverse("public:index"))
    expect(visitor.locator(".fc-count")).to_have_text("1 fact-check.")
    assert_fits(visitor, "the index")
    visitor.goto(reverse("public:embed", args=[published_claim.pk]))
    expect(visitor.locator(".verdict-pill")).to_have_text("False")
    assert_fits(visitor, "the embed card")

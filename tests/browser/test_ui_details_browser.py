"""Clear to the eye, in a real browser (issue 16, items 5 and 6): the favicon, and every verdict
shown with its symbol as well as its colour, at 1280 px and on a 390 px touch phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from annotations.models import ClaimStatus
from tests import factories
from tests.factories import rating

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}

#: What the page draws before an element (the symbol in a pill or at the start of a highlight).
BEFORE = "(element) => getComputedStyle(element, '::before').content"


@pytest.fixture(params=["desktop", "phone"])
def screen(request, browser, live_server):
    size = {"viewport": {"width": 1280, "height": 800}} if request.param == "desktop" else PHONE
    context = browser.new_context(base_url=live_server.url, **size)
    yield context.new_page()
    context.close()


def test_the_icon_and_the_verdict_symbols_show_on_every_screen(screen: Page, login):
    checker = factories.FactCheckerFactory()
    article = factories.ArticleFactory()
    factories.ClaimFactory(article=article, verdict=rating("false"), status=ClaimStatus.RESEARCHING)
    factories.ClaimFactory(article=article, phrase="Residents gathered")
    login(screen, checker)

    screen.goto(f"/articles/{article.pk}/")
    icon = screen.locator('link[rel="icon"]').get_attribute("href")
    served = screen.request.get(icon)
    assert served.ok and served.headers["content-type"].startswith("image/svg")
    assert screen.request.get("/favicon.ico").ok  # the redirect leads to the same icon

    rated = screen.locator("#claim-list .verdict-pill", has_text="False")
    expect(rated).to_be_visible()
    assert "✗" in rated.evaluate(BEFORE)
    unrated = screen.locator("#claim-list .verdict-pill.unrated")
    expect(unrated).to_have_text("No verdict yet")
    assert unrated.evaluate("(element) => getComputedStyle(element).borderStyle") == "dashed"

    start = screen.locator("#article-text mark.hl-start")
    assert "✗" in start.evaluate(BEFORE)
    grey = screen.locator("#article-text mark.hl-unrated").first
    assert grey.evaluate("(element) => getComputedStyle(element).borderBottomStyle") == "dashed"
    assert grey.evaluate("(element) => getComputedStyle(element).borderBottomColor") == "rgb(89, 99, 110)"


def test_the_admin_lists_show_status_verdict_and_assignee_within_1280_px(page: Page, login, live_server):
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    checker = factories.FactCheckerFactory()
    article = factories.ArticleFactory(title="A long article title about the harbour budget " * 3)
    factories.ClaimFactory(
        article=article, status=ClaimStatus.RESEARCHING, assignee=checker, verdict=rating("false"),
        statement="The harbour budget doubled in two years, the mayor said at the council meeting. " * 3,
    )
    login(page, admin)
    for path, columns in [
        ("/admin/annotations/claim/", ["status", "verdict", "assignee"]),
        ("/admin/articles/article/", ["claim_count"]),
    ]:
        page.goto(f"{live_server.url}{path}")
        for column in columns:
            header = page.locator(f"#result_list th.column-{column}")
            expect(header).to_be_visible()
            box = header.bounding_box()
            assert box is not None and box["x"] + box["width"] <= 1280, (path, column, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, path

"""Add an article by URL in a real browser, then annotate it: on a desktop and on a phone-width screen.

The page comes from pytest-httpserver on this machine (allowed through the private-address
refusal by ``FACTDESK_FETCH_ALLOWED_HOSTS``, as an intranet would be); nothing leaves it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_httpserver import HTTPServer

from annotations.models import Claim
from articles.models import Article, Snapshot
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STORY = (Path(__file__).resolve().parents[1] / "fixtures" / "web" / "newsroom_article.html").read_bytes()
PHRASE = "twice the figure given to councillors"

SELECT_PHRASE_JS = """
(phrase) => {
  const root = document.getElementById('article-text');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const index = node.data.indexOf(phrase);
    if (index < 0) continue;
    node.parentElement.scrollIntoView({block: 'center'});
    const range = document.createRange();
    range.setStart(node, index);
    range.setEnd(node, index + phrase.length);
    const selection = document.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    document.dispatchEvent(new Event('selectionchange'));
    root.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
    return selection.toString();
  }
  throw new Error('phrase not found');
}
"""


@pytest.fixture(autouse=True)
def local_fetching(settings):
    settings.FACTDESK_FETCH_ALLOWED_HOSTS = ["localhost", "127.0.0.1"]


@pytest.mark.parametrize("width", [1280, 390])
def test_editor_adds_an_article_by_url_and_annotates_it(
    page: Page, live_server, login, httpserver: HTTPServer, width: int
):
    httpserver.expect_request("/news/harbour").respond_with_data(STORY, content_type="text/html; charset=utf-8")
    editor = factories.EditorFactory()
    page.set_viewport_size({"width": width, "height": 900})
    login(page, editor)

    page.goto(f"{live_server.url}/articles/new/url/")
    page.get_by_label("Web address(es)").fill(httpserver.url_for("/news/harbour"))
    page.get_by_role("button", name="Fetch and add").click()

    expect(page).to_have_url(re.compile(r"/articles/\d+/$"), timeout=15_000)
    article = Article.objects.get()
    assert article.title == "Harbour dredging to cost £40m, port authority admits"
    assert Snapshot.objects.filter(article=article).count() == 1
    expect(page.locator("#annotator[data-ready]")).to_be_attached()
    expect(page.locator("#article-text")).to_contain_text("The cost of dredging")
    expect(page.locator("#article-text")).not_to_contain_text("Sign up")

    assert page.evaluate(SELECT_PHRASE_JS, PHRASE) == PHRASE
    add = page.get_by_role("button", name="Add claim")
    expect(add).to_be_visible()
    add.click()

    expect(page.locator("#claim-panel").get_by_role("heading", name=re.compile(r"^Claim #\d+$"))).to_be_visible()
    expect(page.locator("#article-text mark.hl")).to_have_text(PHRASE)
    claim = Claim.objects.get(article=article)
    assert claim.exact == PHRASE
    assert (claim.start, claim.end) == (article.body.index(PHRASE), article.body.index(PHRASE) + len(PHRASE))


def test_a_refused_address_is_explained_on_its_job_page(page: Page, live_server, login, settings):
    settings.FACTDESK_FETCH_ALLOWED_HOSTS = []
    login(page, factories.EditorFactory())

    page.goto(f"{live_server.url}/articles/new/url/")
    page.get_by_label("Web address(es)").fill("http://127.0.0.1:9/internal")
    page.get_by_role("button", name="Fetch and add").click()

    expect(page).to_have_url(re.compile(r"/articles/imports/\d+/$"))
    expect(page.locator(".import-failed")).to_contain_text("it points to a loopback address")
    assert not Article.objects.exists()

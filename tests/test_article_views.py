"""The article list and the article (annotation) page: access, filters, rendering, query counts."""

from __future__ import annotations

import datetime
import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from annotations.models import ClaimStatus
from articles.text import split_paragraphs
from tests import factories

pytestmark = pytest.mark.django_db

#: Queries of the article list (session, user, role, outlets, assignable people, count, page,
#: claim counts, and the navigation's unread count) and of the article page, whatever the
#: number of articles and claims.
LIST_QUERIES = 7  # signing in (session, user and role) is one of them
PAGE_QUERIES = 4  # the article's query carries the reader's unread count
HIGHLIGHTS_QUERIES = 3

PHRASES = [
    "approved a budget of 4.2 million euros",
    "unemployment fell to 6 percent",
    "fell to 6 percent, the lowest level",
    "the mayor said.\n\nOfficials claimed",
    "Residents gathered",
]


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def html(response) -> HTMLParser:
    return HTMLParser(response.content.decode())


# --- access ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/articles/", "/articles/{pk}/", "/articles/{pk}/highlights/"])
def test_anonymous_users_are_sent_to_the_login_page(client, article, path):
    response = client.get(path.format(pk=article.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_readers_without_a_role_can_read_but_get_no_add_claim_button(client, article):
    client.force_login(factories.UserFactory())
    response = client.get(f"/articles/{article.pk}/")
    assert response.status_code == 200
    assert html(response).css_first("#new-claim-form") is None


def test_fact_checkers_get_the_add_claim_form_and_the_shortcut_hint(checker_client, article):
    page = html(checker_client.get(f"/articles/{article.pk}/"))
    form = page.css_first("#new-claim-form")
    assert form.attributes["hx-post"] == f"/articles/{article.pk}/claims/"
    assert form.css_first("button").text() == "Add claim"
    assert form.css_first("button").attributes["aria-keyshortcuts"] == "Alt+C"
    assert "Alt" in page.css_first("#annotate-hint").text()


def test_an_unknown_article_is_not_found(checker_client):
    assert checker_client.get("/articles/999999/").status_code == 404


# --- the list ------------------------------------------------------------------------------


def test_list_shows_title_outlet_date_and_claim_counts_per_status(checker_client):
    article = factories.ArticleFactory(
        title="Budget vote", outlet="Harbour Times", published_on=datetime.date(2024, 3, 5)
    )
    factories.ClaimFactory(article=article)
    factories.ClaimFactory(article=article, phrase="Residents gathered")
    factories.ClaimFactory(
        article=article, phrase="approved a budget", status=ClaimStatus.PUBLISHED, verdict=factories.rating("true")
    )
    row = html(checker_client.get("/articles/")).css_first("tbody tr")
    cells = [cell.text(strip=True) for cell in row.css("td")]
    assert cells[0] == "Budget vote"
    assert cells[1] == "Harbour Times"
    assert cells[2] == "5 Mar 2024"
    pills = [pill.text(strip=True) for pill in row.css(".status-counts .status-pill")]
    assert pills == ["2 New", "1 Published"]
    assert row.css_first(".claim-total").text() == "3"


def test_list_filters_by_claim_status(checker_client):
    with_review = factories.ArticleFactory(title="Has one in review")
    factories.ClaimFactory(article=with_review, status=ClaimStatus.IN_REVIEW)
    only_new = factories.ArticleFactory(title="Only new claims")
    factories.ClaimFactory(article=only_new)
    factories.ArticleFactory(title="No claims")
    titles = titles_of(checker_client.get("/articles/?status=in_review"))
    assert titles == ["Has one in review"]
    # Counts still cover all of the article's claims, not only the filtered status.
    factories.ClaimFactory(article=with_review, phrase="Residents gathered")
    row = html(checker_client.get("/articles/?status=in_review")).css_first("tbody tr")
    assert row.css_first(".claim-total").text() == "2"


def test_list_filters_by_assignee_including_me(checker_client, fact_checker):
    mine = factories.ArticleFactory(title="Mine")
    factories.ClaimFactory(article=mine, assignee=fact_checker)
    someone = factories.FactCheckerFactory()
    theirs = factories.ArticleFactory(title="Theirs")
    factories.ClaimFactory(article=theirs, assignee=someone)
    assert titles_of(checker_client.get("/articles/?assignee=me")) == ["Mine"]
    assert titles_of(checker_client.get(f"/articles/?assignee={someone.pk}")) == ["Theirs"]


def test_list_filters_by_outlet(checker_client):
    factories.ArticleFactory(title="From the Times", outlet="Harbour Times")
    factories.ArticleFactory(title="From the Ledger", outlet="Coastal Ledger")
    page = checker_client.get("/articles/?outlet=Coastal+Ledger")
    assert titles_of(page) == ["From the Ledger"]
    options = [o.text() for o in html(page).css("select[name=outlet] option")]
    assert options == ["All outlets", "Coastal Ledger", "Harbour Times"]


def test_search_looks_in_titles_and_bodies_case_insensitively(checker_client):
    factories.ArticleFactory(title="Harbour bridge repairs", body="Costs rose.")
    factories.ArticleFactory(title="Council news", body="The HARBOUR master resigned.")
    factories.ArticleFactory(title="Weather", body="Rain.")
    assert sorted(titles_of(checker_client.get("/articles/?q=harbour"))) == ["Council news", "Harbour bridge repairs"]


def test_invalid_filter_values_are_ignored_not_an_error(checker_client):
    factories.ArticleFactory(title="Still listed")
    response = checker_client.get("/articles/?status=bogus&assignee=abc&outlet=nowhere&page=zz")
    assert titles_of(response) == ["Still listed"]
    # The valid filters still apply.
    factories.ArticleFactory(title="Other", outlet="Harbour Times")
    assert titles_of(checker_client.get("/articles/?status=bogus&outlet=Harbour+Times")) == ["Other"]


def test_list_paginates_by_25_and_keeps_the_filters_in_page_links(checker_client):
    for n in range(27):
        factories.ArticleFactory(title=f"Story {n:02}", outlet="Harbour Times")
    first = checker_client.get("/articles/?outlet=Harbour+Times")
    assert len(titles_of(first)) == 25
    next_link = html(first).css_first(".pagination a[rel=next]").attributes["href"]
    assert next_link == "?outlet=Harbour+Times&page=2"
    second = checker_client.get("/articles/" + next_link)
    assert titles_of(second) == ["Story 01", "Story 00"]


def test_list_costs_the_same_queries_for_one_article_or_thirty(checker_client):
    def add(n: int) -> None:
        for _ in range(n):
            article = factories.ArticleFactory()
            factories.ClaimFactory(article=article, assignee=factories.FactCheckerFactory())
            factories.ClaimFactory(article=article, status=ClaimStatus.IN_REVIEW)

    add(1)
    one = count_queries(checker_client, "/articles/?q=council")
    add(29)
    thirty = count_queries(checker_client, "/articles/?q=council")
    assert one == thirty


def titles_of(response) -> list[str]:
    assert response.status_code == 200
    return [link.text(strip=True) for link in html(response).css("tbody td:first-child a")]


# --- the article page ------------------------------------------------------------------------


def test_article_text_is_rendered_paragraph_by_paragraph_with_body_offsets(checker_client):
    body = "First line\nsecond line of the poem.\n\nThe 🏥 clinic said so."
    article = factories.ArticleFactory(body=body)
    factories.ClaimFactory(article=article, phrase="clinic")
    page = html(checker_client.get(f"/articles/{article.pk}/"))
    paragraphs = page.css("#article-text p.para")
    assert [(int(p.attributes["data-start"]), p.text(deep=True)) for p in paragraphs] == split_paragraphs(body)
    mark = page.css_first("#article-text mark")
    assert mark.text() == "clinic"
    start = body.index("clinic")
    assert (mark.attributes["data-start"], mark.attributes["data-start16"]) == (str(start), str(start + 1))
    assert page.css_first("#article-text br") is None  # newlines stay text, shown by CSS


def test_overlapping_nested_and_identical_claims_render_as_flat_marks(checker_client, article):
    outer = factories.ClaimFactory(article=article, phrase="Officials claimed that unemployment fell to 6 percent")
    inner = factories.ClaimFactory(article=article, phrase="unemployment fell")
    twin = factories.ClaimFactory(article=article, phrase="unemployment fell")
    sharing = factories.ClaimFactory(article=article, phrase="6 percent, the lowest")
    page = html(checker_client.get(f"/articles/{article.pk}/"))
    assert page.css("#article-text mark mark") == []
    marks = [(m.text(), set(m.attributes["data-claims"].split())) for m in page.css("#article-text mark")]
    ids = {claim: str(claim.pk) for claim in (outer, inner, twin, sharing)}
    assert marks == [
        ("Officials claimed that ", {ids[outer]}),
        ("unemployment fell", {ids[outer], ids[inner], ids[twin]}),
        (" to ", {ids[outer]}),
        ("6 percent", {ids[outer], ids[sharing]}),
        (", the lowest", {ids[sharing]}),
    ]
    # One tab stop per claim: the segment where it starts.
    focusable = [m.text() for m in page.css("#article-text mark[tabindex]")]
    assert focusable == ["Officials claimed that ", "unemployment fell", "6 percent"]


def test_every_highlight_has_a_verdict_class_or_the_unrated_style_and_a_status_marker(checker_client, article):
    rated = factories.ClaimFactory(
        article=article, phrase="Residents gathered", verdict=factories.rating("false"), status=ClaimStatus.IN_REVIEW
    )
    unrated = factories.ClaimFactory(article=article)
    page = html(checker_client.get(f"/articles/{article.pk}/"))
    by_text = {m.text(): m.attributes for m in page.css("#article-text mark")}
    assert f"verdict-{rated.verdict_id}" in by_text["Residents gathered"]["class"].split()
    assert by_text["Residents gathered"]["data-marker"] == f"#{rated.pk}◑"
    assert "hl-unrated" in by_text["unemployment fell to 6 percent"]["class"].split()
    assert by_text["unemployment fell to 6 percent"]["data-marker"] == f"#{unrated.pk}○"
    listed = page.css_first(f"#claim-{rated.pk}")
    assert listed.css_first(".status-pill").text() == "In review"
    assert listed.css_first(".verdict-pill").text() == "False"


def test_all_article_and_claim_text_is_escaped(checker_client):
    article = factories.ArticleFactory(
        title="<script>alert('title')</script>", body="Hello <img src=x onerror=alert(1)> world <b>bold</b>."
    )
    factories.ClaimFactory(
        article=article, phrase="<b>bold</b>", statement="<script>alert('claim')</script>", claimant="<i>x</i>"
    )
    content = checker_client.get(f"/articles/{article.pk}/").content.decode()
    assert "<script>alert(" not in content
    assert "<img src=x" not in content
    assert "&lt;img src=x onerror=alert(1)&gt;" in content
    assert "&lt;b&gt;bold&lt;/b&gt;</mark>" in content
    page = HTMLParser(content)
    assert page.css_first("#article-text").text(deep=True).strip().startswith("Hello <img src=x")


def test_orphaned_claims_are_listed_apart_but_not_highlighted_and_moved_ones_are_flagged(checker_client, article):
    orphan = factories.ClaimFactory(article=article, phrase="Residents gathered", anchor_state="orphaned")
    moved = factories.ClaimFactory(article=article, anchor_state="moved")
    page = html(checker_client.get(f"/articles/{article.pk}/"))
    assert page.css(f"#article-text mark[data-claims~='{orphan.pk}']") == []
    assert "Orphaned" in page.css_first(f"#claim-{orphan.pk} .anchor-badge").text()
    assert page.css(f"#article-text mark[data-claims~='{moved.pk}']")
    assert "Moved" in page.css_first(f"#claim-{moved.pk} .anchor-badge").text()


def test_the_claim_query_parameter_opens_that_claims_panel(checker_client, article):
    claim = factories.ClaimFactory(article=article, statement="Opened from a link")
    page = html(checker_client.get(f"/articles/{article.pk}/?claim={claim.pk}"))
    panel = page.css_first("#claim-panel .claim-panel")
    assert panel.attributes["data-claim-id"] == str(claim.pk)
    assert "is-selected" in page.css_first(f"#claim-{claim.pk}").attributes["class"]


def test_a_claim_of_another_article_is_not_opened_by_the_query_parameter(checker_client, article):
    elsewhere = factories.ClaimFactory()
    page = html(checker_client.get(f"/articles/{article.pk}/?claim={elsewhere.pk}"))
    assert page.css_first("#claim-panel .claim-panel") is None


def test_highlights_partial_returns_the_text_and_the_list_out_of_band(checker_client, article):
    factories.ClaimFactory(article=article)
    response = checker_client.get(f"/articles/{article.pk}/highlights/", headers={"HX-Request": "true"})
    page = html(response)
    text = page.css_first("#article-text")
    assert text.attributes["hx-trigger"] == "claim-changed from:body"
    assert page.css_first("#claim-list").attributes["hx-swap-oob"] == "true"
    assert page.css_first("header.topbar") is None


def test_the_page_includes_the_extension_points(checker_client, article, settings):
    content = checker_client.get(f"/articles/{article.pk}/").content.decode()
    for marker in ('id="claim-panel"', 'id="claim-list"', 'id="annotate-alert"', 'role="alert"'):
        assert marker in content


def test_article_page_costs_the_same_queries_for_one_claim_or_two_hundred(checker_client, article, fact_checker):
    def add(n: int, offset: int) -> None:
        for i in range(n):
            factories.ClaimFactory(
                article=article,
                phrase=PHRASES[(offset + i) % len(PHRASES)],
                created_by=fact_checker,
                assignee=fact_checker if i % 2 else None,
                verdict=factories.rating("false") if i % 3 == 0 else None,
            )

    add(1, 0)
    one = count_queries(checker_client, f"/articles/{article.pk}/")
    one_partial = count_queries(checker_client, f"/articles/{article.pk}/highlights/")
    add(199, 1)
    two_hundred = count_queries(checker_client, f"/articles/{article.pk}/")
    assert one == two_hundred
    assert one_partial == count_queries(checker_client, f"/articles/{article.pk}/highlights/")


def test_verdict_colours_are_served_as_a_stylesheet(checker_client):
    label = factories.RatingLabelFactory(colour="#12ab34")
    response = checker_client.get("/claims/verdicts.css")
    assert response["Content-Type"].startswith("text/css")
    assert f".verdict-{label.pk} {{ --hl: #12ab34; }}" in response.content.decode()


def test_article_list_offers_new_article_links_to_editors_only(editor_client, client, fact_checker):
    content = editor_client.get("/articles/").content.decode()
    assert 'href="/articles/new/"' in content and 'href="/articles/upload/"' in content
    client.force_login(fact_checker)
    assert 'href="/articles/new/"' not in client.get("/articles/").content.decode()


def test_article_fragments_are_rendered_once_per_state_and_follow_every_change(checker_client, monkeypatch):
    from annotations import article_views as views
    from annotations import services

    calls = []
    real_highlight = views.highlight
    monkeypatch.setattr(views, "highlight", lambda *args: calls.append(1) or real_highlight(*args))
    claim = factories.ClaimFactory(statement="First wording")
    url = f"/articles/{claim.article_id}/"

    first = checker_client.get(url).content.decode()
    again = checker_client.get(url).content.decode()
    assert len(calls) == 1  # the second view came from the fragment cache
    assert "First wording" in first and "First wording" in again

    services.update_claim(
        claim, user=claim.created_by, expected_version=claim.version, changes={"statement": "Second wording"}
    )
    changed = checker_client.get(url).content.decode()
    assert len(calls) == 2
    assert "Second wording" in changed and "First wording" not in changed


def test_reader_and_fact_checker_get_their_own_cached_text(client, fact_checker):
    claim = factories.ClaimFactory()
    reader = factories.UserFactory()
    client.force_login(fact_checker)
    assert 'aria-describedby="annotate-hint"' in client.get(f"/articles/{claim.article_id}/").content.decode()
    client.force_login(reader)
    assert 'aria-describedby="annotate-hint"' not in client.get(f"/articles/{claim.article_id}/").content.decode()


# --- readers see published work only ---------------------------------------------------------


def researched_and_published(article):
    """One claim still being researched and one published claim on ``article``."""
    researching = factories.ClaimFactory(
        article=article, phrase="Residents gathered", status=ClaimStatus.RESEARCHING, statement="Still checking"
    )
    published = factories.ClaimFactory(
        article=article, status=ClaimStatus.PUBLISHED, verdict=factories.rating("false"), statement="Checked and out"
    )
    return researching, published


def test_readers_see_only_published_claims_on_the_article_page(client, article):
    researching, published = researched_and_published(article)
    client.force_login(factories.UserFactory())
    page = html(client.get(f"/articles/{article.pk}/"))
    listed = [item.attributes["data-claim-id"] for item in page.css("#claim-list .claim-item")]
    assert listed == [str(published.pk)]
    assert page.css(f"#article-text mark[data-claims~='{researching.pk}']") == []
    assert "Still checking" not in page.html
    number = page.css_first(f"#claim-{published.pk} .claim-number").text(separator=" ", strip=True)
    assert number == f"Claim #{published.pk}"  # its permanent number, not its place among published claims


def test_readers_cannot_open_an_unpublished_claim_through_the_query_parameter(client, article):
    researching, _ = researched_and_published(article)
    client.force_login(factories.UserFactory())
    page = html(client.get(f"/articles/{article.pk}/?claim={researching.pk}"))
    assert page.css_first("#claim-panel .claim-panel") is None


def test_readers_highlights_partial_leaves_unpublished_claims_out(client, article):
    researching, published = researched_and_published(article)
    client.force_login(factories.UserFactory())
    content = client.get(f"/articles/{article.pk}/highlights/", headers={"HX-Request": "true"}).content.decode()
    assert f'data-claim-id="{published.pk}"' in content
    assert f'data-claim-id="{researching.pk}"' not in content


def test_fact_checkers_see_every_claim_on_the_article_page(checker_client, article):
    researched_and_published(article)
    assert len(html(checker_client.get(f"/articles/{article.pk}/")).css("#claim-list .claim-item")) == 2


def test_readers_list_counts_and_status_filter_cover_published_claims_only(client, article):
    researched_and_published(article)
    factories.ClaimFactory(
        article=factories.ArticleFactory(title="Only in review"), status=ClaimStatus.IN_REVIEW
    )
    client.force_login(factories.UserFactory())
    row = next(r for r in html(client.get("/articles/")).css("tbody tr") if r.css_first("a").text() == article.title)
    assert row.css_first(".claim-total").text() == "1"
    assert [pill.text(strip=True) for pill in row.css(".status-counts .status-pill")] == ["1 Published"]
    assert titles_of(client.get("/articles/?status=in_review")) == []
    assert titles_of(client.get("/articles/?status=researching")) == []
    assert titles_of(client.get("/articles/?status=published")) == [article.title]


def test_readers_cannot_find_articles_by_who_is_assigned_to_unpublished_claims(client, article, fact_checker):
    factories.ClaimFactory(article=article, status=ClaimStatus.RESEARCHING, assignee=fact_checker)
    client.force_login(factories.UserFactory())
    assert titles_of(client.get(f"/articles/?assignee={fact_checker.pk}")) == []


# --- query-count guards ----------------------------------------------------------------------


def fill_desk(articles: int, fact_checker) -> None:
    """Articles with claims in several statuses, assigned and unassigned, rated and unrated."""
    for _ in range(articles):
        article = factories.ArticleFactory()
        factories.ClaimFactory(article=article, assignee=fact_checker)
        factories.ClaimFactory(article=article, phrase="Residents gathered", status=ClaimStatus.IN_REVIEW)
        factories.ClaimFactory(
            article=article, phrase="approved a budget", status=ClaimStatus.PUBLISHED, verdict=factories.rating("true")
        )


@pytest.mark.parametrize("url", ["/articles/", "/articles/?q=council&status=new&assignee=me&outlet=x"])
def test_the_article_list_costs_a_fixed_number_of_queries(checker_client, fact_checker, url,
                                                          django_assert_num_queries):
    fill_desk(2, fact_checker)
    with django_assert_num_queries(LIST_QUERIES):
        assert checker_client.get(url).status_code == 200
    fill_desk(28, fact_checker)
    with django_assert_num_queries(LIST_QUERIES):
        assert checker_client.get(url).status_code == 200


@pytest.mark.parametrize("viewer", ["reader", "fact_checker"])
def test_the_article_page_costs_a_fixed_number_of_queries(client, article, fact_checker, viewer,
                                                          django_assert_num_queries):
    client.force_login(factories.UserFactory() if viewer == "reader" else fact_checker)
    factories.ClaimFactory(article=article, assignee=fact_checker)
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(f"/articles/{article.pk}/").status_code == 200
    for i in range(30):
        factories.ClaimFactory(
            article=article,
            phrase=PHRASES[i % len(PHRASES)],
            assignee=fact_checker if i % 2 else None,
            status=ClaimStatus.PUBLISHED if i % 3 == 0 else ClaimStatus.RESEARCHING,
            verdict=factories.rating("false") if i % 3 == 0 else None,
        )
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(f"/articles/{article.pk}/").status_code == 200
    with django_assert_num_queries(HIGHLIGHTS_QUERIES):
        assert client.get(f"/articles/{article.pk}/highlights/").status_code == 200


# --- the fragment cache is bounded in bytes --------------------------------------------------


def test_a_fragment_larger_than_the_limit_is_rendered_every_time_and_never_cached(
    checker_client, monkeypatch, settings
):
    from django.core.cache import caches

    from annotations import article_views as views

    calls = []
    real_highlight = views.highlight
    monkeypatch.setattr(views, "highlight", lambda *args: calls.append(1) or real_highlight(*args))
    article = factories.ArticleFactory(body="A long paragraph about the harbour. " * 200)
    settings.FACTDESK_FRAGMENT_MAX_BYTES = 1024
    local = not settings.REDIS_URL  # the byte count is the local-memory cache's own
    before = caches["fragments"].size if local else 0
    for _ in range(2):
        assert "about the harbour" in checker_client.get(f"/articles/{article.pk}/").content.decode()
    assert len(calls) == 2
    if local:  # the small claim list still fits and is cached; the big text is not
        assert caches["fragments"].size - before < 1024

    settings.FACTDESK_FRAGMENT_MAX_BYTES = 10 * 1024 * 1024
    checker_client.get(f"/articles/{article.pk}/")
    checker_client.get(f"/articles/{article.pk}/")
    assert len(calls) == 3


@pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="with REDIS_URL the fragments live in Redis")
def test_the_fragments_cache_is_a_byte_budget_cache_configured_from_settings():
    from django.conf import settings
    from django.core.cache import caches

    from annotations.fragment_cache import ByteBudgetCache

    fragments = caches["fragments"]
    assert isinstance(fragments, ByteBudgetCache)
    assert fragments.max_bytes == settings.CACHES["fragments"]["OPTIONS"]["MAX_BYTES"]
    assert fragments.max_bytes >= settings.FACTDESK_FRAGMENT_MAX_BYTES


def budget_cache(max_bytes: int, max_entries: int = 1000, name: str = "test-budget"):
    from annotations.fragment_cache import ByteBudgetCache

    cache = ByteBudgetCache(name, {"OPTIONS": {"MAX_BYTES": max_bytes, "MAX_ENTRIES": max_entries}})
    cache.clear()
    return cache


def test_the_byte_budget_cache_never_holds_more_than_its_budget_and_drops_the_least_recently_used():
    cache = budget_cache(1000)
    for n in range(20):
        cache.set(f"fragment-{n}", "x" * 200)
        assert cache.size <= 1000
    assert cache.size == 1000
    assert [cache.get(f"fragment-{n}") is not None for n in range(15, 20)] == [True] * 5
    assert cache.get("fragment-0") is None
    cache.get("fragment-15")  # used: now the most recent
    cache.set("fragment-new", "y" * 200)
    assert cache.get("fragment-15") == "x" * 200
    assert cache.get("fragment-16") is None


def test_the_byte_budget_cache_counts_utf8_bytes_and_refuses_a_value_above_the_whole_budget():
    cache = budget_cache(100)
    cache.set("small", "ü" * 40)  # 80 bytes
    assert cache.size == 80
    cache.set("huge", "z" * 101)
    assert cache.get("huge") is None
    assert cache.get("small") == "ü" * 40
    cache.set("small", "a")
    assert cache.size == 1


def test_the_byte_budget_cache_honours_entries_timeouts_and_the_cache_api():
    cache = budget_cache(10_000, max_entries=2)
    cache.set("a", "1")
    cache.set("b", "2")
    cache.set("c", "3")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, "2", "3")
    assert cache.add("b", "other") is False and cache.get("b") == "2"
    assert cache.delete("b") is True and cache.has_key("b") is False
    cache.set("gone", "soon", timeout=0)
    assert cache.get("gone", "default") == "default"
    assert cache.touch("c", timeout=60) is True
    with pytest.raises(TypeError, match="text or bytes"):
        cache.set("object", {"not": "text"})


def test_every_instance_of_a_location_shares_one_budget():
    """Django makes one cache object per thread: they must share the store, or the bound multiplies."""
    from annotations.fragment_cache import ByteBudgetCache

    first = budget_cache(500, name="shared-budget")
    second = ByteBudgetCache("shared-budget", {"OPTIONS": {"MAX_BYTES": 500}})
    first.set("k", "v" * 300)
    second.set("l", "w" * 300)
    assert first.size == second.size == 300
    assert first.get("k") is None and first.get("l") == "w" * 300


# --- the list at desk size: filters answered by indexes (docs/benchmarks.md) ----------------


def test_text_filter_finds_word_forms_through_the_search_index(checker_client):
    factories.ArticleFactory(title="Port works", body="The channel was dredged last spring.")
    factories.ArticleFactory(title="Dredging plan", body="Costs rose.")
    factories.ArticleFactory(title="Weather", body="Rain over the dredge-free bay.")
    factories.ArticleFactory(title="Unrelated", body="Nothing about it.")
    # The full-text index answers (search.list_filter): stems match as on the search page.
    assert sorted(titles_of(checker_client.get("/articles/?q=dredging"))) == [
        "Dredging plan", "Port works", "Weather",
    ]


def test_text_filter_of_stop_words_only_falls_back_to_the_substring_match(checker_client):
    factories.ArticleFactory(title="The harbour", body="Text.")
    factories.ArticleFactory(title="Harbour", body="Plain words.")
    assert titles_of(checker_client.get("/articles/?q=The")) == ["The harbour"]


@pytest.mark.parametrize(
    "query", ["status=in_review", "assignee=me", "assignee=none", "q=residents", "status=published&outlet=x"]
)
def test_each_list_filter_costs_at_most_twelve_queries(checker_client, fact_checker, query,
                                                       django_assert_max_num_queries):
    fill_desk(30, fact_checker)
    with django_assert_max_num_queries(12):
        assert checker_client.get(f"/articles/?{query}").status_code == 200


def test_claim_filters_list_each_article_once_newest_first(checker_client, fact_checker):
    older = factories.ArticleFactory(title="Older")
    newer = factories.ArticleFactory(title="Newer")
    for article in (older, newer, newer):
        factories.ClaimFactory(article=article, assignee=fact_checker, status=ClaimStatus.IN_REVIEW)
    page = checker_client.get("/articles/?status=in_review&assignee=me")
    assert titles_of(page) == ["Newer", "Older"]
    assert page.context["page"].paginator.count == 2

"""Full-text search over articles and claims: parsing, ranking, filters, snippets, index upkeep.

Runs on SQLite (FTS5) by default and on PostgreSQL with
``DATABASE_URL=postgres://.../name pytest tests/test_search.py``: the same assertions hold on both.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from annotations.models import Claim, ClaimStatus
from search import index
from search.query import ParsedQuery, parse_query
from search.results import marked_html, search_articles, search_claims
from tests.factories import ArticleFactory, ClaimFactory, UserFactory, rating

# --- Parsing (pure) ----------------------------------------------------------------------


def test_parse_query_keeps_words_and_quoted_phrases():
    query = parse_query('Unemployment "fell to 6 percent" region')
    assert query.words == ("unemployment", "region")
    assert query.phrases == (("fell", "to", "6", "percent"),)


def test_parse_query_drops_stop_words_like_postgres_english():
    assert parse_query("the budget of the city").words == ("budget", "city")
    assert not parse_query("the of and")


def test_parse_query_trims_stop_words_at_phrase_ends_and_unwraps_one_word_phrases():
    query = parse_query('"the budget" "of the harbour bridge"')
    assert query.words == ("budget",)
    assert query.phrases == (("harbour", "bridge"),)


def test_parse_query_treats_syntax_characters_as_separators():
    query = parse_query('budget* OR (NEAR "x) -cuts: col:umn')
    assert set(query.words) <= {"budget", "near", "x", "cuts", "col", "umn"}
    assert "or" not in query.words


def test_parse_query_ignores_unterminated_quote_gracefully():
    assert parse_query('"harbour bridge').phrases == (("harbour", "bridge"),)


# --- Fixtures ------------------------------------------------------------------------------


def article(title: str, body: str, outlet: str = "The Daily Example"):
    return ArticleFactory(title=title, body=body, outlet=outlet)


def claim(on, phrase: str, *, statement: str = "", status: str = ClaimStatus.NEW, verdict: str | None = None,
          rationale: str = "", claimant: str = "") -> Claim:
    extra = {}
    if status == ClaimStatus.PUBLISHED and verdict is None:
        verdict = "true"
    if verdict:
        extra["verdict"] = rating(verdict)
    return ClaimFactory(
        article=on, phrase=phrase, statement=statement or phrase, status=status, rationale=rationale,
        claimant=claimant, **extra,
    )


def article_titles(text: str) -> list[str]:
    hits = search_articles(parse_query(text))
    return [hit.article.title for hit in hits[0:50]]


def claim_statements(text: str, **filters) -> list[str]:
    hits = search_claims(parse_query(text), **filters)
    return [hit.claim.statement for hit in hits[0:50]]


@pytest.fixture
def newsroom(db):
    bridge = article(
        "Harbour bridge repairs will cost 38 million euros",
        "The transport minister said repairs to the harbour bridge would cost 38 million euros.\n\n"
        "Traffic delays have cost local businesses money, the opposition said.",
        outlet="Coastal Ledger",
    )
    clinics = article(
        "Waiting times at city clinics halved",
        "The health board said waiting times had halved since January.\n\n"
        "A union claimed unemployment in the region fell to 6 percent because of temporary contracts.",
        outlet="Northbridge Post",
    )
    jobs = article(
        "Unemployment in the region fell to 6 percent",
        "The statistics office said unemployment fell to 6 percent in the third quarter.\n\n"
        "Economists warned that budget cuts could reverse the trend.",
        outlet="Valley Courier",
    )
    return {"bridge": bridge, "clinics": clinics, "jobs": jobs}


# --- Articles ------------------------------------------------------------------------------


def test_a_single_word_finds_articles_by_title_body_or_outlet(newsroom):
    assert article_titles("bridge") == ["Harbour bridge repairs will cost 38 million euros"]
    assert article_titles("economists") == ["Unemployment in the region fell to 6 percent"]
    assert article_titles("Northbridge") == ["Waiting times at city clinics halved"]


def test_a_title_hit_ranks_above_a_body_only_hit(newsroom):
    assert article_titles("unemployment") == [
        "Unemployment in the region fell to 6 percent",
        "Waiting times at city clinics halved",
    ]


def test_two_words_must_both_appear(newsroom):
    assert article_titles("unemployment contracts") == ["Waiting times at city clinics halved"]
    assert article_titles("unemployment harbour") == []


def test_a_quoted_phrase_needs_the_words_in_order(newsroom):
    assert article_titles('"budget cuts"') == ["Unemployment in the region fell to 6 percent"]
    assert article_titles('"cuts budget"') == []


def test_word_endings_are_ignored(newsroom):
    assert article_titles("repair") == ["Harbour bridge repairs will cost 38 million euros"]
    assert "Unemployment in the region fell to 6 percent" in article_titles("warning")


def test_search_is_case_insensitive_and_a_stop_word_query_finds_nothing(newsroom):
    assert article_titles("HARBOUR") == article_titles("harbour")
    assert article_titles("the") == []


def test_article_hits_carry_highlighted_title_and_snippet(newsroom):
    hit = search_articles(parse_query("harbour"))[0:1][0]
    assert "<mark>" in hit.title_html
    assert "<mark>" in hit.snippet_html and "harbour" in hit.snippet_html.lower()


# --- Claims --------------------------------------------------------------------------------


@pytest.fixture
def claims(newsroom):
    return {
        "published": claim(newsroom["jobs"], "unemployment fell to 6 percent in the third quarter",
                           status=ClaimStatus.PUBLISHED, verdict="true",
                           rationale="The labour force survey shows 6.0 percent."),
        "union": claim(newsroom["clinics"], "unemployment in the region fell to 6 percent",
                       claimant="Nurses' union"),
        "bridge": claim(newsroom["bridge"], "repairs to the harbour bridge would cost 38 million euros",
                        status=ClaimStatus.IN_REVIEW, verdict="mostly-true",
                        rationale="Tender documents mention unemployment nowhere."),
    }


def test_claims_are_found_by_a_word_of_their_statement(claims):
    assert set(claim_statements("unemployment")) >= {
        "unemployment fell to 6 percent in the third quarter",
        "unemployment in the region fell to 6 percent",
    }


def test_a_statement_hit_ranks_above_a_rationale_only_hit(claims):
    found = claim_statements("unemployment")
    assert found[-1] == "repairs to the harbour bridge would cost 38 million euros"
    assert len(found) == 3


def test_claims_are_found_by_claimant_and_by_phrase(claims):
    assert claim_statements("nurses") == ["unemployment in the region fell to 6 percent"]
    assert claim_statements('"third quarter"') == ["unemployment fell to 6 percent in the third quarter"]


def test_claim_filters_by_status_and_verdict(claims):
    assert claim_statements("unemployment", statuses=[ClaimStatus.NEW]) == [
        "unemployment in the region fell to 6 percent"
    ]
    assert claim_statements("unemployment", verdict_ids=[rating("mostly-true").pk]) == [
        "repairs to the harbour bridge would cost 38 million euros"
    ]
    assert claim_statements("unemployment", statuses=[ClaimStatus.NEW], verdict_ids=[rating("true").pk]) == []


def test_readers_see_only_published_claims(claims):
    assert claim_statements("unemployment", published_only=True) == [
        "unemployment fell to 6 percent in the third quarter"
    ]
    assert claim_statements("unemployment", published_only=True, statuses=[ClaimStatus.NEW]) == []


def test_the_search_selector_narrows_claims_through_the_claim_policy(claims, fact_checker):
    from search import selectors

    reader = UserFactory()
    query = parse_query("unemployment")
    assert [hit.claim.pk for hit in selectors.claim_hits(reader, query)[0:10]] == [claims["published"].pk]
    assert selectors.claim_hits(reader, query).count() == 1
    assert selectors.claim_hits(reader, query, statuses=[ClaimStatus.IN_REVIEW]).count() == 0
    assert len(selectors.claim_hits(fact_checker, query)[0:10]) == 3


def test_hits_are_loaded_only_from_the_claims_the_caller_passes(claims):
    """Defence in depth: even if the index returned a claim, it is never loaded from outside ``among``."""
    hits = search_claims(parse_query("unemployment"), among=Claim.objects.filter(pk=claims["union"].pk))
    assert [hit.claim.pk for hit in hits[0:10]] == [claims["union"].pk]


def test_readers_are_offered_only_the_published_status_to_filter_by(claims, client, fact_checker):
    def status_options() -> list[str]:
        return [value for value, _ in client.get(reverse("search:search")).context["form"].fields["status"].choices]

    client.force_login(UserFactory())
    assert status_options() == ["", ClaimStatus.PUBLISHED]
    assert client.get(reverse("search:search"), {"q": "unemployment", "status": "in_review"}).status_code == 400
    client.force_login(fact_checker)
    assert len(status_options()) == len(ClaimStatus.choices) + 1


def test_a_rationale_snippet_is_shown_only_when_the_rationale_matched(claims):
    hits = {hit.claim.pk: hit for hit in search_claims(parse_query("unemployment"))[0:10]}
    assert hits[claims["bridge"].pk].rationale_html is not None
    assert "<mark>" in hits[claims["bridge"].pk].rationale_html
    assert hits[claims["union"].pk].rationale_html is None


def test_counts_and_pages_agree(newsroom):
    for n in range(7):
        claim(newsroom["jobs"], "budget cuts", statement=f"Budget cuts number {n}")
    hits = search_claims(parse_query("budget"))
    assert hits.count() == 7
    first, second = hits[0:4], hits[4:8]
    assert len(first) == 4 and len(second) == 3
    assert {h.claim.pk for h in first}.isdisjoint({h.claim.pk for h in second})


# --- Escaping ------------------------------------------------------------------------------


def test_highlighting_escapes_user_text_before_marking():
    html = marked_html(f"<img src=x onerror=alert(1)> {index.START}budget{index.STOP} & more")
    assert html == "&lt;img src=x onerror=alert(1)&gt; <mark>budget</mark> &amp; more"


def test_stray_markers_never_produce_unbalanced_tags():
    assert marked_html(f"a{index.STOP}b{index.START}c") == "ab<mark>c</mark>"


def test_a_claim_with_markup_in_its_statement_is_shown_escaped(newsroom, checker_client):
    claim(newsroom["jobs"], "budget cuts", statement='<script>alert("budget")</script> budget cuts')
    response = checker_client.get(reverse("search:search"), {"q": "budget"})
    content = response.content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert" in content


# --- Keeping the index current ---------------------------------------------------------------


def test_editing_a_claim_reindexes_it(newsroom):
    edited = claim(newsroom["jobs"], "budget cuts", statement="Payroll figures are wrong")
    assert claim_statements("payroll") == ["Payroll figures are wrong"]
    edited.statement = "Temporary contracts explain the fall"
    edited.save()
    assert claim_statements("contracts") == ["Temporary contracts explain the fall"]
    assert claim_statements("payroll") == []


def test_deleting_rows_removes_them_from_the_index(claims, newsroom):
    claims["union"].delete()
    assert claim_statements("nurses") == []
    newsroom["bridge"].delete()
    assert article_titles("harbour") == []


def test_editing_an_article_reindexes_it(newsroom):
    jobs = newsroom["jobs"]
    jobs.title = "Jobless rate at record low"
    jobs.save()
    assert article_titles("jobless") == ["Jobless rate at record low"]
    assert article_titles("region") == ["Waiting times at city clinics halved"]


def test_installing_the_index_back_fills_existing_rows(claims):
    index.uninstall(connection)
    index.install(connection)
    assert article_titles("harbour") == ["Harbour bridge repairs will cost 38 million euros"]
    assert claim_statements("nurses") == ["unemployment in the region fell to 6 percent"]


def test_ensure_repairs_triggers_a_table_rebuild_dropped(claims):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER search_claim_fts_au")
        else:
            cursor.execute("DROP TRIGGER search_claim_doc_sync ON annotations_claim")
    assert index.missing_objects(connection)
    assert index.ensure(connection) is True
    assert index.missing_objects(connection) == []
    union = claims["union"]
    union.statement = "Temporary contracts explain the fall"
    union.save()
    assert claim_statements("contracts") == ["Temporary contracts explain the fall"]
    assert index.ensure(connection) is False


# --- The search page -------------------------------------------------------------------------


def test_every_page_has_a_labelled_search_box_in_the_navigation(checker_client):
    content = checker_client.get(reverse("articles:list")).content.decode()
    assert 'role="search"' in content
    assert '<label for="nav-search-q"' in content
    assert f'action="{reverse("search:search")}"' in content


def test_the_search_page_groups_articles_and_claims_with_counts(claims, checker_client):
    response = checker_client.get(reverse("search:search"), {"q": "unemployment"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Articles <span class=\"count\">(2)</span>" in content
    assert "Claims <span class=\"count\">(3)</span>" in content
    assert "<mark>" in content


def test_the_search_page_filters_claims_by_verdict_slug(claims, checker_client):
    response = checker_client.get(reverse("search:search"), {"q": "unemployment", "verdict": "mostly-true"})
    claims_page = response.context["claims"]
    assert [hit.claim.pk for hit in claims_page] == [claims["bridge"].pk]


def test_an_unknown_filter_is_a_clear_400(claims, checker_client):
    response = checker_client.get(reverse("search:search"), {"q": "unemployment", "status": "bogus"})
    assert response.status_code == 400
    assert "Unknown claim status" in response.content.decode()


def test_a_search_of_only_common_words_explains_itself(claims, checker_client):
    response = checker_client.get(reverse("search:search"), {"q": "the of"})
    assert response.status_code == 200
    assert "too common" in response.content.decode()


def test_a_reader_searching_sees_only_published_claims(claims, client):
    client.force_login(UserFactory())
    response = client.get(reverse("search:search"), {"q": "unemployment"})
    assert [hit.claim.pk for hit in response.context["claims"]] == [claims["published"].pk]
    assert "published claims only" in response.content.decode()


def test_the_search_page_costs_the_same_queries_for_few_or_many_hits(newsroom, checker_client,
                                                                      django_assert_max_num_queries):
    claim(newsroom["jobs"], "budget cuts", statement="Budget cuts one")
    with django_assert_max_num_queries(20) as few:
        checker_client.get(reverse("search:search"), {"q": "budget"})
    for n in range(30):
        claim(newsroom["jobs"], "budget cuts", statement=f"Budget cuts {n}")
        article(f"Budget story {n}", f"The budget was cut by {n} percent.")
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = checker_client.get(reverse("search:search"), {"q": "budget"})
    assert response.context["claims"].paginator.count == 31
    assert len(many.captured_queries) == len(few.captured_queries)


#: Exact queries of a search page with hits (signing in: session, user and role; rating scale, article count
#: and page with its rows, claim count and page with its rows, unread count), however many hits.
SEARCH_QUERIES = 9
#: The time budget's statements on PostgreSQL (search.index.time_budget): inside the test's
#: transaction a savepoint, ``SET LOCAL statement_timeout``, and rolling back to and releasing
#: the savepoint. SQLite's budget is a progress handler and runs no SQL.
BUDGET_QUERIES = {"postgresql": 4, "sqlite": 0}


@pytest.mark.parametrize("viewer", ["reader", "fact_checker"])
def test_the_search_page_costs_an_exact_number_of_queries(newsroom, client, fact_checker, viewer,
                                                          django_assert_num_queries):
    client.force_login(UserFactory() if viewer == "reader" else fact_checker)
    claim(newsroom["jobs"], "budget cuts", statement="Budget cuts one", status=ClaimStatus.PUBLISHED)
    expected = SEARCH_QUERIES + BUDGET_QUERIES[connection.vendor]
    with django_assert_num_queries(expected):
        client.get(reverse("search:search"), {"q": "budget"})
    for n in range(30):
        claim(newsroom["jobs"], "budget cuts", statement=f"Budget cuts {n}",
              status=ClaimStatus.PUBLISHED if n % 2 else ClaimStatus.RESEARCHING)
        article(f"Budget story {n}", f"The budget was cut by {n} percent.")
    with django_assert_num_queries(expected):
        response = client.get(reverse("search:search"), {"q": "budget"})
    assert response.context["claims"].paginator.count == (16 if viewer == "reader" else 31)


def test_result_pages_are_linked_and_keep_the_query(newsroom, checker_client):
    for n in range(25):
        claim(newsroom["jobs"], "budget cuts", statement=f"Budget cuts {n}")
    response = checker_client.get(reverse("search:search"), {"q": "budget", "cpage": "2"})
    page = response.context["claims"]
    assert page.number == 2 and len(page.object_list) == 5
    assert "q=budget&amp;cpage=1" in response.content.decode()


def test_empty_parsed_query_object_is_falsey():
    assert not ParsedQuery()


def test_after_migrate_the_repair_hook_restores_a_dropped_trigger(claims):
    from django.apps import apps

    from search.apps import repair_index

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER search_article_fts_ai")
        else:
            cursor.execute("DROP TRIGGER search_article_doc_sync ON articles_article")
    repair_index(sender=apps.get_app_config("search"), using="default")
    assert index.missing_objects(connection) == []
    article("Dredging tender announced", "The harbour authority announced a dredging tender.")
    assert article_titles("dredging") == ["Dredging tender announced"]

"""The article page's one query read from a plain cursor, and prepared on PostgreSQL (issue 19).

``annotations.selectors.article_for_page`` runs the page's compiled statement through
``factcheck.user_cache.prepared_cursor`` (prepared once per connection on PostgreSQL unless
``FACTDESK_PREPARED_ARTICLE_PAGE`` or ``FACTDESK_PREPARED_STATEMENTS`` is off; Django's own cursor
elsewhere) and builds the article with ``Article.from_db`` and the compiler's converters, as the
ORM would. These tests hold it to the ORM's answer, to one counted query, and to seeing every
change at once.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations import selectors, services
from annotations.models import Claim, Notification
from articles.models import Article
from articles.watching import with_outlet_changes
from factcheck import user_cache
from tests import factories

TOKEN = re.compile(r'(value="|"X-CSRFToken": ")[A-Za-z0-9]{32,64}"')
ARTICLE_QUERY = 'FROM "articles_article"'


@pytest.fixture
def desk_article(db):
    return factories.article_with_two_claims()


@pytest.fixture
def prepared_calls(monkeypatch):
    """How many cursors were made that prepare their statements (PostgreSQL only)."""
    calls = []
    original = user_cache._preparing_cursor_class

    def spy():
        calls.append(1)
        return original()

    monkeypatch.setattr(user_cache, "_preparing_cursor_class", spy)
    return calls


def page(client: Client, article_id: int) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/articles/{article_id}/")
    assert response.status_code == 200
    return TOKEN.sub(r'\1"', response.content.decode()), [q["sql"] for q in queries.captured_queries]


def orm_article(pk: int) -> Article:
    """The same article, annotations and all, through the ORM's own queryset (the reference)."""
    return selectors.with_claims_state(with_outlet_changes(Article.objects.filter(pk=pk).order_by())).get()


def test_the_article_is_the_orms_with_every_field_and_annotation(desk_article, fact_checker):
    factories.ArticleRevisionFactory(article=desk_article, changed_by_outlet=True)
    for _ in range(3):
        factories.NotificationFactory(recipient=fact_checker)
    found = selectors.article_for_page(desk_article.pk, fact_checker)
    expected = orm_article(desk_article.pk)
    assert type(found) is Article and found.pk == desk_article.pk
    assert found._state.adding is False and found._state.db == connection.alias
    for field in Article._meta.concrete_fields:
        value, wanted = getattr(found, field.attname), getattr(expected, field.attname)
        assert value == wanted and type(value) is type(wanted), field.attname
    assert found.created_at.tzinfo is not None  # converted as the ORM converts (SQLite: from text)
    for name in ("outlet_changes", "claims_state", "labels_state"):
        assert getattr(found, name) == getattr(expected, name), name
    assert found.outlet_changes == 1
    assert found.unread_notifications == 3
    assert found.claims_state.startswith("2;")


def test_a_missing_article_is_none_and_a_404(desk_article, checker_client):
    missing = Article.objects.order_by("-pk").first().pk + 1000
    assert selectors.article_for_page(missing) is None
    assert checker_client.get(f"/articles/{missing}/").status_code == 404


def test_an_anonymous_reader_counts_no_notifications(desk_article):
    found = selectors.article_for_page(desk_article.pk, None)
    assert found is not None and found.unread_notifications == 0


def test_the_unread_count_is_capped_as_the_badge_shows_it(desk_article, fact_checker):
    claim = Claim.objects.filter(article=desk_article).first()
    Notification.objects.bulk_create(
        Notification(recipient=fact_checker, claim=claim, kind=Notification.Kind.ASSIGNED)
        for _ in range(selectors.UNREAD_COUNT_LIMIT + 5)
    )
    found = selectors.article_for_page(desk_article.pk, fact_checker)
    assert isinstance(found.unread_notifications, selectors.UnreadCount) and str(found.unread_notifications) == "99+"


def test_each_assignee_is_named_once_and_unassigned_claims_not_at_all(desk_article):
    ada = factories.FactCheckerFactory(first_name="Ada", last_name="Lovelace", username="ada")
    Claim.objects.filter(article=desk_article).update(assignee=ada)
    factories.ClaimFactory(article=desk_article, phrase="Residents gathered", statement="Third", assignee=None)
    names = selectors.article_for_page(desk_article.pk).claims_state.partition("|")[2]
    assert names == f"{ada.pk}:Ada Lovelace:ada"


def test_a_warm_page_runs_the_article_query_once_and_it_is_counted(checker_client, desk_article):
    page(checker_client, desk_article.pk)
    _, sqls = page(checker_client, desk_article.pk)
    assert len([sql for sql in sqls if ARTICLE_QUERY in sql]) == 1, sqls
    assert len(sqls) <= 2  # the sign-in and the article (tests/test_one_trip_sign_in.py)


def test_every_change_is_seen_at_once_through_the_same_statement(checker_client, desk_article, editor):
    claim = Claim.objects.get(article=desk_article, statement="Budget")
    for _ in range(2):  # warm: the statement is prepared (PostgreSQL) and the page cached
        page(checker_client, desk_article.pk)
    services.update_claim(
        claim, user=claim.created_by, expected_version=claim.version, changes={"statement": "Budget, revised"}
    )
    assert "Budget, revised" in page(checker_client, desk_article.pk)[0]
    Article.objects.filter(pk=desk_article.pk).update(title="A title changed behind the services' back")
    assert "A title changed behind the services" in page(checker_client, desk_article.pk)[0]
    Claim.objects.filter(pk=claim.pk).update(
        statement="Budget, bulk", version=claim.version + 5, updated_at=timezone.now()
    )
    assert "Budget, bulk" in page(checker_client, desk_article.pk)[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL only")
def test_on_postgresql_the_article_query_is_prepared_once_per_connection(checker_client, desk_article, prepared_calls):
    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall() if ARTICLE_QUERY in row[0]]

    page(checker_client, desk_article.pk)
    after_first = prepared()
    assert after_first and all("claims_state" in statement for statement in after_first), after_first
    for _ in range(3):
        page(checker_client, desk_article.pk)
    assert prepared() == after_first  # prepared once, then only executed
    assert prepared_calls


@pytest.mark.parametrize("switch", ["FACTDESK_PREPARED_ARTICLE_PAGE", "FACTDESK_PREPARED_STATEMENTS"])
def test_preparing_can_be_turned_off(checker_client, desk_article, settings, prepared_calls, switch):
    settings.FACTDESK_PREPARED_SIGN_IN = False
    setattr(settings, switch, False)
    for _ in range(2):
        text, sqls = page(checker_client, desk_article.pk)
    assert "Budget" in text and len([sql for sql in sqls if ARTICLE_QUERY in sql]) == 1
    assert prepared_calls == []  # Django's own cursor: nothing prepared


def test_on_sqlite_nothing_is_prepared(checker_client, desk_article, prepared_calls):
    for _ in range(2):
        assert "Budget" in page(checker_client, desk_article.pk)[0]
    assert bool(prepared_calls) == (connection.vendor == "postgresql")

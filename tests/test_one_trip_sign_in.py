"""Signing in in one round trip (issue 19): the session, the user and the role read together, always fresh.

``factcheck/user_cache.py``: with database sessions one SQL statement reads the session row,
the user row and the role groups; with the user cache and cached_db sessions one ``get_many``
reads the session and the cached user. Nothing about a user is kept per process, so every
change made elsewhere (logout, deactivation, new password, role) is seen on the next request,
and the answers are Django's own (``auth.get_user``) whenever anything is unusual.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from factcheck import user_cache
from factcheck.permissions import EDITOR, FACT_CHECKER, role_of
from tests import factories

TOKEN = re.compile(r'(value="|"X-CSRFToken": ")[A-Za-z0-9]{32,64}"')


@pytest.fixture
def one_trip(settings):
    """The one-trip sign-in on (as in production), database sessions, no user cache: a fresh client."""
    settings.FACTDESK_ONE_TRIP_SIGN_IN = True
    settings.FACTDESK_USER_CACHE_SECONDS = 0
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    return Client()


@pytest.fixture
def one_trip_cached(settings):
    """The one-trip sign-in with the user cache and cached_db sessions in one (local) cache, as with Redis."""
    settings.FACTDESK_ONE_TRIP_SIGN_IN = True
    settings.FACTDESK_USER_CACHE_SECONDS = 300
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    cache.clear()
    return Client()


@pytest.fixture
def article(db):
    return factories.article_with_two_claims()


def get(client: Client, url: str) -> tuple[int, str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    html = TOKEN.sub(r'\1"', response.content.decode())
    return response.status_code, html, [q["sql"] for q in queries.captured_queries]


SIGN_IN = (
    'SELECT s."session_data"', 'SELECT u."id"', 'SELECT "django_session"', 'SELECT "auth_user"', 'SELECT "auth_group"',
)


def sign_in_queries(sqls: list[str]) -> list[str]:
    """The session's, the user's and the role's queries (the article's own query joins users too: not these)."""
    return [sql for sql in sqls if sql.startswith(SIGN_IN)]


def test_a_warm_page_signs_in_with_one_query(one_trip, article, fact_checker):
    one_trip.force_login(fact_checker)
    url = f"/articles/{article.pk}/"
    get(one_trip, url)
    status, html, sqls = get(one_trip, url)
    assert status == 200 and "Budget" in html and f'data-user-id="{fact_checker.pk}"' in html
    assert len(sign_in_queries(sqls)) == 1, sqls
    assert len(sqls) <= 2  # the sign-in and the article (with its state and the reader's unread count)


def test_the_page_is_the_same_as_with_djangos_sign_in(one_trip, article, fact_checker, settings):
    one_trip.force_login(fact_checker)
    url = f"/articles/{article.pk}/"
    get(one_trip, url)
    fast = get(one_trip, url)[1]
    settings.FACTDESK_ONE_TRIP_SIGN_IN = False
    other = Client()
    other.force_login(fact_checker)
    assert get(other, url)[1] == fast


def test_the_response_varies_on_the_cookie(one_trip, article, fact_checker):
    one_trip.force_login(fact_checker)
    response = one_trip.get(f"/articles/{article.pk}/")
    assert "Cookie" in response.headers.get("Vary", "")


@pytest.mark.parametrize("change", ["logout elsewhere", "expired", "deactivated", "new password"])
def test_a_change_made_elsewhere_signs_out_at_once(one_trip, article, fact_checker, change):
    one_trip.force_login(fact_checker)
    url = f"/articles/{article.pk}/"
    assert get(one_trip, url)[0] == 200
    assert get(one_trip, url)[0] == 200  # warm: the guess is known
    if change == "logout elsewhere":
        Session.objects.all().delete()
    elif change == "expired":
        Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    elif change == "deactivated":
        type(fact_checker).objects.filter(pk=fact_checker.pk).update(is_active=False)  # no signal on purpose
    else:
        fact_checker.set_password("another long passphrase")
        type(fact_checker).objects.filter(pk=fact_checker.pk).update(password=fact_checker.password)
    assert get(one_trip, url)[0] == 302


def test_a_role_change_made_elsewhere_is_seen_at_once(one_trip, article):
    person = factories.UserFactory()
    one_trip.force_login(person)
    url = f"/articles/{article.pk}/"
    assert "Budget" not in get(one_trip, url)[1]  # a reader: published claims only
    assert "Budget" not in get(one_trip, url)[1]
    group = Group.objects.get(name=FACT_CHECKER)
    group.user_set.add(person)
    assert "Budget" in get(one_trip, url)[1]
    person.groups.remove(group)
    assert "Budget" not in get(one_trip, url)[1]
    type(person).objects.filter(pk=person.pk).update(is_superuser=True)
    html = get(one_trip, url)[1]
    assert "Budget" in html and "Admin" in html


def test_a_session_that_names_another_user_is_read_again(one_trip, article, fact_checker):
    """The per-process guess (session key -> user id) is only a guess: the session decides."""
    other = factories.FactCheckerFactory()
    one_trip.force_login(fact_checker)
    url = f"/articles/{article.pk}/"
    get(one_trip, url)
    session = Session.objects.get()
    data = session.get_decoded()
    data[SESSION_KEY] = str(other.pk)
    data["_auth_user_hash"] = other.get_session_auth_hash()
    Session.objects.filter(pk=session.pk).update(session_data=Session.objects.encode(data))
    status, html, sqls = get(one_trip, url)
    assert status == 200 and f'data-user-id="{other.pk}"' in html and f'data-user-id="{fact_checker.pk}"' not in html
    assert len(sign_in_queries(sqls)) == 2  # the guess missed: the user read by a second query
    assert len(sign_in_queries(get(one_trip, url)[2])) == 1


def test_anonymous_and_unknown_sessions_are_djangos(one_trip, article):
    url = f"/articles/{article.pk}/"
    assert one_trip.get(url).status_code == 302
    one_trip.cookies["sessionid"] = "x" * 32
    assert one_trip.get(url).status_code == 302


def test_the_role_from_the_groups_is_role_of(db):
    people = [
        factories.UserFactory(), factories.FactCheckerFactory(), factories.EditorFactory(), factories.AdminFactory(),
    ]
    both = factories.FactCheckerFactory()
    both.groups.add(Group.objects.get(name=EDITOR))
    people.append(both)
    for person in people:
        names = set(person.groups.values_list("name", flat=True))
        fresh = type(person).objects.get(pk=person.pk)
        assert user_cache.role_from_groups(fresh, EDITOR in names, FACT_CHECKER in names) == role_of(fresh)


def test_a_user_read_in_one_trip_is_the_user_the_orm_reads(one_trip, editor):
    """Every column converted as the ORM converts it (dates, booleans), on either database."""
    from django.test import RequestFactory

    one_trip.force_login(editor)
    one_trip.get("/healthz")
    request = RequestFactory().get("/healthz")
    from importlib import import_module

    from django.conf import settings

    request.session = import_module(settings.SESSION_ENGINE).SessionStore(one_trip.cookies["sessionid"].value)
    for _ in range(2):  # the guess unknown, then known
        request.session = type(request.session)(one_trip.cookies["sessionid"].value)
        user = user_cache.signed_in_user(request)
        orm = type(editor).objects.get(pk=editor.pk)
        for field in type(editor)._meta.concrete_fields:
            assert getattr(user, field.attname) == getattr(orm, field.attname), field.name
        assert role_of(user) == role_of(orm)


# --- with the user cache and cached_db sessions (Redis) ---------------------------------------


def test_with_a_shared_cache_a_warm_page_signs_in_without_a_query(one_trip_cached, article, fact_checker):
    one_trip_cached.force_login(fact_checker)
    url = f"/articles/{article.pk}/"
    get(one_trip_cached, url)
    status, html, sqls = get(one_trip_cached, url)
    assert status == 200 and "Budget" in html
    assert sign_in_queries(sqls) == [] and len(sqls) <= 1


def test_with_a_shared_cache_changes_are_seen_at_once(one_trip_cached, article):
    person = factories.UserFactory()
    one_trip_cached.force_login(person)
    url = f"/articles/{article.pk}/"
    assert "Budget" not in get(one_trip_cached, url)[1]
    assert "Budget" not in get(one_trip_cached, url)[1]
    group = Group.objects.get(name=FACT_CHECKER)
    group.user_set.add(person)
    assert "Budget" in get(one_trip_cached, url)[1]
    person.is_active = False
    person.save()
    assert get(one_trip_cached, url)[0] == 302


def test_with_a_shared_cache_a_logout_elsewhere_is_seen_at_once(one_trip_cached, article, fact_checker):
    one_trip_cached.force_login(fact_checker)
    url = f"/articles/{article.pk}/"
    get(one_trip_cached, url)
    other = Client()
    other.cookies = one_trip_cached.cookies
    other.post("/accounts/logout/")
    assert get(one_trip_cached, url)[0] == 302


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL only")
def test_on_postgresql_the_sign_in_statement_is_prepared_once_per_connection(one_trip, article, fact_checker):
    one_trip.force_login(fact_checker)
    url = f"/articles/{article.pk}/"
    for _ in range(3):
        assert get(one_trip, url)[0] == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "django_session" s LEFT JOIN' in statement for statement in prepared), prepared
    # nothing else prepared but the article page's own statement (tests/test_article_page_prepared.py)
    assert all("django_session" in s or 'FROM "auth_user" u' in s or 'FROM "articles_article"' in s for s in prepared)


def test_the_prepared_sign_in_can_be_turned_off(one_trip, article, fact_checker, settings):
    settings.FACTDESK_PREPARED_SIGN_IN = False
    one_trip.force_login(fact_checker)
    url = f"/articles/{article.pk}/"
    get(one_trip, url)
    status, _, sqls = get(one_trip, url)
    assert status == 200 and len(sign_in_queries(sqls)) == 1

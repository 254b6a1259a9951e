"""Failures: the database going away, interrupted imports, and friendly error pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

import factcheck.urls
from articles.importing.formats import ParsedArticle, ParseError, ParseOutcome
from articles.importing.service import save_outcome
from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db


# A URL configuration for this module: the real one plus views that fail on purpose.
def _raise(error: BaseException) -> Callable[[HttpRequest], HttpResponse]:
    def view(request: HttpRequest) -> HttpResponse:
        raise error

    return view


urlpatterns = [
    *factcheck.urls.urlpatterns,
    path("test-failures/400/", _raise(SuspiciousOperation("tampered"))),
    path("test-failures/403/", _raise(PermissionDenied("Only editors can publish claims."))),
    path("test-failures/403-silent/", _raise(PermissionDenied())),
    path("test-failures/500/", _raise(RuntimeError("secret internals: /srv/factdesk/settings.py"))),
    path("test-failures/db/", _raise(OperationalError("server closed the connection unexpectedly"))),
]
handler500 = factcheck.urls.handler500


@contextmanager
def database_fails_on(table: str) -> Iterator[None]:
    """Make every query touching ``table`` fail as if the server had gone away."""

    def wrapper(execute, sql, params, many, context):
        if table in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


def assert_friendly(response, status: int, heading: str) -> str:
    text = response.content.decode()
    assert response.status_code == status
    assert heading in text
    assert "Traceback" not in text and "OperationalError" not in text and "secret internals" not in text
    return text


# --- Database unavailable --------------------------------------------------------------


def test_database_lost_in_a_view_gives_a_503_page_with_retry_after(checker_client, article):
    with database_fails_on("articles_article"):
        response = checker_client.get("/articles/")
    assert_friendly(response, 503, "Factdesk is temporarily unavailable")
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"


def test_database_lost_before_the_view_also_gives_the_503_page(fact_checker):
    """Loading the session happens in middleware, outside process_exception's reach."""
    client = Client(raise_request_exception=False)
    client.force_login(fact_checker)
    with database_fails_on("django_session"):
        response = client.get("/articles/")
    assert_friendly(response, 503, "Factdesk is temporarily unavailable")
    assert response["Retry-After"] == "30"


@pytest.mark.urls(__name__)
def test_database_error_raised_by_a_view_is_a_503(checker_client):
    response = checker_client.get("/test-failures/db/")
    assert_friendly(response, 503, "We cannot reach the database right now")


def test_healthz_reports_a_healthy_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable", "detail": "OperationalError"}
    assert "no-cache" in response["Cache-Control"]


# --- Friendly error pages --------------------------------------------------------------


def test_unknown_page_is_a_friendly_404(checker_client):
    response = checker_client.get("/articles/987654/")
    assert_friendly(response, 404, "There is nothing here")
    assert response.templates[0].name == "404.html"


@pytest.mark.urls(__name__)
def test_permission_denied_is_a_friendly_403_with_the_reason(checker_client):
    text = assert_friendly(checker_client.get("/test-failures/403/"), 403, "You do not have permission")
    assert "Only editors can publish claims." in text
    silent = assert_friendly(checker_client.get("/test-failures/403-silent/"), 403, "You do not have permission")
    assert "<p></p>" not in silent


@pytest.mark.urls(__name__)
def test_bad_request_is_a_friendly_400(checker_client):
    assert_friendly(checker_client.get("/test-failures/400/"), 400, "We could not understand that request")


def test_unknown_host_is_a_friendly_400(client):
    assert_friendly(client.get("/articles/", HTTP_HOST="evil.example"), 400, "We could not understand")


@pytest.mark.urls(__name__)
def test_server_error_is_a_friendly_500_without_internals(fact_checker):
    client = Client(raise_request_exception=False)
    client.force_login(fact_checker)
    response = client.get("/test-failures/500/")
    assert_friendly(response, 500, "Something went wrong on our side")


def test_stale_form_is_a_friendly_403(fact_checker):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": fact_checker.username, "password": factories.PASSWORD})
    assert_friendly(response, 403, "This form has expired")


# --- Imports interrupted half-way ------------------------------------------------------


def parsed(number: int) -> ParsedArticle:
    return ParsedArticle(
        origin=f"feed.jsonl line {number}",
        title=f"Interrupted import article {number}",
        body=f"Paragraph one of article {number}.\n\nParagraph two of article {number}.",
        url=f"https://news.example.org/interrupted/{number}",
        outlet="The Example Times",
    )


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_half_way_leaves_only_whole_articles(monkeypatch):
    """The process dies (KeyboardInterrupt / SIGTERM) once the chunk's articles are written."""
    from articles.importing import service

    original_insert = service._insert_articles

    def insert_then_die(articles):
        original_insert(articles)  # the rows are written inside the chunk's transaction ...
        raise KeyboardInterrupt  # ... and the process is killed before it commits

    monkeypatch.setattr(service, "_insert_articles", insert_then_die)
    broken = ParseError("feed.jsonl line 2", "not valid JSON")
    outcome = ParseOutcome(records=[parsed(1), broken, *map(parsed, [3, 4, 5])])
    with pytest.raises(KeyboardInterrupt):
        save_outcome(outcome, user=None)
    monkeypatch.undo()

    # Articles are committed a chunk at a time (articles.importing.service.CHUNK_SIZE): the
    # interrupted chunk is rolled back whole, so no article is half-written.
    assert not Article.objects.filter(url__endswith="/interrupted/4").exists()
    assert Article.objects.count() == 0

    # Running the import again completes it; once more, it duplicates nothing already saved.
    report = save_outcome(ParseOutcome(records=[parsed(n) for n in (1, 3, 4, 5)]), user=None)
    assert len(report.created) == 4 and report.skipped == []
    stored = list(Article.objects.order_by("id"))
    for article, number in zip(stored, [1, 3, 4, 5], strict=True):
        expected = parsed(number)
        assert (article.body, article.url, article.outlet) == (expected.body, expected.url, expected.outlet)
    again = save_outcome(ParseOutcome(records=[parsed(n) for n in (1, 3, 4, 5)]), user=None)
    assert again.created == [] and len(again.skipped) == 4
    assert Article.objects.count() == 4

"""The API's article endpoints: create from text, add by URL (a job), correct with If-Match, conditional GET."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from articles.models import Article, ArticleRevision
from factcheck.models import Job
from tests import factories
from tests.test_api import PROBLEM, Api, assert_problem

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "reader", "fact_checker", "other_fact_checker", "editor", "admin")
STORY = (Path(__file__).resolve().parent / "fixtures" / "web" / "newsroom_article.html").read_bytes()
NEW_ARTICLE = {
    "title": "Port fees to rise by 12 percent",
    "body": "The port authority said fees would rise by 12 percent next year.\n\nShippers said they were not told.",
    "outlet": "Harbour Chronicle",
    "url": "https://chronicle.example/port-fees",
    "published_on": "2025-03-01",
}


@pytest.fixture
def users():
    return factories.users_by_role(ROLES)


def article_etag(article: Article) -> str:
    return f'W/"{Article.objects.get(pk=article.pk).version}"'


# --- create from text --------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [
    ("anonymous", 401), ("reader", 403), ("fact_checker", 403), ("other_fact_checker", 403),
    ("editor", 201), ("admin", 201),
])
def test_creating_an_article_per_role(users, role, status):
    response = Api(users[role]).send("POST", "/api/articles/", NEW_ARTICLE)
    assert response.status_code == status, response.content
    if status != 201:
        assert_problem(response, status)
        assert not Article.objects.filter(title=NEW_ARTICLE["title"]).exists()
        return
    article = Article.objects.get(title=NEW_ARTICLE["title"])
    assert article.added_by == users[role] and article.outlet == "Harbour Chronicle"
    assert response["Location"] == f"/api/articles/{article.pk}/"
    assert response["ETag"] == f'W/"{article.version}"'
    assert response.json()["body"] == article.body


def test_a_created_article_goes_through_the_import_services_canonical_text(users):
    messy = dict(NEW_ARTICLE, title="  Port   fees\n", body="Line one.\r\n\r\nLine two.  ")
    response = Api(users["editor"]).send("POST", "/api/articles/", messy)
    assert response.status_code == 201, response.content
    article = Article.objects.get(pk=response.json()["id"])
    assert article.title == "Port fees" and article.body == "Line one.\n\nLine two."


def test_a_duplicate_article_is_409_naming_the_one_on_the_desk(users):
    client = Api(users["editor"])
    first = client.send("POST", "/api/articles/", NEW_ARTICLE).json()
    again = client.send("POST", "/api/articles/", dict(NEW_ARTICLE, title="Another title"))
    body = assert_problem(again, 409)
    assert body["article"] == first["id"] and "already on the desk" in body["detail"]
    assert Article.objects.filter(body__startswith="The port authority").count() == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"url": "javascript:alert(1)"}, "url"),
    ({"title": ""}, "title"),
    ({"body": ""}, "body"),
    ({"published_on": "yesterday"}, "published_on"),
])
def test_bad_article_fields_are_400_naming_the_field(users, change, field):
    body = assert_problem(Api(users["editor"]).send("POST", "/api/articles/", dict(NEW_ARTICLE, **change)), 400)
    assert field in body["errors"]
    assert not Article.objects.filter(outlet="Harbour Chronicle").exists()


# --- add by URL: a background job --------------------------------------------------------------


@pytest.fixture
def local_fetching(settings):
    settings.FACTDESK_FETCH_ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    settings.FACTDESK_FETCH_READ_TIMEOUT = 3
    settings.FACTDESK_FETCH_DEADLINE = 6
    settings.FACTDESK_SITE_URL = "https://desk.example"


def test_adding_by_url_answers_202_with_the_job_that_imports_it(users, httpserver: HTTPServer, local_fetching):
    httpserver.expect_request("/news/harbour").respond_with_data(STORY, content_type="text/html; charset=utf-8")
    client = Api(users["editor"])
    response = client.send("POST", "/api/articles/by-url/", {"urls": [httpserver.url_for("/news/harbour")]})
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.owner == users["editor"] and job.kind == Job.Kind.IMPORT
    assert response["Location"] == f"/api/jobs/{job.pk}/"
    # The test suite runs tasks at once: the job is done and links the article it made.
    polled = client.get(response["Location"]).json()
    assert polled["status"] == "done" and polled["progress"] == 100.0
    article = Article.objects.get(pk=polled["articles"][0])
    assert article.title == "Harbour dredging to cost £40m, port authority admits"
    assert article.added_by == users["editor"]


def test_a_url_that_cannot_be_fetched_ends_the_job_with_the_reason(users):
    client = Api(users["editor"])
    response = client.send("POST", "/api/articles/by-url/", {"urls": ["https://unreachable.example/story"]})
    assert response.status_code == 202
    job = client.get(response["Location"]).json()
    assert job["articles"] == [] and job["errors"] and "unreachable.example" in job["errors"][0]["item"]


@pytest.mark.parametrize(("role", "status"), [
    ("anonymous", 401), ("reader", 403), ("fact_checker", 403), ("editor", 400), ("admin", 400),
])
def test_adding_by_url_refuses_addresses_that_are_not_http(users, role, status):
    response = Api(users[role]).send("POST", "/api/articles/by-url/", {"urls": ["javascript:alert(1)"]})
    body = assert_problem(response, status)
    if status == 400:
        assert "urls" in body["errors"]
    assert not Job.objects.exists()


def test_adding_by_url_beyond_the_job_limit_is_429_with_retry_after(users, settings):
    settings.FACTDESK_MAX_ACTIVE_JOBS_PER_USER = 1
    factories.JobFactory(owner=users["editor"], status=Job.Status.RUNNING)
    response = Api(users["editor"]).send("POST", "/api/articles/by-url/", {"urls": ["https://a.example/x"]})
    assert_problem(response, 429)
    assert response.has_header("Retry-After")
    assert Job.objects.count() == 1


# --- corrections -------------------------------------------------------------------------------


@pytest.fixture
def article_with_claim():
    article = factories.ArticleFactory()
    claim = factories.ClaimFactory(article=article)
    return article, claim


@pytest.mark.parametrize(("role", "status"), [
    ("anonymous", 401), ("reader", 403), ("fact_checker", 403), ("other_fact_checker", 403),
    ("editor", 200), ("admin", 200),
])
def test_correcting_an_article_per_role(users, article_with_claim, role, status):
    article, _claim = article_with_claim
    response = Api(users[role]).send(
        "PATCH", f"/api/articles/{article.pk}/", {"title": "Corrected title", "note": "Typo"},
        if_match=article_etag(article),
    )
    assert response.status_code == status, response.content
    article.refresh_from_db()
    assert (article.title == "Corrected title") is (status == 200)


def test_a_correction_keeps_a_revision_re_anchors_the_claims_and_bumps_the_etag(users, article_with_claim):
    article, claim = article_with_claim
    old_version, old_body = article.version, article.body
    new_body = "Correction: " + old_body
    response = Api(users["editor"]).send(
        "PATCH", f"/api/articles/{article.pk}/", {"body": new_body, "note": "Added a line"},
        if_match=article_etag(article),
    )
    assert response.status_code == 200, response.content
    article.refresh_from_db()
    assert article.version == old_version + 1 and response["ETag"] == f'W/"{article.version}"'
    assert response.json()["changed"] is True and response.json()["article"]["body"] == new_body
    revision = ArticleRevision.objects.get(article=article)
    assert revision.body == old_body and revision.note == "Added a line" and revision.edited_by == users["editor"]
    claim.refresh_from_db()
    assert article.body[claim.start:claim.end] == claim.exact  # moved with the text


def test_a_correction_without_if_match_is_428_and_with_a_stale_one_412(users, article_with_claim):
    article, _claim = article_with_claim
    client = Api(users["editor"])
    assert_problem(client.send("PATCH", f"/api/articles/{article.pk}/", {"title": "x"}), 428)
    stale = client.send("PATCH", f"/api/articles/{article.pk}/", {"title": "x"}, if_match='W/"99"')
    body = assert_problem(stale, 412)
    assert body["current_version"] == article.version and stale["ETag"] == f'W/"{article.version}"'
    article.refresh_from_db()
    assert article.title != "x" and not ArticleRevision.objects.exists()


def test_an_empty_correction_is_400(users, article_with_claim):
    article, _claim = article_with_claim
    response = Api(users["editor"]).send(
        "PATCH", f"/api/articles/{article.pk}/", {"body": "   "}, if_match=article_etag(article)
    )
    assert_problem(response, 400)


# --- conditional GET, filters ---------------------------------------------------------------------


def test_article_detail_answers_304_while_the_etag_is_current(users, article_with_claim):
    article, _claim = article_with_claim
    client = Api(users["reader"])
    first = client.get(f"/api/articles/{article.pk}/")
    same = client.client.get(f"/api/articles/{article.pk}/", HTTP_IF_NONE_MATCH=first["ETag"], **client.headers)
    assert same.status_code == 304 and same.content == b"" and same["ETag"] == first["ETag"]
    Api(users["editor"]).send("PATCH", f"/api/articles/{article.pk}/", {"title": "New"}, if_match=first["ETag"])
    changed = client.client.get(f"/api/articles/{article.pk}/", HTTP_IF_NONE_MATCH=first["ETag"], **client.headers)
    assert changed.status_code == 200 and changed.json()["title"] == "New"


def test_article_list_filters_by_updated_since(users):
    old = factories.ArticleFactory()
    Article.objects.filter(pk=old.pk).update(updated_at="2020-01-01T00:00:00Z")
    new = factories.ArticleFactory(body="A different text.")
    client = Api(users["reader"])
    ids = [a["id"] for a in client.get("/api/articles/", updated_since="2024-01-01").json()["results"]]
    assert ids == [new.pk]
    assert_problem(client.get("/api/articles/", updated_since="last week"), 400)


def test_a_huge_id_is_404_not_an_overflow(users):
    response = Api(users["editor"]).get("/api/articles/99999999999999999999999/")
    assert_problem(response, 404)
    assert response["Content-Type"].startswith(PROBLEM)


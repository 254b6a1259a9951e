"""The API's search, the user's notifications and background jobs."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from annotations.models import ClaimStatus, Notification
from api import views
from factcheck.models import Job
from search.index import SearchBusy
from tests import factories
from tests.factories import rating
from tests.test_api import Api, assert_problem

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "reader", "fact_checker", "other_fact_checker", "editor", "admin")


@pytest.fixture
def users():
    return factories.users_by_role(ROLES)


# --- search ----------------------------------------------------------------------------------------


@pytest.fixture
def newsroom():
    article = factories.ArticleFactory(
        title="Harbour dredging to cost 40 million",
        body="The port authority said dredging the harbour would cost 40 million.\n\n"
             "Critics said unemployment fell to 6 percent anyway.",
    )
    draft = factories.ClaimFactory(article=article, statement="Dredging the harbour costs 40 million",
                                   phrase="dredging the harbour would cost 40 million")
    published = factories.ClaimFactory(article=article, statement="Harbour unemployment fell to 6 percent",
                                       status=ClaimStatus.PUBLISHED, verdict=rating("true"))
    return {"article": article, "draft": draft, "published": published}


@pytest.mark.parametrize("role", ROLES)
def test_search_finds_articles_and_the_claims_each_role_may_see(users, newsroom, role):
    response = Api(users[role]).get("/api/search/", q="harbour")
    if role == "anonymous":
        assert_problem(response, 401)
        return
    assert response.status_code == 200, response.content
    body = response.json()
    assert [hit["id"] for hit in body["articles"]["results"]] == [newsroom["article"].pk]
    assert "<mark>" in body["articles"]["results"][0]["title_html"]
    claims = {hit["id"] for hit in body["claims"]["results"]}
    if role == "reader":
        assert claims == {newsroom["published"].pk} and body["claims"]["count"] == 1
    else:
        assert claims == {newsroom["draft"].pk, newsroom["published"].pk}


def test_search_filters_claims_by_status_and_a_reader_may_not_ask_for_drafts(users, newsroom):
    editor = Api(users["editor"]).get("/api/search/", q="harbour", status="new").json()
    assert [hit["id"] for hit in editor["claims"]["results"]] == [newsroom["draft"].pk]
    body = assert_problem(Api(users["reader"]).get("/api/search/", q="harbour", status="new"), 400)
    assert "status" in body["errors"]


def test_search_without_words_or_with_too_many_is_400(users):
    client = Api(users["editor"])
    assert "q" in assert_problem(client.get("/api/search/"), 400)["errors"]
    assert "q" in assert_problem(client.get("/api/search/", q="x" * 1000), 400)["errors"]


def test_search_escapes_what_it_highlights(users):
    factories.ArticleFactory(title="<script>alert(1)</script> harbour", body="A harbour story.")
    hit = Api(users["editor"]).get("/api/search/", q="harbour").json()["articles"]["results"][0]
    assert "<script>" not in hit["title_html"] and "&lt;script&gt;" in hit["title_html"]


def test_search_answers_503_with_retry_after_when_every_slot_is_busy(users, monkeypatch):
    @contextmanager
    def busy(wait_seconds=None):
        raise SearchBusy("Every search slot stayed busy.")
        yield

    monkeypatch.setattr(views, "search_slot", busy)
    response = Api(users["editor"]).get("/api/search/", q="harbour")
    assert "busy" in assert_problem(response, 503)["detail"]
    assert response["Retry-After"] == "2"


def test_search_waits_for_the_real_slots(users, settings, newsroom):
    from search import index

    settings.FACTDESK_SEARCH_CONCURRENCY = 1
    settings.FACTDESK_SEARCH_TIMEOUT_MS = 1000
    with index.search_slot():  # another search holds the only slot for the whole wait
        response = Api(users["editor"]).get("/api/search/", q="harbour")
    assert_problem(response, 503)
    assert response.has_header("Retry-After")
    assert Api(users["editor"]).get("/api/search/", q="harbour").status_code == 200


# --- notifications -------------------------------------------------------------------------------


@pytest.fixture
def inbox(users):
    mine = [factories.NotificationFactory(recipient=users["fact_checker"], message=f"n{n}") for n in range(3)]
    theirs = factories.NotificationFactory(recipient=users["other_fact_checker"])
    return {"mine": mine, "theirs": theirs}


@pytest.mark.parametrize("role", ROLES)
def test_notifications_list_only_the_users_own(users, inbox, role):
    response = Api(users[role]).get("/api/notifications/")
    if role == "anonymous":
        assert_problem(response, 401)
        return
    ids = {n["id"] for n in response.json()["results"]}
    expected = {
        "fact_checker": {n.pk for n in inbox["mine"]}, "other_fact_checker": {inbox["theirs"].pk},
    }.get(role, set())
    assert ids == expected  # an admin's list is their own inbox too


def test_someone_elses_notification_is_404_to_read_and_to_mark(users, inbox):
    client = Api(users["admin"])
    theirs = inbox["theirs"]
    assert_problem(client.get(f"/api/notifications/{theirs.pk}/"), 404)
    assert_problem(client.send("POST", f"/api/notifications/{theirs.pk}/read/"), 404)
    assert client.send("POST", "/api/notifications/read/", {"ids": [theirs.pk]}).json() == {"marked": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_one_notification_read(users, inbox):
    client = Api(users["fact_checker"])
    first = inbox["mine"][0]
    before = client.get(f"/api/notifications/{first.pk}/")
    response = client.send("POST", f"/api/notifications/{first.pk}/read/")
    assert response.status_code == 200 and response.json()["read"] is True
    assert response["ETag"] != before["ETag"]
    stale = client.client.get(f"/api/notifications/{first.pk}/", HTTP_IF_NONE_MATCH=before["ETag"], **client.headers)
    assert stale.status_code == 200
    unread = client.get("/api/notifications/", unread="true").json()["results"]
    assert {n["id"] for n in unread} == {n.pk for n in inbox["mine"][1:]}


def test_marking_all_or_some_notifications_read(users, inbox):
    client = Api(users["fact_checker"])
    assert client.send("POST", "/api/notifications/read/", {"ids": [inbox["mine"][1].pk]}).json() == {"marked": 1}
    assert client.send("POST", "/api/notifications/read/").json() == {"marked": 2}
    assert not Notification.objects.filter(recipient=users["fact_checker"], read_at__isnull=True).exists()
    assert_problem(client.send("POST", "/api/notifications/read/", {"ids": ["x"]}), 400)
    assert_problem(client.get("/api/notifications/", unread="perhaps"), 400)


def test_a_notification_answers_304_while_unchanged(users, inbox):
    client = Api(users["fact_checker"])
    path = f"/api/notifications/{inbox['mine'][0].pk}/"
    tag = client.get(path)["ETag"]
    assert client.client.get(path, HTTP_IF_NONE_MATCH=tag, **client.headers).status_code == 304


# --- jobs ---------------------------------------------------------------------------------------------


@pytest.fixture
def jobs(users):
    mine = factories.JobFactory(owner=users["editor"], status=Job.Status.RUNNING, total=4, processed=1)
    done = factories.JobFactory(owner=users["editor"], status=Job.Status.DONE,
                                result={"created": [["a.html", 7, "A story"]]})
    theirs = factories.JobFactory(owner=users["fact_checker"])
    return {"mine": mine, "done": done, "theirs": theirs}


@pytest.mark.parametrize("role", ROLES)
def test_job_list_per_role(users, jobs, role):
    response = Api(users[role]).get("/api/jobs/")
    if role == "anonymous":
        assert_problem(response, 401)
        return
    ids = {job["id"] for job in response.json()["results"]}
    expected = {
        "editor": {jobs["mine"].pk, jobs["done"].pk}, "fact_checker": {jobs["theirs"].pk},
        # The job policy: an admin sees every job (as in the admin's job list).
        "admin": {jobs["mine"].pk, jobs["done"].pk, jobs["theirs"].pk},
    }.get(role, set())
    assert ids == expected


def test_a_job_shows_its_progress_result_and_links(users, jobs):
    client = Api(users["editor"])
    running = client.get(f"/api/jobs/{jobs['mine'].pk}/").json()
    assert (running["status"], running["progress"], running["articles"]) == ("running", 25.0, [])
    done = client.get(f"/api/jobs/{jobs['done'].pk}/").json()
    assert done["progress"] == 100.0 and done["articles"] == [7] and done["page_url"]
    assert done["result_url"] is None  # an import makes articles, not a file


def test_someone_elses_job_is_404(users, jobs):
    assert_problem(Api(users["editor"]).get(f"/api/jobs/{jobs['theirs'].pk}/"), 404)
    assert_problem(Api(users["other_fact_checker"]).get(f"/api/jobs/{jobs['mine'].pk}/"), 404)


def test_a_job_answers_304_until_it_progresses(users, jobs):
    client = Api(users["editor"])
    path = f"/api/jobs/{jobs['mine'].pk}/"
    tag = client.get(path)["ETag"]
    assert client.client.get(path, HTTP_IF_NONE_MATCH=tag, **client.headers).status_code == 304
    Job.objects.filter(pk=jobs["mine"].pk).update(processed=3)
    assert client.client.get(path, HTTP_IF_NONE_MATCH=tag, **client.headers).status_code == 200


def test_jobs_filter_by_status_and_kind(users, jobs):
    client = Api(users["editor"])
    assert [j["id"] for j in client.get("/api/jobs/", status="done").json()["results"]] == [jobs["done"].pk]
    assert client.get("/api/jobs/", kind="export").json()["results"] == []
    assert "status" in assert_problem(client.get("/api/jobs/", status="sleeping"), 400)["errors"]

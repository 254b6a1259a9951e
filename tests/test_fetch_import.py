"""Adding articles by URL (``articles.web_import``) through every door: service, browser, command, admin.

Pages come from pytest-httpserver on this machine; the fetcher is told to let that host
through (``FACTDESK_FETCH_ALLOWED_HOSTS``), as an intranet would be.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from pytest_httpserver import HTTPServer

from articles import web_import
from articles.fetching import HttpStatusError, NotHtml, RefusedAddress
from articles.models import Article, Snapshot, Watch
from articles.snapshots import read_snapshot
from factcheck.models import Job
from tests import factories

pytestmark = pytest.mark.django_db

STORY = (Path(__file__).resolve().parent / "fixtures" / "web" / "newsroom_article.html").read_bytes()
EMPTY = b"<html><head><title>Live video</title></head><body><nav><a href='/'>Home</a></nav></body></html>"


@pytest.fixture(autouse=True)
def local_fetching(settings):
    settings.FACTDESK_FETCH_ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    settings.FACTDESK_FETCH_READ_TIMEOUT = 3
    settings.FACTDESK_FETCH_DEADLINE = 6
    settings.FACTDESK_SITE_URL = "https://desk.example"


def serve_story(httpserver: HTTPServer, path: str = "/news/harbour") -> str:
    httpserver.expect_request(path).respond_with_data(
        STORY, content_type="text/html; charset=utf-8", headers={"ETag": '"s1"', "Last-Modified": "Tue, 12 Mar 2024"}
    )
    return httpserver.url_for(path)


def test_import_url_saves_the_article_its_metadata_and_a_snapshot(httpserver, editor):
    url = serve_story(httpserver)

    result = web_import.import_url(url, editor)

    article = Article.objects.get()
    assert result.article == article
    assert article.title == "Harbour dredging to cost £40m, port authority admits"
    assert article.byline == "Amira Castell, Tom Pell"
    assert article.outlet == "The Harbour Chronicle"
    assert str(article.published_on) == "2024-03-12"
    assert article.language == "en-GB"
    assert article.url.endswith("/news/2024/03/12/harbour-dredging-cost")  # the canonical link, resolved
    assert article.body.startswith("The cost of dredging")
    assert article.added_by == editor
    snapshot = Snapshot.objects.get()
    assert (snapshot.article, snapshot.url, snapshot.status, snapshot.taken_by) == (article, url, 200, editor)
    stored = read_snapshot(snapshot)
    assert stored.body == STORY
    assert stored.url == url


def test_adding_with_watch_starts_a_watch_primed_for_conditional_requests(httpserver, editor):
    url = serve_story(httpserver)

    web_import.import_url(url, editor, watch=True)

    watch = Watch.objects.get()
    assert (watch.url, watch.etag, watch.last_modified) == (url, '"s1"', "Tue, 12 Mar 2024")
    assert watch.next_check_at is not None
    assert watch.text_hash


def test_a_url_already_on_the_desk_is_refused_without_fetching(httpserver, editor):
    url = serve_story(httpserver)
    existing = factories.ArticleFactory(url=url)

    with pytest.raises(web_import.Duplicate) as refusal:
        web_import.import_url(url, editor)

    assert refusal.value.article == existing
    assert httpserver.log == []


def test_the_same_story_at_another_address_is_a_duplicate_by_its_canonical_url(httpserver, editor):
    web_import.import_url(serve_story(httpserver, "/a"), editor)

    with pytest.raises(web_import.Duplicate, match="already on the desk"):
        web_import.import_url(serve_story(httpserver, "/b"), editor)
    assert Article.objects.count() == 1
    assert Snapshot.objects.count() == 1


@pytest.mark.parametrize(
    ("respond", "error"),
    [
        ({"response_data": "gone", "status": 404}, HttpStatusError),
        ({"response_data": b"%PDF", "content_type": "application/pdf"}, NotHtml),
        ({"response_data": EMPTY, "content_type": "text/html"}, web_import.EmptyExtraction),
    ],
)
def test_bad_pages_save_nothing(httpserver, editor, respond, error):
    httpserver.expect_request("/bad").respond_with_data(**respond)

    with pytest.raises(error):
        web_import.import_url(httpserver.url_for("/bad"), editor)

    assert Article.objects.count() == 0
    assert Snapshot.objects.count() == 0


def test_an_empty_page_says_there_is_no_article_text(httpserver, editor):
    httpserver.expect_request("/video").respond_with_data(EMPTY, content_type="text/html")

    with pytest.raises(web_import.EmptyExtraction, match="found no article text on the page"):
        web_import.import_url(httpserver.url_for("/video"), editor)


def test_readers_and_fact_checkers_may_not_add_articles(httpserver, fact_checker):
    with pytest.raises(PermissionDenied, match="Only editors can add articles"):
        web_import.import_url(serve_story(httpserver), fact_checker)
    assert httpserver.log == []


def test_a_list_of_urls_reports_each_one(httpserver, editor):
    good = serve_story(httpserver)
    httpserver.expect_request("/missing").respond_with_data("no", status=404)

    report = web_import.import_urls([good, httpserver.url_for("/missing"), good], editor)

    assert [row[0] for row in report.created] == [good]
    assert report.failed == [(httpserver.url_for("/missing"), "The page was not found (404 NOT FOUND).")]
    assert [row[0] for row in report.skipped] == [good]


# --- the browser form -----------------------------------------------------------------------------


def test_one_address_from_the_browser_is_added_at_once(httpserver, editor_client):
    url = serve_story(httpserver)

    response = editor_client.post(reverse("editing:add_url"), {"urls": url, "watch": "on"})

    article = Article.objects.get()
    assert response.status_code == 302
    assert response.url == article.get_absolute_url()
    assert Watch.objects.filter(article=article).exists()


def test_the_htmx_form_is_sent_to_the_new_article(httpserver, editor_client):
    url = serve_story(httpserver)

    response = editor_client.post(reverse("editing:add_url"), {"urls": url}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response["HX-Redirect"] == Article.objects.get().get_absolute_url()


def test_a_refused_address_is_explained_on_the_job_page_and_nothing_is_saved(editor_client, editor, settings):
    settings.FACTDESK_FETCH_ALLOWED_HOSTS = []

    response = editor_client.post(
        reverse("editing:add_url"), {"urls": "http://127.0.0.1:9/admin"}, HTTP_HX_REQUEST="true"
    )

    job = Job.objects.get(owner=editor)
    assert response["HX-Redirect"] == reverse("editing:import_job", args=[job.pk])
    page = editor_client.get(response["HX-Redirect"]).content.decode()
    assert "Refused to fetch 127.0.0.1: it points to a loopback address" in page
    assert Article.objects.count() == 0


def test_a_duplicate_links_to_the_article_already_on_the_desk(httpserver, editor_client):
    url = serve_story(httpserver)
    existing = factories.ArticleFactory(url=url, title="Dredging story")

    response = editor_client.post(reverse("editing:add_url"), {"urls": url}, follow=True)

    assert existing.get_absolute_url() in response.content.decode()
    assert Article.objects.count() == 1


def test_one_address_is_fetched_by_the_worker_not_by_the_request(httpserver, editor_client, editor, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # no worker yet
    url = serve_story(httpserver)

    response = editor_client.post(reverse("editing:add_url"), {"urls": url})

    job = Job.objects.get(owner=editor)
    assert response.url == reverse("editing:import_job", args=[job.pk])
    assert job.status == Job.Status.PENDING
    assert httpserver.log == []  # nothing was fetched during the request
    assert Article.objects.count() == 0


def test_the_progress_page_of_one_address_lands_on_its_article_when_done(httpserver, editor_client, editor, settings):
    from articles.tasks import process_import_job

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    url = serve_story(httpserver)
    editor_client.post(reverse("editing:add_url"), {"urls": url})
    job = Job.objects.get(owner=editor)
    waiting = editor_client.get(reverse("editing:import_job", args=[job.pk]), HTTP_HX_REQUEST="true")

    process_import_job(job.pk)  # what the worker does
    done = editor_client.get(reverse("editing:import_job", args=[job.pk]), HTTP_HX_REQUEST="true")

    assert "HX-Redirect" not in waiting and "Waiting for a worker" in waiting.content.decode()
    assert done["HX-Redirect"] == Article.objects.get().get_absolute_url()


def test_one_address_at_the_job_limit_answers_429(editor_client, editor, settings):
    fill_job_limit(editor, settings)

    response = editor_client.post(reverse("editing:add_url"), {"urls": "https://a.test/1"})

    assert response.status_code == 429
    assert response["Retry-After"].isdigit()
    assert Job.objects.filter(kind=Job.Kind.IMPORT).count() == 0


def test_several_addresses_become_a_background_job_with_a_progress_page(httpserver, editor_client, editor):
    first, second = serve_story(httpserver, "/one"), serve_story(httpserver, "/two")

    response = editor_client.post(reverse("editing:add_url"), {"urls": f"{first}\n{second}\n"})

    job = Job.objects.get(owner=editor)
    assert response.status_code == 302
    assert response.url == reverse("editing:import_job", args=[job.pk])
    assert job.params == {"source": "urls", "urls": [first, second], "watch": False}
    assert job.status == Job.Status.DONE  # the test settings run tasks at once
    page = editor_client.get(response.url).content.decode()
    assert "Harbour dredging to cost" in page
    assert "1</strong> skipped" in page


def test_someone_elses_import_job_is_not_found(editor_client):
    other = factories.EditorFactory()
    job = factories.JobFactory(owner=other, kind=Job.Kind.IMPORT)

    assert editor_client.get(reverse("editing:import_job", args=[job.pk])).status_code == 404


def test_the_form_refuses_addresses_that_are_not_http(editor_client):
    response = editor_client.post(reverse("editing:add_url"), {"urls": "javascript:alert(1)"})

    assert response.status_code == 400
    assert "Not an http:// or https:// address" in response.content.decode()


def test_fact_checkers_cannot_open_the_form(checker_client):
    assert checker_client.get(reverse("editing:add_url")).status_code == 403


# --- the command and the admin --------------------------------------------------------------------


def test_import_articles_command_fetches_urls(httpserver, editor):
    url = serve_story(httpserver)
    out = StringIO()

    call_command("import_articles", "--url", url, "--user", editor.username, stdout=out)

    assert "Created: 1" in out.getvalue()
    assert Article.objects.get().added_by == editor


def test_import_articles_command_reports_a_failed_url(httpserver):
    httpserver.expect_request("/gone").respond_with_data("no", status=410)
    out = StringIO()

    call_command("import_articles", "--url", httpserver.url_for("/gone"), stdout=out)

    assert "Failed: 1" in out.getvalue()
    assert "The page was not found (410 GONE)." in out.getvalue()


def test_import_articles_command_can_queue_a_job(httpserver):
    url = serve_story(httpserver)
    out = StringIO()

    call_command("import_articles", "--url", url, "--background", "--watch", stdout=out)

    job = Job.objects.get()
    assert f"Queued job {job.pk}" in out.getvalue()
    assert job.result["created"][0][0] == url
    assert Watch.objects.count() == 1


def test_admin_add_by_url_runs_as_a_job(httpserver, admin_client, admin_user):
    url = serve_story(httpserver)

    response = admin_client.post(reverse("admin:articles_article_import_url"), {"urls": url})

    job = Job.objects.get(owner=admin_user)
    assert response.url == reverse("admin:articles_article_import_progress", args=[job.pk])
    assert job.status == Job.Status.DONE
    assert "Harbour dredging" in admin_client.get(response.url).content.decode()


def test_admin_add_by_url_needs_the_add_permission(client, fact_checker):
    fact_checker.is_staff = True
    fact_checker.save()
    client.force_login(fact_checker)

    assert client.get(reverse("admin:articles_article_import_url")).status_code == 403


def test_a_private_redirect_is_refused_through_the_whole_import(httpserver, editor):
    httpserver.expect_request("/go").respond_with_data("", status=302, headers={"Location": "http://192.168.1.1/"})

    with pytest.raises(RefusedAddress):
        web_import.import_url(httpserver.url_for("/go"), editor)
    assert Article.objects.count() == 0


# --- pages nested too deep ---------------------------------------------------------------------------

DEEP_PAGE = ("<html><head><title>Deep</title></head><body>" + "<div>" * 200_000 + "Text." + "</div>" * 200_000
             + "</body></html>").encode()
TOO_DEEP = "The page is nested more than 512 elements deep; Factdesk refuses it rather than parse it."


def test_a_page_nested_too_deep_is_refused_before_parsing_and_nothing_is_saved(httpserver, editor):
    httpserver.expect_request("/deep").respond_with_data(DEEP_PAGE, content_type="text/html")

    with pytest.raises(web_import.PageTooDeep) as refusal:
        web_import.import_url(httpserver.url_for("/deep"), editor)

    assert str(refusal.value) == TOO_DEEP
    assert Article.objects.count() == 0
    assert Snapshot.objects.count() == 0


def test_the_depth_limit_is_a_setting(httpserver, editor, settings):
    settings.FACTDESK_MAX_HTML_DEPTH = 5
    httpserver.expect_request("/news/harbour").respond_with_data(STORY, content_type="text/html")

    with pytest.raises(web_import.PageTooDeep, match="nested more than 5 elements deep"):
        web_import.import_url(httpserver.url_for("/news/harbour"), editor)


def test_the_add_by_url_job_says_a_page_is_nested_too_deep(httpserver, editor_client):
    httpserver.expect_request("/deep").respond_with_data(DEEP_PAGE, content_type="text/html")

    response = editor_client.post(reverse("editing:add_url"), {"urls": httpserver.url_for("/deep")}, follow=True)

    assert TOO_DEEP in response.content.decode()
    assert Article.objects.count() == 0


def test_a_list_of_urls_reports_the_page_nested_too_deep_and_adds_the_others(httpserver, editor):
    good = serve_story(httpserver)
    httpserver.expect_request("/deep").respond_with_data(DEEP_PAGE, content_type="text/html")
    deep = httpserver.url_for("/deep")

    report = web_import.import_urls([deep, good], editor)

    assert report.failed == [(deep, TOO_DEEP)]
    assert [origin for origin, _pk, _title in report.created] == [good]


# --- the limit of background jobs at once (issue 15) -------------------------------------------


def fill_job_limit(user, settings, limit: int = 2) -> None:
    from factcheck import jobs

    settings.FACTDESK_MAX_ACTIVE_JOBS_PER_USER = limit
    for _ in range(limit):
        jobs.create(Job.Kind.EXPORT, owner=user, title="Waiting")


def test_several_addresses_at_the_job_limit_answer_429_and_queue_nothing(editor_client, editor, settings):
    fill_job_limit(editor, settings)
    response = editor_client.post(reverse("editing:add_url"), {"urls": "https://a.test/1\nhttps://a.test/2"})
    assert response.status_code == 429
    assert response["Retry-After"].isdigit()
    assert "You already have 2 background jobs waiting or running" in response.content.decode()
    assert Job.objects.filter(kind=Job.Kind.IMPORT).count() == 0


def test_the_htmx_form_shows_the_job_limit_beside_the_form(editor_client, editor, settings):
    fill_job_limit(editor, settings)
    response = editor_client.post(
        reverse("editing:add_url"), {"urls": "https://a.test/1\nhttps://a.test/2"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'id="add-url-result"' in response.content.decode()
    assert "at most 2 at once" in response.content.decode()
    assert Job.objects.filter(kind=Job.Kind.IMPORT).count() == 0


def test_the_admin_add_by_url_shows_the_job_limit_and_queues_nothing(admin_client, admin_user, settings):
    fill_job_limit(admin_user, settings)
    response = admin_client.post(reverse("admin:articles_article_import_url"), {"urls": "https://a.test/1"})
    assert response.status_code == 200
    assert "You already have 2 background jobs waiting or running" in response.content.decode()
    assert Job.objects.filter(kind=Job.Kind.IMPORT).count() == 0


def test_the_import_command_is_not_limited(httpserver, editor, settings):
    fill_job_limit(editor, settings)
    call_command("import_articles", "--url", serve_story(httpserver), "--user", editor.username, stdout=StringIO())
    assert Article.objects.count() == 1

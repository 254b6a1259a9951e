"""The admin's import page, background import jobs (django-tasks) and their progress page."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles import admin_import, tasks
from articles.importing import service
from articles.models import Article
from factcheck import jobs
from factcheck.models import Job
from tests import factories

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:articles_article_import"
PROGRESS_URL = "admin:articles_article_import_progress"


def feed(count: int, *, bad: int = 0) -> bytes:
    rows = [json.dumps({"title": f"Story {i}", "body": f"Body of story {i}.", "url": f"https://s.example/{i}"})
            for i in range(count)]
    rows += ["{broken"] * bad
    return "\n".join(rows).encode()


def queued_import(data: bytes, name: str = "feed.jsonl", owner=None) -> Job:
    """A pending import job holding ``data``, as the upload page leaves it for the worker."""
    return jobs.create(
        Job.Kind.IMPORT, owner=owner, title=f"Import of {name}", params={"filename": name},
        input_file=ContentFile(data, name=name),
    )


def post_file(client, name: str, data: bytes, **extra):
    return client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile(name, data)}, **extra)


def test_article_changelist_offers_the_import_page(admin_client):
    content = admin_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert reverse(IMPORT_URL) in content
    assert "Import articles" in content


def test_import_page_shows_the_form_with_the_size_limit(admin_client, settings):
    settings.FACTDESK_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    response = admin_client.get(reverse(IMPORT_URL))
    assert response.status_code == 200
    assert "Maximum file size: 2 MB" in response.content.decode()


def test_small_upload_is_imported_at_once_with_the_summary(admin_client, admin_user):
    response = post_file(admin_client, "feed.jsonl", feed(3, bad=1))
    content = response.content.decode()
    assert response.status_code == 200
    assert Article.objects.count() == 3
    assert set(Article.objects.values_list("added_by", flat=True)) == {admin_user.pk}
    assert response.context["report"]["failed"] == [["feed.jsonl line 4", "not valid JSON: Expecting property name "
                                                      "enclosed in double quotes (column 2)"]]
    assert "3</strong> created" in content
    assert reverse("articles:detail", args=[Article.objects.first().pk]) in content
    assert not Job.objects.exists()


def test_uploading_the_same_file_again_creates_nothing(admin_client):
    post_file(admin_client, "feed.jsonl", feed(3))
    response = post_file(admin_client, "feed.jsonl", feed(3))
    assert Article.objects.count() == 3
    assert len(response.context["report"]["skipped"]) == 3


def test_large_upload_runs_as_a_background_job_and_redirects_to_its_progress(admin_client, admin_user, settings):
    settings.FACTDESK_IMPORT_INLINE_MAX_RECORDS = 5
    response = post_file(admin_client, "big.jsonl", feed(12, bad=2))
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(PROGRESS_URL, args=[job.pk])
    # Tests use django-tasks' ImmediateBackend: the task has already run.
    assert job.status == Job.Status.DONE
    assert (job.total, job.processed) == (14, 14)
    assert job.owner == admin_user and job.title == "Import of big.jsonl"
    assert len(job.result["created"]) == 12
    assert [error["item"] for error in job.errors] == ["big.jsonl line 13", "big.jsonl line 14"]
    assert job.started_at is not None and job.finished_at is not None
    assert Article.objects.count() == 12


def test_the_upload_of_a_background_import_is_kept_in_the_file_storage(admin_client, settings):
    settings.FACTDESK_IMPORT_INLINE_MAX_RECORDS = 1
    post_file(admin_client, "feed.jsonl", feed(2))
    job = Job.objects.get()
    assert job.input_file.name.startswith("jobs/input/")
    assert default_storage.open(job.input_file.name).read() == feed(2)


def test_upload_over_the_byte_threshold_also_goes_to_the_background(admin_client, settings):
    settings.FACTDESK_IMPORT_INLINE_MAX_BYTES = 100
    post_file(admin_client, "feed.jsonl", feed(3))
    assert Job.objects.get().status == Job.Status.DONE


def test_progress_page_of_a_finished_job_shows_the_summary_and_stops_polling(admin_client, settings):
    settings.FACTDESK_IMPORT_INLINE_MAX_RECORDS = 1
    post_file(admin_client, "feed.jsonl", feed(2, bad=1))
    job = Job.objects.get()
    content = admin_client.get(reverse(PROGRESS_URL, args=[job.pk])).content.decode()
    assert "Done." in content
    assert "2</strong> created" in content and "1</strong> failed" in content
    assert "feed.jsonl line 3" in content
    assert 'hx-trigger="every 1s"' not in content


def test_progress_of_a_running_job_polls_itself_and_htmx_gets_only_the_partial(admin_client):
    job = factories.JobFactory(status=Job.Status.RUNNING, total=40, processed=10)
    url = reverse(PROGRESS_URL, args=[job.pk])
    page = admin_client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert f'hx-get="{url}"' in page
    assert "htmx" in page  # the admin page loads htmx for the polling
    assert 'value="25"' in page and "10 of 40 articles (25%)" in page
    partial = admin_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="import-status"')
    assert "breadcrumbs" not in partial


def test_pending_job_explains_that_it_waits_for_a_worker(admin_client):
    job = factories.JobFactory(status=Job.Status.PENDING)
    content = admin_client.get(reverse(PROGRESS_URL, args=[job.pk])).content.decode()
    assert "Waiting for a worker" in content and "db_worker" in content


def test_crash_in_the_task_marks_the_job_failed_with_the_message(monkeypatch):
    job = queued_import(feed(2))

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "save_outcome", explode)
    tasks.run_import_job.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "RuntimeError: disk full"
    assert job.finished_at is not None


def test_failed_job_page_shows_the_error(admin_client):
    job = factories.JobFactory(status=Job.Status.FAILED, error="RuntimeError: disk full")
    content = admin_client.get(reverse(PROGRESS_URL, args=[job.pk])).content.decode()
    assert "The import failed: RuntimeError: disk full" in content


def test_a_job_is_processed_once_even_if_the_task_runs_twice():
    job = queued_import(feed(2))
    assert tasks.process_import_job(job.pk).status == Job.Status.DONE
    assert tasks.process_import_job(job.pk) is None
    assert Article.objects.count() == 2


def test_enqueue_failure_marks_the_job_failed_instead_of_losing_it(admin_client, settings, monkeypatch):
    settings.FACTDESK_IMPORT_INLINE_MAX_RECORDS = 1

    def refuse(*args, **kwargs):
        raise ConnectionError("queue unavailable")

    monkeypatch.setattr(admin_import, "run_import_job", SimpleNamespace(enqueue=refuse))
    response = post_file(admin_client, "feed.jsonl", feed(3))
    job = Job.objects.get()
    assert response.status_code == 302
    assert job.status == Job.Status.FAILED
    assert "queue unavailable" in job.error


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", b"%PDF", "Unsupported file type '.pdf'"),
        ("feed.jsonl", b"", "empty"),
    ],
)
def test_bad_uploads_get_a_form_error(admin_client, name, data, message):
    response = post_file(admin_client, name, data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert not Article.objects.exists() and not Job.objects.exists()


def test_upload_over_the_size_limit_gets_a_form_error(admin_client, settings):
    settings.FACTDESK_MAX_UPLOAD_BYTES = 1024
    response = post_file(admin_client, "feed.jsonl", feed(100))
    assert "the limit is 1 KB" in " ".join(response.context["form"].errors["file"])


def test_staff_without_the_add_article_permission_cannot_import(client):
    staff = factories.UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(staff)
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert post_file(client, "feed.jsonl", feed(1)).status_code == 403
    assert not Article.objects.exists()


def test_editors_who_are_not_staff_are_sent_to_the_admin_login(editor_client):
    response = editor_client.get(reverse(IMPORT_URL))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_article_change_page_sends_text_edits_through_corrections(admin_client):
    article = factories.ArticleFactory()
    response = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="body"' not in content  # read-only: edits go through the correction page
    assert reverse("editing:edit", args=[article.pk]) in content


def test_article_add_page_still_takes_a_body(admin_client):
    content = admin_client.get(reverse("admin:articles_article_add")).content.decode()
    assert 'name="body"' in content


def test_the_job_list_links_import_jobs_to_their_progress(admin_client):
    job = factories.JobFactory(status=Job.Status.DONE, total=4, processed=4)
    content = admin_client.get(reverse("admin:factcheck_job_changelist")).content.decode()
    assert reverse(PROGRESS_URL, args=[job.pk]) in content


def test_another_users_import_is_not_found(client, admin_user):
    job = factories.JobFactory(owner=admin_user, status=Job.Status.DONE)
    staff = factories.UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(reverse(PROGRESS_URL, args=[job.pk])).status_code == 404


def test_an_export_job_is_not_shown_as_an_import(admin_client):
    job = factories.JobFactory(kind=Job.Kind.EXPORT, status=Job.Status.RUNNING, total=3)
    assert admin_client.get(reverse(PROGRESS_URL, args=[job.pk])).status_code == 404


def test_the_import_task_never_runs_an_export_job():
    job = factories.JobFactory(kind=Job.Kind.EXPORT)
    assert tasks.process_import_job(job.pk) is None
    job.refresh_from_db()
    assert job.status == Job.Status.PENDING


def test_a_background_upload_at_the_job_limit_is_refused_in_the_form_and_nothing_is_stored(
    admin_client, admin_user, settings
):
    settings.FACTDESK_IMPORT_INLINE_MAX_RECORDS = 1
    settings.FACTDESK_MAX_ACTIVE_JOBS_PER_USER = 1
    jobs.create(Job.Kind.EXPORT, owner=admin_user, title="Waiting")
    response = post_file(admin_client, "big.jsonl", feed(3))
    assert response.status_code == 200
    assert "You already have 1 background job waiting or running (at most 1 at once)" in response.content.decode()
    assert Job.objects.filter(kind=Job.Kind.IMPORT).count() == 0
    assert Article.objects.count() == 0

"""The admin's "Export selected articles as ZIP" action: always a background job (the ZIP holds PDFs)."""

from __future__ import annotations

import csv
import io
import zipfile
from types import SimpleNamespace

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django_tasks import TaskResultStatus

from annotations.exports import bundle
from annotations.exports import jobs as export_jobs
from annotations.exports.bundle import write_zip
from annotations.tasks import build_export_zip
from factcheck import jobs
from factcheck.models import Job
from tests import factories
from tests.exports_helpers import SECRET, checked_article

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:articles_article_changelist"


def run_action(client, articles):
    return client.post(
        reverse(CHANGELIST),
        {"action": "export_articles_zip", "_selected_action": [a.pk for a in articles]},
    )


def open_zip(data: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return archive


def test_zip_has_every_format_for_every_article():
    data = checked_article()
    other = factories.ArticleFactory(title="Second article")
    factories.ClaimFactory(article=other)
    buffer = io.BytesIO()
    assert write_zip([data.article.pk, other.pk], buffer, published_only=False) == 2
    archive = open_zip(buffer.getvalue())
    folder = bundle.article_folder(data.article)
    names = set(archive.namelist())
    assert {f"{folder}/{name}" for name in (
        "report.html", "report.pdf", "report.md", "claims.csv", "annotations.jsonld", "claimreview.jsonld",
    )} <= names
    assert f"{bundle.article_folder(other)}/report.html" in names
    rows = list(csv.DictReader(io.StringIO(archive.read("claims.csv").decode("utf-8-sig"))))
    assert len(rows) == 5
    assert archive.read(f"{folder}/report.pdf").startswith(b"%PDF-")


def test_published_only_zip_leaks_no_unpublished_claim():
    data = checked_article()
    buffer = io.BytesIO()
    write_zip([data.article.pk], buffer, published_only=True, formats=("html", "md", "csv", "w3c", "claimreview"))
    archive = open_zip(buffer.getvalue())
    for name in archive.namelist():
        assert SECRET.encode() not in archive.read(name), name


def zip_of_the_job(client, response) -> zipfile.ZipFile:
    """Follow the action's redirect to the job page, then download the job's ZIP."""
    assert response.status_code == 302, "the action queues a job and opens its page"
    job = Job.objects.get()
    assert response["Location"] == reverse("exports:job", args=[job.pk])
    assert client.get(response["Location"]).status_code == 200
    download = client.get(reverse("exports:job_download", args=[job.pk]))
    assert download.status_code == 200
    return open_zip(b"".join(download.streaming_content))


def test_admin_action_zips_even_one_article_in_the_background(admin_client):
    data = checked_article()
    archive = zip_of_the_job(admin_client, run_action(admin_client, [data.article]))
    assert f"{bundle.article_folder(data.article)}/report.pdf" in archive.namelist()
    assert SECRET.encode() in archive.read("claims.csv"), "admins get the internal version"


def test_staff_without_a_desk_role_get_published_claims_only(client):
    from django.contrib.auth.models import Permission

    staff = factories.UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(staff)
    data = checked_article()
    archive = zip_of_the_job(client, run_action(client, [data.article]))
    assert SECRET.encode() not in archive.read("claims.csv")
    assert b"4.2 million euros" in archive.read("claims.csv")


def test_the_action_respects_the_limit_of_jobs_at_once(admin_client, admin_user, settings):
    settings.FACTDESK_MAX_ACTIVE_JOBS_PER_USER = 2
    waiting = [export_jobs.create(owner=admin_user, article_ids=[1], published_only=False) for _ in range(2)]
    article = factories.ArticleFactory()
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "export_articles_zip", "_selected_action": [article.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "You already have 2 background jobs waiting or running (at most 2 at once)" in response.content.decode()
    assert Job.objects.count() == len(waiting), "nothing queued"
    jobs.fail(waiting[0].pk, "done with it")
    assert run_action(admin_client, [article]).status_code == 302, "room again once a job has finished"


def test_many_articles_go_to_a_background_job_with_progress_and_download(admin_client, admin_user):
    articles = [factories.ArticleFactory() for _ in range(3)]
    for article in articles:
        factories.ClaimFactory(article=article)
    response = run_action(admin_client, articles)
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == reverse("exports:job", args=[job.pk])
    assert job.status == Job.Status.DONE, "the immediate backend ran the task"
    assert (job.kind, job.owner, job.title) == (Job.Kind.EXPORT, admin_user, "Export of 3 articles")
    assert (job.processed, job.total, job.result) == (3, 3, {"articles": 3})
    assert job.task_result_id
    assert default_storage.exists(job.result_file.name), "the ZIP is a file in the default storage"

    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    assert b"The ZIP is ready." in page.content
    download = reverse("exports:job_download", args=[job.pk])
    assert download.encode() in page.content

    zipped = admin_client.get(download)
    assert zipped.status_code == 200
    assert zipped["Content-Type"] == "application/zip"
    assert zipped["Content-Disposition"] == f'attachment; filename="factdesk-export-{job.pk}.zip"'
    archive = open_zip(b"".join(zipped.streaming_content))
    assert sum(name.endswith("/report.html") for name in archive.namelist()) == 3


def test_articles_deleted_before_the_export_ran_are_reported_per_item(admin_client, admin_user):
    kept = factories.ArticleFactory()
    job = export_jobs.create(owner=admin_user, article_ids=[kept.pk, kept.pk + 1000], published_only=False)
    build_export_zip.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.errors == [{"item": f"article {kept.pk + 1000}", "message": "deleted before the export ran"}]
    page = admin_client.get(reverse("exports:job", args=[job.pk]))
    assert f"article {kept.pk + 1000}: deleted before the export ran".encode() in page.content


def test_progress_page_polls_while_running(admin_client, admin_user):
    job = export_jobs.create(owner=admin_user, article_ids=[1, 2, 3, 4], published_only=False)
    assert jobs.start(job.pk) and jobs.progress(job.pk, 1)
    page = admin_client.get(reverse("exports:job", args=[job.pk]))
    assert b'<progress id="export-progress-bar" max="100" value="25">' in page.content
    assert b'hx-trigger="every 1s"' in page.content
    partial = admin_client.get(reverse("exports:job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert b"<h1>" not in partial.content and b"1 of 4 articles done" in partial.content
    assert admin_client.get(reverse("exports:job_download", args=[job.pk])).status_code == 404


def test_failed_job_says_so(admin_client, admin_user):
    job = export_jobs.create(owner=admin_user, article_ids=[1], published_only=False)
    jobs.fail(job.pk, "OSError: disk full")
    page = admin_client.get(reverse("exports:job", args=[job.pk]))
    assert b"The export failed: OSError: disk full" in page.content
    assert b"hx-trigger" not in page.content
    assert admin_client.get(reverse("exports:job_download", args=[job.pk])).status_code == 404


def test_task_failure_is_recorded_on_the_job(monkeypatch, admin_user):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("annotations.tasks.write_zip", explode)
    job = export_jobs.create(owner=admin_user, article_ids=[1], published_only=False)
    result = build_export_zip.enqueue(job.pk)
    assert result.status == "FAILED"
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "RuntimeError: boom"
    assert not job.result_file


def test_a_job_whose_task_died_silently_is_shown_as_failed(admin_client, admin_user, monkeypatch):
    job = export_jobs.create(owner=admin_user, article_ids=[1], published_only=False)
    Job.objects.filter(pk=job.pk).update(task_result_id="dead-task")
    dead = SimpleNamespace(status=TaskResultStatus.FAILED)
    monkeypatch.setattr(jobs.default_task_backend, "get_result", lambda result_id: dead)
    page = admin_client.get(reverse("exports:job", args=[job.pk]))
    assert b"The export failed: The background task failed." in page.content
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED


def test_jobs_are_private_to_their_owner(client, admin_user):
    job = export_jobs.create(owner=admin_user, article_ids=[1], published_only=False)
    jobs.start(job.pk)
    jobs.finish(job.pk, result_file="jobs/result/secret.zip")
    other = factories.EditorFactory()
    client.force_login(other)
    assert client.get(reverse("exports:job", args=[job.pk])).status_code == 404, "someone else's job: not found"
    assert client.get(reverse("exports:job_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("exports:job", args=[job.pk + 1])).status_code == 404
    assert client.get("/exports/jobs/not-a-job/").status_code == 404
    assert client.get("/exports/jobs/..%2F..%2Fsettings/").status_code == 404


def test_an_import_job_is_not_shown_as_an_export(admin_client):
    job = factories.JobFactory(kind=Job.Kind.IMPORT, owner=None)
    assert admin_client.get(reverse("exports:job", args=[job.pk])).status_code == 404


def test_the_same_zip_is_offered_again_while_its_articles_are_unchanged(admin_client, admin_user):
    from annotations import services

    data = checked_article()
    first = run_action(admin_client, [data.article])
    again = run_action(admin_client, [data.article])
    assert Job.objects.count() == 1, "nothing changed: no second ZIP is built"
    assert again["Location"] == first["Location"]

    claim = data.article.claims.exclude(status="published").first()
    services.update_claim(claim, user=admin_user, expected_version=claim.version, changes={"claimant": "The council"})
    changed = run_action(admin_client, [data.article])
    assert Job.objects.count() == 2, "a changed claim makes a new ZIP"
    assert changed["Location"] != first["Location"]


def test_another_users_zip_of_the_same_articles_is_not_reused_when_they_may_not_open_its_page(client):
    from django.contrib.auth.models import Permission

    data = checked_article()
    first, second = (factories.UserFactory(is_staff=True) for _ in range(2))
    for user in (first, second):
        user.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(first)
    run_action(client, [data.article])
    client.force_login(second)
    response = run_action(client, [data.article])
    assert Job.objects.count() == 2, "a job page is its owner's (and admins'): the second user gets their own"
    assert Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1])).owner == second

"""The one job mechanism (factcheck.jobs): state machine, item errors, access, retention, admin."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from annotations.exports import jobs as export_jobs
from factcheck import jobs
from factcheck.backup import backup_models, model_label
from factcheck.models import Job
from tests import factories

pytestmark = pytest.mark.django_db

Status = Job.Status


def new_job(*, total: int = 0, owner=None, kind: str = Job.Kind.IMPORT, data: bytes | None = None) -> Job:
    return jobs.create(
        kind, owner=owner, title="A job", total=total,
        input_file=ContentFile(data, name="feed.jsonl") if data is not None else None,
    )


def running_job(total: int = 0, **kwargs) -> Job:
    job = new_job(total=total, **kwargs)
    assert jobs.start(job.pk)
    return job


def reload(job: Job) -> Job:
    job.refresh_from_db()
    return job


# --- state machine ------------------------------------------------------------------------


def test_a_new_job_is_pending_with_its_owner_and_creation_time(fact_checker):
    job = new_job(owner=fact_checker, total=3)
    assert (job.status, job.owner, job.total, job.processed) == (Status.PENDING, fact_checker, 3, 0)
    assert job.created_at is not None and job.started_at is None and job.finished_at is None


def test_a_job_cannot_be_started_twice():
    job = new_job()
    assert jobs.start(job.pk) is True
    assert jobs.start(job.pk) is False
    assert reload(job).status == Status.RUNNING and job.started_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_workers_starting_the_same_job_at_once_start_it_once():
    job = new_job()
    barrier = threading.Barrier(2)
    outcomes: list[bool] = []

    def worker() -> None:
        barrier.wait()
        try:
            outcomes.append(jobs.start(job.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, True]


def test_a_failed_job_cannot_be_finished_and_stays_failed():
    job = running_job()
    assert jobs.fail(job.pk, "worker lost") is True
    assert jobs.finish(job.pk, result={"articles": 1}) is False
    assert jobs.start(job.pk) is False
    job = reload(job)
    assert (job.status, job.error, job.result) == (Status.FAILED, "worker lost", {})


def test_a_done_job_cannot_fail_afterwards():
    job = running_job()
    assert jobs.finish(job.pk, result={"articles": 2})
    assert jobs.fail(job.pk, "too late") is False
    job = reload(job)
    assert (job.status, job.error, job.result) == (Status.DONE, "", {"articles": 2})
    assert job.finished_at is not None


def test_a_pending_job_cannot_be_finished_but_can_fail():
    job = new_job()
    assert jobs.finish(job.pk) is False
    assert jobs.fail(job.pk, "could not start") is True
    job = reload(job)
    assert job.status == Status.FAILED and job.started_at is None and job.finished_at is not None


def test_progress_never_exceeds_the_total():
    job = running_job(total=4)
    assert jobs.progress(job.pk, 3)
    assert reload(job).processed == 3
    jobs.progress(job.pk, 10)
    assert reload(job).processed == 4
    jobs.progress(job.pk, 9, total=5)
    assert (reload(job).processed, job.total) == (5, 5)
    with pytest.raises(ValueError):
        jobs.progress(job.pk, -1)


def test_progress_without_a_known_total_counts_freely_and_only_while_running():
    job = running_job(total=0)
    jobs.progress(job.pk, 7)
    assert reload(job).processed == 7
    jobs.finish(job.pk)
    assert jobs.progress(job.pk, 8) is False
    assert reload(job).processed == 7


def test_the_database_refuses_more_processed_than_total_and_unknown_states():
    job = running_job(total=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.filter(pk=job.pk).update(processed=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.filter(pk=job.pk).update(status="exploded")
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.filter(pk=job.pk).update(status=Status.DONE)  # done needs a finish time


def test_a_finished_job_counts_every_item_as_processed():
    job = running_job(total=6)
    jobs.progress(job.pk, 2)
    jobs.finish(job.pk)
    job = reload(job)
    assert (job.processed, job.percent) == (6, 100)


def test_the_progress_reporter_writes_a_bounded_number_of_times(django_assert_max_num_queries):
    job = running_job(total=1000)
    report = jobs.progress_reporter(job.pk, updates=10)
    with django_assert_max_num_queries(11):
        for done in range(1, 1001):
            report(done, 1000)
    assert reload(job).processed == 1000


# --- per-item errors and run() ------------------------------------------------------------


def test_item_errors_are_appended_with_which_record_and_why():
    job = running_job(total=3)
    jobs.add_errors(job.pk, [jobs.item_error("line 2", "not valid JSON")])
    jobs.add_errors(job.pk, [])
    jobs.finish(job.pk, errors=[jobs.item_error("line 3", "body is empty")])
    assert reload(job).errors == [
        {"item": "line 2", "message": "not valid JSON"},
        {"item": "line 3", "message": "body is empty"},
    ]


def test_item_errors_are_not_added_to_a_finished_job():
    job = running_job()
    jobs.fail(job.pk, "stopped")
    assert jobs.add_errors(job.pk, [jobs.item_error("line 1", "late")]) is False
    assert reload(job).errors == []


def test_run_records_the_outcome_of_the_work():
    job = new_job(total=2, data=b"two records")

    def work(claimed: Job) -> jobs.Outcome:
        assert claimed.status == Status.RUNNING
        assert jobs.read_input(claimed) == b"two records"
        return jobs.Outcome(result={"created": 1}, errors=[jobs.item_error("record 2", "duplicate")])

    finished = jobs.run(job.pk, Job.Kind.IMPORT, work)
    assert finished.status == Status.DONE
    assert (finished.result, finished.errors) == ({"created": 1}, [{"item": "record 2", "message": "duplicate"}])
    assert jobs.run(job.pk, Job.Kind.IMPORT, work) is None, "a job runs once"


def test_run_marks_a_crash_failed_and_raises_it_again():
    job = new_job()

    def work(claimed: Job) -> jobs.Outcome:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        jobs.run(job.pk, Job.Kind.IMPORT, work)
    job = reload(job)
    assert (job.status, job.error) == (Status.FAILED, "OSError: disk full")


def test_a_result_file_of_a_job_that_failed_meanwhile_is_not_kept():
    job = new_job(kind=Job.Kind.EXPORT)

    saved: list[str] = []

    def work(claimed: Job) -> jobs.Outcome:
        saved.append(jobs.save_result_file(claimed, "out.zip", ContentFile(b"zip")))
        jobs.fail(claimed.pk, "cancelled")
        return jobs.Outcome(result_file=saved[0])

    jobs.run(job.pk, Job.Kind.EXPORT, work)
    job = reload(job)
    assert job.status == Status.FAILED and not job.result_file
    assert saved[0].startswith("jobs/result/") and not default_storage.exists(saved[0])


def test_run_refuses_a_job_of_another_kind():
    job = new_job(kind=Job.Kind.EXPORT)
    assert jobs.run(job.pk, Job.Kind.IMPORT, lambda claimed: jobs.Outcome()) is None
    assert reload(job).status == Status.PENDING


def test_a_refused_enqueue_fails_the_job_with_the_reason():
    class Refusing:
        def enqueue(self, *args):
            raise ConnectionError("queue unavailable")

    job = jobs.enqueue(new_job(kind=Job.Kind.EXPORT), Refusing())
    assert job.status == Status.FAILED
    assert job.error == "could not start the background export: queue unavailable"


# --- the per-user limit and reusable results ---------------------------------------------------


def test_only_a_users_own_waiting_and_running_jobs_count(fact_checker, editor):
    running_job(owner=fact_checker)
    new_job(owner=fact_checker)
    done = running_job(owner=fact_checker)
    jobs.finish(done.pk)
    jobs.fail(new_job(owner=fact_checker).pk, "broken")
    new_job(owner=editor)
    new_job(owner=None)
    assert jobs.active_jobs_count(fact_checker) == 2
    assert jobs.active_jobs_count(None) == 0
    lost = running_job(owner=fact_checker)
    Job.objects.filter(pk=lost.pk).update(updated_at=timezone.now() - jobs.STALE_AFTER - timedelta(minutes=1))
    assert jobs.active_jobs_count(fact_checker) == 2, "a job untouched for so long is lost, not running"


def stored_files(folder: str) -> list[str]:
    if not default_storage.exists(folder):
        return []
    folders, files = default_storage.listdir(folder)
    return [f"{folder}/{name}" for name in files] + [
        path for sub in folders for path in stored_files(f"{folder}/{sub}")
    ]


def test_the_limit_refuses_a_job_beyond_it_and_creates_nothing(fact_checker, settings):
    settings.FACTDESK_MAX_ACTIVE_JOBS_PER_USER = 2
    for _ in range(2):
        jobs.create(Job.Kind.EXPORT, owner=fact_checker, title="x", enforce_limit=True)
    files_before = stored_files("jobs/input")
    with pytest.raises(jobs.JobLimitReached) as refused:
        jobs.create(
            Job.Kind.IMPORT, owner=fact_checker, title="x", enforce_limit=True,
            input_file=ContentFile(b"data", name="feed.jsonl"),
        )
    assert (refused.value.limit, refused.value.active, refused.value.retry_after) == (2, 2, jobs.LIMIT_RETRY_AFTER)
    assert "You already have 2 background jobs waiting or running (at most 2 at once)" in str(refused.value)
    assert Job.objects.count() == 2
    assert stored_files("jobs/input") == files_before, "the refused upload was not stored"
    # Commands and the worker's own jobs are not limited.
    assert jobs.create(Job.Kind.IMPORT, owner=fact_checker, title="x").pk


def test_anonymous_users_start_no_jobs():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(jobs.JobLimitReached, match="Sign in"):
        jobs.ensure_capacity(AnonymousUser())
    with pytest.raises(jobs.JobLimitReached):
        jobs.create(Job.Kind.EXPORT, owner=None, title="x", enforce_limit=True)


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_cannot_both_take_the_last_place(settings):
    settings.FACTDESK_MAX_ACTIVE_JOBS_PER_USER = 1
    owner = factories.FactCheckerFactory()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def request() -> None:
        barrier.wait()
        try:
            jobs.create(Job.Kind.EXPORT, owner=owner, title="x", enforce_limit=True)
            outcomes.append("created")
        except jobs.JobLimitReached:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "refused"]
    assert Job.objects.filter(owner=owner).count() == 1


def test_a_done_job_with_the_same_fingerprint_and_its_file_is_the_cached_result(fact_checker, editor):
    assert jobs.finished_with_fingerprint(Job.Kind.EXPORT, "abc") is None
    job = jobs.create(Job.Kind.EXPORT, owner=fact_checker, title="x", fingerprint="abc")
    assert jobs.finished_with_fingerprint(Job.Kind.EXPORT, "abc") is None, "not done yet"
    assert jobs.active_with_fingerprint(fact_checker, Job.Kind.EXPORT, "abc") == job
    assert jobs.active_with_fingerprint(editor, Job.Kind.EXPORT, "abc") is None, "only the user's own job"
    jobs.start(job.pk)
    assert jobs.set_fingerprint(job.pk, "abd") and reload(job).fingerprint == "abd"
    name = jobs.save_result_file(job, "r.pdf", ContentFile(b"%PDF"))
    jobs.finish(job.pk, result_file=name)
    assert jobs.finished_with_fingerprint(Job.Kind.EXPORT, "abd") == job
    assert jobs.finished_with_fingerprint(Job.Kind.IMPORT, "abd") is None
    assert jobs.finished_with_fingerprint(Job.Kind.EXPORT, "") is None
    default_storage.delete(name)
    assert jobs.finished_with_fingerprint(Job.Kind.EXPORT, "abd") is None, "a result whose file is gone is no result"


# --- who sees a job -----------------------------------------------------------------------


def test_owners_see_their_jobs_and_admins_see_all(fact_checker, editor, admin_user):
    mine = new_job(owner=fact_checker)
    theirs = new_job(owner=editor)
    assert list(jobs.jobs_for_user(fact_checker)) == [mine]
    assert jobs.job_for_user(fact_checker, theirs.pk) is None
    assert jobs.job_for_user(fact_checker, mine.pk, kind=Job.Kind.EXPORT) is None
    assert set(jobs.jobs_for_user(admin_user)) == {mine, theirs}
    assert jobs.job_for_user(None, mine.pk) is None


def job_pages(job: Job) -> list[str]:
    if job.kind == Job.Kind.EXPORT:
        return [reverse("exports:job", args=[job.pk]), reverse("exports:job_download", args=[job.pk])]
    return [reverse("admin:articles_article_import_progress", args=[job.pk])]


@pytest.mark.parametrize("kind", [Job.Kind.EXPORT, Job.Kind.IMPORT])
def test_another_user_gets_404_on_the_pages_of_a_job(client, kind):
    owner = factories.EditorFactory(is_staff=True)
    job = running_job(owner=owner, kind=kind)
    jobs.finish(job.pk, result_file="jobs/result/x.zip")
    other = factories.EditorFactory(is_staff=True)
    client.force_login(other)
    for url in job_pages(job):
        assert client.get(url).status_code == 404, url
    client.force_login(owner)
    assert client.get(job_pages(job)[0]).status_code == 200


def test_the_export_progress_page_costs_a_fixed_number_of_queries(client, fact_checker):
    job = running_job(owner=fact_checker, kind=Job.Kind.EXPORT, total=4)
    client.force_login(fact_checker)
    url = reverse("exports:job", args=[job.pk])
    client.get(url, HTTP_HX_REQUEST="true")
    # signing in (session, user and role in one query), the job: nothing grows with the job or the desk.
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"0 of 4 articles done" in response.content
    assert len(queries) == 2, [query["sql"] for query in queries]
    for _ in range(5):
        factories.ArticleFactory()
        new_job(owner=fact_checker, kind=Job.Kind.EXPORT)
    with CaptureQueriesContext(connection) as again:
        client.get(url, HTTP_HX_REQUEST="true")
    assert len(again) == len(queries)


def test_the_import_progress_page_costs_a_fixed_number_of_queries(admin_client, admin_user):
    job = running_job(owner=admin_user, total=40)
    url = reverse("admin:articles_article_import_progress", args=[job.pk])
    admin_client.get(url, HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "0 of 40 articles" in response.content.decode()
    # signing in (session and user in one query), the job.
    assert len(queries) == 2, [query["sql"] for query in queries]


# --- retention ----------------------------------------------------------------------------


def age(job: Job, days: int) -> None:
    """Pretend the job was created (and, if finished, finished) ``days`` ago."""
    when = timezone.now() - timedelta(days=days)
    changes = {"created_at": when}
    if reload(job).is_finished:
        changes["finished_at"] = when
    Job.objects.filter(pk=job.pk).update(**changes)


def finished_job(status: str, days: int, *, with_files: bool = True) -> Job:
    job = new_job(data=b"upload" if with_files else None)
    if status == Status.DONE:
        jobs.start(job.pk)
        name = jobs.save_result_file(job, "out.zip", ContentFile(b"zip")) if with_files else ""
        jobs.finish(job.pk, result_file=name)
    else:
        jobs.fail(job.pk, "broken")
    age(job, days)
    return reload(job)


def test_cleanup_deletes_old_finished_jobs_and_their_files_but_keeps_recent_and_unfinished_ones():
    old_done = finished_job(Status.DONE, days=30)
    old_failed = finished_job(Status.FAILED, days=20)
    recent_done = finished_job(Status.DONE, days=2)
    old_running = running_job()
    age(old_running, 60)
    old_pending = new_job()
    age(old_pending, 60)
    old_files = [old_done.input_file.name, old_done.result_file.name, old_failed.input_file.name]
    assert all(default_storage.exists(name) for name in old_files)

    removed = jobs.cleanup(timedelta(days=14))

    assert {job.pk for job in removed} == {old_done.pk, old_failed.pk}
    assert set(Job.objects.values_list("pk", flat=True)) == {recent_done.pk, old_running.pk, old_pending.pk}
    assert not any(default_storage.exists(name) for name in old_files)
    assert default_storage.exists(recent_done.input_file.name) and default_storage.exists(recent_done.result_file.name)


def test_cleanup_dry_run_removes_nothing():
    old = finished_job(Status.DONE, days=30)
    assert [job.pk for job in jobs.cleanup(timedelta(days=14), dry_run=True)] == [old.pk]
    assert Job.objects.filter(pk=old.pk).exists() and default_storage.exists(old.result_file.name)


def test_cleanup_uses_the_retention_setting_by_default(settings):
    settings.FACTDESK_JOB_RETENTION_DAYS = 40
    finished_job(Status.DONE, days=30, with_files=False)
    assert jobs.cleanup() == []
    settings.FACTDESK_JOB_RETENTION_DAYS = 7
    assert len(jobs.cleanup()) == 1


def test_cleanup_command_prints_what_it_removed():
    old = finished_job(Status.DONE, days=10)
    keep = finished_job(Status.DONE, days=1)
    out = StringIO()
    call_command("cleanup_jobs", "--older-than-days", "5", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"Removed job {old.pk} (import, done ")
    assert old.result_file.name in lines[0] and old.input_file.name in lines[0]
    assert lines[-1] == "Removed 1 job and 2 files finished more than 5 days ago."
    assert list(Job.objects.values_list("pk", flat=True)) == [keep.pk]


def test_cleanup_command_dry_run_lists_and_keeps():
    old = finished_job(Status.FAILED, days=30, with_files=False)
    out = StringIO()
    call_command("cleanup_jobs", "--dry-run", stdout=out)
    text = out.getvalue()
    assert f"Would remove job {old.pk} (import, failed " in text
    assert "Would remove 1 job and 0 files finished more than 14 days ago." in text
    assert "Dry run: nothing was removed." in text
    assert Job.objects.filter(pk=old.pk).exists()


def test_cleanup_command_refuses_a_negative_age():
    with pytest.raises(CommandError, match="cannot be negative"):
        call_command("cleanup_jobs", "--older-than-days", "-1")


def test_jobs_are_left_out_of_backups():
    assert "factcheck.job" not in {model_label(model) for model in backup_models()}


# --- admin --------------------------------------------------------------------------------


def test_the_job_admin_lists_jobs_read_only(admin_client, admin_user):
    job = running_job(owner=admin_user, total=4)
    jobs.progress(job.pk, 1)
    export = export_jobs.create(owner=factories.EditorFactory(), article_ids=[1, 2], published_only=False)
    content = admin_client.get(reverse("admin:factcheck_job_changelist")).content.decode()
    assert "A job" in content and "Export of 2 articles" in content
    assert "1 of 4 (25%)" in content
    assert reverse("exports:job", args=[export.pk]) in content
    assert admin_client.get(reverse("admin:factcheck_job_add")).status_code == 403
    change = admin_client.post(reverse("admin:factcheck_job_change", args=[job.pk]), {"title": "renamed"})
    assert change.status_code == 403
    assert reload(job).title == "A job"
    assert admin_client.post(reverse("admin:factcheck_job_delete", args=[job.pk]), {"post": "yes"}).status_code == 403

"""The one service for background jobs: every change to a :class:`~factcheck.models.Job`.

Imports, ZIP exports and later fetches all run the same way: the request creates a job
(:func:`create`) and hands it to a django-tasks task (:func:`enqueue`); the worker runs the
work through :func:`run`, which claims the job, records progress, per-item errors and the
result, and marks it done or failed; the progress page reads it back
(:func:`job_for_user`); ``manage.py cleanup_jobs`` removes old jobs and their files
(:func:`cleanup`).

Every state change is one conditional ``UPDATE … WHERE status = …`` (or one transaction
around a read and that update), never a read-modify-save of the whole row: the web process
and a worker (or two workers given the same task twice) write the same row, and a stale
copy saved back would undo the other's change. A change that does not apply to the job's
current state returns False instead of overwriting it: a job starts once, a failed job
stays failed.

Two bounds keep one person from holding the workers: a user has at most
``FACTDESK_MAX_ACTIVE_JOBS_PER_USER`` pending or running jobs (:func:`ensure_capacity`;
request doors create their jobs with ``enforce_limit=True`` and answer 429 on
:class:`JobLimitReached`), and work whose result depends only on its input records a
``fingerprint`` so a later request finds the finished result instead of starting it again
(:func:`finished_with_fingerprint`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Case, F, PositiveIntegerField, QuerySet, Value, When
from django.db.models.functions import Least
from django.utils import timezone
from django_tasks import TaskResultStatus, default_task_backend
from django_tasks.base import Task
from django_tasks.exceptions import TaskResultDoesNotExist

from factcheck.models import RESULT_FOLDER, Job
from factcheck.permissions import OwnedPolicy, register

logger = logging.getLogger(__name__)

Status = Job.Status
Kind = Job.Kind
AnyUser = AbstractBaseUser | AnonymousUser

#: Who may see a job: its owner, and admins (active superusers). One rule, in the
#: permission module's terms, for the progress pages, the downloads and the admin.
job_policy: OwnedPolicy[Job] = OwnedPolicy(Job, "owner")
register(job_policy)

#: Write progress about this many times per job, however large it is: the progress page
#: polls once a second, and a write per item would slow a large job down.
PROGRESS_UPDATES = 50

#: Removed in batches, so a cleanup after months of jobs stays within query-parameter limits.
CLEANUP_BATCH = 500

ProgressCallback = Callable[[int, int], None]

#: What a refused request suggests as ``Retry-After`` (seconds): about how long a typical
#: export or import takes, after which one of the user's jobs has usually finished.
LIMIT_RETRY_AFTER = 30

#: A pending or running job untouched for this long (no progress, never started) is taken
#: for lost, e.g. with a killed worker: it no longer counts against its owner's limit, so a
#: lost job cannot lock a person out of exports until someone opens its page.
STALE_AFTER = timedelta(hours=1)


def item_error(item: str, message: str) -> dict[str, str]:
    """One per-item problem as stored in ``Job.errors``: which record, and why."""
    return {"item": str(item), "message": str(message)}


@dataclass
class Outcome:
    """What a job's work hands back to :func:`run`: its summary, per-item errors and file."""

    result: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    result_file: str = ""


# --- creating and queueing -------------------------------------------------------------------


def create(
    kind: str,
    *,
    owner: AnyUser | None,
    title: str,
    params: dict[str, Any] | None = None,
    total: int = 0,
    input_file: File | None = None,
    fingerprint: str = "",
    enforce_limit: bool = False,
) -> Job:
    """A new pending job; ``input_file`` (e.g. an upload) is kept in ``default_storage``.

    The file goes to storage rather than into the row so a large upload neither bloats the
    database nor has to fit through it, and S3 or another shared storage is a setting away.

    ``enforce_limit`` (every door a person uses: views, admin actions) raises
    :class:`JobLimitReached` instead of creating a job the owner has no room for; the
    count and the insert happen under a lock on the owner's row, so two requests at once
    cannot both take the last place. Commands and the worker's own jobs pass False.
    """
    if kind not in Kind.values:
        raise ValueError(f"Unknown job kind {kind!r}.")
    if total < 0:
        raise ValueError("A job's total cannot be negative.")
    job = Job(
        kind=kind,
        owner=owner if owner is not None and owner.is_authenticated else None,
        title=title[:300],
        params=params or {},
        fingerprint=fingerprint,
        total=total,
    )
    with transaction.atomic():
        if enforce_limit:
            _lock_owner(owner)
            ensure_capacity(owner)
        if input_file is not None:
            job.input_file.save(PurePath(input_file.name or "").name or "input", input_file, save=False)
        try:
            job.save()
        except BaseException:
            if job.input_file:
                default_storage.delete(job.input_file.name)
            raise
    return job


def enqueue(job: Job, task: Task[..., Any], *args: Any) -> Job:
    """Hand ``job`` to ``task`` (called as ``task(job.pk, *args)``) and remember the task's result id.

    A task backend that refuses the job (misconfigured, unreachable) marks the job failed
    with the reason, so the upload is never lost silently and the progress page says why.
    """
    try:
        task_result = task.enqueue(job.pk, *args)
    except Exception as error:
        logger.exception("Could not queue job %s", job.pk)
        fail(job.pk, f"could not start the background {job.get_kind_display().lower()}: {error}")
    else:
        Job.objects.filter(pk=job.pk).update(task_result_id=str(task_result.id)[:64], updated_at=timezone.now())
    job.refresh_from_db()
    return job


# --- the per-user limit ---------------------------------------------------------------------


class JobLimitReached(Exception):
    """The user already has as many pending or running jobs as they may; nothing was started.

    Views answer 429 with ``Retry-After: retry_after`` and the message; the admin shows the message.
    """

    retry_after = LIMIT_RETRY_AFTER

    def __init__(self, limit: int, active: int, message: str = "") -> None:
        self.limit = limit
        self.active = active
        super().__init__(
            message
            or f"You already have {active} background job{'s' if active != 1 else ''} waiting or running "
            f"(at most {limit} at once). Wait for one to finish, then try again."
        )


def max_active_jobs() -> int:
    """``FACTDESK_MAX_ACTIVE_JOBS_PER_USER`` (default 3): pending plus running jobs per user."""
    return int(getattr(settings, "FACTDESK_MAX_ACTIVE_JOBS_PER_USER", 3))


def active_jobs(user: AnyUser | None) -> QuerySet[Job]:
    """``user``'s pending and running jobs of every kind, not lost (:data:`STALE_AFTER`); none for anonymous users."""
    if user is None or not user.is_authenticated:
        return Job.objects.none()
    return Job.objects.filter(owner=user, status__in=Job.ACTIVE, updated_at__gte=timezone.now() - STALE_AFTER)


def active_jobs_count(user: AnyUser | None) -> int:
    """How many of ``user``'s jobs are waiting or running (one query)."""
    return active_jobs(user).count()


def ensure_capacity(user: AnyUser | None) -> None:
    """Raise :class:`JobLimitReached` unless ``user`` may start one more job.

    Anonymous users start no jobs: a job without an owner would count against nobody, so
    every door that starts one is behind a login (the URLs are, by
    ``LoginRequiredMiddleware``) and this refuses the rest.
    """
    limit = max_active_jobs()
    if user is None or not user.is_authenticated:
        raise JobLimitReached(limit, 0, "Sign in to start a background export or import.")
    active = active_jobs_count(user)
    if active >= limit:
        raise JobLimitReached(limit, active)


def _lock_owner(owner: AnyUser | None) -> None:
    """Lock the owner's user row until the transaction ends, so their job count cannot change meanwhile.

    PostgreSQL takes a row lock; SQLite (``transaction_mode`` IMMEDIATE) already holds the
    database's write lock for the whole transaction.
    """
    if owner is not None and owner.is_authenticated:
        list(get_user_model()._default_manager.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True))


# --- state changes: each one conditional UPDATE (or one transaction) ----------------------------


def _change(
    job_id: int,
    from_statuses: Iterable[str],
    errors: Iterable[dict[str, str]] = (),
    *,
    kind: str | None = None,
    **changes: Any,
) -> bool:
    """Apply ``changes`` if the job is in one of ``from_statuses`` (and of ``kind``); True if it was."""
    changes["updated_at"] = timezone.now()
    rows = Job.objects.filter(pk=job_id, status__in=list(from_statuses))
    if kind is not None:
        rows = rows.filter(kind=kind)
    new_errors = list(errors)
    if not new_errors:
        return rows.update(**changes) == 1
    # Appending to a JSON list is not portable SQL: read and write in one transaction,
    # with the row locked (PostgreSQL) or the database write-locked (SQLite IMMEDIATE).
    with transaction.atomic():
        current = list(rows.select_for_update().values_list("errors", flat=True))
        if not current:
            return False
        return rows.update(errors=[*current[0], *new_errors], **changes) == 1


def start(job_id: int, *, kind: str | None = None) -> bool:
    """pending -> running. False if the job is not pending (or not of ``kind``): two workers never both start it."""
    now = timezone.now()
    return _change(job_id, [Status.PENDING], kind=kind, status=Status.RUNNING, processed=0, started_at=now)


def progress(job_id: int, processed: int, *, total: int | None = None) -> bool:
    """Record how far a running job got; ``processed`` is capped at ``total`` (when known)."""
    if processed < 0 or (total is not None and total < 0):
        raise ValueError("Progress cannot be negative.")
    if total is not None:
        return _change(job_id, [Status.RUNNING], total=total, processed=min(processed, total) if total else processed)
    count = PositiveIntegerField()
    capped = Case(
        When(total__gt=0, then=Least(Value(processed), F("total"), output_field=count)),
        default=Value(processed),
        output_field=count,
    )
    return _change(job_id, [Status.RUNNING], processed=capped)


def progress_reporter(job_id: int, *, updates: int = PROGRESS_UPDATES) -> ProgressCallback:
    """A ``progress(done, total)`` callback for long loops that writes about ``updates`` times in all."""
    last_step = -1

    def report(done: int, total: int) -> None:
        nonlocal last_step
        step = done * updates // total if total else done
        if step != last_step or done == total:
            last_step = step
            progress(job_id, done, total=total)

    return report


def add_errors(job_id: int, errors: Iterable[dict[str, str]]) -> bool:
    """Append per-item errors (see :func:`item_error`) to a running job."""
    errors = list(errors)
    return not errors or _change(job_id, [Status.RUNNING], errors)


def finish(
    job_id: int, *, result: dict[str, Any] | None = None, errors: Iterable[dict[str, str]] = (), result_file: str = ""
) -> bool:
    """running -> done, with the summary, any last per-item errors and the result file's storage name.

    A finished job has processed everything it knew of. False if the job is not running
    (a failed job stays failed).
    """
    return _change(
        job_id,
        [Status.RUNNING],
        errors,
        status=Status.DONE,
        processed=Case(When(total__gt=0, then=F("total")), default=F("processed")),
        result=result or {},
        result_file=result_file,
        finished_at=timezone.now(),
    )


def fail(job_id: int, message: str) -> bool:
    """pending or running -> failed, with why. False if the job had already finished."""
    return _change(
        job_id, [Status.PENDING, Status.RUNNING], status=Status.FAILED, error=message, finished_at=timezone.now()
    )


def set_fingerprint(job_id: int, fingerprint: str) -> bool:
    """Record, on a running job, the fingerprint of the input it is about to read.

    A job's work reads its input when it runs, which may be later than the request that
    queued it: the worker takes the fingerprint again just before it reads, so the result
    is never filed under an input older than the one it was made from.
    """
    return _change(job_id, [Status.RUNNING], fingerprint=fingerprint)


class WorkRefused(Exception):
    """A job's work cannot be done with its input (the article is gone, the file is refused).

    Raised by the work, it fails the job like any crash, but the message is written for
    the person who started the job and is shown as it is.
    """


def describe_error(error: BaseException) -> str:
    """How a failure is shown on the job: a refusal's message, or a crash's class and message."""
    if isinstance(error, WorkRefused):
        return str(error)[:1000]
    return f"{type(error).__name__}: {error}"[:1000]


def run(job_id: int, kind: str, work: Callable[[Job], Outcome]) -> Job | None:
    """The body of every job task: claim the job of ``kind``, do ``work``, record the outcome.

    Returns None (and does nothing) when the job is not a pending job of ``kind``, so a task
    delivered twice runs once and a stray task never runs the wrong work. A crash in
    ``work`` marks the job failed with the message and is raised again, so the task's own
    result says failed too; work saved before the crash stays.
    """
    if not start(job_id, kind=kind):
        logger.warning("Job %s is not a pending %s job; skipping it.", job_id, kind)
        return None
    job = Job.objects.select_related("owner").get(pk=job_id)
    try:
        outcome = work(job)
    except Exception as error:
        fail(job_id, describe_error(error))
        raise
    finished = finish(job_id, result=outcome.result, errors=outcome.errors, result_file=outcome.result_file)
    if not finished and outcome.result_file:
        default_storage.delete(outcome.result_file)  # failed while it ran: nobody will download it
    job.refresh_from_db()
    return job


# --- files --------------------------------------------------------------------------------


def read_input(job: Job) -> bytes:
    """The job's uploaded input, read back from storage."""
    with job.input_file.open("rb") as handle:
        return handle.read()


def save_result_file(job: Job, filename: str, content: File) -> str:
    """Store a job's result (e.g. a ZIP) in ``default_storage``; returns the storage name.

    Pass the name to :func:`finish` (through :class:`Outcome`) so the job refers to it.
    A random part keeps result names unguessable even on a storage with public URLs.
    """
    return default_storage.save(f"{RESULT_FOLDER}/{job.pk}-{uuid.uuid4().hex}-{filename}", content)


# --- reading ------------------------------------------------------------------------------

#: kind -> the URL of a job's own page (progress, report, download). Each app registers the
#: page of the jobs it runs, so this layer links to them without importing those apps.
_PAGES: dict[str, Callable[[Job], str]] = {}


def register_page(kind: str, url_for: Callable[[Job], str]) -> None:
    """Declare where jobs of ``kind`` are shown (used by the admin's job list)."""
    _PAGES[kind] = url_for


def page_url(job: Job) -> str:
    """The job's own page, or "" when no app registered one for its kind."""
    url_for = _PAGES.get(job.kind)
    return url_for(job) if url_for is not None else ""


def jobs_for_user(user: AnyUser | None) -> QuerySet[Job]:
    """The jobs ``user`` may see: their own, or every job for an admin."""
    return job_policy.instances_user_has_permission_for(user, "view")


def job_for_user(user: AnyUser | None, job_id: int, *, kind: str | None = None) -> Job | None:
    """The job, if ``user`` may see it (and it is of ``kind``); None otherwise.

    Someone else's job and a missing one look the same (views answer 404), so job ids
    reveal nothing.
    """
    jobs = jobs_for_user(user).filter(pk=job_id)
    if kind is not None:
        jobs = jobs.filter(kind=kind)
    return jobs.first()


def finished_with_fingerprint(kind: str, fingerprint: str, *, owner: AnyUser | None = None) -> Job | None:
    """The newest done job of ``kind`` made from this input, if its result file is still in storage.

    Whose job it was does not matter: the fingerprint covers everything the result shows,
    so callers put in it whatever decides who may see that (e.g. published-only). Pass
    ``owner`` where the result is reached through the job's own (owner-only) page.
    """
    if not fingerprint:
        return None
    candidates = Job.objects if owner is None else jobs_for_user(owner)
    job = (
        candidates.filter(kind=kind, fingerprint=fingerprint, status=Status.DONE)
        .exclude(result_file="")
        .order_by("-finished_at", "-pk")
        .first()
    )
    if job is None or not default_storage.exists(job.result_file.name):
        return None
    return job


def active_with_fingerprint(user: AnyUser | None, kind: str, fingerprint: str) -> Job | None:
    """``user``'s own pending or running job of ``kind`` for this input: asking twice waits for the same job."""
    if not fingerprint:
        return None
    return active_jobs(user).filter(kind=kind, fingerprint=fingerprint).order_by("-pk").first()


def sync_with_task(job: Job) -> Job:
    """Mark an unfinished job failed when its task failed without saying so (e.g. a killed worker)."""
    if job.is_finished or not job.task_result_id:
        return job
    try:
        task_result = default_task_backend.get_result(job.task_result_id)
    except (NotImplementedError, TaskResultDoesNotExist, ValueError):
        return job  # the immediate backend keeps no results; the job row is all there is
    if task_result.status == TaskResultStatus.FAILED and fail(job.pk, "The background task failed."):
        job.refresh_from_db()
    return job


# --- retention ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RemovedJob:
    """A job removed (or, in a dry run, to be removed) by :func:`cleanup`."""

    pk: int
    kind: str
    status: str
    title: str
    finished_at: datetime
    files: tuple[str, ...]


def retention() -> timedelta:
    """How long finished jobs are kept: ``FACTDESK_JOB_RETENTION_DAYS`` (default 14)."""
    return timedelta(days=settings.FACTDESK_JOB_RETENTION_DAYS)


def cleanup(older_than: timedelta | None = None, *, dry_run: bool = False) -> list[RemovedJob]:
    """Delete done and failed jobs that finished more than ``older_than`` ago, with their files.

    Pending and running jobs are never touched, however old. Rows go first and files after,
    so a job never points at a deleted file; a crash in between leaves at worst a stray file.
    """
    cutoff = timezone.now() - (retention() if older_than is None else older_than)
    expired = Job.objects.filter(status__in=Job.FINISHED, finished_at__lt=cutoff).order_by("pk")
    fields = ("pk", "kind", "status", "title", "finished_at", "input_file", "result_file")
    removed: list[RemovedJob] = []
    after = 0
    while True:
        batch = [
            RemovedJob(pk, kind, status, title, finished_at, tuple(name for name in (input_name, result_name) if name))
            for pk, kind, status, title, finished_at, input_name, result_name in expired.filter(pk__gt=after)
            .values_list(*fields)[:CLEANUP_BATCH]
        ]
        if not batch:
            return removed
        after = batch[-1].pk
        if not dry_run:
            expired.filter(pk__in=[job.pk for job in batch]).delete()
            for name in (name for job in batch for name in job.files):
                try:
                    default_storage.delete(name)
                except OSError:
                    logger.warning("Could not delete job file %s", name, exc_info=True)
        removed.extend(batch)

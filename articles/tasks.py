"""Background work for articles: large imports uploaded through the admin.

A large upload is stored on an :class:`~articles.models.ImportJob` and processed here by a
django-tasks worker (``manage.py db_worker``), so the admin request returns at once and the
progress page polls the job. The import itself is the same service call as everywhere
else (``articles.importing.service``).
"""

from __future__ import annotations

import logging

from django.db.models import F
from django.utils import timezone
from django_tasks import task

from articles.importing import service
from articles.importing.parsers import parse_file
from articles.models import ImportJob

logger = logging.getLogger(__name__)

#: Write progress to the database about this many times per job, however large it is:
#: the progress page polls once a second, and a write per record would slow the import.
PROGRESS_UPDATES = 50


def process_import_job(job_id: int) -> ImportJob | None:
    """Run one pending import job to completion; the body of :func:`run_import_job`.

    Claims the job atomically (pending -> running), so a task delivered twice imports once.
    Any crash marks the job failed with the message (articles saved before the crash stay
    saved: each is its own transaction). Returns the job, or None if it was not pending.
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING, processed=0
    )
    if not claimed:
        logger.warning("Import job %s is not pending; skipping it.", job_id)
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        outcome = parse_file(job.filename, bytes(job.payload), service.configured_limits())
        total = len(outcome.records)
        ImportJob.objects.filter(pk=job_id).update(total=total)
        step = max(1, total // PROGRESS_UPDATES)

        def progress(done: int, known: int) -> None:
            if done % step == 0 or done == known:
                ImportJob.objects.filter(pk=job_id).update(processed=done)

        report = service.save_outcome(outcome, job.created_by, progress=progress)
    except Exception as error:
        logger.exception("Import job %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            report={"error": f"{type(error).__name__}: {error}"},
            finished_at=timezone.now(),
        )
    else:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.DONE,
            processed=F("total"),
            report=report.as_dict(),
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


@task()
def run_import_job(job_id: int) -> str:
    """django-tasks entry point: process an :class:`ImportJob` (see :func:`process_import_job`)."""
    job = process_import_job(job_id)
    return job.status if job is not None else "skipped"

"""Background work for articles: large imports uploaded through the admin.

A large upload becomes an import :class:`~factcheck.models.Job` (the file kept in the
default storage) and is processed here by a django-tasks worker (``manage.py db_worker``),
so the admin request returns at once and the progress page polls the job. Claiming the
job, progress, failure and the result are :func:`factcheck.jobs.run`'s; the import itself
is the same service call as everywhere else (``articles.importing.service``).
"""

from __future__ import annotations

from django_tasks import task

from articles.importing import service
from articles.importing.parsers import parse_file
from factcheck import jobs
from factcheck.models import Job


def import_articles(job: Job) -> jobs.Outcome:
    """Parse the job's uploaded file and save its articles; failed records become item errors."""
    filename = str(job.params.get("filename") or job.input_file.name)
    outcome = parse_file(filename, jobs.read_input(job), service.configured_limits())
    jobs.progress(job.pk, 0, total=len(outcome.records))
    report = service.save_outcome(outcome, job.owner, progress=jobs.progress_reporter(job.pk))
    summary = report.as_dict()
    failed = summary.pop("failed")
    return jobs.Outcome(result=summary, errors=[jobs.item_error(origin, reason) for origin, reason in failed])


def import_report(job: Job) -> dict[str, object]:
    """A finished import as ``ImportReport.as_dict()`` gives it (its failures are the job's item errors)."""
    return {**job.result, "failed": [[error["item"], error["message"]] for error in job.errors]}


def process_import_job(job_id: int) -> Job | None:
    """Run one pending import job to completion; None if it was not pending (see ``jobs.run``)."""
    return jobs.run(job_id, Job.Kind.IMPORT, import_articles)


@task()
def run_import_job(job_id: int) -> str:
    """django-tasks entry point: process an import job (see :func:`process_import_job`)."""
    job = process_import_job(job_id)
    return job.status if job is not None else "skipped"

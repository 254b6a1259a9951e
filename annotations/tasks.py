"""Background tasks (django-tasks) for the annotations app: building large export ZIPs.

A ZIP of many articles takes too long for one request, so the admin action creates an
export job (:mod:`annotations.exports.jobs`) and queues :func:`build_export_zip`; the admin
is sent to the job's progress page. Claiming the job, progress, failure and retention are
:mod:`factcheck.jobs`'s; the ZIP is kept in the default file storage (shared by the web and
worker processes) and the job refers to it.
"""

from __future__ import annotations

import tempfile

from django.core.files import File
from django_tasks import task

from annotations.exports import jobs as export_jobs
from annotations.exports.bundle import write_zip
from articles.models import Article
from factcheck import jobs
from factcheck.models import Job


def build_zip(job: Job) -> jobs.Outcome:
    """Write the job's ZIP to storage; articles deleted since the job was created are item errors."""
    ids = export_jobs.article_ids(job)
    found = set(Article.objects.filter(pk__in=ids).values_list("pk", flat=True))
    errors = [jobs.item_error(f"article {pk}", "deleted before the export ran") for pk in ids if pk not in found]
    with tempfile.TemporaryFile() as archive:
        count = write_zip(
            ids, archive, published_only=export_jobs.published_only(job), progress=jobs.progress_reporter(job.pk)
        )
        archive.seek(0)
        name = jobs.save_result_file(job, "factdesk-export.zip", File(archive))
    return jobs.Outcome(result={"articles": count}, errors=errors, result_file=name)


@task()
def build_export_zip(job_id: int) -> dict[str, object]:
    """django-tasks entry point: build an export job's ZIP (see :func:`build_zip` and ``jobs.run``)."""
    job = jobs.run(job_id, Job.Kind.EXPORT, build_zip)
    return {"job_id": job_id, "status": job.status if job is not None else "skipped"}

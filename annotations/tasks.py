"""Background tasks (django-tasks) for the annotations app: exports and Web Annotation imports.

Nothing here runs in a request. A ZIP of many articles (the admin action), an article's PDF
report (the download menu) and an import of Web Annotations can each take minutes, so the
request creates a job (:mod:`annotations.exports.jobs`), queues one of these tasks and
sends the user to the job's progress page. Claiming the job, progress, failure and
retention are :mod:`factcheck.jobs`'s; results are kept in the default file storage
(shared by the web and worker processes) and the job refers to them.

A worker has no request, so no interface language of its own: each task renders in the
language the job was created in (``export_jobs.language``), the requesting user's, so a
report's fixed words and the job's messages read as the page that asked for it.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from typing import Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from annotations.exports import jobs as export_jobs
from annotations.exports import render_export
from annotations.exports.bundle import write_zip
from annotations.exports.w3c import NOT_ATTEMPTED, ImportFormatError, import_annotations
from articles.models import Article
from factcheck import jobs
from factcheck.models import Job


class ArticleGone(jobs.WorkRefused):
    """The job's article was deleted between the request and the job running."""


def _article(job: Job) -> Article:
    article = Article.objects.filter(pk=export_jobs.article_id(job)).first()
    if article is None:
        raise ArticleGone(_("The article was deleted before the job ran."))
    return article


def build_zip(job: Job) -> jobs.Outcome:
    """Write the job's ZIP to storage; articles deleted since the job was created are item errors."""
    ids = export_jobs.article_ids(job)
    found = set(Article.objects.filter(pk__in=ids).values_list("pk", flat=True))
    errors = [
        jobs.item_error(_("article %(id)s") % {"id": pk}, _("deleted before the export ran"))
        for pk in ids
        if pk not in found
    ]
    if job.fingerprint:  # file the ZIP under the input it is made from, not the one at queueing time
        jobs.set_fingerprint(job.pk, export_jobs.zip_fingerprint(ids, published_only=export_jobs.published_only(job)))
    with tempfile.TemporaryFile() as archive:
        count = write_zip(
            ids, archive, published_only=export_jobs.published_only(job), progress=jobs.progress_reporter(job.pk)
        )
        archive.seek(0)
        name = jobs.save_result_file(job, "factdesk-export.zip", File(archive))
    return jobs.Outcome(result={"articles": count}, errors=errors, result_file=name)


def render_report(job: Job) -> jobs.Outcome:
    """Render one article's report (a PDF) with ``render_export`` into storage.

    The fingerprint is taken again just before the data is read, so the cached file is
    filed under the input it was made from even when the article changed after the request.
    """
    article = _article(job)
    fmt = export_jobs.export_format(job)
    published_only = export_jobs.published_only(job)
    fingerprint = export_jobs.report_fingerprint(article.pk, fmt=fmt, published_only=published_only)
    if fingerprint:
        jobs.set_fingerprint(job.pk, fingerprint)
    content = b"".join(render_export(article, fmt, published_only=published_only))
    name = jobs.save_result_file(job, export_jobs.download_name(job), ContentFile(content))
    return jobs.Outcome(result={"article_id": article.pk, "bytes": len(content)}, result_file=name)


def run_export(job: Job) -> jobs.Outcome:
    """An export job's work, by its format: a ZIP of many articles or one article's report."""
    return build_zip(job) if export_jobs.export_format(job) == export_jobs.ZIP else render_report(job)


def import_annotation_file(job: Job) -> jobs.Outcome:
    """Import the job's uploaded Web Annotations into its article, as its owner.

    ``import_annotations`` reports progress after each annotation and keeps to its own
    time budgets. Failed annotations are the job's per-item errors (those never attempted
    because the budget ran out are counted, and said once in a notice, not listed one by
    one); created and skipped counts, notices and per-annotation warnings are its result.
    A file ``import_annotations`` refuses as a whole fails the job with its reason.
    """
    article = _article(job)
    data = json.loads(jobs.read_input(job).decode("utf-8-sig"))
    jobs.progress(job.pk, 0, total=job.total)
    try:
        result = import_annotations(article, data, job.owner, progress=jobs.progress_reporter(job.pk))
    except ImportFormatError as error:
        raise jobs.WorkRefused(str(error)) from error
    counts = {"created": 0, "skipped": 0, "failed": 0}
    notes: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for row in result.rows:
        counts[row.status] = counts.get(row.status, 0) + 1
        if row.status == "failed":
            if row.reason != NOT_ATTEMPTED:
                errors.append(jobs.item_error(_("annotation %(index)s") % {"index": row.index}, row.message))
        elif row.message or row.warnings:
            notes.append({"index": row.index, "status": row.status, "message": row.message,
                          "warnings": list(row.warnings)})
    summary = {
        "article_id": article.pk, **counts, "not_attempted": len(result.not_attempted),
        "notices": list(result.notices), "notes": notes,
    }
    return jobs.Outcome(result=summary, errors=errors)


def in_job_language(work: Callable[[Job], jobs.Outcome]) -> Callable[[Job], jobs.Outcome]:
    """``work`` run in the job's interface language (the requesting user's), not the worker's default."""

    def run_in_language(job: Job) -> jobs.Outcome:
        with translation.override(export_jobs.language(job)):
            return work(job)

    return run_in_language


@task()
def build_export_zip(job_id: int) -> dict[str, object]:
    """django-tasks entry point: run an export job (see :func:`run_export` and ``jobs.run``)."""
    job = jobs.run(job_id, Job.Kind.EXPORT, in_job_language(run_export))
    return {"job_id": job_id, "status": job.status if job is not None else "skipped"}


@task()
def render_export_report(job_id: int) -> dict[str, object]:
    """django-tasks entry point for a report (PDF) job; the same work as :func:`build_export_zip`."""
    job = jobs.run(job_id, Job.Kind.EXPORT, in_job_language(run_export))
    return {"job_id": job_id, "status": job.status if job is not None else "skipped"}


@task()
def import_web_annotations(job_id: int) -> dict[str, object]:
    """django-tasks entry point: run an annotation import job (see :func:`import_annotation_file`)."""
    job = jobs.run(job_id, Job.Kind.ANNOTATION_IMPORT, in_job_language(import_annotation_file))
    return {"job_id": job_id, "status": job.status if job is not None else "skipped"}

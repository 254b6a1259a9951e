"""Download views for reports and data exports, the W3C import page, and the pages of their jobs.

Thin on purpose: which claims a user may export is :func:`annotations.exports.data.may_see_unpublished`,
rendering is :func:`annotations.exports.render_export`, importing is
:func:`annotations.exports.w3c.import_annotations`. Nothing slow runs in a request: a PDF
report and a Web Annotation import are background jobs (:mod:`annotations.tasks`), and the
request only serves a report already made from the same input, or queues the job and
redirects (303) to its page.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from annotations.exports import FORMATS, ExportFormat, export_filename, render_export
from annotations.exports import jobs as export_jobs
from annotations.exports.data import may_see_unpublished
from annotations.exports.w3c import MAX_IMPORT_ANNOTATIONS, ImportFormatError, annotations_in
from annotations.tasks import import_web_annotations, render_export_report
from articles.models import Article
from articles.permissions import article_policy
from factcheck import jobs
from factcheck.models import Job

#: Formats rendered by a background job, never in the request.
BACKGROUND_FORMATS = frozenset({"pdf"})
#: Job kinds whose page is ``/exports/jobs/<id>/``.
JOB_KINDS = frozenset({Job.Kind.EXPORT, Job.Kind.ANNOTATION_IMPORT})


class HttpResponseSeeOther(HttpResponseRedirect):
    """303: after a request that started (or found) a job, the browser GETs the job's page."""

    status_code = 303


def too_many_jobs(request: HttpRequest, error: jobs.JobLimitReached) -> HttpResponse:
    """429 with ``Retry-After`` and the reason, when the user's limit of jobs at once is reached."""
    content = loader.render_to_string("429.html", {"message": str(error)}, request)
    response = HttpResponse(content, status=429)
    response["Retry-After"] = str(error.retry_after)
    response["Cache-Control"] = "no-store"
    return response


def job_page(job: Job) -> HttpResponseSeeOther:
    return HttpResponseSeeOther(reverse("exports:job", args=[job.pk]))


_TRUE = {"1", "true", "yes", "on"}


def wants_published_only(request: HttpRequest, fmt_name: str) -> bool:
    """Published-only when asked for, for ClaimReview always, and for anyone outside the desk."""
    asked = request.GET.get("published_only", "").strip().lower() in _TRUE
    return asked or fmt_name == "claimreview" or not may_see_unpublished(request.user)


@require_GET
def article_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Download one article's fact-checks in ``fmt`` (see ``annotations.exports.FORMATS``).

    Quick formats are rendered here; a PDF is served from a finished job with the same
    input, or made by a background job (:func:`background_report`).
    """
    export_format = FORMATS.get(fmt)
    if export_format is None:
        raise Http404(_("Unknown export format “%(format)s”.") % {"format": fmt})
    article = get_object_or_404(Article, pk=pk)
    published_only = wants_published_only(request, fmt)
    if fmt in BACKGROUND_FORMATS:
        return background_report(request, article, export_format, published_only=published_only)
    chunks = render_export(article, export_format, published_only=published_only)
    if fmt == "csv":
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            chunks, content_type=export_format.content_type
        )
    else:
        response = HttpResponse(b"".join(chunks), content_type=export_format.content_type)
    filename = export_filename(article, export_format, published_only=published_only)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def background_report(
    request: HttpRequest, article: Article, export_format: ExportFormat, *, published_only: bool
) -> HttpResponse:
    """A report that is too slow for a request (PDF): the cached file, or a job and its page.

    1. A done job made from the same input (:func:`export_jobs.report_fingerprint`, which
       includes the published-only choice) still has its file: send it, whoever's job it was.
    2. This user already waits for that report: back to the same job's page.
    3. Otherwise a new job, if the user has room for one (else 429 with Retry-After).
    """
    fingerprint = export_jobs.report_fingerprint(article.pk, fmt=export_format.name, published_only=published_only)
    if fingerprint is None:
        raise Http404(_("No such article."))
    cached = jobs.finished_with_fingerprint(Job.Kind.EXPORT, fingerprint)
    if cached is not None:
        filename = export_filename(article, export_format, published_only=published_only)
        return _file_response(cached, filename, export_format.content_type)
    waiting = jobs.active_with_fingerprint(request.user, Job.Kind.EXPORT, fingerprint)
    if waiting is not None:
        return job_page(waiting)
    try:
        job = export_jobs.create_report(
            owner=request.user, article=article, fmt=export_format.name, published_only=published_only,
            fingerprint=fingerprint,
        )
    except jobs.JobLimitReached as error:
        return too_many_jobs(request, error)
    return job_page(jobs.enqueue(job, render_export_report))


def _file_response(job: Job, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(
        default_storage.open(job.result_file.name, "rb"), as_attachment=True, filename=filename,
        content_type=content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- W3C import ------------------------------------------------------------------------------


def _too_large() -> str:
    return _("The file is larger than %(size)s KB.") % {"size": settings.FACTDESK_MAX_UPLOAD_BYTES // 1024}


def _read_upload(request: HttpRequest) -> tuple[bytes, str]:
    """The uploaded (or posted) document and its file name; ImportFormatError with a reason otherwise."""
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size > settings.FACTDESK_MAX_UPLOAD_BYTES:
            raise ImportFormatError(_too_large())
        return upload.read(), upload.name or ""
    if request.content_type in {"application/json", "application/ld+json"}:
        if len(request.body) > settings.FACTDESK_MAX_UPLOAD_BYTES:
            raise ImportFormatError(_too_large())
        return request.body, "annotations.json"
    raise ImportFormatError(_("Choose a Web Annotation JSON-LD file to import."))


def check_annotation_document(raw: bytes) -> int:
    """How many annotations ``raw`` holds; ImportFormatError (a 400 on the form) if it cannot be imported.

    Everything that can be told from the file alone is checked here, in the request, so a
    bad file is a form error at once rather than a failed job: UTF-8, valid JSON, not
    nested too deeply for the parser, Web Annotation shape, at most
    ``MAX_IMPORT_ANNOTATIONS`` annotations.
    """
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise ImportFormatError(_("The file is not UTF-8 text.")) from error
    except json.JSONDecodeError as error:
        raise ImportFormatError(
            _("The file is not valid JSON: %(error)s (line %(line)s).") % {"error": error.msg, "line": error.lineno}
        ) from error
    except RecursionError as error:
        raise ImportFormatError(_("The file is nested too deeply to be Web Annotations.")) from error
    count = len(annotations_in(data))
    if count > MAX_IMPORT_ANNOTATIONS:
        raise ImportFormatError(
            _("Too many annotations (%(count)s); import at most %(limit)s at once.")
            % {"count": count, "limit": MAX_IMPORT_ANNOTATIONS}
        )
    return count


@require_http_methods(["GET", "POST"])
def w3c_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Editors import W3C Web Annotations (e.g. a Factdesk export) as claims on this article.

    The file is checked here (a bad one is a 400 with the reason); the import itself is a
    background job (``import_web_annotations``) and the editor is sent to its page.
    """
    article = get_object_or_404(Article, pk=pk)
    article_policy.require(request.user, "import_annotations")
    context: dict[str, object] = {"article": article}
    if request.method == "POST":
        try:
            raw, filename = _read_upload(request)
            total = check_annotation_document(raw)
            job = export_jobs.create_annotation_import(
                owner=request.user, article=article, data=raw, filename=filename, total=total
            )
        except ImportFormatError as error:
            context["error"] = str(error)
            return render(request, "exports/import_form.html", context, status=400)
        except jobs.JobLimitReached as error:
            return too_many_jobs(request, error)
        return job_page(jobs.enqueue(job, import_web_annotations))
    return render(request, "exports/import_form.html", context)


# --- job pages -------------------------------------------------------------------------------


def _job_for(request: HttpRequest, job_id: int) -> Job:
    """The user's own export or import job (any, for admins); someone else's is as missing as an unknown one."""
    job = jobs.job_for_user(request.user, job_id)
    if job is None or job.kind not in JOB_KINDS:
        raise Http404(_("No such job."))
    return job


def job_context(job: Job) -> dict[str, object]:
    """What the job page shows: which kind of job, where its article is, the import's outcome."""
    if job.kind == Job.Kind.ANNOTATION_IMPORT:
        what = "import"
    else:
        what = "zip" if export_jobs.export_format(job) == export_jobs.ZIP else "report"
    article_pk = export_jobs.article_id(job)
    return {
        "job": job,
        "what": what,
        "article_url": export_jobs.article_url(job),
        "import_url": reverse("exports:w3c_import", args=[article_pk]) if what == "import" and article_pk else "",
        "file_label": "" if what == "import" else export_jobs.export_format(job).upper(),
        "download_name": "" if what == "import" else export_jobs.download_name(job),
    }


@require_GET
def export_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """Progress of a background export or import; htmx polls the ``progress`` partial until it is done."""
    job = jobs.sync_with_task(_job_for(request, job_id))
    template = "exports/job.html#progress" if request.htmx else "exports/job.html"
    return render(request, template, job_context(job))


@require_GET
def export_job_download(request: HttpRequest, job_id: int) -> FileResponse:
    """The finished file of a background export (a ZIP or a report), under its usual name."""
    job = _job_for(request, job_id)
    if (
        job.kind != Job.Kind.EXPORT
        or job.status != Job.Status.DONE
        or not job.result_file
        or not default_storage.exists(job.result_file.name)
    ):
        raise Http404(_("This export is not ready."))
    return _file_response(job, export_jobs.download_name(job), export_jobs.download_content_type(job))

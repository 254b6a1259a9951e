"""Download views for reports and data exports, the W3C import page, and ZIP job pages.

Thin on purpose: which claims a user may export is :func:`annotations.exports.data.may_see_unpublished`,
rendering is :func:`annotations.exports.render_export`, importing is
:func:`annotations.exports.w3c.import_annotations`.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from annotations.exports import FORMATS, export_filename, render_export
from annotations.exports.data import may_see_unpublished
from annotations.exports.w3c import ImportFormatError, import_annotations
from articles.models import Article
from articles.permissions import article_policy
from factcheck import jobs
from factcheck.models import Job

_TRUE = {"1", "true", "yes", "on"}


def wants_published_only(request: HttpRequest, fmt_name: str) -> bool:
    """Published-only when asked for, for ClaimReview always, and for anyone outside the desk."""
    asked = request.GET.get("published_only", "").strip().lower() in _TRUE
    return asked or fmt_name == "claimreview" or not may_see_unpublished(request.user)


@require_GET
def article_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Download one article's fact-checks in ``fmt`` (see ``annotations.exports.FORMATS``)."""
    export_format = FORMATS.get(fmt)
    if export_format is None:
        raise Http404(f"Unknown export format “{fmt}”.")
    article = get_object_or_404(Article, pk=pk)
    published_only = wants_published_only(request, fmt)
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


def _read_upload(request: HttpRequest) -> object:
    """The uploaded (or posted) JSON document; ImportFormatError with a reason otherwise."""
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size > settings.FACTDESK_MAX_UPLOAD_BYTES:
            raise ImportFormatError(f"The file is larger than {settings.FACTDESK_MAX_UPLOAD_BYTES // 1024} KB.")
        raw = upload.read()
    elif request.content_type in {"application/json", "application/ld+json"}:
        raw = request.body
    else:
        raise ImportFormatError("Choose a Web Annotation JSON-LD file to import.")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise ImportFormatError("The file is not UTF-8 text.") from error
    except json.JSONDecodeError as error:
        raise ImportFormatError(f"The file is not valid JSON: {error.msg} (line {error.lineno}).") from error


@require_http_methods(["GET", "POST"])
def w3c_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Editors import W3C Web Annotations (e.g. a Factdesk export) as claims on this article."""
    article = get_object_or_404(Article, pk=pk)
    article_policy.require(request.user, "import_annotations")
    context: dict[str, object] = {"article": article}
    if request.method == "POST":
        try:
            result = import_annotations(article, _read_upload(request), request.user)
        except ImportFormatError as error:
            context["error"] = str(error)
            return render(request, "exports/import_form.html", context, status=400)
        context["result"] = result
    return render(request, "exports/import_form.html", context)


def _job_for(request: HttpRequest, job_id: int) -> Job:
    """The user's own export job (any, for admins); someone else's is as missing as an unknown one."""
    job = jobs.job_for_user(request.user, job_id, kind=Job.Kind.EXPORT)
    if job is None:
        raise Http404("No such export.")
    return job


@require_GET
def export_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """Progress of a background ZIP export; htmx polls the ``progress`` partial until it is done."""
    job = jobs.sync_with_task(_job_for(request, job_id))
    template = "exports/job.html#progress" if request.htmx else "exports/job.html"
    return render(request, template, {"job": job})


@require_GET
def export_job_download(request: HttpRequest, job_id: int) -> FileResponse:
    """The finished ZIP of a background export."""
    job = _job_for(request, job_id)
    if job.status != Job.Status.DONE or not job.result_file or not default_storage.exists(job.result_file.name):
        raise Http404("This export is not ready.")
    return FileResponse(
        default_storage.open(job.result_file.name, "rb"),
        as_attachment=True,
        filename=f"factdesk-export-{job.pk}.zip",
        content_type="application/zip",
    )

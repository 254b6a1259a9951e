"""The admin's article import page and the progress page of background imports.

Wired into ``ArticleAdmin`` by :func:`import_urls` (see ``articles.admin``). A small upload is
imported during the request and its summary shown at once; a large one becomes an import
:class:`~factcheck.models.Job` (see :mod:`factcheck.jobs`) handed to the ``run_import_job``
task, and the admin is sent to a page whose progress bar polls the job with htmx until it
is done. Only the job's owner (and admins) may open that page. Both paths save through
``articles.importing.service``, like the management command.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from articles.forms import AddByUrlForm, ImportFileForm
from articles.importing import service
from articles.importing.formats import human_size
from articles.importing.parsers import parse_file
from articles.tasks import enqueue_url_import, import_report, run_import_job
from factcheck import jobs
from factcheck.models import Job

PROGRESS_URL = "admin:articles_article_import_progress"
jobs.register_page(Job.Kind.IMPORT, lambda job: reverse(PROGRESS_URL, args=[job.pk]))


def inline_limits() -> tuple[int, int]:
    """Uploads with at most this many records and bytes import during the request.

    Settings ``FACTDESK_IMPORT_INLINE_MAX_RECORDS`` (default 200) and
    ``FACTDESK_IMPORT_INLINE_MAX_BYTES`` (default 256 KB); anything larger runs as a
    background task so the request never outlives a proxy timeout.
    """
    return (
        settings.FACTDESK_IMPORT_INLINE_MAX_RECORDS,
        settings.FACTDESK_IMPORT_INLINE_MAX_BYTES,
    )


def import_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Upload form; imports small files at once, queues large ones and redirects to their progress."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied("You may not add articles.")
    form = ImportFileForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name, data = upload.name or "upload", upload.read()
        outcome = parse_file(name, data, service.configured_limits(), guess_language=False)  # guessed while saving
        max_records, max_bytes = inline_limits()
        if len(outcome.records) <= max_records and len(data) <= max_bytes:
            result = service.save_outcome(outcome, request.user)
            model_admin.message_user(request, f"{name}: {result.summary()}.", messages.SUCCESS)
            report = result.as_dict()
            form = ImportFileForm()
        else:
            try:
                job = jobs.create(
                    Job.Kind.IMPORT,
                    owner=request.user,
                    title=f"Import of {name}",
                    params={"filename": name},
                    total=len(outcome.records),
                    input_file=ContentFile(data, name=name),
                    enforce_limit=True,
                )
            except jobs.JobLimitReached as refusal:
                form.add_error(None, str(refusal))
            else:
                jobs.enqueue(job, run_import_job)
                return redirect(PROGRESS_URL, job.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Import articles",
        "form": form,
        "report": report,
        "max_upload": human_size(settings.FACTDESK_MAX_UPLOAD_BYTES),
        "inline_records": inline_limits()[0],
    }
    return TemplateResponse(request, "admin/articles/article/import.html", context)


def progress_view(model_admin: admin.ModelAdmin, request: HttpRequest, job_id: int) -> HttpResponse:
    """A job's progress bar (polled by htmx while it runs), then its summary; 404 for others' jobs."""
    job = jobs.job_for_user(request.user, job_id, kind=Job.Kind.IMPORT)
    if job is None:
        raise Http404("No such import.")
    job = jobs.sync_with_task(job)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": job.title,
        "job": job,
        "filename": job.params.get("filename", ""),
        "finished": job.is_finished,
        "report": import_report(job) if job.status == Job.Status.DONE else None,
    }
    template = "admin/articles/article/import_progress.html"
    if getattr(request, "htmx", False):
        template += "#status"
    return TemplateResponse(request, template, context)


def url_import_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Add articles by URL from the admin: always a background job, then its progress page."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied("You may not add articles.")
    form = AddByUrlForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = enqueue_url_import(
                form.cleaned_data["urls"], request.user, watch=form.cleaned_data["watch"], enforce_limit=True
            )
        except jobs.JobLimitReached as refusal:
            form.add_error(None, str(refusal))
        else:
            return redirect(PROGRESS_URL, job.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Add articles by URL",
        "form": form,
    }
    return TemplateResponse(request, "admin/articles/article/import_url.html", context)


def import_urls(model_admin: admin.ModelAdmin) -> list[URLPattern]:
    """The upload page and the background imports' progress pages, under the article admin."""

    def upload(request: HttpRequest) -> HttpResponse:
        return import_view(model_admin, request)

    def progress(request: HttpRequest, job_id: int) -> HttpResponse:
        return progress_view(model_admin, request, job_id)

    def by_url(request: HttpRequest) -> HttpResponse:
        return url_import_view(model_admin, request)

    site = model_admin.admin_site
    return [
        path("import/", site.admin_view(upload), name="articles_article_import"),
        path("import/url/", site.admin_view(by_url), name="articles_article_import_url"),
        path("import/<int:job_id>/", site.admin_view(progress), name=PROGRESS_URL.removeprefix("admin:")),
    ]

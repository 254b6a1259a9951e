"""The admin's article import page and the progress page of background imports.

Wired into ``ArticleAdmin`` / ``ImportJobAdmin`` (see ``articles.admin``). A small upload is
imported during the request and its summary shown at once; a large one is stored on an
:class:`~articles.models.ImportJob` and handed to the ``run_import_job`` task, and the
admin is sent to a page whose progress bar polls the job with htmx until it is done.
Both paths save through ``articles.importing.service``, like the management command.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from articles.forms import ImportFileForm, human_size
from articles.importing import service
from articles.importing.parsers import parse_file
from articles.models import ImportJob
from articles.tasks import run_import_job

logger = logging.getLogger(__name__)


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
        outcome = parse_file(name, data, service.configured_limits())
        max_records, max_bytes = inline_limits()
        if len(outcome.records) <= max_records and len(data) <= max_bytes:
            result = service.save_outcome(outcome, request.user)
            model_admin.message_user(request, f"{name}: {result.summary()}.", messages.SUCCESS)
            report = result.as_dict()
            form = ImportFileForm()
        else:
            job = ImportJob.objects.create(
                created_by=request.user, filename=name[-300:], payload=data, total=len(outcome.records)
            )
            try:
                run_import_job.enqueue(job.pk)
            except Exception as error:  # a misconfigured task backend must not lose the upload silently
                logger.exception("Could not queue import job %s", job.pk)
                ImportJob.objects.filter(pk=job.pk).update(
                    status=ImportJob.Status.FAILED,
                    report={"error": f"could not start the background import: {error}"},
                    finished_at=timezone.now(),
                )
            return redirect("admin:articles_importjob_progress", job.pk)
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
    """A job's progress bar (polled by htmx while it runs), then its summary."""
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=job_id)
    if not model_admin.has_view_permission(request, job):
        raise PermissionDenied("You may not see this import.")
    finished = job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"Import of {job.filename}",
        "job": job,
        "finished": finished,
        "report": job.report if job.status == ImportJob.Status.DONE else None,
        "error": job.report.get("error", "") if job.status == ImportJob.Status.FAILED else "",
    }
    template = "admin/articles/importjob/progress.html"
    if getattr(request, "htmx", False):
        template += "#status"
    return TemplateResponse(request, template, context)

"""The admin action "Export selected articles as ZIP" (registered on ArticleAdmin).

A few articles are zipped during the request and downloaded at once; more than
:data:`annotations.exports.bundle.INLINE_LIMIT` become an export job (:mod:`factcheck.jobs`)
built by the ``build_export_zip`` task, and the admin is sent to its progress page with the
download link at the end. Desk
members get the internal version (unpublished claims included); other staff get published
claims only.
"""

from __future__ import annotations

import tempfile

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from annotations.exports import jobs as export_jobs
from annotations.exports.bundle import INLINE_LIMIT, write_zip
from annotations.exports.data import may_see_unpublished
from annotations.tasks import build_export_zip
from articles.models import Article
from factcheck import jobs


@admin.action(description="Export selected articles as ZIP", permissions=["view"])
def export_articles_zip(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Article]
) -> FileResponse | HttpResponseRedirect:
    """Download a ZIP with every export format for the selected articles."""
    published_only = not may_see_unpublished(request.user)
    article_ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    if len(article_ids) <= INLINE_LIMIT:
        archive = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
        write_zip(article_ids, archive, published_only=published_only)
        archive.seek(0)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return FileResponse(
            archive, as_attachment=True, filename=f"factdesk-export-{stamp}.zip", content_type="application/zip"
        )
    job = jobs.enqueue(
        export_jobs.create(owner=request.user, article_ids=article_ids, published_only=published_only),
        build_export_zip,
    )
    modeladmin.message_user(
        request, f"Exporting {len(article_ids)} articles in the background.", level=messages.INFO
    )
    return HttpResponseRedirect(reverse("exports:job", args=[job.pk]))

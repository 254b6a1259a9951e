"""The admin action "Export selected articles as ZIP" (registered on ArticleAdmin).

Always an export job (:mod:`factcheck.jobs`) built by the ``build_export_zip`` task: the
ZIP holds every article's PDF report, and no request renders PDFs. The admin is sent to the
job's progress page with the download link at the end; when they already have
``FACTDESK_MAX_ACTIVE_JOBS_PER_USER`` jobs waiting or running, the action says so and
starts nothing. Desk members get the internal version (unpublished claims included);
other staff get published claims only.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from annotations.exports import jobs as export_jobs
from annotations.exports.data import may_see_unpublished
from annotations.tasks import build_export_zip
from articles.models import Article
from factcheck import jobs
from factcheck.models import Job


@admin.action(description="Export selected articles as ZIP", permissions=["view"])
def export_articles_zip(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Article]
) -> HttpResponseRedirect | None:
    """Queue a ZIP with every export format for the selected articles and open its progress page."""
    published_only = not may_see_unpublished(request.user)
    article_ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    fingerprint = export_jobs.zip_fingerprint(article_ids, published_only=published_only)
    same = jobs.finished_with_fingerprint(
        Job.Kind.EXPORT, fingerprint, owner=request.user
    ) or jobs.active_with_fingerprint(request.user, Job.Kind.EXPORT, fingerprint)
    if same is not None:  # nothing changed since this user's last export of these articles
        modeladmin.message_user(
            request, _("These articles have not changed since your last export of them: here it is."), messages.INFO
        )
        return HttpResponseRedirect(reverse("exports:job", args=[same.pk]))
    try:
        job = export_jobs.create(
            owner=request.user, article_ids=article_ids, published_only=published_only, enforce_limit=True,
            fingerprint=fingerprint,
        )
    except jobs.JobLimitReached as error:
        modeladmin.message_user(request, str(error), level=messages.ERROR)
        return None  # back to the changelist, selection kept
    job = jobs.enqueue(job, build_export_zip)
    count = len(article_ids)
    modeladmin.message_user(
        request,
        ngettext(
            "Exporting %(count)s article in the background.", "Exporting %(count)s articles in the background.", count
        )
        % {"count": count},
        level=messages.INFO,
    )
    return HttpResponseRedirect(reverse("exports:job", args=[job.pk]))

"""Admin for background jobs: one read-only list of every import, export and later fetch.

Jobs change only through :mod:`factcheck.jobs` (the worker runs them, ``cleanup_jobs``
removes them with their files), so the admin neither adds, edits nor deletes them. Each
user sees their own jobs, admins see all (``factcheck.jobs.job_policy``).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from factcheck import jobs
from factcheck.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "status", "owner", "progress", "created_at", "finished_at")
    list_filter = ("kind", "status", "created_at")
    list_select_related = ("owner",)
    search_fields = ("title",)
    date_hierarchy = "created_at"
    fields = (
        "title", "kind", "status", "owner", "progress", "error", "errors", "result", "params",
        "input_name", "result_name", "task_result_id", "created_at", "started_at", "finished_at", "updated_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Job]:
        return jobs.jobs_for_user(request.user).select_related("owner")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        return False

    @admin.display(description="progress")
    def progress(self, job: Job) -> str:
        """processed of total and the percentage, linked to the job's own page when it has one."""
        text = f"{job.processed} of {job.total} ({job.percent}%)" if job.total else f"{job.percent}%"
        url = jobs.page_url(job)
        return format_html('<a href="{}">{}</a>', url, text) if url else text

    @admin.display(description="input file")
    def input_name(self, job: Job) -> str:
        return job.input_file.name or "–"

    @admin.display(description="result file")
    def result_name(self, job: Job) -> str:
        return job.result_file.name or "–"

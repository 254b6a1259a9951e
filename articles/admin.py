"""Admin for articles: the bulk-management surface for the desk's admins."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from annotations.exports.admin_actions import export_articles_zip
from articles import admin_import
from articles.models import Article, ArticleRevision, ImportJob


class ArticleRevisionInline(admin.TabularInline):
    model = ArticleRevision
    extra = 0
    can_delete = False
    fields = ("number", "title", "edited_by", "note", "created_at")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "outlet", "published_on", "language", "claim_count", "added_by", "created_at")
    list_filter = ("outlet", "language", "published_on", "created_at")
    search_fields = ("title", "outlet", "byline", "url")
    date_hierarchy = "created_at"
    autocomplete_fields = ("added_by",)
    readonly_fields = ("content_hash", "version", "created_at", "updated_at")
    list_select_related = ("added_by",)
    inlines = [ArticleRevisionInline]
    actions = [export_articles_zip]
    fieldsets = (
        (None, {"fields": ("title", "body")}),
        ("Publication", {"fields": ("outlet", "byline", "url", "published_on", "language")}),
        ("Bookkeeping", {"fields": ("added_by", "content_hash", "version", "created_at", "updated_at")}),
    )

    change_list_template = "admin/articles/article/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).annotate(_claim_count=Count("claims"))

    @admin.display(description="claims", ordering="_claim_count")
    def claim_count(self, article: Article) -> int:
        return article._claim_count

    def get_readonly_fields(self, request: HttpRequest, obj: Article | None = None) -> tuple[str, ...]:
        """An existing article's text changes only through a correction (revision + re-anchoring)."""
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "body", "correct_text") if obj is not None else fields

    def get_fieldsets(self, request: HttpRequest, obj: Article | None = None):  # type: ignore[no-untyped-def]
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        (name, options), *rest = fieldsets
        return ((name, {**options, "fields": (*options["fields"], "correct_text")}), *rest)

    @admin.display(description="correct the text")
    def correct_text(self, article: Article) -> str:
        return format_html(
            '<a href="{}">Edit the text</a> (keeps a revision and re-anchors the claims) · <a href="{}">Revisions</a>',
            reverse("editing:edit", args=[article.pk]),
            reverse("editing:revisions", args=[article.pk]),
        )

    def get_urls(self) -> list[URLPattern]:
        def import_articles(request: HttpRequest) -> HttpResponse:
            return admin_import.import_view(self, request)

        return [
            path("import/", self.admin_site.admin_view(import_articles), name="articles_article_import"),
            *super().get_urls(),
        ]


@admin.register(ArticleRevision)
class ArticleRevisionAdmin(admin.ModelAdmin):
    list_display = ("article", "number", "edited_by", "created_at")
    list_select_related = ("article", "edited_by")
    search_fields = ("article__title", "note")
    readonly_fields = ("article", "number", "title", "body", "edited_by", "note", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = (
        "filename", "status", "processed", "total", "progress_link", "created_by", "created_at", "finished_at",
    )
    list_filter = ("status",)
    list_select_related = ("created_by",)
    exclude = ("payload",)
    readonly_fields = ("filename", "status", "total", "processed", "report", "created_by", "created_at", "finished_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="progress")
    def progress_link(self, job: ImportJob) -> str:
        url = reverse("admin:articles_importjob_progress", args=[job.pk])
        return format_html('<a href="{}">{}%</a>', url, job.percent)

    def get_urls(self) -> list[URLPattern]:
        def progress(request: HttpRequest, job_id: int) -> HttpResponse:
            return admin_import.progress_view(self, request, job_id)

        return [
            path("<int:job_id>/progress/", self.admin_site.admin_view(progress), name="articles_importjob_progress"),
            *super().get_urls(),
        ]

"""Admin for articles: the bulk-management surface for the desk's admins."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

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
    fieldsets = (
        (None, {"fields": ("title", "body")}),
        ("Publication", {"fields": ("outlet", "byline", "url", "published_on", "language")}),
        ("Bookkeeping", {"fields": ("added_by", "content_hash", "version", "created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).annotate(_claim_count=Count("claims"))

    @admin.display(description="claims", ordering="_claim_count")
    def claim_count(self, article: Article) -> int:
        return article._claim_count


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
    list_display = ("filename", "status", "processed", "total", "created_by", "created_at", "finished_at")
    list_filter = ("status",)
    list_select_related = ("created_by",)
    exclude = ("payload",)
    readonly_fields = ("filename", "status", "total", "processed", "report", "created_by", "created_at", "finished_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

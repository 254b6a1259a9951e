"""Admin for articles: the bulk-management surface for the desk's admins."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import URLPattern, reverse
from django.utils.html import format_html

from articles import admin_import
from articles.models import Article, ArticleRevision


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
    #: Columns and actions about claims (a claim count, the ZIP export) are added by ``annotations.admin``.
    list_display = ("title", "outlet", "published_on", "language", "added_by", "created_at")
    list_filter = ("outlet", "language", "published_on", "created_at")
    search_fields = ("title", "outlet", "byline", "url")
    date_hierarchy = "created_at"
    autocomplete_fields = ("added_by",)
    readonly_fields = ("content_hash", "version", "created_at", "updated_at")
    list_select_related = ("added_by",)
    inlines = [ArticleRevisionInline]
    actions: list = []
    fieldsets = (
        (None, {"fields": ("title", "body")}),
        ("Publication", {"fields": ("outlet", "byline", "url", "published_on", "language")}),
        ("Bookkeeping", {"fields": ("added_by", "content_hash", "version", "created_at", "updated_at")}),
    )

    change_list_template = "admin/articles/article/change_list.html"

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
        return [*admin_import.import_urls(self), *super().get_urls()]


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

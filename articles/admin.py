"""Admin for articles: the bulk-management surface for the desk's admins."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import URLPattern, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from articles import admin_import, watching
from articles.forms import ArticleAdminForm
from articles.models import Article, ArticleRevision, Feed, FeedItem, Snapshot, Watch


class ArticleRevisionInline(admin.TabularInline):
    model = ArticleRevision
    extra = 0
    can_delete = False
    fields = ("number", "title", "edited_by", "changed_by_outlet", "note", "created_at")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
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

    @admin.display(description=gettext_lazy("correct the text"))
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
    list_display = ("article", "number", "edited_by", "changed_by_outlet", "created_at")
    list_filter = ("changed_by_outlet",)
    list_select_related = ("article", "edited_by")
    search_fields = ("article__title", "note")
    readonly_fields = (
        "article", "number", "title", "body", "edited_by", "note", "changed_by_outlet", "snapshot", "created_at"
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# --- web in: snapshots, feeds, watches -------------------------------------------------------------


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    """Stored fetches are evidence: shown and removable (admins), never edited."""

    list_display = ("url", "status", "fetched_at", "article", "taken_by", "view_link")
    list_filter = ("status", "content_type", "fetched_at")
    search_fields = ("url", "requested_url", "sha256", "article__title")
    date_hierarchy = "fetched_at"
    list_select_related = ("article", "taken_by")
    readonly_fields = (
        "requested_url", "url", "status", "content_type", "charset", "sha256", "size", "fetched_at",
        "warc_file", "article", "taken_by", "created_at", "view_link",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("open"))
    def view_link(self, snapshot: Snapshot) -> str:
        return format_html(
            '<a href="{}">View</a> · <a href="{}">WARC</a>',
            reverse("editing:snapshot", args=[snapshot.pk]),
            reverse("editing:snapshot_download", args=[snapshot.pk]),
        )


class FeedItemInline(admin.TabularInline):
    model = FeedItem
    extra = 0
    can_delete = False
    fields = ("title", "url", "article", "error", "first_seen_at")
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


_POLL_FIELDS = ("last_outcome", "last_error", "failures", "last_checked_at", "last_success_at", "next_check_at")


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = ("__str__", "url", "active", "interval_minutes", "last_outcome", "failures", "items_imported")
    list_filter = ("active", "last_outcome")
    search_fields = ("title", "url", "outlet")
    readonly_fields = (*_POLL_FIELDS, "etag", "last_modified", "items_imported", "added_by", "created_at")
    inlines = [FeedItemInline]
    actions = ["poll_now"]

    def save_model(self, request: HttpRequest, obj: Feed, form: object, change: bool) -> None:
        if not change:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("Poll the selected feeds now"))
    def poll_now(self, request: HttpRequest, queryset: object) -> None:
        report = watching.CycleReport()
        for feed in queryset:  # type: ignore[attr-defined]
            watching.poll_feed(feed, report=report)
        self.message_user(request, report.summary() + ".")


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = ("article", "url", "active", "interval_minutes", "changes", "last_outcome", "next_check_at")
    list_filter = ("active", "last_outcome")
    search_fields = ("url", "article__title")
    list_select_related = ("article",)
    autocomplete_fields = ("article",)
    readonly_fields = (
        *_POLL_FIELDS, "etag", "last_modified", "text_hash", "changes", "last_changed_at", "feed", "added_by",
        "created_at",
    )
    actions = ["check_now"]

    @admin.action(description=gettext_lazy("Check the selected articles' pages now"))
    def check_now(self, request: HttpRequest, queryset: object) -> None:
        report = watching.CycleReport()
        for watch in queryset:  # type: ignore[attr-defined]
            watching.check_watch(watch, report=report)
        self.message_user(request, report.summary() + ".")


@admin.register(FeedItem)
class FeedItemAdmin(admin.ModelAdmin):
    """What the feeds listed, and why an item did not come in: read-only, for looking things up."""

    list_display = ("__str__", "feed", "article", "first_seen_at", "error")
    list_filter = ("feed",)
    search_fields = ("title", "url", "guid", "error")
    list_select_related = ("feed", "article")
    readonly_fields = ("feed", "guid", "url", "title", "article", "error", "first_seen_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

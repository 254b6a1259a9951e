"""Admin for fact-check data.

Admin list pages select related rows up front so they cost a constant number of queries;
history is read-only because it is an append-only record.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from annotations.models import (
    Claim,
    ClaimEvent,
    ClaimGroup,
    Comment,
    Notification,
    RatingLabel,
    Source,
    SuggestionDismissal,
)


class ReadOnlyAdminMixin:
    """For append-only records: visible to admins, never edited by hand."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(RatingLabel)
class RatingLabelAdmin(admin.ModelAdmin):
    list_display = ("name", "value", "colour", "order", "is_active")
    list_editable = ("value", "colour", "order", "is_active")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class SourceInline(admin.StackedInline):
    model = Source
    extra = 0
    fields = (("url", "stance"), ("title", "publisher"), "excerpt", ("accessed_on", "archive_url"), "added_by")
    autocomplete_fields = ("added_by",)


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    fields = ("author", "body", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("author",)


class ClaimEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ClaimEvent
    fk_name = "claim"
    extra = 0
    fields = ("created_at", "actor", "kind", "field", "from_status", "to_status", "old_value", "new_value", "note")
    readonly_fields = fields
    verbose_name_plural = "history (read-only)"


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ("__str__", "article", "status", "verdict", "assignee", "anchor_state", "updated_at")
    list_filter = ("status", "verdict", "anchor_state", ("assignee", admin.RelatedOnlyFieldListFilter),
                   "article__outlet", "created_at", "published_at")
    search_fields = ("statement", "exact", "claimant", "rationale", "article__title")
    list_select_related = ("article", "verdict", "assignee")
    autocomplete_fields = ("article", "assignee", "created_by", "verdict_by", "reviewed_by", "verdict", "group")
    readonly_fields = ("version", "created_at", "updated_at", "submitted_at", "published_at")
    date_hierarchy = "created_at"
    inlines = [SourceInline, CommentInline, ClaimEventInline]
    fieldsets = (
        (None, {"fields": ("article", "statement", "claimant")}),
        ("Anchor", {"fields": (("start", "end"), "exact", ("prefix", "suffix"), "anchor_state")}),
        ("Review", {"fields": ("status", "verdict", "rationale", "dismissal_reason", "assignee")}),
        ("Bookkeeping", {"fields": ("created_by", "verdict_by", "reviewed_by", "group", "version",
                                    "submitted_at", "published_at", "created_at", "updated_at")}),
    )


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "url", "stance", "publisher", "claim", "accessed_on")
    list_filter = ("stance", "accessed_on")
    search_fields = ("url", "title", "publisher", "excerpt")
    list_select_related = ("claim",)
    autocomplete_fields = ("claim", "added_by")


@admin.register(ClaimEvent)
class ClaimEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "claim_ref", "article", "actor", "kind", "field", "from_status", "to_status")
    list_filter = ("kind", "to_status", "created_at")
    search_fields = ("note", "old_value", "new_value", "article__title")
    list_select_related = ("article", "actor")
    date_hierarchy = "created_at"


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "claim", "author", "created_at")
    search_fields = ("body",)
    list_select_related = ("claim", "author")
    autocomplete_fields = ("claim", "author")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("message", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind", "read_at")
    list_select_related = ("recipient",)
    autocomplete_fields = ("recipient", "claim")
    search_fields = ("message",)


@admin.register(ClaimGroup)
class ClaimGroupAdmin(admin.ModelAdmin):
    list_display = ("__str__", "created_by", "created_at")
    list_select_related = ("created_by",)
    search_fields = ("claims__statement",)


@admin.register(SuggestionDismissal)
class SuggestionDismissalAdmin(admin.ModelAdmin):
    list_display = ("sentence", "article", "dismissed_by", "created_at")
    list_select_related = ("article", "dismissed_by")
    search_fields = ("sentence",)

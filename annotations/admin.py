"""Admin for fact-check data.

Admin list pages select related rows up front so they cost a constant number of queries;
history is read-only because it is an append-only record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse

from annotations import services, workflow
from annotations.exports.csv_export import stream_csv
from annotations.models import (
    Claim,
    ClaimEvent,
    ClaimGroup,
    ClaimStatus,
    Comment,
    Notification,
    RatingLabel,
    Source,
    SuggestionDismissal,
)
from annotations.review_context import assignable_users


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


# --- bulk workflow actions on claims ------------------------------------------------------
# Each action runs the claims one by one through annotations.workflow (each in its own
# transaction), so the admin obeys exactly the rules the claim panel does, and reports which
# claims were skipped and why.

#: How many skipped claims are reported one by one before the rest are summarised.
MAX_SKIP_MESSAGES = 25


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=assignable_users(), label="Assign to")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note (optional)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users()

    def steps(self, claim: Claim) -> tuple[str, dict[str, Any]]:
        return "assign", {"assignee": self.cleaned_data["assignee"]}


class MoveForm(forms.Form):
    status = forms.ChoiceField(choices=ClaimStatus.choices, label="Move to")
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}),
        label="Note", help_text="Required for requesting changes and for dismissing.",
    )

    def steps(self, claim: Claim) -> tuple[str, dict[str, Any]]:
        transition, params = workflow.step_towards(claim, self.cleaned_data["status"])
        return transition.name, params


class DismissForm(forms.Form):
    note = forms.CharField(
        max_length=workflow.MAX_REASON_LENGTH, widget=forms.Textarea(attrs={"rows": 2}), label="Reason for dismissing"
    )

    def steps(self, claim: Claim) -> tuple[str, dict[str, Any]]:
        return "dismiss", {}


def run_bulk(
    request: HttpRequest, claims: QuerySet[Claim], steps: Callable[[Claim], tuple[str, dict[str, Any]]], note: str
) -> tuple[list[Claim], list[tuple[Claim, list[str]]]]:
    """Apply a workflow step to each claim on its own; return the done and the skipped (with reasons)."""
    done: list[Claim] = []
    skipped: list[tuple[Claim, list[str]]] = []
    for claim in claims.order_by("pk"):
        try:
            name, params = steps(claim)
            done.append(workflow.apply(claim, request.user, name, note=note, **params))
        except workflow.TransitionRefused as refusal:
            skipped.append((claim, refusal.reasons))
    return done, skipped


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
    actions = ["assign_to_user", "move_to_state", "dismiss_with_reason", "export_csv"]
    #: Workflow fields change only through the actions above (workflow rules, history, notifications).
    workflow_readonly_fields = ("status", "assignee", "dismissal_reason", "verdict_by", "reviewed_by")

    def get_readonly_fields(self, request: HttpRequest, obj: Claim | None = None) -> tuple[str, ...]:
        fields = (*super().get_readonly_fields(request, obj), *self.workflow_readonly_fields)
        if obj is not None and obj.status == ClaimStatus.PUBLISHED:
            fields += tuple(services.CORRECTION_ONLY_FIELDS)  # published: only a correction changes them
        return fields

    def save_model(self, request: HttpRequest, obj: Claim, form: forms.ModelForm, change: bool) -> None:
        """Keep the history and the two-person rule's record when the claim is edited here."""
        changed = [name for name in form.changed_data if name in services.EDITABLE_FIELDS] if change else []
        before = Claim.objects.select_related("verdict").get(pk=obj.pk) if changed else None
        if "verdict" in changed or (not change and obj.verdict_id):
            obj.verdict_by = request.user if obj.verdict_id else None
        if changed:
            obj.version += 1
        super().save_model(request, obj, form, change)
        for name in changed:
            services.record_event(
                obj, ClaimEvent.Kind.EDITED, request.user, field=name,
                old_value=services.field_text(getattr(before, name)), new_value=services.field_text(getattr(obj, name)),
            )

    def _bulk_action(
        self, request: HttpRequest, queryset: QuerySet[Claim], form_class: type[forms.Form], title: str, verb: str
    ) -> HttpResponse | None:
        """Django's action-with-intermediate-page pattern: show a form, then apply it to each claim."""
        form = form_class(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done, skipped = run_bulk(request, queryset, form.steps, form.cleaned_data.get("note", ""))
            self._report(request, verb, done, skipped)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "claims": queryset.select_related("article", "assignee"),
            "opts": self.model._meta,
            "action_name": request.POST.get("action", ""),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/annotations/claim/bulk_action.html", context)

    def _report(
        self, request: HttpRequest, verb: str, done: list[Claim], skipped: list[tuple[Claim, list[str]]]
    ) -> None:
        if done:
            ids = ", ".join(f"#{claim.pk}" for claim in done)
            self.message_user(request, f"{verb} {len(done)} claim{'s' if len(done) != 1 else ''}: {ids}.",
                              messages.SUCCESS)
        for claim, reasons in skipped[:MAX_SKIP_MESSAGES]:
            self.message_user(
                request, f"Skipped claim #{claim.pk} (“{workflow.short(claim, 60)}”): {' '.join(reasons)}",
                messages.WARNING,
            )
        if len(skipped) > MAX_SKIP_MESSAGES:
            rest = ", ".join(f"#{claim.pk}" for claim, _ in skipped[MAX_SKIP_MESSAGES:])
            self.message_user(request, f"Also skipped: {rest}.", messages.WARNING)
        if not done and not skipped:
            self.message_user(request, "No claims were selected.", messages.WARNING)

    @admin.action(description="Assign to a user…", permissions=["change"])
    def assign_to_user(self, request: HttpRequest, queryset: QuerySet[Claim]) -> HttpResponse | None:
        return self._bulk_action(request, queryset, AssignForm, "Assign claims to a user", "Assigned")

    @admin.action(description="Move to a state…", permissions=["change"])
    def move_to_state(self, request: HttpRequest, queryset: QuerySet[Claim]) -> HttpResponse | None:
        return self._bulk_action(request, queryset, MoveForm, "Move claims to a state", "Moved")

    @admin.action(description="Dismiss with a reason…", permissions=["change"])
    def dismiss_with_reason(self, request: HttpRequest, queryset: QuerySet[Claim]) -> HttpResponse | None:
        return self._bulk_action(request, queryset, DismissForm, "Dismiss claims", "Dismissed")

    @admin.action(description="Export selected as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Claim]) -> StreamingHttpResponse:
        """The selection as the same streamed CSV the article export produces."""
        response = StreamingHttpResponse(stream_csv(queryset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="claims.csv"'
        return response


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

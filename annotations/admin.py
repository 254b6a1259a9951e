"""Admin for fact-check data: every write goes through the claim services and the workflow.

The admin is one more door into the desk, so it obeys the same rules as the claim panel:
saving a claim calls :func:`annotations.services.update_claim` (optimistic locking, a
history entry per field), a new claim is made by :func:`~annotations.services.create_claim`
(the quote must match the article), sources are added, changed and removed by the source
services, deleting goes through :func:`~annotations.services.delete_claim` (history, who
may delete what) and review steps through :mod:`annotations.workflow` (bulk actions).

Locked claims stay locked here: the change form of a published or dismissed claim (or of
one the user may not change: assigned to someone else, in review) shows its research
read-only with the service's sentence, and a save is refused with it. Corrections of
published claims are proposed, published, rejected and withdrawn through
:mod:`annotations.claim_corrections` (the correction admin's form and actions).

Change forms carry the claim's version as a hidden field. A form opened before someone
else saved the claim is refused with a form error that lists what changed in between, and
nothing is saved. So do the delete confirmations of a claim and of a source: the claim is
deleted (the source removed) only if it is still at the version the confirmation showed.
Bulk actions act on the claims as they are now, on purpose, one by one through the same
services. Text has the same length caps as everywhere (:mod:`annotations.limits`).
Anchors (offsets, quote, prefix, suffix, anchor state) are read-only: only creating a
claim and re-anchoring after a correction may move them.

Admin list pages select related rows up front so they cost a constant number of queries;
history is read-only because it is an append-only record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from annotations import claim_corrections, limits, notifications, services, workflow
from annotations.anchoring import AnchorError
from annotations.credits import correction_changes
from annotations.exports.admin_actions import export_articles_zip
from annotations.exports.csv_export import stream_csv
from annotations.forms import LimitedTextMixin
from annotations.highlight import STATUS_SYMBOLS
from annotations.models import (
    Claim,
    ClaimCorrection,
    ClaimEvent,
    ClaimGroup,
    ClaimStatus,
    Comment,
    Notification,
    NotificationPreference,
    RatingLabel,
    Source,
    SuggestionDismissal,
)
from annotations.permissions import claim_policy, correction_policy, notification_policy
from annotations.review_context import assignable_users
from annotations.selectors import OPEN_STATUSES
from articles.admin import ArticleAdmin
from articles.models import Article
from factcheck.validators import HttpURLField


class ReadOnlyAdminMixin:
    """For records the admin shows but never writes: history, and what only the desk writes."""

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


# --- optimistic locking in admin forms ------------------------------------------------------

#: How many changes a conflict message lists before it summarises the rest.
MAX_CONFLICT_CHANGES = 8


def _clip(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_event(event: ClaimEvent) -> str:
    """One history entry as a short phrase ("editor1: status change, Researching → In review")."""
    who = event.actor.get_username() if event.actor is not None else "the system"
    parts = [event.get_kind_display().lower()]
    if event.field:
        parts.append(event.field)
    if event.from_status != event.to_status:
        parts.append(f"{workflow.status_label(event.from_status)} → {workflow.status_label(event.to_status)}")
    elif event.new_value or event.old_value:
        parts.append(f"“{_clip(event.new_value or event.old_value, 60)}”")
    return f"{who}: {', '.join(parts)}"


def last_event_id(claim: Claim) -> int:
    """The newest history entry of the claim (0: none), so a conflict can list what came after it."""
    return ClaimEvent.objects.filter(claim_ref=claim.pk).order_by("-id").values_list("id", flat=True).first() or 0


def conflict_message(current: Claim, seen_history: int | None) -> str:
    """Why a stale form is refused: the claim's version now, and the changes made since it was opened."""
    events = ClaimEvent.objects.filter(claim_ref=current.pk).select_related("actor")
    if seen_history is not None:
        events = events.filter(id__gt=seen_history)
    recent = list(events.order_by("-id")[: MAX_CONFLICT_CHANGES + 1])[::-1]
    changes = "; ".join(describe_event(event) for event in recent[-MAX_CONFLICT_CHANGES:])
    if len(recent) > MAX_CONFLICT_CHANGES:
        changes = f"…; {changes}"
    listing = f" Changed since: {changes}." if changes else ""
    return (
        f"This claim was changed by someone else since you opened it (now version {current.version}).{listing} "
        "Nothing was saved: reload the page to see the current values, then apply your change again."
    )


class ClaimVersionFormMixin(forms.Form):
    """A form that changes a claim, or something on it, and says which version of the claim it started from.

    ``expected_version`` and ``seen_history`` are filled in when the form is opened. On
    save, the claim row is locked (the admin's change view runs in one transaction) and a
    form opened on an older version is refused with :func:`conflict_message`. The services
    check the version again under the same lock.
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    seen_history = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def edited_claim(self) -> Claim | None:
        """The claim whose version this form guards (None: a new object, nothing to guard)."""
        raise NotImplementedError

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        claim = self.edited_claim()
        if claim is not None:
            self.initial.setdefault("expected_version", claim.version)
            self.initial.setdefault("seen_history", last_event_id(claim))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        claim, expected = self.edited_claim(), data.get("expected_version")
        if claim is None:
            return data
        if expected is None:  # a hidden field's own error would not be shown: say it for the whole form
            raise ValidationError(
                "The form did not send a valid version of the claim: reload the page and try again.", code="version"
            )
        current = Claim.objects.all()
        if transaction.get_connection().in_atomic_block:
            current = current.select_for_update(of=("self",))  # held until the save is done
        stored = current.get(pk=claim.pk)
        if stored.version != expected:
            raise ValidationError(conflict_message(stored, data.get("seen_history")), code="conflict")
        return data


class ClaimAdminForm(LimitedTextMixin, ClaimVersionFormMixin, forms.ModelForm):
    limited_fields = {"exact": "quote", **limits.CLAIM_KINDS}

    class Meta:
        model = Claim
        #: What may be typed here at all; the admin narrows it further (anchors only when adding).
        fields = ("article", "start", "end", "exact", "statement", "claimant", "verdict", "rationale")

    def edited_claim(self) -> Claim | None:
        return self.instance if self.instance.pk is not None else None

    def claim_changes(self) -> dict[str, Any]:
        """The panel-editable fields this form carries (none while the claim is locked for the user)."""
        return {name: self.cleaned_data[name] for name in services.EDITABLE_FIELDS if name in self.fields}


class SourceAdminForm(LimitedTextMixin, ClaimVersionFormMixin, forms.ModelForm):
    limited_fields = limits.SOURCE_KINDS

    class Meta:
        model = Source
        fields = ("claim", *services.SOURCE_FIELDS)

    def edited_claim(self) -> Claim | None:
        return self.instance.claim if self.instance.pk is not None else None

    def source_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in services.SOURCE_FIELDS if name in self.cleaned_data}


#: What a service may still refuse after the form validated (someone saved in between):
#: shown as an error message, and the admin's transaction rolls everything back.
SERVICE_REFUSALS = (
    services.EditConflict, services.ClaimLocked, ValidationError, AnchorError, workflow.TransitionRefused,
)
#: What a service refuses one record of a bulk action with (reported per record, the rest go on).
RECORD_REFUSALS = (services.EditConflict, PermissionDenied, ValidationError, workflow.TransitionRefused)


def refusal_text(refusal: Exception) -> str:
    if isinstance(refusal, ValidationError):
        return " ".join(refusal.messages)
    return str(refusal)


def refusal_reasons(refusal: Exception) -> list[str]:
    """A per-record refusal as the sentences a bulk action reports."""
    if isinstance(refusal, workflow.TransitionRefused):
        return refusal.reasons
    return [refusal_text(refusal)]


def confirmed_version(request: HttpRequest) -> int:
    """The claim's version a delete confirmation was shown at (its hidden ``expected_version``).

    ValidationError when the confirmation did not send one: deleting on the strength of a
    page that cannot say what it showed would skip the conflict check.
    """
    raw = request.POST.get("expected_version", "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or int(raw) < 1:
        raise ValidationError(
            "The confirmation did not say which version of the claim it showed: go back, reload and delete again.",
            code="version",
        )
    return int(raw)


class VersionedDeleteMixin:
    """Single-object delete against the claim version the confirmation page showed.

    The confirmation page carries the claim's version (``claim_version`` in its context;
    templates/admin/annotations/delete_confirmation.html puts it in the form); ``delete_model``
    passes it to the service. A refusal (changed since, locked, no version) is a message on
    the object's change page, and the admin's transaction leaves nothing behind.
    """

    def claim_of(self, obj: Any) -> Claim:
        raise NotImplementedError

    def render_delete_form(self, request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
        obj = context.get("object")
        if obj is not None:
            context["claim_version"] = self.claim_of(obj).version
        return super().render_delete_form(request, context)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None) -> Any:
        try:
            return super().delete_view(request, object_id, extra_context)
        except SERVICE_REFUSALS as refusal:
            self.message_user(
                request, _("Nothing was deleted. %(reason)s") % {"reason": refusal_text(refusal)}, messages.ERROR
            )
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id]))


class ServiceRefusalsMixin:
    """Turn a service's late refusal into an error message instead of a server error."""

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SERVICE_REFUSALS as refusal:
            self.message_user(
                request, _("Nothing was saved. %(reason)s") % {"reason": refusal_text(refusal)}, messages.ERROR
            )
            return HttpResponseRedirect(request.get_full_path())


# --- inlines ------------------------------------------------------------------------------

#: Source addresses as in the claim panel: "example.com/a" is taken as https, other schemes
#: are refused by name (a URL input would refuse a scheme-less address in the browser).
SOURCE_URL_FIELDS = {models.URLField: {"form_class": HttpURLField}}


class SourceInline(admin.StackedInline):
    """Sources on the claim form, saved by the source services (see ``ClaimAdmin.save_formset``).

    Read-only while the claim is locked for the user (published, dismissed, someone else's,
    in review): sources are part of the research the lock protects.
    """

    model = Source
    extra = 0
    fields = (("url", "stance"), ("title", "publisher"), "excerpt", ("accessed_on", "archive_url"), "added_by")
    formfield_overrides = SOURCE_URL_FIELDS
    readonly_fields = ("added_by",)

    def _locked(self, request: HttpRequest, obj: Claim | None) -> bool:
        return isinstance(obj, Claim) and services.edit_refusal(request.user, obj) is not None

    def has_add_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        return not self._locked(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        return not self._locked(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        return not self._locked(request, obj) and super().has_delete_permission(request, obj)


class CommentInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The claim's discussion, read-only: comments are written in the claim panel and never rewritten."""

    model = Comment
    extra = 0
    fields = ("author", "body", "created_at")
    readonly_fields = fields


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


Skipped = list[tuple[Claim, list[str]]]


def run_bulk(
    request: HttpRequest, claims: QuerySet[Claim], steps: Callable[[Claim], tuple[str, dict[str, Any]]], note: str
) -> tuple[list[Claim], Skipped]:
    """Apply a workflow step to each claim on its own; return the done and the skipped (with reasons)."""
    done: list[Claim] = []
    skipped: Skipped = []
    for claim in claims.order_by("pk"):
        try:
            name, params = steps(claim)
            done.append(workflow.apply(claim, request.user, name, note=note, **params))
        except RECORD_REFUSALS as refusal:
            skipped.append((claim, refusal_reasons(refusal)))
    return done, skipped


class ReportedBulkDeleteMixin:
    """Bulk delete whose ``delete_queryset`` goes through a service record by record and reports each refusal.

    Django's own action would add "Successfully deleted N" for the whole selection, even
    for the records a service refused; this one leaves the report to ``delete_queryset``.
    """

    @admin.action(description=gettext_lazy("Delete selected %(verbose_name_plural)s"), permissions=["delete"])
    def delete_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        """Django's confirmation page, then :meth:`delete_queryset` (history and a report per record)."""
        if not request.POST.get("post"):
            return django_delete_selected(self, request, queryset)
        self.delete_queryset(request, queryset)
        return None


@admin.register(Claim)
class ClaimAdmin(VersionedDeleteMixin, ServiceRefusalsMixin, ReportedBulkDeleteMixin, admin.ModelAdmin):
    """Claims, written only through the services and the workflow (see the module docstring).

    Adding a claim goes through :func:`~annotations.services.create_claim`: the admin
    types the offsets and the quote, which must match the article's body. Workflow
    fields (status, assignee, reviewer...) change only through the bulk actions.
    """

    form = ClaimAdminForm
    # Status, verdict and assignee right after the claim, before the long article title: a
    # 1280 px screen with the admin's sidebars shows them without scrolling (static/css/admin.css).
    list_display = ("__str__", "status", "verdict", "assignee", "article", "anchor_state", "updated_at")
    list_filter = ("status", "verdict", "anchor_state", ("assignee", admin.RelatedOnlyFieldListFilter),
                   "article__outlet", "created_at", "published_at")
    search_fields = ("statement", "exact", "claimant", "rationale", "article__title")
    list_select_related = ("article", "verdict", "assignee")
    autocomplete_fields = ("article", "verdict")
    readonly_fields = ("version", "created_at", "updated_at", "submitted_at", "published_at")
    date_hierarchy = "created_at"
    inlines = [SourceInline, CommentInline, ClaimEventInline]
    add_fieldsets = (
        (None, {"fields": ("article", "statement", "claimant")}),
        ("Anchor", {
            "fields": (("start", "end"), "exact"),
            "description": "Character offsets into the article's body and the exact words between them; "
                           "they must match the article, and cannot be changed afterwards.",
        }),
    )
    fieldsets = (
        (None, {"fields": ("article", "statement", "claimant", "expected_version", "seen_history")}),
        ("Anchor (read-only)", {"fields": (("start", "end"), "exact", ("prefix", "suffix"), "anchor_state")}),
        ("Review", {"fields": ("status", "verdict", "rationale", "dismissal_reason", "assignee")}),
        ("Bookkeeping", {"fields": ("created_by", "verdict_by", "reviewed_by", "group", "version",
                                    "submitted_at", "published_at", "created_at", "updated_at")}),
    )
    actions = ["assign_to_user", "move_to_state", "dismiss_with_reason", "export_csv", "delete_selected"]
    #: Only creating a claim and re-anchoring it after a correction set these.
    anchor_fields = ("start", "end", "exact", "prefix", "suffix", "anchor_state")
    #: Workflow fields change only through the actions above (workflow rules, history, notifications).
    workflow_readonly_fields = ("status", "assignee", "dismissal_reason", "verdict_by", "reviewed_by")
    #: Fixed once the claim exists: its article (the anchor is in it), its author (who may
    #: delete it) and its links (made in the claim panel, through services.link_claims).
    fixed_fields = ("article", "created_by", "group")

    def get_fieldsets(self, request: HttpRequest, obj: Claim | None = None) -> Any:
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_inlines(self, request: HttpRequest, obj: Claim | None) -> list[type[InlineModelAdmin]]:
        return [SourceInline] if obj is None else list(self.inlines)

    def get_readonly_fields(self, request: HttpRequest, obj: Claim | None = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        fields = (
            *super().get_readonly_fields(request, obj), *self.anchor_fields, *self.workflow_readonly_fields,
            *self.fixed_fields,
        )
        if services.edit_refusal(request.user, obj) is not None:
            fields += services.EDITABLE_FIELDS  # locked: only a correction (or withdrawing, reopening) changes them
        return fields

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """A locked claim's form says why and how to change it; saving it is refused with the same sentence."""
        claim = self.get_object(request, object_id) if object_id else None
        refusal = services.edit_refusal(request.user, claim) if claim is not None else None
        if refusal and request.method == "POST":
            self.message_user(request, _("Nothing was saved. %(reason)s") % {"reason": refusal}, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        if refusal:
            self.message_user(request, self._lock_message(request, claim, refusal), messages.WARNING)
        return super().changeform_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _lock_message(request: HttpRequest, claim: Claim, refusal: str) -> str:
        if claim.status != ClaimStatus.PUBLISHED or not correction_policy.user_has_permission(request.user, "add"):
            return refusal
        url = f"{reverse('admin:annotations_claimcorrection_add')}?claim={claim.pk}"
        return format_html('{} <a href="{}">Propose a correction</a>.', refusal, url)

    def save_model(self, request: HttpRequest, obj: Claim, form: ClaimAdminForm, change: bool) -> None:
        """Create through create_claim, or edit through update_claim with the form's version."""
        if change:
            saved = services.update_claim(
                obj, user=request.user, expected_version=form.cleaned_data["expected_version"],
                changes=form.claim_changes(),
            )
        else:
            saved = services.create_claim(
                obj.article, obj.start, obj.end, obj.exact,
                user=request.user, statement=obj.statement, claimant=obj.claimant,
            )
        obj.pk = saved.pk
        obj.refresh_from_db()
        obj._state.adding = False
        form.claim_version = obj.version

    def save_formset(self, request: HttpRequest, form: ClaimAdminForm, formset: Any, change: bool) -> None:
        """Sources through the source services; comments and history are read-only here.

        ``formset.save(commit=False)`` writes nothing; it fills in the lists the admin's
        change message is built from. Each source service checks the claim's version as the
        previous write left it, so the whole save is one chain of checked changes.
        """
        formset.save(commit=False)
        if formset.model is not Source:
            return  # read-only inlines: their forms never report a change
        claim, user = form.instance, request.user
        for source_form in formset.initial_forms:
            if source_form in formset.deleted_forms:
                services.remove_source(self._stored_source(source_form, claim), user=user,
                                       expected_version=form.claim_version)
            elif source_form.has_changed():
                services.update_source(self._stored_source(source_form, claim), user=user,
                                       expected_version=form.claim_version, **self._source_fields(source_form))
            form.claim_version = claim.version
        formset.new_objects = []
        for source_form in formset.extra_forms:
            if source_form.has_changed() and source_form not in formset.deleted_forms:
                formset.new_objects.append(services.add_source(
                    claim, user=user, expected_version=form.claim_version, **self._source_fields(source_form)
                ))
                form.claim_version = claim.version

    @staticmethod
    def _stored_source(source_form: forms.ModelForm, claim: Claim) -> Source:
        """The source as stored (the form has already copied the posted values onto its instance)."""
        source = Source.objects.get(pk=source_form.instance.pk, claim=claim)
        source.claim = claim
        return source

    @staticmethod
    def _source_fields(source_form: forms.ModelForm) -> dict[str, Any]:
        return {name: source_form.cleaned_data[name] for name in services.SOURCE_FIELDS
                if name in source_form.cleaned_data}

    def has_delete_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        """Per claim, the claim policy's rule (Django's default would only look at the role)."""
        if obj is None:
            return super().has_delete_permission(request)
        return claim_policy.user_has_permission_for_instance(request.user, "delete", obj)

    def claim_of(self, obj: Claim) -> Claim:
        return obj

    def delete_model(self, request: HttpRequest, obj: Claim) -> None:
        """The change form's Delete button: services.delete_claim, at the confirmed version, keeps a DELETED entry."""
        services.delete_claim(
            obj, user=request.user, note=_("Deleted in the admin."), expected_version=confirmed_version(request)
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        """Delete claim by claim through services.delete_claim; refusals are reported per claim."""
        deleted: list[int] = []
        skipped: Skipped = []
        for claim in queryset.order_by("pk"):
            pk = claim.pk
            try:
                with transaction.atomic():
                    self.log_deletions(request, [claim])
                    services.delete_claim(claim, user=request.user, note=_("Deleted in the admin."))
            except PermissionDenied as refusal:
                skipped.append((claim, [str(refusal)]))
            else:
                deleted.append(pk)
        self._report(request, "delete", deleted, skipped)

    def _bulk_action(
        self, request: HttpRequest, queryset: QuerySet[Claim], form_class: type[forms.Form], title: str, verb: str
    ) -> HttpResponse | None:
        """Django's action-with-intermediate-page pattern: show a form, then apply it to each claim."""
        form = form_class(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            with notifications.summarise_assignments(request.user):  # one notice per assignee, not per claim
                done, skipped = run_bulk(request, queryset, form.steps, form.cleaned_data.get("note", ""))
            self._report(request, verb, [claim.pk for claim in done], skipped)
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

    def _report(self, request: HttpRequest, verb: str, done: list[int], skipped: Skipped) -> None:
        if done:
            ids = ", ".join(f"#{pk}" for pk in done)
            self.message_user(request, _claims_done(verb, len(done)) % {"count": len(done), "ids": ids},
                              messages.SUCCESS)
        for claim, reasons in skipped[:MAX_SKIP_MESSAGES]:
            self.message_user(
                request,
                _("Skipped claim #%(number)s (“%(claim)s”): %(reasons)s")
                % {"number": claim.pk, "claim": workflow.short(claim, 60), "reasons": " ".join(reasons)},
                messages.WARNING,
            )
        if len(skipped) > MAX_SKIP_MESSAGES:
            rest = ", ".join(f"#{claim.pk}" for claim, _ in skipped[MAX_SKIP_MESSAGES:])
            self.message_user(request, _("Also skipped: %(claims)s.") % {"claims": rest}, messages.WARNING)
        if not done and not skipped:
            self.message_user(request, _("No claims were selected."), messages.WARNING)

    @admin.action(description=gettext_lazy("Assign to a user…"), permissions=["change"])
    def assign_to_user(self, request: HttpRequest, queryset: QuerySet[Claim]) -> HttpResponse | None:
        return self._bulk_action(request, queryset, AssignForm, _("Assign claims to a user"), "assign")

    @admin.action(description=gettext_lazy("Move to a state…"), permissions=["change"])
    def move_to_state(self, request: HttpRequest, queryset: QuerySet[Claim]) -> HttpResponse | None:
        return self._bulk_action(request, queryset, MoveForm, _("Move claims to a state"), "move")

    @admin.action(description=gettext_lazy("Dismiss with a reason…"), permissions=["change"])
    def dismiss_with_reason(self, request: HttpRequest, queryset: QuerySet[Claim]) -> HttpResponse | None:
        return self._bulk_action(request, queryset, DismissForm, _("Dismiss claims"), "dismiss")

    @admin.action(description=gettext_lazy("Export selected as CSV"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Claim]) -> StreamingHttpResponse:
        """The selection as the same streamed CSV the article export produces."""
        response = StreamingHttpResponse(stream_csv(queryset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="claims.csv"'
        return response


# --- corrections of published claims ----------------------------------------------------


class ProposeCorrectionForm(forms.ModelForm):
    """Propose a correction of a published claim: the new values (empty: unchanged) and the public note."""

    statement = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                help_text="The corrected claim in the desk's words; leave empty to keep it.")
    claimant = forms.CharField(required=False, help_text="Leave empty to keep the claimant.")
    verdict = forms.ModelChoiceField(queryset=RatingLabel.objects.filter(is_active=True), required=False,
                                     help_text="Leave empty to keep the verdict.")
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                help_text="Leave empty to keep the rationale.")
    source_url = forms.URLField(required=False, label="Add a source (URL)", assume_scheme="https")
    source_title = forms.CharField(required=False, label="Title of the added source")
    remove_sources = forms.CharField(
        required=False, label="Remove sources", help_text="Ids of the claim's sources to remove, separated by commas.",
    )

    #: Set by ClaimCorrectionAdmin.get_form: who is proposing (the service's rules depend on it).
    user: Any = None

    class Meta:
        model = ClaimCorrection
        fields = ("claim", "note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["claim"].queryset = Claim.objects.filter(status=ClaimStatus.PUBLISHED)
        self.fields["claim"].help_text = "Only published claims are corrected; other claims are edited directly."
        self.fields["note"].help_text = "Shown to readers with the correction: what changed and why."

    def changes(self) -> dict[str, Any]:
        """The correction's changes in the service's terms (annotations.claim_corrections)."""
        data = self.cleaned_data
        changes: dict[str, Any] = {
            name: data[name] for name in ("statement", "claimant", "rationale", "verdict") if data.get(name)
        }
        if data.get("source_url"):
            changes["sources_added"] = [{"url": data["source_url"], "title": data.get("source_title", "")}]
        removed = [part.strip() for part in (data.get("remove_sources") or "").split(",") if part.strip()]
        if removed:
            changes["sources_removed"] = removed
        return changes

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        claim = data.get("claim")
        if claim is not None and not self.errors:
            problems = claim_corrections.proposal_problems(
                claim, user=self.user, changes=self.changes(), note=data.get("note", "")
            )
            if problems:
                raise ValidationError(problems)
            self.claim_version = claim.version
        return data


@admin.register(ClaimCorrection)
class ClaimCorrectionAdmin(ServiceRefusalsMixin, admin.ModelAdmin):
    """Corrections: proposed here (or in the claim panel, or ``manage.py claim``), reviewed by the actions.

    A correction is never edited by hand: the form proposes a new one, and the actions
    publish, reject or withdraw proposals through :mod:`annotations.claim_corrections`, so
    the second-person rule holds here too. Refusals are reported correction by correction.
    """

    form = ProposeCorrectionForm
    list_display = ("__str__", "status", "what_changes", "proposed_by", "proposed_at", "reviewed_by", "reviewed_at")
    list_filter = ("status", ("proposed_by", admin.RelatedOnlyFieldListFilter),
                   ("reviewed_by", admin.RelatedOnlyFieldListFilter), "proposed_at", "reviewed_at")
    search_fields = ("note", "review_note", "claim__statement")
    list_select_related = ("claim", "proposed_by", "reviewed_by")
    date_hierarchy = "proposed_at"
    actions = ["publish_selected", "reject_selected", "withdraw_selected"]
    add_fieldsets = (
        (None, {"fields": ("claim", "note")}),
        ("Changes", {"fields": ("statement", "claimant", "verdict", "rationale",
                                ("source_url", "source_title"), "remove_sources")}),
    )
    fields = ("claim", "status", "what_changes", "note", "base_version", "proposed_by", "proposed_at",
              "reviewed_by", "reviewed_at", "review_note")
    readonly_fields = fields

    def get_fieldsets(self, request: HttpRequest, obj: ClaimCorrection | None = None) -> Any:
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: ClaimCorrection | None = None) -> tuple[str, ...]:
        return () if obj is None else self.readonly_fields

    def get_form(self, request: HttpRequest, obj: ClaimCorrection | None = None, change: bool = False,
                 **kwargs: Any) -> type[forms.ModelForm]:
        if obj is not None:  # shown read-only: no proposal fields
            return super().get_form(request, obj, change, form=forms.ModelForm, **kwargs)
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"claim": request.GET.get("claim")}

    @admin.display(description=gettext_lazy("changes"))
    def what_changes(self, correction: ClaimCorrection) -> str:
        return "; ".join(str(change) for change in correction_changes(correction.changes or {}))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return correction_policy.user_has_permission(request.user, "add")

    def has_change_permission(self, request: HttpRequest, obj: ClaimCorrection | None = None) -> bool:
        return False  # reviewed by the actions; a published correction is part of the public record

    def has_delete_permission(self, request: HttpRequest, obj: ClaimCorrection | None = None) -> bool:
        return False

    def has_review_permission(self, request: HttpRequest) -> bool:
        return correction_policy.user_has_permission(request.user, "review")

    def has_withdraw_permission(self, request: HttpRequest) -> bool:
        return correction_policy.user_has_permission(request.user, "withdraw")

    def save_model(self, request: HttpRequest, obj: ClaimCorrection, form: ProposeCorrectionForm, change: bool) -> None:
        """Propose through the service, against the claim's version the form was validated on."""
        proposed = claim_corrections.propose_correction(
            form.cleaned_data["claim"], user=request.user, changes=form.changes(),
            note=form.cleaned_data["note"], expected_version=form.claim_version,
        )
        obj.pk = proposed.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def _review_each(
        self, request: HttpRequest, queryset: QuerySet[ClaimCorrection], verb: str,
        step: Callable[[ClaimCorrection], object],
    ) -> None:
        done: list[int] = []
        for correction in queryset.select_related("claim").order_by("pk"):
            try:
                step(correction)
            except RECORD_REFUSALS as refusal:
                self.message_user(
                    request,
                    _("Skipped correction #%(number)s of claim #%(claim)s: %(reasons)s")
                    % {"number": correction.pk, "claim": correction.claim_id,
                       "reasons": " ".join(refusal_reasons(refusal))},
                    messages.WARNING,
                )
            else:
                done.append(correction.pk)
        if done:
            ids = ", ".join(f"#{pk}" for pk in done)
            self.message_user(request, _corrections_done(verb, len(done)) % {"count": len(done), "ids": ids},
                              messages.SUCCESS)

    @admin.action(description=gettext_lazy("Publish selected corrections"), permissions=["review"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[ClaimCorrection]) -> None:
        self._review_each(request, queryset, "publish",
                          lambda c: claim_corrections.publish_correction(c, user=request.user))

    @admin.action(description=gettext_lazy("Reject selected corrections…"), permissions=["review"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[ClaimCorrection]) -> HttpResponse | None:
        form = RejectCorrectionsForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            note = form.cleaned_data["note"]
            self._review_each(request, queryset, "reject",
                              lambda c: claim_corrections.reject_correction(c, user=request.user, note=note))
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject corrections"),
            "intro": _("Each selected correction is rejected on its own; corrections you may not reject are "
                       "skipped, and the message after this page says why."),
            "form": form,
            "items": [(c.pk, f"{c} — {self.what_changes(c)}") for c in queryset.select_related("claim")],
            "items_title": _("Selected corrections"),
            "opts": self.model._meta,
            "action_name": request.POST.get("action", ""),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/annotations/claim/bulk_action.html", context)

    @admin.action(
        description=gettext_lazy("Withdraw selected corrections (your own proposals)"), permissions=["withdraw"]
    )
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet[ClaimCorrection]) -> None:
        self._review_each(request, queryset, "withdraw",
                          lambda c: claim_corrections.withdraw_correction(c, user=request.user))


def _claims_done(action: str, count: int) -> str:
    """The success message of a bulk action on claims: a whole sentence per action (translators need them whole)."""
    if action == "assign":
        return ngettext("Assigned %(count)s claim: %(ids)s.", "Assigned %(count)s claims: %(ids)s.", count)
    if action == "move":
        return ngettext("Moved %(count)s claim: %(ids)s.", "Moved %(count)s claims: %(ids)s.", count)
    if action == "dismiss":
        return ngettext("Dismissed %(count)s claim: %(ids)s.", "Dismissed %(count)s claims: %(ids)s.", count)
    return ngettext("Deleted %(count)s claim: %(ids)s.", "Deleted %(count)s claims: %(ids)s.", count)


def _corrections_done(action: str, count: int) -> str:
    """The success message of a bulk review of corrections, one whole sentence per action."""
    if action == "publish":
        return ngettext(
            "Published %(count)s correction: %(ids)s.", "Published %(count)s corrections: %(ids)s.", count
        )
    if action == "reject":
        return ngettext("Rejected %(count)s correction: %(ids)s.", "Rejected %(count)s corrections: %(ids)s.", count)
    return ngettext("Withdrew %(count)s correction: %(ids)s.", "Withdrew %(count)s corrections: %(ids)s.", count)


class RejectCorrectionsForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=gettext_lazy("Why (the proposers read it)"))


class NotificationPreferenceForm(forms.ModelForm):
    email_kinds = forms.MultipleChoiceField(
        choices=Notification.Kind.choices, required=False, widget=forms.CheckboxSelectMultiple,
        label="Also by email", help_text="Every notification shows in the app; these are mailed too.",
    )

    class Meta:
        model = NotificationPreference
        fields = ("user", "email_kinds")


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    """Which notifications each user also receives by email (users choose them on their own page too)."""

    form = NotificationPreferenceForm
    list_display = ("user", "mailed_kinds", "updated_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)

    @admin.display(description=gettext_lazy("mailed"))
    def mailed_kinds(self, preference: NotificationPreference) -> str:
        labels = dict(Notification.Kind.choices)
        return ", ".join(str(labels.get(kind, kind)) for kind in preference.email_kinds or []) or "—"


@admin.register(Source)
class SourceAdmin(VersionedDeleteMixin, ServiceRefusalsMixin, ReportedBulkDeleteMixin, admin.ModelAdmin):
    """Sources, written through the source services: history, validation and the claim's version.

    A source's claim is fixed once it exists (moving evidence between claims would rewrite
    two claims' research at once); remove it and add it to the other claim instead.
    """

    form = SourceAdminForm
    formfield_overrides = SOURCE_URL_FIELDS
    list_display = ("__str__", "url", "stance", "publisher", "claim", "accessed_on")
    list_filter = ("stance", "accessed_on")
    search_fields = ("url", "title", "publisher", "excerpt")
    list_select_related = ("claim",)
    autocomplete_fields = ("claim",)
    actions = ["delete_selected"]
    fields = ("claim", ("url", "stance"), ("title", "publisher"), "excerpt", ("accessed_on", "archive_url"),
              "added_by", "expected_version", "seen_history")

    def get_readonly_fields(self, request: HttpRequest, obj: Source | None = None) -> tuple[str, ...]:
        return ("added_by",) if obj is None else ("claim", "added_by")

    def save_model(self, request: HttpRequest, obj: Source, form: SourceAdminForm, change: bool) -> None:
        if change:
            stored = Source.objects.select_related("claim").get(pk=obj.pk)
            saved = services.update_source(
                stored, user=request.user, expected_version=form.cleaned_data["expected_version"],
                **form.source_fields(),
            )
        else:
            saved = services.add_source(obj.claim, user=request.user, **form.source_fields())
        obj.pk = saved.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def claim_of(self, obj: Source) -> Claim:
        return obj.claim

    def delete_model(self, request: HttpRequest, obj: Source) -> None:
        """Remove through services.remove_source, at the claim version the confirmation showed."""
        services.remove_source(obj, user=request.user, expected_version=confirmed_version(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        """Source by source through services.remove_source; sources of locked claims are reported and kept."""
        removed: list[int] = []
        for source in queryset.select_related("claim").order_by("pk"):
            pk = source.pk
            try:
                with transaction.atomic():
                    services.remove_source(source, user=request.user)
            except RECORD_REFUSALS as refusal:
                self.message_user(
                    request,
                    _("Skipped source #%(number)s of claim #%(claim)s: %(reasons)s")
                    % {"number": pk, "claim": source.claim_id, "reasons": " ".join(refusal_reasons(refusal))},
                    messages.WARNING,
                )
            else:
                removed.append(pk)
        if removed:
            ids = ", ".join(f"#{pk}" for pk in removed)
            self.message_user(
                request,
                ngettext("Removed %(count)s source: %(ids)s.", "Removed %(count)s sources: %(ids)s.", len(removed))
                % {"count": len(removed), "ids": ids},
                messages.SUCCESS,
            )


@admin.register(ClaimEvent)
class ClaimEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "claim_ref", "article", "actor", "kind", "field", "from_status", "to_status")
    list_filter = ("kind", "to_status", "created_at")
    search_fields = ("note", "old_value", "new_value", "article__title")
    list_select_related = ("article", "actor")
    date_hierarchy = "created_at"


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Comments, read-only: they are written in the claim panel (services.add_comment) and, like
    the history they are recorded in, never rewritten afterwards."""

    list_display = ("__str__", "claim", "author", "created_at")
    search_fields = ("body",)
    list_select_related = ("claim", "author")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("text", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind", "read_at")
    list_select_related = ("recipient",)
    autocomplete_fields = ("recipient", "claim")
    search_fields = ("message",)
    readonly_fields = ("template", "params")

    @admin.display(description=gettext_lazy("message"))
    def text(self, notification: Notification) -> str:
        """In the admin's language; the search looks in the stored English text."""
        return notification.text

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        """Each person's own notifications; admins see everyone's (the notification policy)."""
        mine = notification_policy.instances_user_has_permission_for(request.user, "view")
        return super().get_queryset(request).filter(pk__in=mine.values("pk"))


@admin.register(ClaimGroup)
class ClaimGroupAdmin(admin.ModelAdmin):
    """Groups of linked claims: shown here, linked in the claim panel, dissolved here or there.

    A group is nothing but its members, and members join or leave only through
    services.link_claims / unlink_claim (history on every claim, editors only), so there is
    nothing to add or edit by hand. Deleting a group dissolves it through
    services.dissolve_group, which writes the unlinking into each member's history.
    """

    list_display = ("__str__", "created_by", "created_at")
    list_select_related = ("created_by",)
    search_fields = ("claims__statement",)
    fields = ("members", "created_by", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ClaimGroup | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ClaimGroup | None = None) -> bool:
        return claim_policy.user_has_permission(request.user, "link")

    @admin.display(description=gettext_lazy("linked claims"))
    def members(self, group: ClaimGroup) -> str:
        claims = group.claims.select_related("article").order_by("article_id", "pk")
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>#{} {} ({})</li>", ((c.pk, c, c.article.title) for c in claims)),
        )

    def delete_model(self, request: HttpRequest, obj: ClaimGroup) -> None:
        services.dissolve_group(obj, user=request.user, note=_("Group dissolved in the admin."))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ClaimGroup]) -> None:
        for group in queryset.order_by("pk"):
            services.dissolve_group(group, user=request.user, note=_("Group dissolved in the admin."))


@admin.register(SuggestionDismissal)
class SuggestionDismissalAdmin(admin.ModelAdmin):
    list_display = ("sentence", "article", "dismissed_by", "created_at")
    list_select_related = ("article", "dismissed_by")
    search_fields = ("sentence",)


# --- what the desk adds to the article admin --------------------------------------------
# ``articles`` knows nothing of claims; the claim count column and the ZIP export of the
# articles' fact-checks are added from this layer.


class DeskArticleAdmin(ArticleAdmin):
    """The article admin with the desk's columns and actions."""

    # The claims (status, verdict, assignee) right after the title: visible at 1280 px without scrolling.
    list_display = (ArticleAdmin.list_display[0], "claim_count", *ArticleAdmin.list_display[1:])
    actions = [*ArticleAdmin.actions, export_articles_zip]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        """Claim counts per status, without a verdict and unassigned: one aggregate, whatever the page size."""
        per_status = {f"_n_{s.value}": Count("claims", filter=Q(claims__status=s.value)) for s in ClaimStatus}
        return super().get_queryset(request).annotate(
            _claim_count=Count("claims"),
            _no_verdict=Count("claims", filter=Q(claims__verdict__isnull=True)),
            _unassigned=Count("claims", filter=Q(claims__assignee__isnull=True, claims__status__in=OPEN_STATUSES)),
            **per_status,
        )

    @admin.display(description=gettext_lazy("claims"), ordering="_claim_count")
    def claim_count(self, article: Article) -> str:
        """"3 claims" (linked to them in the claim list), then per status, without a verdict and unassigned."""
        total = getattr(article, "_claim_count", 0)
        if not total:
            return "0 claims"
        link = format_html(
            '<a href="{}?article__id__exact={}">{} claim{}</a>',
            reverse("admin:annotations_claim_changelist"), article.pk, total, "" if total == 1 else "s",
        )
        statuses = format_html_join(
            " · ", '<span class="claim-status status-{}">{} {} {}</span>',
            (
                (s.value, STATUS_SYMBOLS.get(s.value, ""), getattr(article, f"_n_{s.value}"), s.label.lower())
                for s in ClaimStatus
                if getattr(article, f"_n_{s.value}", 0)
            ),
        )
        return format_html(
            '{}<br><span class="claim-summary">{}<br>{} without a verdict · {} open unassigned</span>',
            link, statuses, article._no_verdict, article._unassigned,
        )


admin.site.unregister(Article)
admin.site.register(Article, DeskArticleAdmin)

"""Review pages: my claims, the review queue, the desk overview, notifications, and transitions.

Views stay thin: they read the request, call :mod:`annotations.workflow` (which holds every
rule) and render. Lists select their related rows up front so each page costs the same
number of queries however many claims there are.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from annotations import notifications, workflow
from annotations.models import Claim, ClaimStatus, Notification, RatingLabel, Source
from annotations.roles import is_editor, is_fact_checker
from annotations.services import EditConflict

PARTIAL = "review/_claim_actions.html"
#: Statuses a fact-checker still has work to do in, in the order My claims lists them.
OPEN_STATUSES = (ClaimStatus.RESEARCHING, ClaimStatus.NEW, ClaimStatus.IN_REVIEW)
FINISHED_STATUSES = (ClaimStatus.PUBLISHED, ClaimStatus.DISMISSED)
RECENT_FINISHED = 20
#: Rows per status group in My claims and per page in the review queue: a desk with
#: thousands of open claims must not render them all (the counts say how many there are).
GROUP_LIMIT = 50
NOTIFICATIONS_SHOWN = 50


def _require_fact_checker(request: HttpRequest) -> None:
    if not is_fact_checker(request.user):
        raise PermissionDenied("Only fact-checkers and editors have claims and a desk.")


def _require_editor(request: HttpRequest) -> None:
    if not is_editor(request.user):
        raise PermissionDenied("Only editors review claims.")


def _claim_list() -> object:
    return Claim.objects.select_related("article", "verdict", "assignee", "verdict_by")


# --- queues --------------------------------------------------------------------------


@require_safe
def my_claims(request: HttpRequest) -> HttpResponse:
    """Claims assigned to me: open ones grouped by status, then the latest finished ones."""
    _require_fact_checker(request)
    mine = _claim_list().filter(assignee=request.user)
    finished = list(mine.filter(status__in=FINISHED_STATUSES).order_by("-updated_at", "-id")[:RECENT_FINISHED])
    counts = dict(mine.order_by().values_list("status").annotate(n=Count("id")))
    groups = [
        {
            "status": status,
            "label": status.label,
            "claims": list(mine.filter(status=status).order_by("updated_at", "id")[:GROUP_LIMIT]),
            "count": counts.get(status.value, 0),
        }
        for status in OPEN_STATUSES
    ]
    finished_count = sum(counts.get(s.value, 0) for s in FINISHED_STATUSES)
    return render(
        request,
        "review/my_claims.html",
        {"groups": groups, "finished": finished, "finished_count": finished_count},
    )


@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    """Claims in review, oldest submission first; those I set the verdict of are listed apart."""
    _require_editor(request)
    source_count = (
        Source.objects.filter(claim=OuterRef("pk")).order_by().values("claim").annotate(n=Count("id")).values("n")
    )
    in_review = (
        _claim_list()
        .filter(status=ClaimStatus.IN_REVIEW)
        .annotate(n_sources=Coalesce(Subquery(source_count, output_field=IntegerField()), 0))
        .order_by("submitted_at", "id")
    )
    page = Paginator(in_review.exclude(verdict_by=request.user), GROUP_LIMIT).get_page(request.GET.get("page"))
    mine_all = in_review.filter(verdict_by=request.user)
    mine = list(mine_all[:GROUP_LIMIT])
    mine_count = len(mine) if len(mine) < GROUP_LIMIT else mine_all.count()
    return render(
        request,
        "review/queue.html",
        {"page": page, "claims": page.object_list, "needs_other_editor": mine, "needs_other_editor_count": mine_count},
    )


@require_safe
def desk(request: HttpRequest) -> HttpResponse:
    """Counts per status and per assignee: two aggregate queries for the whole desk."""
    _require_fact_checker(request)
    per_status = {f"n_{s.value}": Count("id", filter=Q(status=s.value)) for s in ClaimStatus}
    totals = Claim.objects.aggregate(
        total=Count("id"),
        oldest_in_review=Min("submitted_at", filter=Q(status=ClaimStatus.IN_REVIEW)),
        unassigned_open=Count("id", filter=Q(assignee__isnull=True, status__in=OPEN_STATUSES)),
        **per_status,
    )
    status_rows = [{"status": s, "label": s.label, "count": totals[f"n_{s.value}"]} for s in ClaimStatus]
    assignee_rows = list(
        Claim.objects.order_by()
        .values("assignee", "assignee__username", "assignee__first_name", "assignee__last_name")
        .annotate(total=Count("id"), **per_status)
        .order_by("assignee__username")
    )
    for row in assignee_rows:
        full = f"{row['assignee__first_name'] or ''} {row['assignee__last_name'] or ''}".strip()
        row["name"] = full or row["assignee__username"] or "Unassigned"
        row["counts"] = [row[f"n_{s.value}"] for s in ClaimStatus]
    return render(
        request,
        "review/desk.html",
        {"totals": totals, "status_rows": status_rows, "assignee_rows": assignee_rows, "statuses": ClaimStatus},
    )


# --- notifications -------------------------------------------------------------------


@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    """My latest notifications, unread first highlighted, with mark-as-read buttons."""
    items = list(
        Notification.objects.filter(recipient=request.user)
        .select_related("claim")
        .order_by("-created_at", "-id")[:NOTIFICATIONS_SHOWN]
    )
    return render(request, "review/notifications.html", {"notifications": items})


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of my notifications as read (someone else's is a 404)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.mark_read(request.user, [notification.pk])
    if request.POST.get("open") and notification.claim_id:
        return HttpResponseRedirect(notifications.claim_path(notification.claim))
    return HttpResponseRedirect(reverse("review:notifications"))


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    """Mark all my notifications as read."""
    count = notifications.mark_read(request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return HttpResponseRedirect(reverse("review:notifications"))


# --- transitions ---------------------------------------------------------------------


class TransitionForm(forms.Form):
    """The inputs a workflow step may carry; which ones matter depends on the step."""

    version = forms.IntegerField(required=False, min_value=1, error_messages={
        "invalid": "The page sent a broken claim version: reload the page and try again.",
    })
    note = forms.CharField(required=False, strip=True)
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True), required=False,
        error_messages={"invalid_choice": "Choose someone from the list to assign this claim to."},
    )
    verdict = forms.ModelChoiceField(
        queryset=RatingLabel.objects.all(), required=False,
        error_messages={"invalid_choice": "Choose a verdict from the rating scale."},
    )
    rationale = forms.CharField(required=False, strip=True)
    status = forms.ChoiceField(
        choices=[("", "")] + [(s.value, s.label) for s in (ClaimStatus.NEW, ClaimStatus.RESEARCHING)],
        required=False,
        error_messages={"invalid_choice": "A dismissed claim can be reopened as New or as Researching."},
    )

    def params_for(self, name: str) -> dict[str, object]:
        """The keyword arguments ``workflow.apply`` takes for step ``name``."""
        data = self.cleaned_data
        if name == "assign":
            return {"assignee": data["assignee"]}
        if name == "reopen":
            return {"status": data["status"]} if data["status"] else {}
        if name == "correct":
            params: dict[str, object] = {"verdict": data["verdict"]}
            if "rationale" in self.data:
                params["rationale"] = data["rationale"]
            return params
        return {}


@require_POST
def transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Run one workflow step on a claim (htmx: answer with the re-rendered actions partial).

    Success: 200 with the partial and an ``HX-Trigger: claim-changed`` header (htmx), or a
    redirect back with a message. Refusals: 403 when the user may not take the step, 400
    listing everything missing, 409 when the claim changed since the page was loaded.
    """
    claim = get_object_or_404(Claim.objects.select_related("article", "verdict", "assignee"), pk=pk)
    if name not in workflow.TRANSITIONS:
        return _refused(request, claim, [f"There is no workflow step called “{name}”."], 404)
    transition_ = workflow.TRANSITIONS[name]
    form = TransitionForm(request.POST)
    if not form.is_valid():
        forbidden = workflow.forbidden_reasons(claim, request.user, name)
        if forbidden:
            return _refused(request, claim, forbidden, 403)
        reasons = [error for errors in form.errors.values() for error in errors]
        return _refused(request, claim, reasons, 400)
    try:
        claim = workflow.apply(
            claim,
            request.user,
            name,
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
            **form.params_for(name),
        )
    except workflow.TransitionRefused as refusal:
        return _refused(request, claim, refusal.reasons, refusal.status_code)
    except EditConflict as conflict:
        return _refused(request, conflict.current, [str(conflict)], 409)
    done = _done_message(transition_, claim)
    if request.htmx:
        response = render(request, PARTIAL, {"claim": claim, "review_done": done})
        response["HX-Trigger"] = json.dumps({"claim-changed": {"id": claim.pk}})
        return response
    messages.success(request, done)
    return HttpResponseRedirect(_back_url(request, claim))


def _done_message(transition_: workflow.Transition, claim: Claim) -> str:
    if transition_.name == "correct":
        return "Correction published; it is listed in the verdict history."
    if transition_.name == "assign":
        return f"Assigned to {workflow.person(claim.assignee)}."
    return f"{transition_.label}: done. The claim is now {claim.get_status_display()}."


def _refused(request: HttpRequest, claim: Claim, reasons: list[str], status: int) -> HttpResponse:
    """Explain a refusal: the partial with an alert (htmx) or a small page (plain POST)."""
    if request.htmx:
        return render(request, PARTIAL, {"claim": claim, "review_errors": reasons}, status=status)
    return render(
        request,
        "review/transition_refused.html",
        {"claim": claim, "review_errors": reasons, "back_url": _back_url(request, claim)},
        status=status,
    )


def _back_url(request: HttpRequest, claim: Claim) -> str:
    """Where a plain form POST returns to: ``next`` if it is one of ours, else the claim."""
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return notifications.claim_path(claim)

"""Review pages: my claims, the review queue, the desk overview, notifications and their email settings, transitions.

Views read top to bottom: parse the request, check the permission through the claim policy,
ask :mod:`annotations.selectors` (reads) or :mod:`annotations.workflow` (which holds every
rule of a step), render. The selectors load related rows up front, so each page costs the
same number of queries however many claims there are.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from annotations import notifications, selectors, workflow
from annotations.htmx import VersionRequired, claim_changed, require_version
from annotations.models import Claim, ClaimStatus, Notification
from annotations.pagination import CappedPaginator
from annotations.permissions import claim_policy
from annotations.review_context import review_actions_for
from annotations.services import EditConflict
from factcheck.display import display_name

PARTIAL = "review/_claim_actions.html"
RECENT_FINISHED = 20
#: Rows per page in the review queue: a desk with thousands of open claims must not render
#: them all (the counts say how many there are).
GROUP_LIMIT = 50
#: The review queue counts this many claims at most ("Waiting for your review (more than 200)",
#: four pages): a count reads every claim it counts, so an uncapped one grew with the desk, and
#: at 1,000 it was still a third of the queue's time on PostgreSQL (5-15 ms; 1 ms at 200).
#: Later pages stay reachable one at a time ("Next"), each counting a little further.
QUEUE_COUNT_LIMIT = 200
#: Rows per status group in My claims: three groups and the finished list on one page, each
#: row rendered with its links and dates, so fewer than a queue page (about 95 rows in all).
MY_CLAIMS_GROUP_LIMIT = 25
NOTIFICATIONS_SHOWN = 50


def _require_fact_checker(request: HttpRequest) -> None:
    if not claim_policy.user_has_permission(request.user, "view_unpublished"):
        raise PermissionDenied(_("Only fact-checkers and editors have claims and a desk."))


def _require_editor(request: HttpRequest) -> None:
    if not claim_policy.user_has_permission(request.user, "review"):
        raise PermissionDenied(_("Only editors review claims."))


# --- queues --------------------------------------------------------------------------


@require_safe
def my_claims(request: HttpRequest) -> HttpResponse:
    """Claims assigned to me: open ones grouped by status, then the latest finished ones."""
    _require_fact_checker(request)
    mine = selectors.my_claims(request.user, group_limit=MY_CLAIMS_GROUP_LIMIT, finished_limit=RECENT_FINISHED)
    return render(
        request,
        "review/my_claims.html",
        {
            "groups": mine.groups, "finished": mine.finished, "finished_count": mine.finished_count,
            "finished_more": mine.finished_more,
        },
    )


@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    """Claims in review, oldest submission first; those I set the verdict of are listed apart."""
    _require_editor(request)
    researched = selectors.researched_in_review(request.user)  # once, for both lists
    claims = selectors.in_review(request.user)  # built once, for both lists
    queue = selectors.review_queue(request.user, researched, claims)
    page = CappedPaginator(queue, GROUP_LIMIT, limit=QUEUE_COUNT_LIMIT).get_page(request.GET.get("page"))
    page.object_list = selectors.mark_changes_requested(page.object_list)
    mine, mine_count = selectors.needs_other_editor(
        request.user, limit=GROUP_LIMIT, researched=researched, claims=claims
    )
    return render(
        request,
        "review/queue.html",
        {"page": page, "claims": page.object_list, "needs_other_editor": mine, "needs_other_editor_count": mine_count},
    )


@require_safe
def desk(request: HttpRequest) -> HttpResponse:
    """Counts per status and per assignee: two aggregate queries for the whole desk."""
    _require_fact_checker(request)
    overview = selectors.desk_overview(request.user)
    return render(request, "review/desk.html", {**overview, "statuses": ClaimStatus})


# --- notifications -------------------------------------------------------------------


@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    """My latest notifications, unread first highlighted, with mark-as-read buttons."""
    items = selectors.latest_notifications(request.user, limit=NOTIFICATIONS_SHOWN)
    return render(request, "review/notifications.html", {"notifications": items})


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of my notifications as read (someone else's is a 404)."""
    notification = get_object_or_404(selectors.own_notifications(request.user), pk=pk)
    notifications.mark_read(request.user, [notification.pk])
    if request.POST.get("open") and notification.claim_id:
        notifications.mark_claim_read(request.user, notification.claim_id)
        return HttpResponseRedirect(notifications.claim_path(notification.claim))
    return HttpResponseRedirect(reverse("review:notifications"))


@require_safe
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open what a notification is about (its claim; My claims for a summary), marking it read.

    Opening a claim from one notification marks all of my notifications about that claim
    read: they all asked me to look at it, and now I am. A link (GET), so it works from
    emails and opens in a new tab; it only ever changes the opener's own read marks.
    """
    notification = get_object_or_404(selectors.own_notifications(request.user).select_related("claim"), pk=pk)
    notifications.mark_read(request.user, [notification.pk])
    if notification.claim_id is None:
        return HttpResponseRedirect(reverse("review:my_claims"))
    notifications.mark_claim_read(request.user, notification.claim_id)
    return HttpResponseRedirect(notifications.claim_path(notification.claim))


class EmailPreferencesForm(forms.Form):
    """Which notifications also come by email (every notification shows in the app)."""

    email_kinds = forms.MultipleChoiceField(
        label="Also send me an email when", required=False, widget=forms.CheckboxSelectMultiple,
        choices=Notification.Kind.choices,
        error_messages={"invalid_choice": "Choose notification kinds from the list."},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Choose which notifications come by email (GET: the current choice; POST: save it)."""
    if request.method == "POST":
        form = EmailPreferencesForm(request.POST)
        if form.is_valid():
            notifications.set_email_kinds(request.user, form.cleaned_data["email_kinds"])
            messages.success(request, _("Saved: your email choices apply to the next notifications."))
            return HttpResponseRedirect(reverse("review:notification_settings"))
        status = 400
    else:
        form = EmailPreferencesForm(initial={"email_kinds": sorted(notifications.email_kinds(request.user))})
        status = 200
    return render(request, "review/notification_settings.html", {"form": form}, status=status)


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    """Mark all my notifications as read."""
    count = notifications.mark_read(request.user)
    messages.success(
        request,
        ngettext("Marked %(count)s notification as read.", "Marked %(count)s notifications as read.", count)
        % {"count": count},
    )
    return HttpResponseRedirect(reverse("review:notifications"))


# --- transitions ---------------------------------------------------------------------


class TransitionForm(forms.Form):
    """The inputs a workflow step may carry; which ones matter depends on the step.

    The claim's version is not among them: :func:`transition` requires it first (428 without it).
    """

    note = forms.CharField(required=False, strip=True)
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True), required=False,
        error_messages={"invalid_choice": "Choose someone from the list to assign this claim to."},
    )
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
        return {}


@require_POST
def transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Run one workflow step on a claim (htmx: answer with the re-rendered actions partial).

    Success: 200 with the partial and an ``HX-Trigger: claim-changed`` header (htmx), or a
    redirect back with a message. Refusals: 403 when the user may not take the step, 428
    when the form did not say which version of the claim it was made on, 400 listing
    everything missing, 409 when the claim changed since the page was loaded.
    """
    # A refusal shows the claim and its review history: a claim the user may not see is "not found".
    claim = get_object_or_404(selectors.panel_claims(request.user), pk=pk)
    if name not in workflow.TRANSITIONS:
        return _refused(request, claim, [f"There is no workflow step called “{name}”."], 404)
    transition_ = workflow.TRANSITIONS[name]
    try:
        version = require_version(request)
    except VersionRequired as refusal:
        forbidden = workflow.forbidden_reasons(claim, request.user, name)
        if forbidden:
            return _refused(request, claim, forbidden, 403)
        return _refused(request, claim, [str(refusal)], refusal.status_code)
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
            expected_version=version,
            **form.params_for(name),
        )
    except workflow.TransitionRefused as refusal:
        return _refused(request, claim, refusal.reasons, refusal.status_code)
    except EditConflict as conflict:
        return _refused(request, conflict.current, [str(conflict)], 409)
    notifications.mark_claim_read(request.user, claim.pk)
    done = _done_message(transition_, claim)
    if request.htmx:
        response = render(request, PARTIAL, _partial_context(request, claim, review_done=done))
        return claim_changed(response, claim.pk)
    messages.success(request, done)
    return HttpResponseRedirect(_back_url(request, claim))


def _partial_context(request: HttpRequest, claim: Claim, **extra: object) -> dict[str, object]:
    """The review partial's context: the claim and what the user may do with it now."""
    return {"claim": claim, "review": review_actions_for(claim, request.user), **extra}


def _done_message(transition_: workflow.Transition, claim: Claim) -> str:
    if transition_.name == "assign":
        return _("Assigned to %(name)s.") % {"name": display_name(claim.assignee)}
    return _("%(step)s: done. The claim is now %(status)s.") % {
        "step": transition_.label, "status": claim.get_status_display()
    }


def _refused(request: HttpRequest, claim: Claim, reasons: list[str], status: int) -> HttpResponse:
    """Explain a refusal: the partial with an alert (htmx) or a small page (plain POST)."""
    if request.htmx:
        return render(request, PARTIAL, _partial_context(request, claim, review_errors=reasons), status=status)
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

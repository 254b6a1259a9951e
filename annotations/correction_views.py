"""Corrections from the claim panel: propose one for a published claim, then publish, reject or withdraw it.

A published claim is locked (:mod:`annotations.services`): its panel shows the values
read-only and "Propose a correction", a form holding the corrected values, sources to add
or remove and the public note. Anyone on the desk proposes; an editor who did not propose
it publishes or rejects it; its proposer may withdraw it. Every rule is
:mod:`annotations.claim_corrections`' (the same functions the admin and commands call);
these views parse the request, call it and answer with the re-rendered panel, like the
rest of the panel (:mod:`annotations.views`): 400 with the form's errors, 403 with the
refusal in the alert region, 409 when the claim changed underneath, 428 when the form did
not say which version of the claim it was made on, and ``HX-Trigger: claim-changed`` on
success. Acting on a claim marks the user's notifications
about it read.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotations import claim_corrections, notifications, selectors
from annotations.forms import CorrectionForm, CorrectionReviewForm
from annotations.htmx import alert, claim_changed, require_version, version_required
from annotations.models import Claim, ClaimCorrection, ClaimStatus
from annotations.permissions import correction_policy
from annotations.services import EditConflict
from annotations.views import load_claim, render_panel

#: The element the panel focuses after a correction step (its heading).
FOCUS = "corrections-title"


def _load_correction(claim: Claim, correction_id: int) -> ClaimCorrection:
    """A correction of this claim (404 for another claim's: one claim's URL never reaches another's)."""
    return get_object_or_404(ClaimCorrection.objects.select_related("proposed_by"), pk=correction_id, claim=claim)


def _done(request: HttpRequest, claim: Claim, notice: str) -> HttpResponse:
    """The re-rendered panel after a successful step; the user's notifications about the claim are read."""
    notifications.mark_claim_read(request.user, claim.pk)
    claim = load_claim(request, claim.pk)
    return claim_changed(render_panel(request, claim, notice=notice, focus=FOCUS), claim.pk)


def _messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


@require_POST
@version_required
def correction_propose(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Propose a correction of a published claim (the corrected values, sources, the public note)."""
    claim = load_claim(request, claim_id)
    refusal = correction_policy.refusal_for(request.user, "add")
    if refusal:
        return alert(request, refusal, 403)
    version = require_version(request)
    sources = selectors.claim_sources(claim)
    form = CorrectionForm(request.POST, claim=claim, sources=sources)
    retry = {"correction_form": form, "propose_open": True, "focus": "propose-title"}
    if not form.is_valid():
        return render_panel(request, claim, status=400, **retry)
    try:
        claim_corrections.propose_correction(
            claim, user=request.user, changes=form.changes(), note=form.cleaned_data["note"],
            expected_version=version,
        )
    except EditConflict as conflict:
        return _stale_proposal(request, conflict.current)
    except ValidationError as error:
        if claim.status != ClaimStatus.PUBLISHED:  # the panel has no correction form to show them in
            return _refused_step(request, claim, _messages(error), 400)
        for message in _messages(error):
            form.add_error(None, message)
        return render_panel(request, claim, status=400, **retry)
    except PermissionDenied as error:
        return alert(request, str(error), 403)
    return _done(request, claim, "Correction proposed: an editor who did not propose it will review it.")


def _stale_proposal(request: HttpRequest, current: Claim) -> HttpResponse:
    """The claim changed since the form was opened: keep what the user typed, against the current version."""
    data = request.POST.copy()
    data["version"] = str(current.version)
    claim = load_claim(request, current.pk)
    again = CorrectionForm(data, claim=claim, sources=selectors.claim_sources(claim))
    again.is_valid()
    again.add_error(
        None,
        _(
            "Someone changed this claim since you opened it (it is now version %(version)s). "
            "Check its current values above; your proposal is kept below: propose it again."
        ) % {"version": current.version},
    )
    return render_panel(request, claim, status=409, correction_form=again, propose_open=True, focus="propose-title")


def _review_target(
    request: HttpRequest, claim_id: int, correction_id: int, action: str
) -> tuple[Claim, ClaimCorrection, str, int] | HttpResponse:
    """The claim, its correction, the reviewer's note and the claim's version the page showed; or the refusal."""
    claim = load_claim(request, claim_id)
    correction = _load_correction(claim, correction_id)
    refusal = correction_policy.refusal_for(request.user, action, correction)
    if refusal:
        return alert(request, refusal, 403)
    version = require_version(request)
    form = CorrectionReviewForm(request.POST)
    if not form.is_valid():
        return _refused_step(request, claim, [e for errors in form.errors.values() for e in errors], 400)
    return claim, correction, form.cleaned_data["note"], version


def _refused_step(request: HttpRequest, claim: Claim, reasons: list[str], status: int) -> HttpResponse:
    """The panel with why the step was not taken, next to the correction."""
    return render_panel(
        request, load_claim(request, claim.pk), status=status, correction_errors=reasons, focus="correction-errors"
    )


@require_POST
@version_required
def correction_publish(request: HttpRequest, claim_id: int, correction_id: int) -> HttpResponse:
    """Publish a proposed correction (an editor who did not propose it): the claim changes, in public."""
    target = _review_target(request, claim_id, correction_id, "review")
    if isinstance(target, HttpResponse):
        return target
    claim, correction, note, version = target
    try:
        claim_corrections.publish_correction(correction, user=request.user, note=note, expected_version=version)
    except EditConflict as conflict:
        return _refused_step(request, claim, [str(conflict)], 409)
    except ValidationError as error:
        return _refused_step(request, claim, _messages(error), 400)
    except PermissionDenied as error:
        return alert(request, str(error), 403)
    return _done(request, claim, "Correction published: readers see it with its note and what changed.")


@require_POST
@version_required
def correction_reject(request: HttpRequest, claim_id: int, correction_id: int) -> HttpResponse:
    """Turn a proposed correction down, saying why (an editor who did not propose it)."""
    target = _review_target(request, claim_id, correction_id, "review")
    if isinstance(target, HttpResponse):
        return target
    claim, correction, note, version = target
    try:
        claim_corrections.reject_correction(correction, user=request.user, note=note, expected_version=version)
    except EditConflict as conflict:
        return _refused_step(request, claim, [str(conflict)], 409)
    except ValidationError as error:
        return _refused_step(request, claim, _messages(error), 400)
    except PermissionDenied as error:
        return alert(request, str(error), 403)
    return _done(request, claim, "Correction rejected: the claim is unchanged.")


@require_POST
@version_required
def correction_withdraw(request: HttpRequest, claim_id: int, correction_id: int) -> HttpResponse:
    """The proposer takes their correction back before it is reviewed."""
    target = _review_target(request, claim_id, correction_id, "withdraw")
    if isinstance(target, HttpResponse):
        return target
    claim, correction, _note, version = target
    try:
        claim_corrections.withdraw_correction(correction, user=request.user, expected_version=version)
    except EditConflict as conflict:
        return _refused_step(request, claim, [str(conflict)], 409)
    except ValidationError as error:
        return _refused_step(request, claim, _messages(error), 400)
    except PermissionDenied as error:
        return alert(request, str(error), 403)
    return _done(request, claim, "Correction withdrawn: the claim is unchanged.")

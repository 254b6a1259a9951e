"""Corrections of published claims: proposed by anyone on the desk, published by a second person.

A published fact-check is a public record. Its statement, claimant, verdict, rationale and
sources are locked (:func:`annotations.services.lock_reason`) and change only through a
:class:`~annotations.models.ClaimCorrection`:

1. anyone on the desk proposes one (:func:`propose_correction`) with a public note, against
   the version of the claim they saw; the editors who may review it are told;
2. an editor who did not propose it publishes it (:func:`publish_correction`) or rejects it
   (:func:`reject_correction`); the proposer may withdraw it (:func:`withdraw_correction`).

Publishing applies the changes through the services' own internals, in one transaction
with the claim locked: one public CORRECTED history entry (with the note) per changed field
and per source added or removed, one version bump. The checkers credited on the claim and
the proposer are told. A claim has at most one correction waiting for review (a database
constraint). Every door (the claim panel, the admin, ``manage.py claim``, the API to come)
calls these functions, so the second-person rule holds whichever way a correction comes in.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations import limits, notifications, services, signals, workflow
from annotations.credits import credits
from annotations.models import Claim, ClaimCorrection, ClaimEvent, ClaimStatus, Notification, RatingLabel, Source
from annotations.notification_texts import actor_name, notice
from annotations.permissions import correction_policy

AnyUser = AbstractBaseUser | AnonymousUser

#: The claim's own fields a correction may change, in reading order.
CORRECTABLE_FIELDS = ("statement", "claimant", "verdict", "rationale")
#: Everything ``propose_correction`` accepts in ``changes``.
CHANGE_KEYS = (*CORRECTABLE_FIELDS, "sources_added", "sources_removed")
#: Fields a published claim cannot be without.
REQUIRED_FIELDS = {"statement": "a statement", "rationale": "a rationale"}

Status = ClaimCorrection.Status


class StaleCorrection(services.EditConflict):
    """The claim changed since the correction was proposed: what it corrects is no longer there."""

    def __init__(self, current: Claim, stale: list[str]) -> None:
        super().__init__(current)
        self.args = (
            f"Claim #{current.pk} changed since this correction was proposed ({', '.join(stale)} no longer "
            "what the correction corrects): reject it and propose the correction again on the current claim.",
        )


# --- proposing ---------------------------------------------------------------------------


def propose_correction(
    claim: Claim, *, user: AbstractBaseUser, changes: dict[str, Any], note: str, expected_version: int
) -> ClaimCorrection:
    """Propose ``changes`` to a published claim, with a public ``note``; a second person reviews it.

    ``changes`` may hold "statement", "claimant", "rationale" (text), "verdict" (a
    RatingLabel), "sources_added" (dicts of Source fields) and "sources_removed" (ids of the
    claim's sources). Values equal to the current ones are ignored. The proposal records
    the old and new values, so reviewers and readers see exactly what changes.

    Refusals: PermissionDenied (not on the desk), EditConflict (the claim is no longer at
    ``expected_version``), ValidationError listing everything wrong at once (not
    published, nothing to change, a bad value, no note, a correction already waiting).
    """
    correction_policy.require(user, "add")
    note = workflow.clean_text(note)
    with transaction.atomic():
        current = services.lock_claim(claim, expected_version)
        recorded, problems = _checked_proposal(current, changes, note)
        if problems:
            raise ValidationError(problems)
        try:
            with transaction.atomic():
                correction = ClaimCorrection.objects.create(
                    claim=current, changes=recorded, note=note, base_version=current.version, proposed_by=user,
                )
        except IntegrityError:  # a proposal made at the same moment won the race
            raise ValidationError(_one_open_message()) from None
        services.record_event(current, ClaimEvent.Kind.CORRECTION_PROPOSED, user, note=note)
        text = notice("correction_proposed", actor=actor_name(user), claim=workflow.short(current), note=note)
        for editor in correction_policy.users_with_permission_for_instance("review", correction):
            if editor.pk != user.pk:
                notifications.notify(editor, current, Notification.Kind.CORRECTION_PROPOSED, text)
    return correction


def proposal_problems(claim: Claim, *, user: AnyUser, changes: dict[str, Any], note: str) -> list[str]:
    """Everything that would make :func:`propose_correction` refuse these changes, as sentences; nothing is written.

    For forms that show every problem next to the fields before anything is saved (the
    admin's proposal form); the service checks again under the claim's row lock.
    """
    refusal = correction_policy.refusal_for(user, "add")
    if refusal:
        return [refusal]
    return _checked_proposal(claim, changes, workflow.clean_text(note))[1]


def _checked_proposal(claim: Claim, changes: dict[str, Any], note: str) -> tuple[dict[str, Any], list[str]]:
    """The changes as a proposal records them, and what stands in the way (empty: it may be proposed)."""
    if claim.status != ClaimStatus.PUBLISHED:
        return {}, [_not_published(claim)]
    problems: list[str] = []
    recorded = _recorded_changes(claim, changes, problems)
    if not note:
        problems.append(_("Write a public correction note that tells readers what changed and why."))
    elif too_long := limits.length_error("note", note):
        problems.append(too_long)
    if ClaimCorrection.objects.filter(claim=claim, status=Status.PROPOSED).exists():
        problems.append(_one_open_message())
    return recorded, problems


def _not_published(claim: Claim) -> str:
    if claim.status == ClaimStatus.DISMISSED:
        return _("This claim is dismissed: reopen it to change it (only published claims are corrected).")
    return _(
        "This claim is %(status)s, not published: change it directly (corrections are for published claims)."
    ) % {"status": workflow.status_label(claim.status)}


def _one_open_message() -> str:
    constraint = next(c for c in ClaimCorrection._meta.constraints if c.name == "claimcorrection_one_open_per_claim")
    return _("%(reason)s Review or withdraw it first.") % {"reason": constraint.violation_error_message}


def _recorded_changes(claim: Claim, changes: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """``changes`` as the proposal stores them (old and new values), appending what is wrong to ``problems``."""
    if not isinstance(changes, dict):
        problems.append(_("A correction's changes must be given per field."))
        return {}
    unknown = set(changes) - set(CHANGE_KEYS)
    if unknown:
        problems.append(_("These cannot be corrected: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    recorded: dict[str, Any] = {}
    for name in ("statement", "claimant", "rationale"):
        if name in changes:
            _record_text(claim, name, changes[name], recorded, problems)
    if "verdict" in changes:
        _record_verdict(claim, changes["verdict"], recorded, problems)
    sources = {source.pk: source for source in claim.sources.all()}
    removed = _record_removed_sources(sources, changes.get("sources_removed") or [], problems)
    added = _record_added_sources(claim, sources, removed, changes.get("sources_added") or [], problems)
    if removed:
        recorded["sources_removed"] = [{"id": s.pk, "url": s.url, "title": s.title} for s in removed]
    if added:
        recorded["sources_added"] = added
    if sources and len(sources) - len(removed) + len(added) == 0:
        problems.append(_("A published claim needs at least one source: add one in the same correction."))
    if not recorded and not problems:
        problems.append(
            _("A correction has to change something: the statement, claimant, verdict, rationale or sources.")
        )
    return recorded


def _record_text(claim: Claim, name: str, value: Any, recorded: dict[str, Any], problems: list[str]) -> None:
    if not isinstance(value, str):
        problems.append(f"The new {name} must be text.")
        return
    new = workflow.clean_text(value)
    old = getattr(claim, name)
    if new == old.strip():
        return
    if not new and name in REQUIRED_FIELDS:
        problems.append(f"A published claim needs {REQUIRED_FIELDS[name]}: write the corrected {name}.")
        return
    too_long = limits.length_error(limits.CLAIM_KINDS[name], new)
    if too_long:
        problems.append(too_long)
        return
    recorded[name] = {"old": old, "new": new}


def _record_verdict(claim: Claim, verdict: Any, recorded: dict[str, Any], problems: list[str]) -> None:
    if not isinstance(verdict, RatingLabel):
        problems.append(_("Choose a verdict from the rating scale (a published claim needs one)."))
    elif verdict.pk != claim.verdict_id:
        if not verdict.is_active:
            problems.append(
                _("“%(verdict)s” is no longer on the rating scale: choose an active verdict.")
                % {"verdict": verdict.name}
            )
            return
        recorded["verdict"] = {
            "old": claim.verdict.name if claim.verdict_id else None,
            "new": verdict.name,
            "old_id": claim.verdict_id,
            "new_id": verdict.pk,
        }


def _record_removed_sources(sources: dict[int, Source], ids: Any, problems: list[str]) -> list[Source]:
    if not isinstance(ids, list | tuple):
        problems.append("Sources to remove must be a list of source ids.")
        return []
    removed: dict[int, Source] = {}
    for raw in ids:
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            pk = None
        if pk not in sources:
            problems.append(f"“{raw}” is not one of this claim's sources.")
        else:
            removed.setdefault(pk, sources[pk])
    return list(removed.values())


def _record_added_sources(
    claim: Claim, sources: dict[int, Source], removed: list[Source], new: Any, problems: list[str]
) -> list[dict[str, Any]]:
    if not isinstance(new, list | tuple):
        problems.append("Sources to add must be a list of sources.")
        return []
    kept_urls = {source.url for source in sources.values() if source not in removed}
    added: list[dict[str, Any]] = []
    for number, fields in enumerate(new, start=1):
        if not isinstance(fields, dict):
            problems.append(f"New source {number}: give its fields (at least a URL).")
            continue
        try:
            source = services.validated_source(claim, None, fields)
        except ValidationError as error:
            problems.append(f"New source {number}: {' '.join(error.messages)}")
            continue
        if source.url in kept_urls:
            problems.append(f"New source {number}: {source.url} is already a source of this claim.")
            continue
        kept_urls.add(source.url)
        added.append(_source_json(source))
    return added


def _source_json(source: Source) -> dict[str, Any]:
    """The fields of an unsaved source as JSON (dates as ISO strings; empty fields left out)."""
    result: dict[str, Any] = {}
    for name in services.SOURCE_FIELDS:
        value = getattr(source, name)
        if isinstance(value, datetime.date):
            value = value.isoformat()
        if value not in (None, ""):
            result[name] = value
    return result


# --- reviewing -------------------------------------------------------------------------


def publish_correction(
    correction: ClaimCorrection, *, user: AbstractBaseUser, note: str = "", expected_version: int | None = None
) -> Claim:
    """Apply a proposed correction to its claim and make it public; returns the corrected claim.

    Only an editor who did not propose it (PermissionDenied otherwise). Refused with
    ValidationError when it is no longer waiting or the claim is no longer published, and
    with :class:`StaleCorrection` (an EditConflict) when a field it corrects has changed
    since it was proposed. ``note`` is the reviewer's own note, kept with the correction.
    ``expected_version`` is the claim's version the reviewer's page showed (EditConflict
    when the claim changed since; None: act on the claim as it is now).
    """
    note = workflow.clean_text(note)
    limits.check_length("note", note, "note")
    with transaction.atomic():
        # Claim first, then correction: every correction step locks in this order, so no deadlock.
        claim = services.lock_claim(Claim(pk=correction.claim_id), None)
        current = _locked(correction)
        correction_policy.require(user, "review", current)
        _check_version(claim, expected_version)
        _require_open(current)
        if claim.status != ClaimStatus.PUBLISHED:
            raise ValidationError(
                _("Claim #%(number)s is no longer published: reject this correction.") % {"number": claim.pk}
            )
        changes = current.changes or {}
        fields, removed = _current_targets(claim, changes)
        public = {"note": current.note, "is_public": True, "from_status": claim.status, "to_status": claim.status}
        services.apply_field_changes(claim, user, fields, ClaimEvent.Kind.CORRECTED, **public)
        if "verdict" in fields:
            claim.verdict_by = current.proposed_by or user
        for source in removed:
            services.detach_source(claim, user, source, ClaimEvent.Kind.CORRECTED, **public)
        for source_fields in changes.get("sources_added") or []:
            source = services.validated_source(claim, current.proposed_by, source_fields)
            services.attach_source(claim, user, source, ClaimEvent.Kind.CORRECTED, **public)
        services.save_changed(claim)
        current.status = Status.PUBLISHED
        current.reviewed_by = user
        current.reviewed_at = timezone.now()
        current.review_note = note
        current.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        _tell_checkers(claim, current, user)
        signals.claim_corrected.send(sender=Claim, claim=claim, correction=current, user=user)
    return claim


def reject_correction(
    correction: ClaimCorrection, *, user: AbstractBaseUser, note: str, expected_version: int | None = None
) -> ClaimCorrection:
    """Turn a proposed correction down, saying why (``note``); the claim does not change.

    Only an editor who did not propose it (PermissionDenied otherwise); the reason is
    required (ValidationError) and recorded in the claim's (internal) history.
    ``expected_version``: as for :func:`publish_correction`.
    """
    note = workflow.clean_text(note)
    with transaction.atomic():
        claim = _locked_claim(correction, expected_version)
        current = _locked(correction)
        correction_policy.require(user, "review", current)
        _check_version(claim, expected_version)
        _require_open(current)
        if not note:
            raise ValidationError(_("Say why the correction is rejected: its proposer reads it."))
        limits.check_length("note", note, "note")
        current.status = Status.REJECTED
        current.reviewed_by = user
        current.reviewed_at = timezone.now()
        current.review_note = note
        current.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        services.record_event(current.claim, ClaimEvent.Kind.CORRECTION_REJECTED, user, note=note)
    return current


def withdraw_correction(
    correction: ClaimCorrection, *, user: AbstractBaseUser, expected_version: int | None = None
) -> ClaimCorrection:
    """The proposer takes their correction back before it is reviewed (PermissionDenied for anyone else).

    ``expected_version``: as for :func:`publish_correction`.
    """
    with transaction.atomic():
        claim = _locked_claim(correction, expected_version)
        current = _locked(correction)
        correction_policy.require(user, "withdraw", current)
        _check_version(claim, expected_version)
        _require_open(current)
        current.status = Status.WITHDRAWN
        current.save(update_fields=["status"])
    return current


def _locked_claim(correction: ClaimCorrection, expected_version: int | None) -> Claim | None:
    """The correction's claim, locked first (the order every correction step keeps), when a version is to be checked.

    Rejecting and withdrawing leave the claim as it is, so without a version to check
    (commands acting on the current state) they do not lock it.
    """
    if expected_version is None:
        return None
    return services.lock_claim(Claim(pk=correction.claim_id), None)


def _check_version(claim: Claim | None, expected_version: int | None) -> None:
    """EditConflict when the locked claim is no longer at the version the reviewer's page showed.

    Checked after the permission, as everywhere: someone who may not take the step is told
    so, not that their page is stale.
    """
    if claim is not None and expected_version is not None and claim.version != expected_version:
        raise services.EditConflict(claim)


def _locked(correction: ClaimCorrection) -> ClaimCorrection:
    return (
        ClaimCorrection.objects.select_for_update(of=("self",))
        .select_related("claim", "proposed_by")
        .get(pk=correction.pk)
    )


def _require_open(correction: ClaimCorrection) -> None:
    if correction.status != Status.PROPOSED:
        raise ValidationError(
            _(
                "This correction is already %(status)s: only a proposed correction "
                "can be published, rejected or withdrawn."
            )
            % {"status": correction.get_status_display().lower()}
        )


def _current_targets(claim: Claim, changes: dict[str, Any]) -> tuple[dict[str, Any], list[Source]]:
    """The field values and stored sources the correction changes; StaleCorrection if they moved since."""
    stale: list[str] = []
    fields: dict[str, Any] = {}
    for name in CORRECTABLE_FIELDS:  # reading order, so the history reads like the claim
        change = changes.get(name)
        if change is None:
            continue
        if name == "verdict":
            current, fields[name] = claim.verdict_id, RatingLabel.objects.filter(pk=change["new_id"]).first()
            if fields[name] is None:
                raise ValidationError(
                    _("The verdict “%(verdict)s” no longer exists: reject this correction.")
                    % {"verdict": change["new"]}
                )
            expected = change["old_id"]
        else:
            current, fields[name], expected = getattr(claim, name), change["new"], change["old"]
        if current != expected:
            stale.append(f"its {name} is")
    ids = [entry["id"] for entry in changes.get("sources_removed") or []]
    removed = list(Source.objects.filter(claim=claim, pk__in=ids).order_by("pk"))
    if len(removed) != len(set(ids)):
        stale.append("the sources it removes are")
    if stale:
        raise StaleCorrection(claim, stale)
    return fields, removed


def _tell_checkers(claim: Claim, correction: ClaimCorrection, user: AbstractBaseUser) -> None:
    """Tell the checkers credited on the claim, and the proposer, that a correction was published."""
    verdict = (correction.changes or {}).get("verdict")
    said = {"actor": actor_name(user), "claim": workflow.short(claim), "note": correction.note}
    if not verdict:
        text = notice("corrected", **said)
    elif verdict["old"]:
        text = notice("corrected_verdict", new=verdict["new"], old=verdict["old"], **said)
    else:
        text = notice("corrected_first_verdict", new=verdict["new"], **said)
    told: set[int] = {user.pk}
    for person in [*credits(claim).checked_by, correction.proposed_by]:
        if person is not None and person.pk not in told:
            told.add(person.pk)
            notifications.notify(person, claim, Notification.Kind.CORRECTED, text)

"""Who checked, reviewed and corrected a claim: computed from its history, never from "last touched" fields.

A fact-check's credits are a public statement: "Checked by" names the people who researched
the verdict, "Reviewed by" the editor who published it, "Corrected by" whoever published
each correction. ``Claim.verdict_by`` and ``Claim.reviewed_by`` only say who touched the
verdict last, so a correction by an editor used to turn the credits into "Checked by: Erin
Editor / Reviewed by: Erin Editor". Here every credit comes from the append-only history
(:class:`~annotations.models.ClaimEvent`) and the published
:class:`~annotations.models.ClaimCorrection` rows.

:func:`researchers` is also the two-person rule's definition of "who may not publish this
round" (``annotations.workflow``), so the rule and the credits can never disagree: the
people credited as checkers of a verdict are exactly the people who could not publish it.

The pure functions (:func:`researchers_in`, :func:`credits_from`) work on rows already
loaded, so one claim (:func:`credits`), a batch (:func:`credits_for`) and the streamed CSV
all compute credits the same way in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from annotations.models import Claim, ClaimCorrection, ClaimEvent, ClaimStatus
from factcheck.display import display_name

Kind = ClaimEvent.Kind

#: Claim fields whose change makes someone a researcher of the verdict.
RESEARCH_FIELDS = ("statement", "claimant", "verdict", "rationale")
#: Source changes are research too: the evidence is part of the verdict.
SOURCE_KINDS = (Kind.SOURCE_ADDED, Kind.SOURCE_CHANGED, Kind.SOURCE_REMOVED)

#: The history entries credits are computed from (everything else is irrelevant to them).
CREDIT_EVENTS = (
    Q(kind=Kind.EDITED, field__in=RESEARCH_FIELDS)
    | Q(kind__in=SOURCE_KINDS)
    | Q(kind=Kind.TRANSITION, to_status__in=(ClaimStatus.IN_REVIEW, ClaimStatus.PUBLISHED))
    | Q(kind=Kind.CORRECTED, is_public=True)
)

#: How the fields of a correction are named to readers.
FIELD_LABELS = {
    "statement": "Claim",
    "claimant": "Claimant",
    "verdict": "Verdict",
    "rationale": "Rationale",
    "sources_added": "Source added",
    "sources_removed": "Source removed",
}


def _is_publication(event: ClaimEvent) -> bool:
    return event.kind == Kind.TRANSITION and event.to_status == ClaimStatus.PUBLISHED


def _is_research(event: ClaimEvent) -> bool:
    if event.kind == Kind.EDITED:
        return event.field in RESEARCH_FIELDS
    if event.kind == Kind.TRANSITION:
        return event.to_status == ClaimStatus.IN_REVIEW  # submitting vouches for the verdict
    return event.kind in SOURCE_KINDS


def _before(event: ClaimEvent, until: ClaimEvent | datetime | None) -> bool:
    if until is None:
        return True
    if isinstance(until, ClaimEvent):
        return (event.created_at, event.pk) < (until.created_at, until.pk)
    return event.created_at < until


def researchers_in(events: Iterable[ClaimEvent], until: ClaimEvent | datetime | None = None) -> list[AbstractBaseUser]:
    """The researchers of the round that ``until`` ends, from history entries already loaded.

    ``events`` are one claim's entries, oldest first (``actor`` loaded). A round starts when
    the claim is created or last published and ends just before ``until`` (an entry or a
    time; None: now). Everyone who changed the statement,
    claimant, verdict, rationale or sources in it, or submitted it, is a researcher; changes
    nobody is on record for (imports without a user, system jobs) credit nobody.
    """
    found: dict[int, AbstractBaseUser] = {}
    for event in events:
        if not _before(event, until):
            break
        if _is_publication(event):
            found = {}
        elif _is_research(event) and event.actor_id is not None:
            found.setdefault(event.actor_id, event.actor)
    return list(found.values())


def credit_events(claim_ids: Iterable[int] | QuerySet[Any]) -> QuerySet[ClaimEvent]:
    """The history entries credits need for these claims, oldest first per claim (one query)."""
    return (
        ClaimEvent.objects.filter(CREDIT_EVENTS, claim_ref__in=claim_ids)
        .select_related("actor")
        .order_by("claim_ref", "created_at", "id")
    )


def published_corrections(claim_ids: Iterable[int] | QuerySet[Any]) -> QuerySet[ClaimCorrection]:
    """The published corrections of these claims, in the order they were published (one query)."""
    return (
        ClaimCorrection.objects.filter(claim_id__in=claim_ids, status=ClaimCorrection.Status.PUBLISHED)
        .select_related("reviewed_by", "proposed_by")
        .order_by("claim_id", "reviewed_at", "id")
    )


#: The history entries that make their actor a researcher (the filter form of ``_is_research``).
RESEARCH_EVENTS = (
    Q(kind=Kind.EDITED, field__in=RESEARCH_FIELDS)
    | Q(kind__in=SOURCE_KINDS)
    | Q(kind=Kind.TRANSITION, to_status=ClaimStatus.IN_REVIEW)
)


def researched_by(user: AbstractBaseUser | Any) -> Q:
    """For a queryset of claims never published (those in review): whether ``user`` researched each.

    The queue's form of :func:`researchers`, so the review queue offers a claim to exactly
    the editors the two-person rule lets publish it. An ``IN`` over the user's research
    entries (found once through the actor index) rather than an ``EXISTS`` per claim: with
    15,000 claims in review, SQLite probed the editor's whole history once per claim.
    ``claim_ref`` is never NULL, so ``NOT IN`` (the queue's ``exclude``) is safe.
    """
    entries = ClaimEvent.objects.filter(RESEARCH_EVENTS, actor_id=getattr(user, "pk", None))
    return Q(pk__in=entries.order_by().values("claim_ref"))


def researchers(claim: Claim, until: ClaimEvent | datetime | None = None) -> list[AbstractBaseUser]:
    """Who researched the claim in the current round (or the round ``until`` ends), first contribution first.

    The two-person rule: none of them may publish the claim. One query.
    """
    events = ClaimEvent.objects.filter(CREDIT_EVENTS, claim_ref=claim.pk).exclude(kind=Kind.CORRECTED)
    return researchers_in(events.select_related("actor").order_by("created_at", "id"), until)


# --- credits --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One thing a correction changed: ``old`` → ``new`` as readers see them (empty: nothing)."""

    field: str
    old: str
    new: str

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field.replace("_", " ").capitalize())

    @property
    def is_source(self) -> bool:
        return self.field in ("sources_added", "sources_removed")

    def __str__(self) -> str:
        """"Verdict: “False” → “Mostly false”", or "Source added: Title (URL)"."""
        if self.is_source:
            return f"{self.label}: {self.new or self.old}"
        return f"{self.label}: “{self.old}” → “{self.new}”"


@dataclass(frozen=True)
class CorrectionCredit:
    """A published correction: when, who published it, who proposed it, the public note, what changed.

    ``proposed_by`` is None for corrections made before proposals existed (the editor who
    published them is all the history knows).
    """

    date: datetime
    corrected_by: AbstractBaseUser | None
    proposed_by: AbstractBaseUser | None
    note: str
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def corrected_by_name(self) -> str:
        return display_name(self.corrected_by, missing="")

    @property
    def proposed_by_name(self) -> str:
        return display_name(self.proposed_by, missing="")

    @property
    def people(self) -> str:
        """"Corrected by Dana Editor, proposed by Casey Checker": the two-person rule, visible."""
        people = f"Corrected by {self.corrected_by_name or '—'}"
        if self.proposed_by_name:
            people += f", proposed by {self.proposed_by_name}"
        return people

    def summary(self) -> str:
        """The correction in one line of plain text (CSV cells, JSON-LD): date, changes, note, people."""
        parts = [f"{self.date:%Y-%m-%d}"]
        parts += [str(change) for change in self.changes]
        if self.note:
            parts.append(self.note)
        return " — ".join(parts) + f" ({self.people})"


@dataclass(frozen=True)
class Credits:
    """The public credits of one claim (see the module docstring for where each comes from)."""

    checked_by: list[AbstractBaseUser] = field(default_factory=list)
    reviewed_by: AbstractBaseUser | None = None
    corrections: list[CorrectionCredit] = field(default_factory=list)

    @property
    def corrected_by(self) -> list[AbstractBaseUser]:
        """Whoever published a correction, each once, in order."""
        seen: dict[int, AbstractBaseUser] = {}
        for correction in self.corrections:
            if correction.corrected_by is not None:
                seen.setdefault(correction.corrected_by.pk, correction.corrected_by)
        return list(seen.values())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        title, url = str(value.get("title") or ""), str(value.get("url") or "")
        return f"{title} ({url})" if title and url else title or url
    return str(value)


def correction_changes(changes: dict[str, Any]) -> list[FieldChange]:
    """A correction's ``changes`` JSON as old → new pairs, fields in reading order, then sources."""
    result = []
    for name in RESEARCH_FIELDS:
        change = changes.get(name)
        if isinstance(change, dict) and ("old" in change or "new" in change):
            result.append(FieldChange(name, _text(change.get("old")), _text(change.get("new"))))
    result += [FieldChange("sources_added", "", _text(source)) for source in changes.get("sources_added") or []]
    result += [FieldChange("sources_removed", _text(source), "") for source in changes.get("sources_removed") or []]
    return result


def _correction_credit(correction: ClaimCorrection) -> CorrectionCredit:
    return CorrectionCredit(
        date=correction.reviewed_at or correction.proposed_at,
        corrected_by=correction.reviewed_by,
        proposed_by=correction.proposed_by,
        note=correction.note,
        changes=correction_changes(correction.changes or {}),
    )


def _legacy_corrections(events: Sequence[ClaimEvent], corrections: Sequence[ClaimCorrection]) -> list[CorrectionCredit]:
    """Public corrections recorded only in the history (made before ``ClaimCorrection`` existed).

    Publishing a ``ClaimCorrection`` also writes CORRECTED entries (its publisher, its note):
    those are the same correction and are skipped. The rest are grouped, one correction per
    run of entries with the same author and note.
    """
    covered = {(correction.reviewed_by_id, correction.note) for correction in corrections}
    credits: list[CorrectionCredit] = []
    key: tuple[int | None, str] | None = None
    for event in events:
        if event.kind != Kind.CORRECTED or (event.actor_id, event.note) in covered:
            continue
        change = FieldChange(event.field, event.old_value, event.new_value) if event.field else None
        if key == (event.actor_id, event.note):
            if change:
                credits[-1].changes.append(change)
            continue
        key = (event.actor_id, event.note)
        credits.append(CorrectionCredit(event.created_at, event.actor, None, event.note, [change] if change else []))
    return credits


def credits_from(events: Sequence[ClaimEvent], corrections: Sequence[ClaimCorrection]) -> Credits:
    """One claim's credits from its credit history entries and published corrections, oldest first."""
    publication = next((event for event in events if _is_publication(event)), None)
    research = [event for event in events if event.kind != Kind.CORRECTED]
    ordered = sorted(
        [_correction_credit(correction) for correction in corrections] + _legacy_corrections(events, corrections),
        key=lambda credit: credit.date,
    )
    return Credits(
        checked_by=researchers_in(research, publication) if publication else researchers_in(research),
        reviewed_by=publication.actor if publication else None,
        corrections=ordered,
    )


def credits_for(claims: Iterable[Claim | int]) -> dict[int, Credits]:
    """Credits of many claims in two queries (history entries, corrections), keyed by claim id."""
    ids = [claim if isinstance(claim, int) else claim.pk for claim in claims]
    if not ids:
        return {}
    events: dict[int, list[ClaimEvent]] = {pk: [] for pk in ids}
    for event in credit_events(ids):
        events[event.claim_ref].append(event)
    corrections: dict[int, list[ClaimCorrection]] = {pk: [] for pk in ids}
    for correction in published_corrections(ids):
        corrections[correction.claim_id].append(correction)
    return {pk: credits_from(events[pk], corrections[pk]) for pk in ids}


def credits(claim: Claim) -> Credits:
    """The claim's credits (two queries)."""
    return credits_for([claim])[claim.pk]

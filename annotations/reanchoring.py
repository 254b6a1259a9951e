"""Re-anchoring: claims follow their article's text through corrections.

Every claim points into ``Article.body`` by offsets and quote (see
:mod:`annotations.anchoring`). When an editor corrects an article
(:func:`articles.corrections.edit_article`), the text layer announces it and
:func:`reanchor_claims` re-anchors every claim in the same transaction
(:func:`relocate`): first by *exact position*, following the unchanged stretches of text
through the edit (``articles.textdiff``), then by the claim's quote with its prefix/suffix
and the mapped position as a hint, tolerating small edits inside the quote. Each claim ends

* **anchored** -- the same words at the same place (possibly at new offsets, because
  text before it changed),
* **moved** -- found somewhere else or with changed wording: flagged until an editor
  has had a second look (:func:`mark_checked`), or
* **orphaned** -- not found. Orphans are never deleted: their last ``start``/``end``/
  ``exact`` stay as the record of what they quoted (the offsets may then lie outside
  the new body, so pages must not highlight orphans), and an editor re-attaches them
  to a new selection with :func:`reattach_claim`.

Claims that end moved or orphaned get a ``REANCHORED`` entry in their history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations.anchoring import Anchor, AnchorError, describe, reanchor, validate_anchor
from annotations.models import AnchorState, Claim, ClaimEvent
from annotations.permissions import claim_policy
from annotations.services import actor_or_none, record_event
from articles.corrections import CorrectionReport
from articles.models import Article
from articles.signals import article_body_changed
from articles.textdiff import Block, align, map_edges, map_position, map_span
from factcheck.entry_points import current_entry_point

__all__ = [
    "Placement",
    "ReanchorReport",
    "claims_needing_attention",
    "claims_report",
    "mark_checked",
    "reanchor_claims",
    "reattach_claim",
    "relocate",
]

AnyUser = AbstractBaseUser | AnonymousUser

#: Claim columns that re-anchoring may change (``bulk_update`` writes exactly these).
ANCHOR_FIELDS = ("start", "end", "exact", "prefix", "suffix", "anchor_state", "version", "updated_at")

_DASH = "\u2013"


PlacementVia = Literal["position", "quote", "none"]


@dataclass(frozen=True)
class Placement:
    """Where one claim ends up in the new body.

    ``via`` says how it was found: ``"position"`` (its text lies in an unchanged stretch,
    followed through the edit), ``"quote"`` (searched for by quote and context) or
    ``"none"`` (orphaned; ``anchor`` is None). ``score`` is the 0..1 match confidence.
    """

    state: AnchorState
    anchor: Anchor | None
    via: PlacementVia
    score: float


def _place(anchor: Anchor, previous: str, blocks: Sequence[Block], body: str) -> Placement:
    """Re-anchor one claim; a claim already flagged keeps its flag until someone checks it."""
    settled = previous == AnchorState.ANCHORED
    if previous != AnchorState.ORPHANED:
        # An orphan's offsets belong to an older text than ``blocks`` describes: skip straight to the quote.
        spans = map_span(blocks, anchor.start, anchor.end) or map_edges(blocks, anchor.start, anchor.end)
        for start, end in spans:
            if start >= 0 and body[start:end] == anchor.exact:
                state = AnchorState.ANCHORED if settled else AnchorState.MOVED
                return Placement(state, describe(body, start, end), "position", 1.0)
        hint = map_position(blocks, anchor.start)
    else:
        hint = None
    result = reanchor(body, anchor, hint=hint)
    if result.start is None or result.end is None:
        return Placement(AnchorState.ORPHANED, None, "none", 0.0)
    try:
        new_anchor = describe(body, result.start, result.end)
    except AnchorError:
        return Placement(AnchorState.ORPHANED, None, "none", 0.0)
    unchanged = result.state == "anchored" and settled
    return Placement(AnchorState.ANCHORED if unchanged else AnchorState.MOVED, new_anchor, "quote", result.score)


def relocate(
    old_body: str,
    new_body: str,
    anchors: Sequence[Anchor],
    previous_states: Sequence[str] | None = None,
) -> list[Placement]:
    """Re-anchor claims written against ``old_body`` in ``new_body`` (results in input order).

    Pure function: the re-anchoring rules of a correction, testable without a database.
    ``previous_states`` are the claims' current anchor states (default: all anchored); a
    claim that was moved or orphaned before stays flagged (moved) when found, so a second
    edit never silently clears a flag nobody looked at.
    """
    states = list(previous_states) if previous_states is not None else [AnchorState.ANCHORED] * len(anchors)
    if len(states) != len(anchors):
        raise ValueError("previous_states must have one entry per anchor")
    blocks = align(old_body, new_body)
    return [_place(anchor, state, blocks, new_body) for anchor, state in zip(anchors, states, strict=True)]


@dataclass
class ReanchorReport:
    """Where each of an article's claims ended up after a correction."""

    anchored: list[Claim] = field(default_factory=list)
    moved: list[Claim] = field(default_factory=list)
    orphaned: list[Claim] = field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        return bool(self.moved or self.orphaned)

    def summary(self) -> str:
        """E.g. "3 claims anchored, 1 moved, 1 orphaned" (part of the correction's message)."""
        total = len(self.anchored) + len(self.moved) + len(self.orphaned)
        if not total:
            return "The article has no claims."
        noun = "claim" if len(self.anchored) == 1 else "claims"
        return f"{len(self.anchored)} {noun} anchored, {len(self.moved)} moved, {len(self.orphaned)} orphaned."


def claims_report(correction: CorrectionReport) -> ReanchorReport:
    """The claims' part of a correction report (empty when the text did not change)."""
    for follow_up in correction.follow_ups:
        if isinstance(follow_up, ReanchorReport):
            return follow_up
    return ReanchorReport()


def _event_note(version: int, old: tuple[int, int, str, str], claim: Claim) -> str:
    old_start, old_end, old_exact, old_state = old
    if claim.anchor_state == AnchorState.ORPHANED:
        return (
            f"Orphaned by the correction to version {version}: the quote was not found in the new text. "
            "Re-attach the claim to a new selection."
        )
    if old_state == AnchorState.ORPHANED:
        where = "found again"
    elif claim.exact != old_exact:
        where = "the quoted wording changed"
    else:
        where = "found at a new place"
    return (
        f"Moved by the correction to version {version}: {where} "
        f"({old_start}{_DASH}{old_end} \u2192 {claim.start}{_DASH}{claim.end}). Check that the claim still fits."
    )


@receiver(article_body_changed, dispatch_uid="annotations.reanchor_claims")
def reanchor_claims(
    sender: type[Article], *, article: Article, old_body: str, user: AnyUser | None, **kwargs: object
) -> ReanchorReport:
    """Follow an article correction: apply :func:`relocate` to its claims, with history for flagged ones.

    Runs inside :func:`articles.corrections.edit_article`'s transaction (a signal receiver),
    so the new text and the claims' new anchors commit together or not at all.
    """
    report = ReanchorReport()
    claims = list(Claim.objects.select_for_update().filter(article=article).order_by("start", "id"))
    anchors = [Anchor(c.start, c.end, c.exact, c.prefix, c.suffix) for c in claims]
    placements = relocate(old_body, article.body, anchors, [c.anchor_state for c in claims])
    now = timezone.now()
    changed: list[Claim] = []
    events: list[ClaimEvent] = []
    for claim, placement in zip(claims, placements, strict=True):
        before = (claim.start, claim.end, claim.exact, claim.prefix, claim.suffix, claim.anchor_state)
        old_state = claim.anchor_state
        if placement.anchor is not None:
            new = placement.anchor
            claim.start, claim.end, claim.exact, claim.prefix, claim.suffix = (
                new.start, new.end, new.exact, new.prefix, new.suffix,
            )
        claim.anchor_state = placement.state
        {
            AnchorState.ANCHORED: report.anchored,
            AnchorState.MOVED: report.moved,
            AnchorState.ORPHANED: report.orphaned,
        }[placement.state].append(claim)
        if before == (claim.start, claim.end, claim.exact, claim.prefix, claim.suffix, claim.anchor_state):
            continue
        # A claim that merely shifted with the text around it is not news: no history
        # entry and no version bump, so an open claim panel does not hit a false conflict.
        flagged = placement.state != old_state or placement.via == "quote"
        if flagged:
            claim.version += 1
            events.append(
                ClaimEvent(
                    claim=claim,
                    article=article,
                    claim_ref=claim.pk,
                    actor=actor_or_none(user),
                    kind=ClaimEvent.Kind.REANCHORED,
                    via=current_entry_point(),
                    field="anchor",
                    old_value=before[2],
                    new_value="" if placement.state == AnchorState.ORPHANED else claim.exact,
                    note=_event_note(article.version, (before[0], before[1], before[2], old_state), claim),
                )
            )
        claim.updated_at = now
        changed.append(claim)
    if changed:
        Claim.objects.bulk_update(changed, ANCHOR_FIELDS)
    if events:
        ClaimEvent.objects.bulk_create(events)
    return report


@transaction.atomic
def reattach_claim(
    claim: Claim, *, user: AnyUser | None, start: int, end: int, exact: str, check_permission: bool = True
) -> Claim:
    """Anchor a claim (usually an orphan) to ``article.body[start:end]``, chosen by an editor.

    Offsets are code points (convert browser UTF-16 offsets first, see
    ``annotations.anchoring.utf16_to_index``) and ``exact`` must be the text at them, as
    for a new claim: a stale page is refused with ``AnchorError`` rather than attaching
    the claim to the wrong words.
    """
    if check_permission:
        claim_policy.require(user, "reanchor", claim)
    current = Claim.objects.select_for_update().select_related("article").get(pk=claim.pk)
    body = current.article.body
    validate_anchor(body, start, end, exact)
    anchor = describe(body, start, end)
    old_exact, old_state = current.exact, current.anchor_state
    current.start, current.end, current.exact, current.prefix, current.suffix = (
        anchor.start, anchor.end, anchor.exact, anchor.prefix, anchor.suffix,
    )
    current.anchor_state = AnchorState.ANCHORED
    current.version += 1
    current.save(update_fields=ANCHOR_FIELDS)
    state_label = AnchorState(old_state).label.lower()
    record_event(
        current,
        ClaimEvent.Kind.REANCHORED,
        user,
        field="anchor",
        old_value=old_exact,
        new_value=anchor.exact,
        note=_("Re-attached by an editor (was %(state)s) at %(start)s%(dash)s%(end)s.")
        % {"state": state_label, "start": anchor.start, "dash": _DASH, "end": anchor.end},
    )
    return current


@transaction.atomic
def mark_checked(claim: Claim, *, user: AnyUser | None, check_permission: bool = True) -> Claim:
    """Clear a "moved" flag after an editor has checked that the claim still fits its new place."""
    if check_permission:
        claim_policy.require(user, "reanchor", claim)
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    if current.anchor_state != AnchorState.MOVED:
        state = AnchorState(current.anchor_state).label.lower()
        raise ValidationError(_("Only moved claims need checking; this one is %(state)s.") % {"state": state})
    current.anchor_state = AnchorState.ANCHORED
    current.version += 1
    current.save(update_fields=["anchor_state", "version", "updated_at"])
    record_event(
        current,
        ClaimEvent.Kind.REANCHORED,
        user,
        field="anchor_state",
        old_value=AnchorState.MOVED,
        new_value=AnchorState.ANCHORED,
        note=_("Checked after the correction: the claim still fits its new place."),
    )
    return current


def claims_needing_attention(article: Article) -> tuple[list[Claim], list[Claim]]:
    """The article's moved and orphaned claims, in one query (for the corrections panel)."""
    moved: list[Claim] = []
    orphaned: list[Claim] = []
    flagged = article.claims.filter(anchor_state__in=[AnchorState.MOVED, AnchorState.ORPHANED]).order_by("start", "id")
    for claim in flagged:
        (moved if claim.anchor_state == AnchorState.MOVED else orphaned).append(claim)
    return moved, orphaned

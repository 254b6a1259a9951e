"""Corrections: changing an article's text without losing its history or its claims.

Every claim points into ``Article.body`` by offsets and quote (see
:mod:`annotations.anchoring`), so a body edit is never a plain ``save()``. It goes
through :func:`edit_article`, which in one transaction

1. checks that nobody saved the article since the editor opened it (optimistic lock),
2. keeps the old text as an :class:`~articles.models.ArticleRevision`,
3. saves the new canonical text and bumps ``Article.version``,
4. re-anchors every claim (:func:`relocate`): first by *exact position*, following the
   unchanged stretches of text through the edit (``articles.textdiff``), then by the
   claim's quote with its prefix/suffix and the mapped position as a hint, tolerating
   small edits inside the quote. Each claim ends

   * **anchored** -- the same words at the same place (possibly at new offsets, because
     text before it changed),
   * **moved** -- found somewhere else or with changed wording: flagged until an editor
     has had a second look (:func:`mark_checked`), or
   * **orphaned** -- not found. Orphans are never deleted: their last ``start``/``end``/
     ``exact`` stay as the record of what they quoted (the offsets may then lie outside
     the new body, so pages must not highlight orphans), and an editor re-attaches them
     to a new selection with :func:`reattach_claim`.

Claims that end moved or orphaned get a ``REANCHORED`` entry in their history.
The browser edit page, the admin and tests all call these functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from annotations.anchoring import Anchor, AnchorError, describe, reanchor, validate_anchor
from annotations.models import AnchorState, Claim, ClaimEvent
from annotations.services import record_event
from articles.models import Article, ArticleRevision
from articles.text import canonicalize_body, canonicalize_line
from articles.textdiff import Block, align, map_edges, map_position, map_span

__all__ = [
    "ArticleEditConflict",
    "CorrectionReport",
    "Placement",
    "can_correct",
    "claims_needing_attention",
    "edit_article",
    "mark_checked",
    "reattach_claim",
    "relocate",
]

AnyUser = AbstractBaseUser | AnonymousUser

#: Claim columns that re-anchoring may change (``bulk_update`` writes exactly these).
ANCHOR_FIELDS = ("start", "end", "exact", "prefix", "suffix", "anchor_state", "version", "updated_at")

_DASH = "\u2013"


class ArticleEditConflict(Exception):
    """Someone saved the article after the editor opened it; ``current`` is what is stored now."""

    def __init__(self, current: Article) -> None:
        super().__init__(
            f"This article was changed by someone else since you opened it (it is now version "
            f"{current.version}). Your text is kept below: compare it with the current version "
            "and save again."
        )
        self.current = current


def can_correct(user: AnyUser) -> bool:
    """Editors and admins correct article text and fix the claims it displaced.

    Read from the ``articles.change_article`` permission, which the Editor group has.
    """
    return bool(getattr(user, "is_authenticated", False) and user.has_perm("articles.change_article"))


def _require_corrector(user: AnyUser) -> None:
    if not can_correct(user):
        raise PermissionDenied("Only editors can correct article text.")


def _actor(user: AnyUser | None) -> AbstractBaseUser | None:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


# ----------------------------------------------------------------- re-anchoring (pure)


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


# ------------------------------------------------------------------------ services


@dataclass
class CorrectionReport:
    """What a correction did: the revision it kept and where each claim ended up."""

    article: Article
    revision: ArticleRevision | None = None
    anchored: list[Claim] = field(default_factory=list)
    moved: list[Claim] = field(default_factory=list)
    orphaned: list[Claim] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.revision is not None

    def summary(self) -> str:
        """One line for the message shown after saving, e.g. "3 claims anchored, 1 moved, 1 orphaned"."""
        if not self.changed:
            return "No changes: the text is the same as the current version."
        saved = f"Saved version {self.article.version}."
        total = len(self.anchored) + len(self.moved) + len(self.orphaned)
        if not total:
            return f"{saved} The article has no claims."
        noun = "claim" if len(self.anchored) == 1 else "claims"
        return (
            f"{saved} {len(self.anchored)} {noun} anchored, {len(self.moved)} moved, "
            f"{len(self.orphaned)} orphaned."
        )


def _validated_text(title: str, body: str) -> tuple[str, str]:
    """Canonical title and body, or a ValidationError naming the field and the limit."""
    title = canonicalize_line(title)
    body = canonicalize_body(body)
    errors: dict[str, str] = {}
    title_limit = Article._meta.get_field("title").max_length or 500
    if not title:
        errors["title"] = "An article needs a title."
    elif len(title) > title_limit:
        errors["title"] = f"The title is {len(title):,} characters; the limit is {title_limit:,}."
    if not body:
        errors["body"] = "The body is empty. To retire an article, delete it instead."
    elif len(body) > settings.FACTDESK_MAX_BODY_CHARS:
        errors["body"] = (
            f"The body is {len(body):,} characters; the limit is {settings.FACTDESK_MAX_BODY_CHARS:,}."
        )
    if errors:
        raise ValidationError(errors)
    return title, body


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


def _reanchor_claims(article: Article, old_body: str, user: AnyUser | None, report: CorrectionReport) -> None:
    """Apply :func:`relocate` to the article's claims, with history entries for flagged ones."""
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
                    actor=_actor(user),
                    kind=ClaimEvent.Kind.REANCHORED,
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


@transaction.atomic
def edit_article(
    article: Article,
    *,
    user: AnyUser | None,
    title: str,
    body: str,
    expected_version: int,
    note: str = "",
    check_permission: bool = True,
) -> CorrectionReport:
    """Correct an article's title and body, keeping the old text and re-anchoring every claim.

    ``expected_version`` is the ``Article.version`` the editor's form was built from; if
    the article changed since, :class:`ArticleEditConflict` is raised and nothing is
    written. Text is canonicalised first, so an edit that only changes line endings or
    trailing spaces is no change at all (no revision, nothing re-anchored). Raises
    ``PermissionDenied`` (not an editor) and ``ValidationError`` (empty or too long).
    """
    if check_permission:
        _require_corrector(user)
    title, body = _validated_text(title, body)
    note = note.replace("\x00", "").strip()  # PostgreSQL refuses NUL in text
    note_limit = ArticleRevision._meta.get_field("note").max_length or 500
    if len(note) > note_limit:
        raise ValidationError({"note": f"The note is {len(note):,} characters; the limit is {note_limit:,}."})
    current = Article.objects.select_for_update().get(pk=article.pk)
    if current.version != expected_version:
        raise ArticleEditConflict(current)
    report = CorrectionReport(article=current)
    if title == current.title and body == current.body:
        return report
    number = (current.revisions.aggregate(last=Max("number"))["last"] or 0) + 1
    report.revision = ArticleRevision.objects.create(
        article=current, number=number, title=current.title, body=current.body, edited_by=_actor(user), note=note,
    )
    old_body = current.body
    current.title, current.body = title, body
    current.version += 1
    current.save(update_fields=["title", "body", "version", "updated_at"])
    _reanchor_claims(current, old_body, user, report)
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
        _require_corrector(user)
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
        note=f"Re-attached by an editor (was {state_label}) at {anchor.start}{_DASH}{anchor.end}.",
    )
    return current


@transaction.atomic
def mark_checked(claim: Claim, *, user: AnyUser | None, check_permission: bool = True) -> Claim:
    """Clear a "moved" flag after an editor has checked that the claim still fits its new place."""
    if check_permission:
        _require_corrector(user)
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    if current.anchor_state != AnchorState.MOVED:
        state = AnchorState(current.anchor_state).label.lower()
        raise ValidationError(f"Only moved claims need checking; this one is {state}.")
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
        note="Checked after the correction: the claim still fits its new place.",
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

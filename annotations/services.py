"""Claim services: the one place where claims, sources, comments and links between claims are written.

Views, the admin, search, importers and management commands all call these functions, so
the rules (anchors must match the body, optimistic locking, history for every change, who
may delete what) hold whichever door a change comes through. Review-state transitions
and assignments live in :mod:`annotations.workflow`, corrections of published claims in
:mod:`annotations.claim_corrections`.

Who may change a claim's research is decided in two steps (:func:`edit_refusal`):

* the claim's *state*: a published claim is locked (its statement, claimant, verdict,
  rationale and sources change only through a correction) and so is a dismissed one
  until it is reopened. This binds everyone, admins included;
* the *person*: the claim policy's "change" rule (a claim assigned to a fact-checker is
  read-only to other fact-checkers; a claim in review has been handed to the editors).

Both refusals raise :class:`ClaimLocked` (a ``PermissionDenied``, so every door answers
403 with the sentence, which names the way out). Comments stay open in every state. A
change to a claim in review tells the editors who were told of its submission.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from annotations import limits, mentions, notifications
from annotations.anchoring import describe, validate_anchor
from annotations.models import (
    Claim,
    ClaimEvent,
    ClaimGroup,
    ClaimStatus,
    Comment,
    Notification,
    RatingLabel,
    Source,
)
from annotations.notification_texts import actor_name, notice
from annotations.permissions import claim_policy
from articles.models import Article
from articles.text import canonicalize_line, strip_control_chars
from factcheck.display import one_line
from factcheck.entry_points import current_entry_point

#: Claim fields a user edits directly in the claim panel (not through a workflow transition).
#: With the sources, they are the claim's research: locked once published (see :func:`lock_reason`).
EDITABLE_FIELDS = ("statement", "claimant", "verdict", "rationale")

#: Claim states that lock the research, and the sentence that names the way out.
LOCKED_STATES = {
    ClaimStatus.PUBLISHED: gettext_noop("This claim is published: propose a correction."),
    ClaimStatus.DISMISSED: gettext_noop("This claim is dismissed: reopen it to change it."),
}


class EditConflict(Exception):
    """Someone else saved the claim first; ``current`` holds the values now stored."""

    def __init__(self, current: Claim) -> None:
        super().__init__(
            _(
                "This claim was changed by someone else (now version %(version)s). "
                "Review the current values and apply your change again."
            )
            % {"version": current.version}
        )
        self.current = current


#: URLs are validated, never silently repaired: a NUL inside a URL is refused, not removed.
_VALIDATED_NOT_CLEANED = frozenset({"url", "archive_url"})


#: One-line fields: bidi overrides and stray invisible characters are removed, not just controls.
_SHORT_FIELDS = frozenset({"claimant", "title", "publisher"})


def _clean_strings(values: dict[str, Any]) -> dict[str, Any]:
    """Strip control characters (NUL) from free-text values before they reach the database.

    One-line fields (claimant, source title and publisher) get :func:`canonicalize_line`,
    which also drops bidi overrides and invisible characters that would disguise a name.
    """
    return {
        name: (canonicalize_line(value) if name in _SHORT_FIELDS else strip_control_chars(value))
        if isinstance(value, str) and name not in _VALIDATED_NOT_CLEANED
        else value
        for name, value in values.items()
    }


class ClaimLocked(PermissionDenied):
    """A change to a claim's research was refused: the claim's state or the person rules it out.

    A ``PermissionDenied``, so a door that does not catch it still answers 403 with the
    sentence; the sentence says what to do instead (propose a correction, reopen, withdraw).
    """


def require_fact_checker(user: AbstractBaseUser | AnonymousUser | None) -> None:
    """Raise PermissionDenied unless the user may research claims (the claim policy's "change")."""
    claim_policy.require(user, "change")


def lock_reason(claim: Claim) -> str | None:
    """Why the claim's state forbids changing its research for everyone (None: it does not)."""
    reason = LOCKED_STATES.get(claim.status)
    return _(reason) if reason is not None else None  # marked with gettext_noop, translated here


def edit_refusal(user: AbstractBaseUser | AnonymousUser | None, claim: Claim) -> str | None:
    """Why ``user`` may not change this claim's statement, claimant, verdict, rationale or sources.

    None when they may. The role comes first (a reader is told they need a desk role), then
    the claim's state (locked for everyone), then the claim policy's rule for this person.
    Views ask it to decide between the edit forms and "propose a correction" / "withdraw".
    """
    if not claim_policy.user_has_permission(user, "change"):
        return claim_policy.refusal("change")
    return lock_reason(claim) or claim_policy.instance_refusal(user, "change", claim)


def require_edit(user: AbstractBaseUser | AnonymousUser | None, claim: Claim) -> None:
    """Raise :class:`ClaimLocked` unless ``user`` may change the claim's research (see :func:`edit_refusal`)."""
    reason = edit_refusal(user, claim)
    if reason is not None:
        raise ClaimLocked(reason)


def field_text(value: Any) -> str:
    """How a field value is written into the history (labels by name, users by username)."""
    if value is None:
        return ""
    if isinstance(value, AbstractBaseUser):
        return value.get_username()
    return str(value)


def actor_or_none(user: AbstractBaseUser | AnonymousUser | None) -> AbstractBaseUser | None:
    """The user to credit in the history: nobody for anonymous or system changes."""
    return user if user is not None and user.is_authenticated else None


def record_event(
    claim: Claim, kind: str, user: AbstractBaseUser | None, **fields: Any
) -> ClaimEvent:
    """Append one entry to the claim's history."""
    return ClaimEvent.objects.create(
        claim=claim,
        article_id=claim.article_id,
        claim_ref=claim.pk,
        actor=actor_or_none(user),
        kind=kind,
        via=current_entry_point(),
        **fields,
    )


@transaction.atomic
def create_claim(
    article: Article,
    start: int,
    end: int,
    exact: str | None,
    *,
    user: AbstractBaseUser | None,
    statement: str = "",
    claimant: str = "",
    canonical_iri: str = "",
    via_iri: str = "",
    check_permission: bool = True,
) -> Claim:
    """Create a claim anchored at ``article.body[start:end]``.

    ``canonical_iri`` and ``via_iri`` record where an annotation made elsewhere came from
    (the W3C Protocol's ``canonical`` and the client's own ``id``); they never change after.

    ``exact`` is what the browser believes it selected; it must equal the body slice, so a
    stale page or a miscounted offset is refused (AnchorError) instead of anchoring the
    claim on the wrong words. Pass ``exact=None`` for trusted callers (demo data, imports
    that computed the offsets themselves).

    The article row is locked and read again inside the transaction: ``article`` may be a
    copy loaded before a correction was saved, and validating against its stale body would
    anchor the claim on text that no longer exists. A correction in progress holds the
    same lock (``articles.corrections.edit_article``), so the create waits for it and then
    checks the offsets against the corrected body.

    Bounded (:mod:`annotations.limits`): the quote, statement and claimant have length caps
    and an article at most ``FACTDESK_MAX_CLAIMS_PER_ARTICLE`` claims (ValidationError with
    the numbers). The claims are counted under the article's row lock, so two creates at
    once cannot both take the last place.
    """
    if check_permission:
        require_fact_checker(user)
    current = Article.objects.select_for_update().get(pk=article.pk)
    body = current.body
    if exact is None:
        # Trusted callers computed the offsets on the body they hold: if that body is no
        # longer current, the quote they meant is compared with the new text and refused.
        exact = article.body[start:end] if isinstance(start, int) and isinstance(end, int) else ""
    limits.check_length("quote", exact, "exact")
    validate_anchor(body, start, end, exact)
    anchor = describe(body, start, end)
    statement = strip_control_chars(statement).strip() or anchor.exact
    claimant = canonicalize_line(claimant)
    limits.check_lengths({"statement": statement, "claimant": claimant}, limits.CLAIM_KINDS)
    require_room_for_claim(current)
    claim = Claim.objects.create(
        article=current,
        start=start,
        end=end,
        exact=anchor.exact,
        prefix=anchor.prefix,
        suffix=anchor.suffix,
        statement=statement,
        claimant=claimant,
        canonical_iri=canonical_iri[:2000],
        via_iri=via_iri[:2000],
        created_by=user if user is not None and user.is_authenticated else None,
    )
    record_event(claim, ClaimEvent.Kind.CREATED, user, new_value=anchor.exact)
    return claim


def require_room_for_claim(article: Article) -> None:
    """ValidationError when ``article`` already has the most claims one article may have (one COUNT query).

    Call it with the article's row locked (as :func:`create_claim` does), so the count
    cannot change before the new claim is saved.
    """
    message = limits.too_many_claims(Claim.objects.filter(article_id=article.pk).count())
    if message is not None:
        raise ValidationError(message, code="too_many_claims")


@transaction.atomic
def update_claim(
    claim: Claim, *, user: AbstractBaseUser, expected_version: int, changes: dict[str, Any]
) -> Claim:
    """Apply panel edits to a claim with optimistic locking and a history entry per field.

    The update only succeeds if the stored version is still ``expected_version``; otherwise
    :class:`EditConflict` carries the current values so the user can re-apply their edit.
    A changed value longer than its cap (:mod:`annotations.limits`) is refused with a
    ValidationError keyed by the field.
    """
    require_fact_checker(user)
    changes = _clean_strings(changes)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be edited here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    current = lock_claim(claim, expected_version)
    changed = {name: value for name, value in changes.items() if getattr(current, name) != value}
    if not changed:
        return current
    require_edit(user, current)
    limits.check_lengths(changed, limits.CLAIM_KINDS)
    if "verdict" in changed:
        verdict = changed["verdict"]
        if verdict is not None and not isinstance(verdict, RatingLabel):
            raise ValidationError(_("Choose a verdict from the rating scale."))
        current.verdict_by = user if verdict is not None else None
    apply_field_changes(current, user, changed, ClaimEvent.Kind.EDITED)
    save_changed(current)
    _tell_reviewers(current, user, list(changed))
    return current


def apply_field_changes(
    claim: Claim, user: AbstractBaseUser | None, changed: dict[str, Any], kind: str, **event_fields: Any
) -> None:
    """Set ``changed`` on the locked ``claim``, one ``kind`` history entry per field (not saved yet).

    The internals shared by panel edits (EDITED) and published corrections (CORRECTED, with
    the public note in ``event_fields``); callers check permissions and versions first and
    then call :func:`save_changed`.
    """
    for name, value in changed.items():
        record_event(
            claim, kind, user,
            field=name, old_value=field_text(getattr(claim, name)), new_value=field_text(value), **event_fields,
        )
        setattr(claim, name, value)


def save_changed(claim: Claim) -> None:
    """Save the locked ``claim`` with its version bumped, and read the stored values back."""
    claim.version = F("version") + 1
    claim.save()
    claim.refresh_from_db()


def submission_recipients(claim: Claim) -> list[AbstractBaseUser]:
    """The editors who were told that the claim was submitted for its current review.

    They are the ones a withdrawal or a change during review concerns. Read from the
    notifications of the submission, so it is exactly who was told, not who could be now.
    """
    told = Notification.objects.filter(claim=claim, kind=Notification.Kind.SUBMITTED).select_related("recipient")
    if claim.submitted_at is not None:
        told = told.filter(created_at__gte=claim.submitted_at)
    recipients: dict[int, AbstractBaseUser] = {}
    for notification in told.order_by("id"):
        recipients.setdefault(notification.recipient_id, notification.recipient)
    return list(recipients.values())


def _tell_reviewers(claim: Claim, user: AbstractBaseUser, fields: list[str]) -> None:
    """A claim in review changed: tell the editors told of its submission (the page they opened is stale).

    ``fields`` are the claim's field names (or "sources"); each reader sees them in their language.
    """
    if claim.status != ClaimStatus.IN_REVIEW:
        return
    text = notice(
        "changed_in_review", actor=actor_name(user), fields=fields,
        claim=one_line(claim.statement or claim.exact, 80),
    )
    for editor in submission_recipients(claim):
        if editor.pk != user.pk:
            notifications.notify(editor, claim, Notification.Kind.CHANGED_IN_REVIEW, text)


def lock_claim(claim: Claim, expected_version: int | None) -> Claim:
    """The claim's row, locked until the transaction ends; EditConflict if it is past ``expected_version``.

    Every change that starts from a form (the claim panel, an admin change form, an
    inline source) says which version the user saw; checking it under the row lock is
    what turns "the last save wins" into a conflict the user can resolve. ``None`` means
    the caller did not start from a form (imports, demo data): the row is still locked.
    """
    current = Claim.objects.select_for_update(of=("self",)).select_related("verdict").get(pk=claim.pk)
    _check_version(current, expected_version)
    return current


def _check_version(current: Claim, expected_version: int | None) -> None:
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(current)


def bump_version(claim: Claim) -> None:
    """Mark the claim as changed (sources and comments count as changes for locking)."""
    Claim.objects.filter(pk=claim.pk).update(version=F("version") + 1, updated_at=timezone.now())
    claim.refresh_from_db(fields=["version", "updated_at"])


SOURCE_FIELDS = ("url", "title", "publisher", "excerpt", "stance", "accessed_on", "archive_url")


def _validated_source(source: Source) -> Source:
    """Run model validation (http/https URLs, stance choices) before touching the database."""
    source.full_clean(exclude=["claim", "added_by"])
    return source


def validated_source(claim: Claim, added_by: AbstractBaseUser | None, fields: dict[str, Any]) -> Source:
    """An unsaved source of ``claim`` with ``fields``, cleaned and validated (ValidationError otherwise)."""
    unknown = set(fields) - set(SOURCE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown source field: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    fields = _clean_strings(fields)
    limits.check_lengths(fields, limits.SOURCE_KINDS)
    return _validated_source(Source(claim=claim, added_by=actor_or_none(added_by), **fields))


def attach_source(
    claim: Claim, user: AbstractBaseUser | None, source: Source, kind: str = ClaimEvent.Kind.SOURCE_ADDED,
    **event_fields: Any,
) -> Source:
    """Save a validated source of the locked ``claim`` with its history entry (the version is the caller's)."""
    source.save()
    record_event(claim, kind, user, field="source", new_value=source.url, **event_fields)
    return source


def detach_source(
    claim: Claim, user: AbstractBaseUser | None, source: Source, kind: str = ClaimEvent.Kind.SOURCE_REMOVED,
    **event_fields: Any,
) -> None:
    """Delete a source of the locked ``claim``, keeping its URL in the history (the version is the caller's)."""
    record_event(claim, kind, user, field="source", old_value=source.url, **event_fields)
    source.delete()


@transaction.atomic
def add_source(claim: Claim, *, user: AbstractBaseUser, expected_version: int | None = None, **fields: Any) -> Source:
    """Attach evidence to a claim (URL must be http/https, enforced by validator and constraint).

    ``expected_version`` is the claim's version the user's form was opened at (see :func:`lock_claim`).
    """
    require_fact_checker(user)
    current = lock_claim(claim, expected_version)
    require_edit(user, current)
    source = attach_source(claim, user, validated_source(claim, user, fields))
    bump_version(claim)
    _tell_reviewers(current, user, ["sources"])
    return source


@transaction.atomic
def update_source(
    source: Source, *, user: AbstractBaseUser, expected_version: int | None = None, **fields: Any
) -> Source:
    """Change a source's fields; the history records each changed field.

    A source is part of its claim: editing it checks the claim's ``expected_version``, so
    two people editing the same evidence get a conflict instead of the last save winning.
    """
    require_fact_checker(user)
    current = lock_claim(source.claim, expected_version)
    require_edit(user, current)
    before = {name: getattr(source, name) for name in SOURCE_FIELDS}
    fields = _clean_strings(fields)
    unknown = set(fields) - set(SOURCE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown source field: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    limits.check_lengths({name: value for name, value in fields.items() if value != before[name]}, limits.SOURCE_KINDS)
    for name, value in fields.items():
        setattr(source, name, value)
    _validated_source(source).save()
    for name in SOURCE_FIELDS:
        if before[name] != getattr(source, name):
            record_event(
                source.claim, ClaimEvent.Kind.SOURCE_CHANGED, user,
                field=f"source.{name}", old_value=field_text(before[name]), new_value=field_text(getattr(source, name)),
            )
    bump_version(source.claim)
    _tell_reviewers(current, user, ["sources"])
    return source


@transaction.atomic
def remove_source(source: Source, *, user: AbstractBaseUser, expected_version: int | None = None) -> None:
    """Detach evidence from a claim, keeping a record of which URL it was."""
    require_fact_checker(user)
    claim = source.claim
    current = lock_claim(claim, expected_version)
    require_edit(user, current)
    detach_source(claim, user, source)
    bump_version(claim)
    _tell_reviewers(current, user, ["sources"])


@transaction.atomic
def add_comment(
    claim: Claim, *, user: AbstractBaseUser, body: str, expected_version: int | None = None
) -> Comment:
    """Add a discussion entry to a claim (at most ``FACTDESK_MAX_COMMENT_CHARS`` characters).

    ``expected_version`` is the claim's version the comment was written against (the panel
    sends it): a comment on values someone has since changed is refused with
    :class:`EditConflict`, so nobody answers a verdict that is no longer there. A comment
    does not bump the version: two people discussing a claim do not conflict.
    """
    require_fact_checker(user)
    body = strip_control_chars(body).strip()
    if not body:
        raise ValidationError(_("A comment cannot be empty."))
    limits.check_length("comment", body, "body")
    lock_claim(claim, expected_version)
    comment = Comment.objects.create(claim=claim, author=user, body=body)
    record_event(claim, ClaimEvent.Kind.COMMENTED, user, new_value=body)
    mentions.notify_mentioned(comment, user)  # @username: tell them (if they may see the claim)
    return comment


def can_delete_claim(user: AbstractBaseUser | AnonymousUser | None, claim: Claim) -> bool:
    """Editors delete any claim; fact-checkers only their own claims that are not published."""
    return claim_policy.user_has_permission_for_instance(user, "delete", claim)


@transaction.atomic
def delete_claim(
    claim: Claim, *, user: AbstractBaseUser, note: str = "", expected_version: int | None = None
) -> None:
    """Delete a claim; the history keeps a DELETED entry with its quote and statement.

    ``expected_version`` is the version the person saw when they confirmed: a claim changed
    since (published, reworded...) is not deleted on the strength of an old page
    (:class:`EditConflict`). Who may delete is checked again on the locked row.
    """
    refusal = _("You can delete only your own claims that are not published.")
    if not can_delete_claim(user, claim):
        raise PermissionDenied(refusal)
    note = strip_control_chars(note).strip()
    limits.check_length("note", note, "note")
    current = lock_claim(claim, expected_version)
    if not can_delete_claim(user, current):
        raise PermissionDenied(refusal)
    record_event(
        current, ClaimEvent.Kind.DELETED, user,
        old_value=f"{current.exact}\n— {current.statement}", from_status=current.status, note=note,
    )
    current.delete()


# --- links between claims ------------------------------------------------------------------
# Linked claims share a ClaimGroup ("the same claim" in several articles). The search app
# decides *which* claims to offer for linking; whichever door a link comes through, the
# change itself is made here: editors only, a history entry and a version bump per claim.


def _claim_label(claim: Claim) -> str:
    return f"claim #{claim.pk} in “{claim.article.title}”"


def _locked_claims(**lookup: Any) -> list[Claim]:
    """Lock the claims in id order, so two editors linking the same claims cannot deadlock."""
    return list(
        Claim.objects.select_for_update(of=("self",)).select_related("article").filter(**lookup).order_by("pk")
    )


def _move_to_group(claims: list[Claim], group: ClaimGroup | None, user: AbstractBaseUser, note: str) -> None:
    """Put ``claims`` into ``group`` (None = no group), with a history entry and a version bump each."""
    changed = [claim for claim in claims if claim.group_id != (group.pk if group else None)]
    for claim in changed:
        record_event(
            claim, ClaimEvent.Kind.LINKED, user,
            field="group", old_value=str(claim.group_id or ""), new_value=str(group.pk if group else ""), note=note,
        )
        claim.group = group
    if changed:
        Claim.objects.filter(pk__in=[claim.pk for claim in changed]).update(
            group=group, version=F("version") + 1, updated_at=timezone.now()
        )


@transaction.atomic
def link_claims(
    first: Claim, second: Claim, *, user: AbstractBaseUser, expected_version: int | None = None
) -> ClaimGroup:
    """Link two claims in different articles as the same claim; returns their (possibly merged) group.

    Linking members of two groups merges them into the older group, so a claim is never in
    two groups. ``expected_version`` is ``first``'s version as the user saw it.
    """
    claim_policy.require(user, "link")
    if first.pk == second.pk:
        raise ValidationError(_("A claim cannot be linked to itself."))
    by_pk = {claim.pk: claim for claim in _locked_claims(pk__in=[first.pk, second.pk])}
    first, second = by_pk[first.pk], by_pk[second.pk]
    _check_version(first, expected_version)
    if first.article_id == second.article_id:
        raise ValidationError(_("Both claims are in the same article; link claims from different articles."))
    if first.group_id is not None and first.group_id == second.group_id:
        return first.group
    groups = sorted({pk for pk in (first.group_id, second.group_id) if pk is not None})
    group = ClaimGroup.objects.get(pk=groups[0]) if groups else ClaimGroup.objects.create(created_by=user)
    _move_to_group([first], group, user, f"Linked with {_claim_label(second)}.")
    _move_to_group([second], group, user, f"Linked with {_claim_label(first)}.")
    if len(groups) == 2:
        merged = [claim for claim in _locked_claims(group_id=groups[1]) if claim.pk not in by_pk]
        note = f"Group merged when {_claim_label(first)} and {_claim_label(second)} were linked."
        _move_to_group(merged, group, user, note)
        ClaimGroup.objects.filter(pk=groups[1]).delete()
    return group


@transaction.atomic
def unlink_claim(claim: Claim, *, user: AbstractBaseUser, expected_version: int | None = None) -> None:
    """Take ``claim`` out of its group; a group left with one claim is dissolved (never a group of one)."""
    claim_policy.require(user, "link")
    claim = _locked_claims(pk=claim.pk)[0]
    _check_version(claim, expected_version)
    if claim.group_id is None:
        raise ValidationError(_("This claim is not linked to any other claim."))
    group_id = claim.group_id
    _move_to_group([claim], None, user, "Unlinked from its group of linked claims.")
    rest = _locked_claims(group_id=group_id)
    if len(rest) < 2:
        _move_to_group(rest, None, user, f"Group dissolved when {_claim_label(claim)} was unlinked.")
        ClaimGroup.objects.filter(pk=group_id).delete()


@transaction.atomic
def dissolve_group(group: ClaimGroup, *, user: AbstractBaseUser, note: str = "") -> None:
    """Unlink every claim of ``group`` and delete it; each claim's history says so."""
    claim_policy.require(user, "link")
    members = _locked_claims(group_id=group.pk)
    _move_to_group(members, None, user, note or "Its group of linked claims was dissolved.")
    ClaimGroup.objects.filter(pk=group.pk).delete()

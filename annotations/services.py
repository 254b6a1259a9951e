"""Claim services: the one place where claims, sources and comments are created and changed.

Views, the admin, importers and management commands all call these functions, so the
rules (anchors must match the body, optimistic locking, history for every change, who
may delete what) hold whichever door a change comes through. Review-state transitions
live in :mod:`annotations.workflow`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotations.anchoring import describe, validate_anchor
from annotations.models import Claim, ClaimEvent, ClaimStatus, Comment, RatingLabel, Source
from annotations.roles import is_editor, is_fact_checker
from articles.models import Article
from articles.text import strip_control_chars

#: Claim fields a user edits directly in the claim panel (not through a workflow transition).
EDITABLE_FIELDS = ("statement", "claimant", "verdict", "rationale")
#: Fields that, once published, change only through a correction (annotations.workflow.correct).
CORRECTION_ONLY_FIELDS = frozenset({"verdict", "rationale"})


class EditConflict(Exception):
    """Someone else saved the claim first; ``current`` holds the values now stored."""

    def __init__(self, current: Claim) -> None:
        super().__init__(
            f"This claim was changed by someone else (now version {current.version}). "
            "Review the current values and apply your change again."
        )
        self.current = current


#: URLs are validated, never silently repaired: a NUL inside a URL is refused, not removed.
_VALIDATED_NOT_CLEANED = frozenset({"url", "archive_url"})


def _clean_strings(values: dict[str, Any]) -> dict[str, Any]:
    """Strip control characters (NUL) from free-text values before they reach the database."""
    return {
        name: strip_control_chars(value) if isinstance(value, str) and name not in _VALIDATED_NOT_CLEANED else value
        for name, value in values.items()
    }


def require_fact_checker(user: AbstractBaseUser) -> None:
    """Raise PermissionDenied unless the user may annotate."""
    if not is_fact_checker(user):
        raise PermissionDenied("Only fact-checkers and editors can change claims.")


def field_text(value: Any) -> str:
    """How a field value is written into the history (labels by name, users by username)."""
    if value is None:
        return ""
    if isinstance(value, AbstractBaseUser):
        return value.get_username()
    return str(value)


def record_event(
    claim: Claim, kind: str, user: AbstractBaseUser | None, **fields: Any
) -> ClaimEvent:
    """Append one entry to the claim's history."""
    return ClaimEvent.objects.create(
        claim=claim,
        article_id=claim.article_id,
        claim_ref=claim.pk,
        actor=user if user is not None and user.is_authenticated else None,
        kind=kind,
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
    check_permission: bool = True,
) -> Claim:
    """Create a claim anchored at ``article.body[start:end]``.

    ``exact`` is what the browser believes it selected; it must equal the body slice, so a
    stale page or a miscounted offset is refused (AnchorError) instead of anchoring the
    claim on the wrong words. Pass ``exact=None`` for trusted callers (demo data, imports
    that computed the offsets themselves).
    """
    if check_permission:
        require_fact_checker(user)
    body = article.body
    if exact is None:
        exact = body[start:end] if isinstance(start, int) and isinstance(end, int) else ""
    validate_anchor(body, start, end, exact)
    anchor = describe(body, start, end)
    claim = Claim.objects.create(
        article=article,
        start=start,
        end=end,
        exact=anchor.exact,
        prefix=anchor.prefix,
        suffix=anchor.suffix,
        statement=strip_control_chars(statement).strip() or anchor.exact,
        claimant=strip_control_chars(claimant).strip(),
        created_by=user if user is not None and user.is_authenticated else None,
    )
    record_event(claim, ClaimEvent.Kind.CREATED, user, new_value=anchor.exact)
    return claim


@transaction.atomic
def update_claim(
    claim: Claim, *, user: AbstractBaseUser, expected_version: int, changes: dict[str, Any]
) -> Claim:
    """Apply panel edits to a claim with optimistic locking and a history entry per field.

    The update only succeeds if the stored version is still ``expected_version``; otherwise
    :class:`EditConflict` carries the current values so the user can re-apply their edit.
    """
    require_fact_checker(user)
    changes = _clean_strings(changes)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be edited here: {', '.join(sorted(unknown))}.")
    current = Claim.objects.select_for_update(of=("self",)).select_related("verdict").get(pk=claim.pk)
    if current.version != expected_version:
        raise EditConflict(current)
    changed = {name: value for name, value in changes.items() if getattr(current, name) != value}
    if current.status == ClaimStatus.PUBLISHED and CORRECTION_ONLY_FIELDS & changed.keys():
        raise ValidationError("This claim is published: change its verdict or rationale through a correction.")
    if not changed:
        return current
    if "verdict" in changed:
        verdict = changed["verdict"]
        if verdict is not None and not isinstance(verdict, RatingLabel):
            raise ValidationError("Choose a verdict from the rating scale.")
        current.verdict_by = user if verdict is not None else None
    for name, value in changed.items():
        record_event(
            current, ClaimEvent.Kind.EDITED, user,
            field=name, old_value=field_text(getattr(current, name)), new_value=field_text(value),
        )
        setattr(current, name, value)
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    return current


def bump_version(claim: Claim) -> None:
    """Mark the claim as changed (sources and comments count as changes for locking)."""
    Claim.objects.filter(pk=claim.pk).update(version=F("version") + 1, updated_at=timezone.now())
    claim.refresh_from_db(fields=["version", "updated_at"])


SOURCE_FIELDS = ("url", "title", "publisher", "excerpt", "stance", "accessed_on", "archive_url")


def _validated_source(source: Source) -> Source:
    """Run model validation (http/https URLs, stance choices) before touching the database."""
    source.full_clean(exclude=["claim", "added_by"])
    return source


@transaction.atomic
def add_source(claim: Claim, *, user: AbstractBaseUser, **fields: Any) -> Source:
    """Attach evidence to a claim (URL must be http/https, enforced by validator and constraint)."""
    require_fact_checker(user)
    source = _validated_source(Source(claim=claim, added_by=user, **_clean_strings(fields)))
    source.save()
    record_event(claim, ClaimEvent.Kind.SOURCE_ADDED, user, field="source", new_value=source.url)
    bump_version(claim)
    return source


@transaction.atomic
def update_source(source: Source, *, user: AbstractBaseUser, **fields: Any) -> Source:
    """Change a source's fields; the history records each changed field."""
    require_fact_checker(user)
    before = {name: getattr(source, name) for name in SOURCE_FIELDS}
    for name, value in _clean_strings(fields).items():
        if name not in SOURCE_FIELDS:
            raise ValidationError(f"Unknown source field: {name}.")
        setattr(source, name, value)
    _validated_source(source).save()
    for name in SOURCE_FIELDS:
        if before[name] != getattr(source, name):
            record_event(
                source.claim, ClaimEvent.Kind.SOURCE_CHANGED, user,
                field=f"source.{name}", old_value=field_text(before[name]), new_value=field_text(getattr(source, name)),
            )
    bump_version(source.claim)
    return source


@transaction.atomic
def remove_source(source: Source, *, user: AbstractBaseUser) -> None:
    """Detach evidence from a claim, keeping a record of which URL it was."""
    require_fact_checker(user)
    claim = source.claim
    record_event(claim, ClaimEvent.Kind.SOURCE_REMOVED, user, field="source", old_value=source.url)
    source.delete()
    bump_version(claim)


@transaction.atomic
def add_comment(claim: Claim, *, user: AbstractBaseUser, body: str) -> Comment:
    """Add a discussion entry to a claim."""
    require_fact_checker(user)
    body = strip_control_chars(body).strip()
    if not body:
        raise ValidationError("A comment cannot be empty.")
    comment = Comment.objects.create(claim=claim, author=user, body=body)
    record_event(claim, ClaimEvent.Kind.COMMENTED, user, new_value=body)
    return comment


def can_delete_claim(user: AbstractBaseUser, claim: Claim) -> bool:
    """Editors delete any claim; fact-checkers only their own claims that are not published."""
    if is_editor(user):
        return True
    return (
        is_fact_checker(user)
        and claim.created_by_id == user.pk
        and claim.status != ClaimStatus.PUBLISHED
    )


@transaction.atomic
def delete_claim(claim: Claim, *, user: AbstractBaseUser, note: str = "") -> None:
    """Delete a claim; the history keeps a DELETED entry with its quote and statement."""
    if not can_delete_claim(user, claim):
        raise PermissionDenied("You can delete only your own claims that are not published.")
    record_event(
        claim, ClaimEvent.Kind.DELETED, user,
        old_value=f"{claim.exact}\n— {claim.statement}", from_status=claim.status, note=note,
    )
    claim.delete()

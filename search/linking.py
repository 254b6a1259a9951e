"""Linked claims: an editor marks two claims in different articles as "the same claim".

Linked claims share a :class:`~annotations.models.ClaimGroup`. The group is what lets the desk
reuse work: the most recently published verdict in the group is shown as *precedent* on
every member, its sources can be copied onto a new member, and the ClaimReview export lists
every linked article as an appearance of the claim.

Rules (one place, whichever door a change comes through):

* only editors link and unlink; fact-checkers may copy sources;
* linking two claims that are each already in a group merges the groups;
* a group never has fewer than two claims: unlinking the second-to-last dissolves it;
* every change of group is recorded in each affected claim's history (``linked`` entries)
  and counts as a change of the claim (its version is bumped).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from annotations.models import Claim, ClaimEvent, ClaimGroup, ClaimStatus, Source
from annotations.roles import is_editor
from annotations.services import SOURCE_FIELDS, add_source, record_event, require_fact_checker


def require_editor(user: AbstractBaseUser) -> None:
    """Raise PermissionDenied unless the user may link claims."""
    if not is_editor(user):
        raise PermissionDenied("Only editors can link and unlink claims.")


def _short(claim: Claim) -> str:
    return f"claim #{claim.pk} in “{claim.article.title}”"


def _move(claims: list[Claim], group: ClaimGroup | None, user: AbstractBaseUser, note: str) -> None:
    """Put ``claims`` into ``group`` (None = no group), with a history entry and a version bump each."""
    changed = [claim for claim in claims if claim.group_id != (group.pk if group else None)]
    for claim in changed:
        record_event(
            claim, ClaimEvent.Kind.LINKED, user,
            field="group",
            old_value=str(claim.group_id or ""),
            new_value=str(group.pk if group else ""),
            note=note,
        )
        claim.group = group
    if not changed:
        return
    Claim.objects.filter(pk__in=[c.pk for c in changed]).update(
        group=group, version=F("version") + 1, updated_at=timezone.now()
    )


@transaction.atomic
def link_claims(first: Claim, second: Claim, user: AbstractBaseUser) -> ClaimGroup:
    """Link two claims as the same claim; returns their (possibly merged) group."""
    require_editor(user)
    if first.pk == second.pk:
        raise ValidationError("A claim cannot be linked to itself.")
    first, second = (
        Claim.objects.select_for_update().select_related("article").get(pk=pk) for pk in (first.pk, second.pk)
    )
    if first.article_id == second.article_id:
        raise ValidationError("Both claims are in the same article; link claims from different articles.")
    if first.group_id is not None and first.group_id == second.group_id:
        return first.group
    groups = sorted({g for g in (first.group_id, second.group_id) if g is not None})
    # Keep the oldest group; members of the other one move over.
    group = ClaimGroup.objects.get(pk=groups[0]) if groups else ClaimGroup.objects.create(created_by=user)
    moving = [first, second]
    if len(groups) == 2:
        moving += list(
            Claim.objects.select_for_update().select_related("article").filter(group_id=groups[1])
            .exclude(pk__in=[first.pk, second.pk])
        )
    _move(moving[:1], group, user, f"Linked with {_short(second)}.")
    _move(moving[1:2], group, user, f"Linked with {_short(first)}.")
    _move(moving[2:], group, user, f"Group merged when {_short(first)} and {_short(second)} were linked.")
    if len(groups) == 2:
        ClaimGroup.objects.filter(pk=groups[1]).delete()
    return group


@transaction.atomic
def unlink(claim: Claim, user: AbstractBaseUser) -> None:
    """Take ``claim`` out of its group; a group left with one claim is dissolved."""
    require_editor(user)
    claim = Claim.objects.select_for_update().select_related("article").get(pk=claim.pk)
    if claim.group_id is None:
        raise ValidationError("This claim is not linked to any other claim.")
    group_id = claim.group_id
    _move([claim], None, user, "Unlinked from its group of linked claims.")
    rest = list(Claim.objects.select_for_update().select_related("article").filter(group_id=group_id))
    if len(rest) < 2:
        _move(rest, None, user, f"Group dissolved when {_short(claim)} was unlinked.")
        ClaimGroup.objects.filter(pk=group_id).delete()


def linked_claims(claim: Claim) -> list[Claim]:
    """The other claims in ``claim``'s group with article, verdict and ``n_sources``, oldest article first."""
    if claim.group_id is None:
        return []
    return list(
        Claim.objects.filter(group_id=claim.group_id)
        .exclude(pk=claim.pk)
        .select_related("article", "verdict")
        .annotate(n_sources=Count("sources"))
        .order_by("article_id", "id")
    )


def precedent(claim: Claim, linked: list[Claim] | None = None) -> Claim | None:
    """The group's most recently published claim (other than ``claim``): its verdict is the precedent.

    Pass ``linked`` (from :func:`linked_claims`) to avoid a query.
    """
    others = linked_claims(claim) if linked is None else linked
    published = [c for c in others if c.status == ClaimStatus.PUBLISHED and c.verdict_id is not None]
    if not published:
        return None
    return max(published, key=lambda c: (c.published_at is not None, c.published_at or timezone.now(), c.pk))


@transaction.atomic
def copy_sources(from_claim: Claim, to_claim: Claim, user: AbstractBaseUser) -> list[Source]:
    """Copy ``from_claim``'s sources onto ``to_claim`` (a linked claim), skipping URLs it already has.

    Each copy goes through :func:`annotations.services.add_source` (validation, history).
    """
    require_fact_checker(user)
    if from_claim.pk == to_claim.pk:
        raise ValidationError("Choose another claim to copy sources from.")
    if to_claim.group_id is None or from_claim.group_id != to_claim.group_id:
        raise ValidationError("Sources can only be copied between linked claims.")
    present = set(Source.objects.filter(claim=to_claim).values_list("url", flat=True))
    copied: list[Source] = []
    for source in Source.objects.filter(claim=from_claim).order_by("id"):
        if source.url in present:
            continue
        fields = {name: getattr(source, name) for name in SOURCE_FIELDS}
        copied.append(add_source(to_claim, user=user, **fields))
        present.add(source.url)
    return copied

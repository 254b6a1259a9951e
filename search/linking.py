"""Linked claims, as search shows and uses them: an editor marks two claims as "the same claim".

Linked claims share a :class:`~annotations.models.ClaimGroup`. The group is what lets the desk
reuse work: the most recently published verdict in the group is shown as *precedent* on
every member, its sources can be copied onto a new member, and the ClaimReview export lists
every linked article as an appearance of the claim.

This module holds the search side (which claims are linked, the precedent, which sources to
copy). Every write goes through :mod:`annotations.services` (``link_claims``,
``unlink_claim``, ``add_source``), which hold the rules whichever door a change comes
through: only editors link and unlink; linking members of two groups merges them; a group
never has fewer than two claims; each change is in every affected claim's history and
bumps its version.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from annotations import services
from annotations.models import Claim, ClaimGroup, ClaimStatus, Source
from annotations.permissions import claim_policy


def require_editor(user: AbstractBaseUser) -> None:
    """Raise PermissionDenied unless the user may link claims (the claim policy's "link")."""
    claim_policy.require(user, "link")


def link_claims(
    first: Claim, second: Claim, user: AbstractBaseUser, *, expected_version: int | None = None
) -> ClaimGroup:
    """Link two claims as the same claim (written by :func:`annotations.services.link_claims`)."""
    return services.link_claims(first, second, user=user, expected_version=expected_version)


def unlink(claim: Claim, user: AbstractBaseUser, *, expected_version: int | None = None) -> None:
    """Take ``claim`` out of its group (written by :func:`annotations.services.unlink_claim`)."""
    services.unlink_claim(claim, user=user, expected_version=expected_version)


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
def copy_sources(
    from_claim: Claim, to_claim: Claim, user: AbstractBaseUser, *, expected_version: int | None = None
) -> list[Source]:
    """Copy ``from_claim``'s sources onto ``to_claim`` (a linked claim), skipping URLs it already has.

    Each copy goes through :func:`annotations.services.add_source` (validation, history). The
    first copy checks ``expected_version`` (the version the user's panel showed) and locks the
    claim; the later ones, in the same transaction, build on the version the first one wrote.
    """
    services.require_fact_checker(user)
    if from_claim.pk == to_claim.pk:
        raise ValidationError("Choose another claim to copy sources from.")
    if to_claim.group_id is None or from_claim.group_id != to_claim.group_id:
        raise ValidationError("Sources can only be copied between linked claims.")
    present = set(Source.objects.filter(claim=to_claim).values_list("url", flat=True))
    copied: list[Source] = []
    for source in Source.objects.filter(claim=from_claim).order_by("id"):
        if source.url in present:
            continue
        fields = {name: getattr(source, name) for name in services.SOURCE_FIELDS}
        copied.append(services.add_source(to_claim, user=user, expected_version=expected_version, **fields))
        expected_version = None
        present.add(source.url)
    return copied

"""Reads of the search layer: what the search page, the similar-claims partial and the
suggestion list show to one user.

Like :mod:`annotations.selectors`, every claim returned here has passed the claim policy
(:meth:`factcheck.permissions.ClaimPolicy.visible`): a reader (no desk role) finds, and is
offered as similar or linked, published claims only, and gets no suggestions. The index
queries themselves live in :mod:`search.results` and :mod:`search.similarity`; this module
decides *whose* view of them a page gets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, QuerySet

from annotations.checkworthiness import Suggestion
from annotations.models import Claim, RatingLabel
from annotations.permissions import claim_policy
from annotations.selectors import visible_claims
from articles.models import Article
from search import results, similarity, suggestions
from search.query import ParsedQuery

AnyUser = AbstractBaseUser | AnonymousUser


def sees_unpublished(user: AnyUser | None) -> bool:
    """Fact-checkers, editors and admins search every claim; other users only published ones."""
    return claim_policy.user_has_permission(user, "view_unpublished")


@dataclass(frozen=True)
class SearchFacets:
    """What the search form offers this user to narrow claims by."""

    labels: list[RatingLabel]
    published_only: bool


def search_facets(user: AnyUser | None) -> SearchFacets:
    """The rating scale and whether the status filter is limited to "Published" (readers)."""
    return SearchFacets(labels=list(RatingLabel.objects.all()), published_only=not sees_unpublished(user))


def article_hits(query: ParsedQuery) -> results.HitList[results.ArticleHit]:
    """Articles matching ``query``, best first (every logged-in user reads every article)."""
    return results.search_articles(query)


def claim_hits(
    user: AnyUser | None, query: ParsedQuery, *, statuses: Sequence[str] = (), verdict_ids: Sequence[int] = ()
) -> results.HitList[results.ClaimHit]:
    """Claims matching ``query`` that the user may see, best first.

    The index narrows by status (so counts and pages are right for a reader); the rows are
    then loaded through the claim policy, so no unpublished claim reaches a reader's page.
    """
    return results.search_claims(
        query,
        statuses=statuses,
        verdict_ids=verdict_ids,
        published_only=not sees_unpublished(user),
        among=visible_claims(user),
    )


def panel_claims(user: AnyUser | None) -> QuerySet[Claim]:
    """Claims whose similar-claims partial the user may open (article and verdict joined)."""
    return visible_claims(user).select_related("article", "verdict")


def linked_claims(user: AnyUser | None, claim: Claim) -> list[Claim]:
    """The other visible claims in ``claim``'s group, with ``n_sources``, oldest article first."""
    if claim.group_id is None:
        return []
    group = visible_claims(user).filter(group_id=claim.group_id).exclude(pk=claim.pk)
    group = group.select_related("article", "verdict").annotate(n_sources=Count("sources"))
    return list(group.order_by("article_id", "id"))


def similar_claims(user: AnyUser | None, claim: Claim) -> list[similarity.SimilarClaim]:
    """Claims of other articles saying nearly the same as ``claim``, among those the user may see."""
    return similarity.similar_claims(claim, published_only=not sees_unpublished(user), among=visible_claims(user))


def claim_suggestions(user: AnyUser | None, article: Article) -> list[Suggestion]:
    """Check-worthy sentences of ``article``; only those who may add claims get any."""
    if not claim_policy.user_has_permission(user, "add"):
        return []
    return suggestions.suggestions_for(article)

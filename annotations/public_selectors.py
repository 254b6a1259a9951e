"""Reads for the public pages: published claims only, whoever asks, in a fixed number of queries.

The public pages are read by people with no account, so no user is asked about: every
query here starts from :func:`public_claims`, the claims whose status is
:data:`annotations.public_links.PUBLIC_STATUS` (published), which is exactly what the claim
policy lets a reader see (``ClaimPolicy.instance_filter`` for a role below the desk; a test
keeps the two equal). A claim in any other workflow state, a proposed or rejected
correction, an internal history note or another article's unpublished claim never reaches a
public page. A published claim that was corrected is shown as it is now (a correction
changes the claim itself) with its published corrections listed.

The claim and article pages are built from the same :class:`~annotations.exports.data.ReportClaim`
rows as the exports, so the embedded ClaimReview is the export's, and credits and corrections
come from :mod:`annotations.credits` as everywhere.

The ``*_state`` functions feed the ETag and Last-Modified headers: one small query each,
cheap enough to run on every request, before the page itself is built.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Sum

from annotations.credits import credits_for
from annotations.exports.data import ReportClaim
from annotations.models import Claim, RatingLabel, Source
from annotations.public_links import PUBLIC_STATUS
from articles.models import Article

#: Most outlets offered in the index's outlet filter (the busiest first would need a count: alphabetical).
MAX_OUTLET_CHOICES = 300


def public_claims() -> QuerySet[Claim]:
    """Every claim the world may see: the published ones. The start of every query below."""
    return Claim.objects.filter(status=PUBLIC_STATUS)


def public_articles() -> QuerySet[Article]:
    """Articles with at least one published claim (only those have a public page)."""
    return Article.objects.filter(Exists(public_claims().filter(article=OuterRef("pk"))))


def _with_public_rows(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Join and prefetch what a public claim shows: verdict, article, sources, other published appearances."""
    linked = (
        public_claims()
        .select_related("article")
        .only("id", "group_id", "article__id", "article__title", "article__url", "article__published_on",
              "article__outlet", "article__language")
        .order_by("article_id", "id")
    )
    return claims.select_related("verdict", "article").prefetch_related(
        Prefetch("sources", queryset=Source.objects.order_by("id"), to_attr="export_sources"),
        Prefetch("group__claims", queryset=linked, to_attr="public_group_claims"),
    )


def _linked_articles(claim: Claim) -> list[Article]:
    """Other articles where an editor linked "the same claim", when that claim is published there too."""
    if claim.group_id is None or claim.group is None:
        return []
    seen: dict[int, Article] = {}
    for other in claim.group.public_group_claims:
        if other.article_id != claim.article_id:
            seen.setdefault(other.article_id, other.article)
    return list(seen.values())


def _notes(claims: list[Claim]) -> list[ReportClaim]:
    credits = credits_for(claims)
    return [
        ReportClaim(
            number=claim.pk, claim=claim, sources=claim.export_sources, credits=credits[claim.pk],
            linked_articles=_linked_articles(claim),
        )
        for claim in claims
    ]


def public_claim(claim_id: int) -> ReportClaim | None:
    """A published claim with everything its page shows; None when there is no such published claim.

    Six queries at most: the claim (with verdict and article), its sources, the other
    published claims of its group, the credit history and the published corrections.
    """
    claim = _with_public_rows(public_claims().filter(pk=claim_id)).first()
    if claim is None:
        return None
    return _notes([claim])[0]


def public_article(article_id: int) -> tuple[Article, list[ReportClaim]] | None:
    """An article and its published claims in text order; None when it has none (it has no public page)."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return None
    claims = list(_with_public_rows(public_claims().filter(article=article)).order_by("start", "end", "id"))
    if not claims:
        return None
    for claim in claims:
        claim.article = article
    return article, _notes(claims)


# --- the index -------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicFilters:
    """The index's filters, already validated (empty: not filtered)."""

    text: str = ""
    verdict: str = ""  # a rating label's slug
    claimant: str = ""
    outlet: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    @property
    def active(self) -> bool:
        return self != PublicFilters()


def public_index(filters: PublicFilters) -> QuerySet[Claim]:
    """Published fact-checks, newest first, narrowed by ``filters``.

    The search is a plain case-insensitive match on the statement, the quote and the
    claimant (the search form caps it at 200 characters; the URL is rate limited).
    Dates are the day the fact-check was published.
    """
    claims = public_claims().select_related("verdict", "article").defer("article__body")
    if filters.text:
        claims = claims.filter(
            Q(statement__icontains=filters.text) | Q(exact__icontains=filters.text)
            | Q(claimant__icontains=filters.text)
        )
    if filters.verdict:
        claims = claims.filter(verdict__slug=filters.verdict)
    if filters.claimant:
        claims = claims.filter(claimant__iexact=filters.claimant)
    if filters.outlet:
        claims = claims.filter(article__outlet=filters.outlet)
    if filters.date_from:
        claims = claims.filter(published_at__date__gte=filters.date_from)
    if filters.date_to:
        claims = claims.filter(published_at__date__lte=filters.date_to)
    return claims.order_by("-published_at", "-id")


def verdict_choices() -> list[RatingLabel]:
    """The rating scale for the verdict filter (inactive labels too: old fact-checks still carry them)."""
    return list(RatingLabel.objects.only("pk", "name", "slug", "colour", "order"))


def outlet_choices() -> list[str]:
    """Outlets that have published fact-checks, alphabetically (at most :data:`MAX_OUTLET_CHOICES`)."""
    outlets = (
        public_claims().exclude(article__outlet="").order_by("article__outlet")
        .values_list("article__outlet", flat=True).distinct()
    )
    return list(outlets[:MAX_OUTLET_CHOICES])


def latest_public_claims(limit: int) -> list[Claim]:
    """The most recently published fact-checks (for the feed), with verdict and article."""
    return list(
        public_claims().select_related("verdict", "article").defer("article__body")
        .order_by("-published_at", "-id")[:limit]
    )


# --- states for ETag and Last-Modified ----------------------------------------------------


def claim_state(claim_id: int) -> dict[str, Any] | None:
    """What changes whenever the claim's public page would (one query); None when it is not published."""
    return (
        public_claims().filter(pk=claim_id)
        .values("pk", "version", "updated_at", "verdict__name", "verdict__colour", "group_id",
                "article__version", "article__updated_at")
        .first()
    )


def article_state(article_id: int) -> dict[str, Any] | None:
    """The same for an article's public page: the article row and its published claims, aggregated (one query)."""
    published = Q(claims__status=PUBLIC_STATUS)
    state = (
        Article.objects.filter(pk=article_id)
        .annotate(
            n=Count("claims", filter=published),
            latest=Max("claims__updated_at", filter=published),
            versions=Sum("claims__version", filter=published),
        )
        .values("pk", "version", "updated_at", "content_hash", "n", "latest", "versions")
        .first()
    )
    if state is None or not state["n"]:
        return None
    return state


def index_state() -> dict[str, Any]:
    """The same for the index, the feed and the sitemap: all published claims, aggregated (one query)."""
    return public_claims().aggregate(
        n=Count("id"), latest=Max("updated_at"), versions=Sum("version"), latest_article=Max("article__updated_at")
    )

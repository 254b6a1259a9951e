"""The one place exports read fact-check data from.

Every export format (HTML, PDF, Markdown, CSV, W3C, ClaimReview) starts from
:func:`report_claims`, so "which claims does a report show, in which order, with what
numbers" has a single answer: claims in text order, each named by its permanent number on
the desk (``#128``: its id, the same on every page and in ``/claims/128/``; a position in
the text would change when a claim is added above it), and for a published-only report
nothing that is not published. Loading costs a fixed number of
queries however many claims an article has.

Credits ("Checked by", "Reviewed by", "Corrected by") and corrections come from
:mod:`annotations.credits`, i.e. from the claim's history and its published corrections,
never from the ``verdict_by``/``reviewed_by`` fields that only say who touched a claim last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Max, Min, Prefetch, QuerySet

from annotations.credits import CorrectionCredit, Credits, credits_for
from annotations.models import AnchorState, Claim, ClaimStatus, RatingLabel, Source
from annotations.permissions import claim_policy
from annotations.public_links import public_claim_url
from annotations.verdict_palette import NO_VERDICT
from articles.models import Article
from factcheck.display import display_name
from factcheck.validators import is_http_url

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: Highlight colour for claims without a verdict yet: neutral grey, a colour no verdict uses.
NO_VERDICT_COLOUR = NO_VERDICT.colour


def may_see_unpublished(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Only the desk (fact-checkers, editors, admins) may export claims that are not published."""
    return claim_policy.user_has_permission(user, "export_unpublished")


def http_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None: exports link nothing else."""
    url = (url or "").strip()
    return url if is_http_url(url) else None


def safe_colour(colour: str | None, default: str = NO_VERDICT_COLOUR) -> str:
    """A ``#rrggbb`` colour safe to put in a style attribute (labels are validated, but be sure)."""
    return colour if colour and _HEX_COLOUR.match(colour) else default


def person_name(user: AbstractBaseUser | None) -> str:
    """How a desk member is named in reports: full name, else username, else empty."""
    return display_name(user, missing="")


def people_names(users: list[AbstractBaseUser]) -> str:
    """Several desk members as one line: "Casey Checker, Dana Doe"."""
    return ", ".join(name for name in (person_name(user) for user in users) if name)


def site_url(path: str = "") -> str:
    """An absolute URL on this Factdesk (``FACTDESK_SITE_URL``), for ids in exported data."""
    return settings.FACTDESK_SITE_URL.rstrip("/") + path


def article_site_url(article: Article) -> str:
    return site_url(f"/articles/{article.pk}/")


def claim_site_url(claim_id: int) -> str:
    return site_url(f"/claims/{claim_id}/")


def claim_url(claim: Claim) -> str:
    """How every export names a claim: its public page when published, else its (login-only) desk page."""
    return public_claim_url(claim) or claim_site_url(claim.pk)


def article_public_url(article: Article) -> str:
    """The article's own URL when it has one, else its page on this Factdesk."""
    return http_url(article.url) or article_site_url(article)


@dataclass(frozen=True)
class SourceLink:
    """A source with its URLs checked: ``url``/``archive_url`` are None unless http(s)."""

    source: Source
    url: str | None
    archive_url: str | None

    @property
    def label(self) -> str:
        return self.source.title or self.source.url


@dataclass
class ReportClaim:
    """One claim as every export sees it: its number and everything needed to render it.

    ``number`` is the claim's permanent number (its id, shown ``#128``), never its position.
    """

    number: int
    claim: Claim
    sources: list[Source]
    credits: Credits = field(default_factory=Credits)
    linked_articles: list[Article] = field(default_factory=list)

    @property
    def public_url(self) -> str | None:
        """The claim's public page when it is published (reports link it), else None."""
        return public_claim_url(self.claim)

    @property
    def highlighted(self) -> bool:
        """Orphaned claims are listed but not highlighted: their offsets may not fit the body."""
        return self.claim.anchor_state != AnchorState.ORPHANED

    @property
    def verdict_colour(self) -> str:
        verdict = self.claim.verdict
        return safe_colour(verdict.colour if verdict else None)

    @property
    def source_links(self) -> list[SourceLink]:
        return [SourceLink(source, http_url(source.url), http_url(source.archive_url)) for source in self.sources]

    @property
    def corrections(self) -> list[CorrectionCredit]:
        """Published corrections, oldest first: date, who published and proposed it, note, old → new."""
        return self.credits.corrections

    @property
    def checked_by(self) -> str:
        """The fact-checkers who researched the verdict (from the history)."""
        return people_names(self.credits.checked_by)

    @property
    def reviewed_by(self) -> str:
        """The editor who published the fact-check (from the history)."""
        return person_name(self.credits.reviewed_by)

    @property
    def corrected_by(self) -> str:
        """Whoever published a correction of it."""
        return people_names(self.credits.corrected_by)

    @property
    def assignee(self) -> str:
        return person_name(self.claim.assignee)


def claims_for_export(published_only: bool) -> QuerySet[Claim]:
    """All claims an export may show, with the rows every format reads joined in."""
    claims = Claim.objects.select_related("verdict", "assignee", "created_by")
    if published_only:
        claims = claims.filter(status=ClaimStatus.PUBLISHED)
    return claims


def report_claims(article: Article, *, published_only: bool) -> list[ReportClaim]:
    """The article's claims in text order, with their permanent numbers, sources, credits and corrections.

    ``published_only`` drops every claim that is not published, so a public report can
    never leak work in progress (corrections are public once published, and only published
    ones are shown). A fixed number of queries however many claims there are: claims,
    sources, history, corrections, and two for linked claims when any claim is linked.
    """
    linked = Claim.objects.select_related("article").only(
        "id", "group_id", "article__id", "article__title", "article__url", "article__published_on",
        "article__outlet", "article__language",
    )
    if published_only:  # another appearance is named only where its claim is published too
        linked = linked.filter(status=ClaimStatus.PUBLISHED)
    claims = (
        claims_for_export(published_only)
        .filter(article=article)
        .order_by("start", "end", "id")
        .prefetch_related(
            Prefetch("sources", queryset=Source.objects.order_by("id"), to_attr="export_sources"),
            Prefetch("group__claims", queryset=linked.order_by("article_id", "id")),
        )
    )
    claims = list(claims)
    credits = credits_for(claims)
    rows: list[ReportClaim] = []
    for claim in claims:
        claim.article = article  # avoid one query per claim when a format reads claim.article
        rows.append(
            ReportClaim(
                number=claim.pk,
                claim=claim,
                sources=claim.export_sources,
                credits=credits[claim.pk],
                linked_articles=_linked_articles(claim),
            )
        )
    return rows


def _linked_articles(claim: Claim) -> list[Article]:
    """Other articles where an editor linked "the same claim" (distinct, in id order)."""
    if claim.group_id is None or claim.group is None:
        return []
    seen: dict[int, Article] = {}
    for other in claim.group.claims.all():
        if other.article_id != claim.article_id and other.article_id not in seen:
            seen[other.article_id] = other.article
    return list(seen.values())


@dataclass(frozen=True)
class RatingScale:
    """The numeric range of the desk's rating scale, for ClaimReview best/worst ratings."""

    worst: int | None
    best: int | None


def rating_scale() -> RatingScale:
    """Min and max ``value`` over the rating labels that have one (one query)."""
    bounds = RatingLabel.objects.filter(value__isnull=False).aggregate(worst=Min("value"), best=Max("value"))
    return RatingScale(worst=bounds["worst"], best=bounds["best"])

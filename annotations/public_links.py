"""The public addresses of published fact-checks: the one function every export and page asks.

A published claim has a public page (``/fact-checks/128-the-budget-is-4-2-million/``, see
:mod:`annotations.public_views`). Everything Factdesk hands out (ClaimReview, W3C
annotations, reports, the feed, the sitemap, oEmbed) names a published claim by that
address, built here, so an export can never point the world at the desk's own login-only
claim page again. :func:`public_claim_url` answers None when the claim is not public (not
published, or public pages are switched off with ``FACTDESK_PUBLIC_PAGES``); callers then
fall back to the desk's internal address, which only the desk can open.

Addresses are absolute, on ``FACTDESK_SITE_URL`` (exports are read far from any request).
The slug is decoration: the number finds the claim, and a page asked for with an old slug
(the statement was corrected since) redirects to the current one.

This module imports no view, so the exports may use it without importing the pages.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.text import slugify

from annotations.models import ClaimStatus

#: The only status whose claims are ever public (the same rule the claim policy applies to readers).
PUBLIC_STATUS = ClaimStatus.PUBLISHED
#: Longest slug in an address: long enough to read, short enough to paste.
SLUG_LENGTH = 60


def public_pages_enabled() -> bool:
    """Whether the public pages are on (``FACTDESK_PUBLIC_PAGES``, on by default); read per call so tests can switch."""
    return bool(getattr(settings, "FACTDESK_PUBLIC_PAGES", True))


def site_url(path: str = "") -> str:
    """``path`` on this Factdesk's public address (``FACTDESK_SITE_URL``)."""
    return settings.FACTDESK_SITE_URL.rstrip("/") + path


def make_slug(text: str, fallback: str) -> str:
    """An ASCII slug of ``text`` cut at a word boundary, or ``fallback`` when nothing is left (non-Latin text)."""
    slug = slugify(text)[:SLUG_LENGTH]
    if len(slug) == SLUG_LENGTH and "-" in slug:
        slug = slug.rsplit("-", 1)[0]
    return slug.strip("-_") or fallback


def claim_slug(claim: Any) -> str:
    """The slug of a claim's public address, from its statement (or quote)."""
    return make_slug(claim.statement or claim.exact, "fact-check")


def article_slug(article: Any) -> str:
    """The slug of an article's public address, from its title."""
    return make_slug(article.title, "article")


def public_claim_path(claim: Any) -> str:
    """The path of the claim's public page (whether or not it is public: callers check)."""
    return reverse("public:claim", kwargs={"claim_id": claim.pk, "slug": claim_slug(claim)})


def public_embed_path(claim: Any) -> str:
    """The path of the claim's embeddable card."""
    return reverse("public:embed", kwargs={"claim_id": claim.pk})


def public_article_path(article: Any) -> str:
    """The path of the article's public annotated page (public only while it has a published claim)."""
    return reverse("public:article", kwargs={"article_id": article.pk, "slug": article_slug(article)})


def is_public(claim: Any) -> bool:
    """Whether the world may see this claim now: published, and the public pages are on."""
    return public_pages_enabled() and claim.status == PUBLIC_STATUS


def public_claim_url(claim: Any) -> str | None:
    """The absolute public address of a published claim; None when it is not public."""
    return site_url(public_claim_path(claim)) if is_public(claim) else None


def public_embed_url(claim: Any) -> str | None:
    """The absolute address of a published claim's embeddable card; None when it is not public."""
    return site_url(public_embed_path(claim)) if is_public(claim) else None

"""Published fact-checks as schema.org ``ClaimReview`` JSON-LD (what search engines read).

Only published claims are ever exported here, whoever asks: a ClaimReview is a public
statement by the organisation. Ratings come from the desk's rating scale: ``ratingValue``
is the label's value and ``bestRating``/``worstRating`` the highest and lowest values on
the scale; a label without a value (e.g. Unverifiable) gives only ``alternateName``.
The organisation is ``settings.FACTDESK_ORGANIZATION_NAME`` / ``_URL``.

Credits and corrections (the choices, and why):

* ``author`` of the ClaimReview stays the organisation: Google's fact-check documentation
  asks for the publisher of the fact check there, and a verdict is the organisation's word.
  ``reviewRating`` carries the same organisation as its ``author`` (schema.org's
  ``Rating.author``: who gave the rating): the desk rates, not one person.
* The people go where schema.org's CreativeWork has a property for them, so the two-person
  rule is readable by machines too: the fact-checkers who researched it as ``contributor``
  (Person), the editor who reviewed and published it as ``editor`` (Person).
* Each published correction is a schema.org ``correction`` (a Trust Project property of
  CreativeWork) whose value is a ``CorrectionComment``: ``datePublished`` the day it was
  published, ``author`` the editor who published it, ``contributor`` who proposed it,
  ``text`` the public note followed by what changed (old → new). ``dateModified`` is the
  day of the latest correction. Google ignores properties it does not use, so none of this
  costs the rich result.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.utils import timezone

from annotations.credits import CorrectionCredit
from annotations.exports.data import (
    RatingScale,
    ReportClaim,
    article_public_url,
    claim_url,
    http_url,
    person_name,
    rating_scale,
    report_claims,
)
from articles.models import Article

SCHEMA_CONTEXT = "https://schema.org"

#: Words that mark a claimant as an organisation rather than a person (a heuristic: the
#: desk records claimants as free text). Anything else is published as a Person.
_ORGANISATION_WORDS = re.compile(
    r"\b(ministry|ministries|department|council|government|officials|office|agency|party|committee|"
    r"commission|company|corporation|inc|ltd|llc|plc|gmbh|association|union|institute|university|"
    r"bank|police|army|campaign|newspaper|group|foundation|authority|parliament|senate|congress)\b",
    re.IGNORECASE,
)


def claimant_type(claimant: str) -> str:
    """``"Organization"`` for claimants that read like one, else ``"Person"``."""
    return "Organization" if _ORGANISATION_WORDS.search(claimant) else "Person"


def _appearance(article: Article) -> dict[str, Any]:
    appearance: dict[str, Any] = {
        "@type": "CreativeWork", "url": article_public_url(article), "headline": article.title,
        "inLanguage": article.language or "en",
    }
    if article.published_on:
        appearance["datePublished"] = article.published_on.isoformat()
    if article.outlet:
        appearance["publisher"] = {"@type": "Organization", "name": article.outlet}
    return appearance


def _organisation() -> dict[str, Any]:
    organisation: dict[str, Any] = {"@type": "Organization", "name": settings.FACTDESK_ORGANIZATION_NAME}
    organisation_url = http_url(settings.FACTDESK_ORGANIZATION_URL)
    if organisation_url:
        organisation["url"] = organisation_url
    return organisation


def _person(user: Any) -> dict[str, Any]:
    return {"@type": "Person", "name": person_name(user)}


def _local_day(value: Any) -> str:
    """The day on the organisation's calendar (settings.TIME_ZONE): 00:30 in Berlin is that day, not UTC's."""
    return timezone.localdate(value, timezone.get_default_timezone()).isoformat()


def _correction(correction: CorrectionCredit) -> dict[str, Any]:
    """One published correction as a schema.org CorrectionComment."""
    text = " ".join([correction.note, *(f"{change}." for change in correction.changes)]).strip()
    comment: dict[str, Any] = {"@type": "CorrectionComment", "datePublished": _local_day(correction.date), "text": text}
    if correction.corrected_by is not None:
        comment["author"] = _person(correction.corrected_by)
    if correction.proposed_by is not None:
        comment["contributor"] = _person(correction.proposed_by)
    return comment


def _rating(note: ReportClaim, scale: RatingScale) -> dict[str, Any]:
    verdict = note.claim.verdict
    rating: dict[str, Any] = {
        "@type": "Rating", "alternateName": verdict.name if verdict else "", "author": _organisation(),
    }
    if verdict is not None and verdict.value is not None:
        rating["ratingValue"] = verdict.value
        if scale.best is not None and scale.worst is not None:
            rating["bestRating"] = scale.best
            rating["worstRating"] = scale.worst
    return rating


def claim_review(article: Article, note: ReportClaim, scale: RatingScale) -> dict[str, Any]:
    """One published claim as a ClaimReview."""
    claim = note.claim
    item: dict[str, Any] = {
        "@type": "Claim",
        # The claim is made in the article's language (each appearance names its own).
        "inLanguage": article.language or "en",
        "appearance": [_appearance(article)] + [_appearance(other) for other in note.linked_articles],
    }
    if claim.claimant:
        item["author"] = {"@type": claimant_type(claim.claimant), "name": claim.claimant}
    if article.published_on:
        item["datePublished"] = article.published_on.isoformat()
    review: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "ClaimReview",
        "url": claim_url(claim),  # the public fact-check page (published claims only reach here)
        "claimReviewed": claim.statement or claim.exact,
        "author": _organisation(),
        "reviewRating": _rating(note, scale),
        "itemReviewed": item,
    }
    if claim.published_at:
        review["datePublished"] = _local_day(claim.published_at)
    if claim.rationale:
        review["reviewBody"] = claim.rationale
    credits = note.credits
    if credits.checked_by:
        review["contributor"] = [_person(user) for user in credits.checked_by]
    if credits.reviewed_by is not None:
        review["editor"] = _person(credits.reviewed_by)
    if credits.corrections:
        review["correction"] = [_correction(correction) for correction in credits.corrections]
        review["dateModified"] = _local_day(credits.corrections[-1].date)
    return review


def article_claim_reviews(article: Article) -> list[dict[str, Any]]:
    """ClaimReviews for the article's published claims (never anything unpublished)."""
    notes = report_claims(article, published_only=True)
    scale = rating_scale()
    return [claim_review(article, note, scale) for note in notes if note.claim.is_published and note.claim.verdict]

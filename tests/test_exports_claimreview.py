"""schema.org ClaimReview JSON-LD: published claims only, ratings from the scale."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from annotations.exports import render_export_bytes
from annotations.exports.claimreview import article_claim_reviews, claimant_type
from annotations.models import ClaimStatus
from tests import factories
from tests.exports_helpers import SECRET, checked_article

pytestmark = pytest.mark.django_db


def test_claim_review_has_the_schema_org_fields(settings):
    settings.FACTDESK_ORGANIZATION_NAME = "Example Checks"
    settings.FACTDESK_ORGANIZATION_URL = "https://checks.example.org"
    settings.FACTDESK_SITE_URL = "https://desk.example.org"
    data = checked_article()
    [review] = json.loads(render_export_bytes(data.article, "claimreview", published_only=False))
    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == "The budget is 4.2 million euros."
    # Its public fact-check page (annotations.public_links), never the login-only desk page.
    assert review["url"] == f"https://desk.example.org/fact-checks/{data.published.pk}-the-budget-is-42-million-euros/"
    assert review["datePublished"] == timezone.localdate(data.published.published_at).isoformat()
    assert review["author"] == {"@type": "Organization", "name": "Example Checks", "url": "https://checks.example.org"}
    organisation = {"@type": "Organization", "name": "Example Checks", "url": "https://checks.example.org"}
    assert review["reviewRating"] == {
        "@type": "Rating", "ratingValue": 1, "bestRating": 5, "worstRating": 1, "alternateName": "False",
        "author": organisation,
    }
    # Credits from the history: the checker researched it, Erin published it, Dana corrected it.
    assert review["contributor"] == [{"@type": "Person", "name": "Casey Checker"}]
    assert review["editor"] == {"@type": "Person", "name": "Erin Editor"}
    [correction] = review["correction"]
    assert correction == {
        "@type": "CorrectionComment",
        "datePublished": timezone.localdate(data.published.corrections.get(status="published").reviewed_at).isoformat(),
        "text": "We misread the table. Rationale: “Was 3.8” → “Is 3.9”.",
        "author": {"@type": "Person", "name": "Dana Corrector"},
        "contributor": {"@type": "Person", "name": "Casey Checker"},
    }
    assert review["dateModified"] == correction["datePublished"]
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["author"] == {"@type": "Person", "name": "The mayor"}
    assert item["datePublished"] == "2024-03-05"
    assert item["inLanguage"] == "en"
    assert item["appearance"] == [{
        "@type": "CreativeWork", "url": data.article.url, "headline": data.article.title, "inLanguage": "en",
        "datePublished": "2024-03-05", "publisher": {"@type": "Organization", "name": "The Daily Example"},
    }]


def test_claim_review_is_published_only_whatever_is_asked():
    data = checked_article()
    raw = render_export_bytes(data.article, "claimreview", published_only=False).decode()
    assert SECRET not in raw
    assert len(json.loads(raw)) == 1


def test_label_without_a_value_gives_only_its_name():
    claim = factories.ClaimFactory(status=ClaimStatus.PUBLISHED, verdict=factories.rating("unverifiable"))
    [review] = article_claim_reviews(claim.article)
    assert review["reviewRating"] == {
        "@type": "Rating", "alternateName": "Unverifiable", "author": review["author"],
    }


@pytest.mark.parametrize(
    ("time_zone", "published_at", "expected"),
    [
        ("Europe/Berlin", datetime(2024, 3, 5, 23, 30, tzinfo=UTC), "2024-03-06"),  # 00:30 in Berlin
        ("America/New_York", datetime(2024, 3, 6, 0, 30, tzinfo=UTC), "2024-03-05"),  # 19:30 in New York
        ("UTC", datetime(2024, 3, 5, 23, 30, tzinfo=UTC), "2024-03-05"),
    ],
)
def test_review_is_dated_on_the_organisations_calendar(settings, time_zone, published_at, expected):
    settings.TIME_ZONE = time_zone
    claim = factories.ClaimFactory(
        status=ClaimStatus.PUBLISHED, verdict=factories.rating("false"), published_at=published_at
    )

    [review] = article_claim_reviews(claim.article)

    assert review["datePublished"] == expected


def test_review_date_ignores_a_time_zone_activated_for_the_request(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    claim = factories.ClaimFactory(
        status=ClaimStatus.PUBLISHED, verdict=factories.rating("false"),
        published_at=datetime(2024, 3, 5, 23, 30, tzinfo=UTC),
    )

    with timezone.override("America/Los_Angeles"):
        [review] = article_claim_reviews(claim.article)

    assert review["datePublished"] == "2024-03-06"


def test_linked_claims_add_their_articles_as_appearances(django_assert_max_num_queries):
    group = factories.ClaimGroupFactory()
    claim = factories.ClaimFactory(status=ClaimStatus.PUBLISHED, verdict=factories.rating("false"), group=group)
    others = [
        factories.ClaimFactory(group=group, status=ClaimStatus.PUBLISHED, verdict=factories.rating("false"))
        for _ in range(3)
    ]
    unpublished = factories.ClaimFactory(group=group)
    # Claims, sources, linked groups and their claims, credit history, corrections, rating scale.
    with django_assert_max_num_queries(7):
        [review] = article_claim_reviews(claim.article)
    urls = [appearance["url"] for appearance in review["itemReviewed"]["appearance"]]
    assert urls == [claim.article.url] + [other.article.url for other in others]
    assert unpublished.article.url not in urls  # work in progress elsewhere is not named publicly


@pytest.mark.parametrize(
    ("claimant", "kind"),
    [("Jane Doe", "Person"), ("City officials", "Organization"), ("Ministry of Finance", "Organization")],
)
def test_claimant_type(claimant, kind):
    assert claimant_type(claimant) == kind

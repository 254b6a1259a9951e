"""W3C Web Annotation export (structure) and import (round trip, failures, duplicates)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied

from annotations.exports.w3c import (
    ANNO_CONTEXT,
    ImportFormatError,
    annotations_in,
    article_annotations,
    import_annotations,
)
from annotations.models import Claim, ClaimEvent
from tests import factories
from tests.exports_helpers import SECRET, checked_article

pytestmark = pytest.mark.django_db


def by_purpose(annotation: dict, purpose: str) -> list[dict]:
    return [body for body in annotation.get("body", []) if body.get("purpose") == purpose]


def test_each_claim_is_an_annotation_with_quote_and_position_selectors(settings):
    settings.FACTDESK_SITE_URL = "https://desk.example.org/"
    data = checked_article()
    collection = json.loads(json.dumps(article_annotations(data.article, published_only=False)))
    assert collection["@context"] == ANNO_CONTEXT
    assert collection["type"] == "AnnotationCollection"
    assert collection["total"] == 4
    items = collection["first"]["items"]
    assert collection["first"]["type"] == "AnnotationPage"
    first = items[0]
    assert first["@context"] == ANNO_CONTEXT
    # A published claim is named by its public page (annotations.public_links).
    assert first["id"] == f"https://desk.example.org/fact-checks/{data.published.pk}-the-budget-is-42-million-euros/"
    assert first["type"] == "Annotation"
    assert first["motivation"] == "assessing"
    assert first["created"].endswith("Z") and first["modified"].endswith("Z")
    assert first["creator"]["name"] == "Casey Checker"
    assert first["target"]["source"] == data.article.url
    quote, position = first["target"]["selector"]
    assert quote == {
        "type": "TextQuoteSelector", "exact": data.published.exact,
        "prefix": data.published.prefix, "suffix": data.published.suffix,
    }
    assert position == {"type": "TextPositionSelector", "start": data.published.start, "end": data.published.end}
    assert data.article.body[position["start"]:position["end"]] == quote["exact"]
    [verdict] = by_purpose(first, "assessing")
    assert verdict["value"] == "False"
    # Credits from the history: the checker researched the verdict, Erin reviewed and published it.
    assert [agent["name"] for agent in verdict["creator"]] == ["Casey Checker"]
    assert verdict["dcterms:contributor"]["name"] == "Erin Editor"
    rationale, correction = by_purpose(first, "commenting")
    assert rationale["value"] == data.published.rationale
    assert correction["creator"]["name"] == "Dana Corrector"
    assert correction["created"].endswith("Z")
    assert "Rationale: “Was 3.8” → “Is 3.9” — We misread the table." in correction["value"]
    assert "proposed by Casey Checker" in correction["value"]
    assert [b["value"] for b in by_purpose(first, "describing")] == [data.published.statement]
    assert [b["value"] for b in by_purpose(first, "identifying")] == ["The mayor"]
    assert [b["source"] for b in by_purpose(first, "linking")] == [
        "https://council.example.org/minutes", "https://news.example.org/budget",
    ]
    assert all(b["type"] == "SpecificResource" for b in by_purpose(first, "linking"))


def test_article_without_url_targets_its_page_on_the_desk(settings):
    settings.FACTDESK_SITE_URL = "https://desk.example.org"
    article = factories.ArticleFactory(url="")
    factories.ClaimFactory(article=article)
    item = article_annotations(article, published_only=False)["first"]["items"][0]
    assert item["target"]["source"] == f"https://desk.example.org/articles/{article.pk}/"


def test_published_only_w3c_leaks_no_unpublished_claim():
    data = checked_article()
    text = json.dumps(article_annotations(data.article, published_only=True), ensure_ascii=False)
    assert SECRET not in text
    assert json.loads(text)["total"] == 1


def test_round_trip_preserves_claims_and_anchors(editor):
    data = checked_article()
    exported = json.loads(json.dumps(article_annotations(data.article, published_only=False)))
    copy = factories.ArticleFactory(body=data.article.body, url="")

    result = import_annotations(copy, exported, editor)

    assert len(result.created) == 4 and result.failed == [] and result.skipped == []
    original = list(data.article.claims.order_by("start", "end", "id"))
    imported = list(copy.claims.order_by("start", "end", "id").prefetch_related("sources"))
    assert [(c.start, c.end, c.exact, c.prefix, c.suffix) for c in imported] == [
        (c.start, c.end, c.exact, c.prefix, c.suffix) for c in original
    ]
    assert [(c.statement, c.claimant, c.verdict_id, c.rationale) for c in imported] == [
        (c.statement, c.claimant, c.verdict_id, c.rationale) for c in original
    ]
    assert [sorted(s.url for s in c.sources.all()) for c in imported] == [
        sorted(s.url for s in c.sources.all()) for c in original
    ]
    assert all(c.created_by == editor for c in imported)
    assert ClaimEvent.objects.filter(claim__in=imported, kind=ClaimEvent.Kind.CREATED).count() == 4


def test_reimporting_an_export_skips_existing_claims(editor):
    data = checked_article()
    exported = article_annotations(data.article, published_only=False)
    result = import_annotations(data.article, exported, editor)
    assert len(result.skipped) == 4 and result.created == []
    assert data.article.claims.count() == 4


def test_import_falls_back_to_the_quote_when_the_position_is_stale(editor):
    article = factories.ArticleFactory()
    annotation = {
        "type": "Annotation",
        "target": {"source": "https://x.example/", "selector": [
            {"type": "TextPositionSelector", "start": 0, "end": 9},
            {"type": "TextQuoteSelector", "exact": "the lowest level", "prefix": "6 percent, ", "suffix": " since"},
        ]},
        "body": [{"type": "TextualBody", "purpose": "assessing", "value": "mostly TRUE"}],
    }
    result = import_annotations(article, annotation, editor)
    [row] = result.created
    claim = Claim.objects.get(pk=row.claim_id)
    assert article.body[claim.start:claim.end] == "the lowest level"
    assert claim.verdict.slug == "mostly-true", "verdicts are matched by name, case-insensitively"
    assert any("quote" in warning for warning in row.warnings)


def test_import_reports_each_bad_annotation_and_keeps_the_good_ones(editor):
    article = factories.ArticleFactory()
    good = {"type": "Annotation", "target": {"selector": {"type": "TextQuoteSelector", "exact": "town hall"}}}
    not_in_text = {"type": "Annotation", "target": {"selector": {"type": "TextQuoteSelector", "exact": "moon landing"}}}
    bad_source = {
        "type": "Annotation",
        "target": {"selector": {"type": "TextQuoteSelector", "exact": "the mayor said"}},
        "body": [{"type": "SpecificResource", "purpose": "linking", "source": "javascript:alert(1)"}],
    }
    unknown_verdict = {
        "type": "Annotation",
        "target": {"selector": {"type": "TextPositionSelector", "start": 4, "end": 8}},
        "body": {"type": "TextualBody", "purpose": "assessing", "value": "Pants on fire"},
    }
    result = import_annotations(article, [good, not_in_text, bad_source, "nonsense", unknown_verdict], editor)
    assert [row.status for row in result.rows] == ["created", "failed", "failed", "failed", "created"]
    assert "not in this article" in result.rows[1].message
    assert "http" in result.rows[2].message
    assert "Not an Annotation" in result.rows[3].message
    assert "Unknown verdict" in result.rows[4].warnings[0]
    # The annotation with the bad source left nothing behind.
    assert not article.claims.filter(exact="the mayor said").exists()
    assert sorted(article.claims.values_list("exact", flat=True)) == ["city", "town hall"]


def test_import_refuses_users_without_a_role():
    article = factories.ArticleFactory()
    with pytest.raises(PermissionDenied):
        import_annotations(article, [], factories.UserFactory())


@pytest.mark.parametrize("data", [42, "text", {"type": "Something"}])
def test_documents_that_are_not_web_annotations_are_refused(data):
    with pytest.raises(ImportFormatError):
        annotations_in(data)


def test_annotation_pages_and_lists_are_accepted():
    annotation = {"type": "Annotation"}
    assert annotations_in({"type": "AnnotationPage", "items": [annotation]}) == [annotation]
    assert annotations_in([annotation]) == [annotation]
    assert annotations_in(annotation) == [annotation]

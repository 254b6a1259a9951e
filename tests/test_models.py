"""Data model integrity: anchors, URLs, constraints, canonical bodies, append-only history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotations.anchoring import AnchorError
from annotations.models import Claim, ClaimEvent, RatingLabel, Source
from annotations.services import add_source, create_claim
from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db


def test_article_body_is_stored_canonical():
    article = factories.ArticleFactory(body="Cafe\u0301 opens.\r\n\r\n\r\n  Second   para.  \r\nline two\x00")
    article.refresh_from_db()
    assert article.body == "Café opens.\n\nSecond   para.\nline two"
    assert len(article.content_hash) == 64


def test_article_with_javascript_url_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(title="x", body="text", url="javascript:alert(1)")


def test_article_url_is_unique_when_present():
    factories.ArticleFactory(url="https://example.org/a")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ArticleFactory(url="https://example.org/a")
    factories.ArticleFactory(url="")
    factories.ArticleFactory(url="")  # empty URLs do not collide


def test_empty_article_body_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(title="x", body="  \n\n ")


def test_create_claim_anchors_on_the_body_slice(fact_checker, article):
    start = article.body.index("unemployment")
    claim = create_claim(article, start, start + 12, "unemployment", user=fact_checker)
    assert (claim.start, claim.end, claim.exact) == (start, start + 12, "unemployment")
    assert claim.prefix == article.body[start - 32:start]
    assert claim.suffix == article.body[start + 12:start + 44]
    assert claim.events.get().kind == ClaimEvent.Kind.CREATED


@pytest.mark.parametrize(
    ("start", "end", "exact", "message"),
    [
        (0, 5, "Wrong", "does not match"),
        (5, 5, "", "empty"),
        (10, 99999, "x", "outside"),
        (-1, 4, "The", "outside"),
    ],
)
def test_create_claim_rejects_a_bad_anchor(fact_checker, article, start, end, exact, message):
    with pytest.raises(AnchorError, match=message):
        create_claim(article, start, end, exact, user=fact_checker)
    assert not Claim.objects.exists()


def test_claim_clean_reports_mismatched_quote(article):
    claim = Claim(article=article, start=0, end=3, exact="xyz")
    with pytest.raises(ValidationError) as info:
        claim.clean()
    assert "exact" in info.value.message_dict


def test_empty_span_is_refused_by_the_database(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(article=article, start=5, end=5, exact="x")


def test_published_claim_without_verdict_is_refused_by_the_database(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ClaimFactory(article=article, status=Claim.Status.PUBLISHED, verdict=None)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hi", "ftp://example.org/x", "not a url"])
def test_source_with_non_http_url_is_refused(fact_checker, url):
    claim = factories.ClaimFactory()
    with pytest.raises(ValidationError):
        add_source(claim, user=fact_checker, url=url)
    assert not Source.objects.exists()


def test_javascript_source_url_is_refused_by_the_database_too():
    claim = factories.ClaimFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(claim=claim, url="javascript:alert(1)")


def test_add_source_records_history_and_bumps_version(fact_checker):
    claim = factories.ClaimFactory()
    add_source(claim, user=fact_checker, url="https://stats.example.org/t1", stance="refutes")
    claim.refresh_from_db()
    assert claim.version == 2
    assert claim.events.filter(kind=ClaimEvent.Kind.SOURCE_ADDED, new_value="https://stats.example.org/t1").exists()


def test_claim_history_is_append_only():
    event = factories.ClaimEventFactory()
    event.note = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_default_rating_scale_is_installed_in_order():
    names = list(RatingLabel.objects.values_list("name", flat=True))
    assert names[:5] == ["True", "Mostly true", "Half true", "Mostly false", "False"]
    assert {"Misleading", "Unverifiable"} <= set(names)
    assert RatingLabel.objects.get(slug="unverifiable").value is None


def test_rating_label_colour_must_be_hex():
    with pytest.raises(IntegrityError), transaction.atomic():
        RatingLabel.objects.create(name="Odd", slug="odd", colour="red")


def test_every_model_has_a_working_factory():
    for factory in (
        factories.ArticleRevisionFactory, factories.JobFactory, factories.RatingLabelFactory,
        factories.SourceFactory, factories.CommentFactory, factories.NotificationFactory,
        factories.ClaimGroupFactory, factories.SuggestionDismissalFactory, factories.ClaimEventFactory,
    ):
        instance = factory()
        assert instance.pk is not None

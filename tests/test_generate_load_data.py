"""The load data generator builds a realistic, reproducible desk (``manage.py generate_load_data``)."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from annotations.anchoring import describe
from annotations.models import Claim, ClaimEvent, ClaimStatus, Comment, Notification, Source
from articles.models import Article
from articles.text import canonicalize_body, content_hash
from benchmarks.management.commands import generate_load_data as gen
from factcheck import permissions as roles
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

ARTICLES = 20
PER_ARTICLE = 5


def generate(seed: int = 3) -> gen.LoadDataStats:
    return gen.generate_load_data(articles=ARTICLES, claims_per_article=PER_ARTICLE, seed=seed)


def snapshot() -> list[tuple]:
    """What must be identical for the same seed: titles, bodies and every anchor and state."""
    rows = []
    for article in gen.generated_articles().order_by("url"):
        claims = [
            (c.start, c.end, c.exact, c.prefix, c.suffix, c.status, c.statement)
            for c in article.claims.order_by("start", "end")
        ]
        rows.append((article.url, article.title, article.body, article.outlet, article.created_at, claims))
    return rows


def test_the_same_seed_builds_the_same_desk_and_another_seed_a_different_one():
    generate(seed=3)
    first = snapshot()
    gen.clear_load_data()
    generate(seed=3)
    assert snapshot() == first
    gen.clear_load_data()
    generate(seed=4)
    assert [row[1] for row in snapshot()] != [row[1] for row in first]


def test_it_inserts_exactly_the_requested_articles_and_claims_with_varied_counts_per_article():
    stats = generate()
    assert (stats.articles, stats.claims) == (ARTICLES, ARTICLES * PER_ARTICLE)
    assert gen.generated_articles().count() == ARTICLES
    per_article = Counter(Claim.objects.values_list("article_id", flat=True))
    assert sum(per_article.values()) == ARTICLES * PER_ARTICLE
    assert len(set(per_article.values())) > 1, "claim counts per article should vary"
    assert stats.sources == Source.objects.count() > 0
    assert stats.events == ClaimEvent.objects.count() > stats.claims
    assert stats.comments == Comment.objects.count()
    assert stats.notifications == Notification.objects.count()


def test_every_claim_quotes_its_article_at_its_offsets_with_context():
    generate()
    claims = Claim.objects.select_related("article")
    assert claims.count() == ARTICLES * PER_ARTICLE
    for claim in claims:
        body = claim.article.body
        assert claim.exact == body[claim.start : claim.end]
        assert claim.exact.strip() == claim.exact
        anchor = describe(body, claim.start, claim.end)
        assert (claim.prefix, claim.suffix) == (anchor.prefix, anchor.suffix)
        claim.full_clean()  # anchors, choices and constraints as the admin would check them


def test_bodies_are_canonical_paragraphs_with_their_hash():
    generate()
    lengths = set()
    for article in gen.generated_articles():
        assert canonicalize_body(article.body) == article.body
        assert article.content_hash == content_hash(article.body)
        assert "\n\n" in article.body
        lengths.add(len(article.body))
        article.full_clean()
    assert len(lengths) > ARTICLES // 2, "articles should have varied lengths"


def test_every_review_state_is_present_and_each_claim_has_the_fields_its_state_implies():
    gen.generate_load_data(articles=30, claims_per_article=8, seed=11)
    statuses = set(Claim.objects.values_list("status", flat=True))
    assert statuses == set(ClaimStatus.values)
    for claim in Claim.objects.all():
        if claim.status == ClaimStatus.PUBLISHED:
            assert claim.verdict_id and claim.verdict_by_id and claim.reviewed_by_id
            assert claim.submitted_at and claim.published_at and claim.published_at > claim.submitted_at
        elif claim.status == ClaimStatus.IN_REVIEW:
            assert claim.verdict_id and claim.verdict_by_id and claim.submitted_at
            assert claim.published_at is None
        elif claim.status == ClaimStatus.DISMISSED:
            assert claim.dismissal_reason and claim.reviewed_by_id and claim.published_at is None
        elif claim.status == ClaimStatus.NEW:
            assert claim.verdict_id is None and claim.submitted_at is None
        if claim.status in (ClaimStatus.RESEARCHING, ClaimStatus.IN_REVIEW, ClaimStatus.PUBLISHED):
            assert claim.assignee_id is not None


def test_history_records_what_happened_to_each_claim():
    generate()
    events = Counter()
    for claim in Claim.objects.prefetch_related("events", "sources", "comments"):
        history = sorted(claim.events.all(), key=lambda e: (e.created_at, e.pk))
        events.update(e.kind for e in history)
        assert history[0].kind == ClaimEvent.Kind.CREATED
        assert all(e.claim_ref == claim.pk and e.article_id == claim.article_id for e in history)
        assert claim.version == len(history)
        added = [e.new_value for e in history if e.kind == ClaimEvent.Kind.SOURCE_ADDED]
        assert sorted(added) == sorted(source.url for source in claim.sources.all())
        assert len([e for e in history if e.kind == ClaimEvent.Kind.COMMENTED]) == len(claim.comments.all())
        transitions = [e for e in history if e.kind == ClaimEvent.Kind.TRANSITION]
        if claim.status == ClaimStatus.NEW:
            assert not transitions
        else:
            assert transitions[-1].to_status == claim.status
    assert {ClaimEvent.Kind.CREATED, ClaimEvent.Kind.TRANSITION, ClaimEvent.Kind.SOURCE_ADDED} <= set(events)


def test_sources_are_http_links_that_pass_model_validation():
    generate()
    for source in Source.objects.all():
        assert source.url.startswith("https://")
        assert source.archive_url == "" or source.archive_url.startswith("https://")
        source.full_clean()


def test_generated_users_have_roles_and_no_usable_password_by_default():
    generate()
    checkers = User.objects.filter(username__startswith="load-checker-")
    editors = User.objects.filter(username__startswith="load-editor-")
    assert checkers.exists() and editors.exists()
    assert all(roles.is_fact_checker(user) and not roles.is_editor(user) for user in checkers)
    assert all(roles.is_editor(user) for user in editors)
    assert not any(user.has_usable_password() for user in [*checkers, *editors])


def test_articles_spread_over_years_and_auto_timestamps_are_restored_afterwards():
    generate()
    dates = list(gen.generated_articles().values_list("created_at", flat=True))
    assert max(dates) - min(dates) > datetime.timedelta(days=365)
    for model in (Article, Claim, ClaimEvent, Comment, Source, Notification):
        assert model._meta.get_field("created_at").auto_now_add is True
    assert Article._meta.get_field("updated_at").auto_now is True
    article = ArticleFactory()
    assert article.created_at > gen.BASE_TIME


def test_clear_removes_only_generated_data():
    own = ArticleFactory(url="https://news.example.org/kept")
    generate()
    gen.clear_load_data()
    assert not gen.generated_articles().exists()
    assert not Claim.objects.exists()
    assert not User.objects.filter(username__startswith=gen.USERNAME_PREFIX).exists()
    assert Article.objects.filter(pk=own.pk).exists()


def test_create_article_with_claims_gives_exactly_that_many_claims_and_a_long_body_on_request():
    article = gen.create_article_with_claims(url=f"{gen.LOAD_URL_PREFIX}bench/x", claims=60, min_chars=20_000)
    assert article.claims.count() == 60
    assert len(Article.objects.get(pk=article.pk).body) >= 20_000
    with pytest.raises(ValueError, match=r"load\.example\.org"):
        gen.create_article_with_claims(url="https://news.example.org/1", claims=1)


def test_command_reuses_an_identical_desk_and_refuses_a_different_size_without_clear():
    call_command("generate_load_data", articles=4, claims_per_article=2, seed=9, stdout=None)
    assert gen.generated_articles().count() == 4
    call_command("generate_load_data", articles=4, claims_per_article=2, seed=9)
    assert gen.generated_articles().count() == 4
    with pytest.raises(CommandError, match="--clear"):
        call_command("generate_load_data", articles=6, claims_per_article=2, seed=9)
    call_command("generate_load_data", articles=6, claims_per_article=2, seed=9, clear=True)
    assert gen.generated_articles().count() == 6
    assert Claim.objects.count() == 12


def test_command_rejects_negative_sizes():
    with pytest.raises(CommandError, match="negative"):
        call_command("generate_load_data", articles=-1, claims_per_article=2)

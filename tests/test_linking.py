"""Linking claims as the same claim: groups, merging, unlinking, precedent, copying sources."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from annotations.models import Claim, ClaimEvent, ClaimGroup, ClaimStatus, Source
from search import linking
from tests.factories import ArticleFactory, ClaimFactory, SourceFactory, UserFactory, rating


def make_claim(**fields) -> Claim:
    return ClaimFactory(article=ArticleFactory(), **fields)


def published(verdict: str, days_ago: int) -> Claim:
    return make_claim(
        status=ClaimStatus.PUBLISHED, verdict=rating(verdict), published_at=timezone.now() - timedelta(days=days_ago)
    )


def fresh(claim: Claim) -> Claim:
    return Claim.objects.get(pk=claim.pk)


# --- Service --------------------------------------------------------------------------------


def test_linking_two_claims_creates_a_group_with_history_on_both(editor):
    first, second = make_claim(), make_claim()
    group = linking.link_claims(first, second, editor)
    assert fresh(first).group == group == fresh(second).group
    for claim, other in ((first, second), (second, first)):
        event = ClaimEvent.objects.get(claim=claim, kind=ClaimEvent.Kind.LINKED)
        assert event.actor == editor
        assert f"claim #{other.pk}" in event.note
        assert event.new_value == str(group.pk)


def test_linking_bumps_the_claims_versions(editor):
    first, second = make_claim(), make_claim()
    linking.link_claims(first, second, editor)
    assert fresh(first).version == first.version + 1


def test_linking_a_third_claim_joins_the_existing_group(editor):
    first, second, third = make_claim(), make_claim(), make_claim()
    group = linking.link_claims(first, second, editor)
    assert linking.link_claims(third, fresh(first), editor) == group
    assert set(group.claims.all()) == {first, second, third}


def test_linking_members_of_two_groups_merges_them_into_the_older_group(editor):
    a, b, c, d = (make_claim() for _ in range(4))
    older = linking.link_claims(a, b, editor)
    newer = linking.link_claims(c, d, editor)
    assert linking.link_claims(fresh(b), fresh(c), editor) == older
    assert set(older.claims.all()) == {a, b, c, d}
    assert not ClaimGroup.objects.filter(pk=newer.pk).exists()
    assert ClaimEvent.objects.filter(claim=d, kind=ClaimEvent.Kind.LINKED, note__contains="merged").exists()


def test_linking_claims_already_in_the_same_group_changes_nothing(editor):
    first, second = make_claim(), make_claim()
    group = linking.link_claims(first, second, editor)
    before = ClaimEvent.objects.count()
    assert linking.link_claims(fresh(first), fresh(second), editor) == group
    assert ClaimEvent.objects.count() == before


def test_only_editors_link(fact_checker):
    with pytest.raises(PermissionDenied):
        linking.link_claims(make_claim(), make_claim(), fact_checker)
    assert not ClaimGroup.objects.exists()


def test_a_claim_cannot_be_linked_to_itself_or_to_its_own_article(editor):
    claim = make_claim()
    with pytest.raises(ValidationError, match="itself"):
        linking.link_claims(claim, claim, editor)
    neighbour = ClaimFactory(article=claim.article, phrase="budget of 4.2 million euros")
    with pytest.raises(ValidationError, match="same article"):
        linking.link_claims(claim, neighbour, editor)


def test_unlinking_the_second_to_last_claim_dissolves_the_group(editor):
    first, second = make_claim(), make_claim()
    group = linking.link_claims(first, second, editor)
    linking.unlink(fresh(first), editor)
    assert fresh(first).group is None and fresh(second).group is None
    assert not ClaimGroup.objects.filter(pk=group.pk).exists()
    assert ClaimEvent.objects.filter(claim=second, note__contains="dissolved").exists()


def test_unlinking_one_of_three_keeps_the_others_linked(editor):
    a, b, c = make_claim(), make_claim(), make_claim()
    group = linking.link_claims(a, b, editor)
    linking.link_claims(fresh(a), c, editor)
    linking.unlink(fresh(c), editor)
    assert set(group.claims.all()) == {a, b}


def test_unlinking_an_unlinked_claim_is_a_clear_error(editor):
    with pytest.raises(ValidationError, match="not linked"):
        linking.unlink(make_claim(), editor)


def test_precedent_is_the_groups_most_recently_published_claim(editor):
    mine = make_claim()
    old = published("mostly-true", days_ago=30)
    recent = published("false", days_ago=2)
    unpublished = make_claim(status=ClaimStatus.IN_REVIEW, verdict=rating("true"))
    for other in (old, recent, unpublished):
        linking.link_claims(fresh(mine), other, editor)
    assert linking.precedent(fresh(mine)) == recent
    assert linking.precedent(fresh(recent)) == old


def test_an_unlinked_claim_has_no_precedent(db):
    assert linking.precedent(make_claim()) is None


def test_copy_sources_copies_missing_urls_through_the_service(editor, fact_checker):
    target, origin = make_claim(), published("false", days_ago=1)
    linking.link_claims(target, origin, editor)
    SourceFactory(claim=origin, url="https://stats.example.org/a", title="Survey")
    SourceFactory(claim=origin, url="https://stats.example.org/b")
    SourceFactory(claim=target, url="https://stats.example.org/b")
    copied = linking.copy_sources(fresh(origin), fresh(target), fact_checker)
    assert [s.url for s in copied] == ["https://stats.example.org/a"]
    assert copied[0].title == "Survey" and copied[0].added_by == fact_checker
    assert sorted(Source.objects.filter(claim=target).values_list("url", flat=True)) == [
        "https://stats.example.org/a", "https://stats.example.org/b",
    ]
    assert ClaimEvent.objects.filter(claim=target, kind=ClaimEvent.Kind.SOURCE_ADDED).count() == 1
    assert linking.copy_sources(fresh(origin), fresh(target), fact_checker) == []


def test_copy_sources_only_between_linked_claims(fact_checker):
    origin, target = make_claim(), make_claim()
    SourceFactory(claim=origin)
    with pytest.raises(ValidationError, match="linked"):
        linking.copy_sources(origin, target, fact_checker)


def test_readers_cannot_copy_sources(editor):
    origin, target = make_claim(), make_claim()
    linking.link_claims(origin, target, editor)
    with pytest.raises(PermissionDenied):
        linking.copy_sources(fresh(origin), fresh(target), UserFactory())


# --- Views ----------------------------------------------------------------------------------


def hx_post(client, name: str, claim: Claim, *, send_version: bool = True, **data):
    """Post as the panel does: with the claim's current version (unless told not to)."""
    if send_version:
        data.setdefault("version", fresh(claim).version)
    return client.post(reverse(f"search:{name}", args=[claim.pk]), data, HTTP_HX_REQUEST="true")


@pytest.mark.parametrize("name", ["link", "unlink", "copy_sources"])
def test_linking_views_refuse_a_post_without_the_claims_version_with_428(name, editor, editor_client):
    mine, precedent = make_claim(), published("false", days_ago=3)
    linking.link_claims(mine, precedent, editor)
    SourceFactory(claim=precedent)
    before = fresh(mine).version
    other = {"link": {"other": make_claim().pk}, "unlink": {}, "copy_sources": {"from": precedent.pk}}[name]
    response = hx_post(editor_client, name, mine, send_version=False, **other)
    assert response.status_code == 428
    assert "did not say which version" in response.content.decode()
    assert fresh(mine).version == before and fresh(mine).group_id == fresh(precedent).group_id


@pytest.mark.parametrize("name", ["link", "unlink", "copy_sources"])
def test_linking_views_refuse_a_stale_version_with_409_and_write_nothing(name, editor, editor_client):
    mine, precedent = make_claim(), published("false", days_ago=3)
    linking.link_claims(mine, precedent, editor)
    SourceFactory(claim=precedent)
    stale = fresh(mine).version - 1
    other = {"link": {"other": make_claim().pk}, "unlink": {}, "copy_sources": {"from": precedent.pk}}[name]
    response = hx_post(editor_client, name, mine, version=stale, **other)
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert fresh(mine).sources.count() == 0 and fresh(mine).group_id == fresh(precedent).group_id


def test_link_view_links_and_signals_claim_changed(editor_client):
    first, second = make_claim(), make_claim()
    response = hx_post(editor_client, "link", first, other=second.pk)
    assert response.status_code == 200
    assert fresh(first).group_id is not None and fresh(first).group_id == fresh(second).group_id
    assert json.loads(response["HX-Trigger"]) == {"claim-changed": {"id": first.pk}}
    content = response.content.decode()
    assert "Linked claims" in content and f"Linked with claim #{second.pk}" in content


def test_link_view_refuses_fact_checkers_with_403(checker_client):
    first, second = make_claim(), make_claim()
    response = hx_post(checker_client, "link", first, other=second.pk)
    assert response.status_code == 403
    assert "Only editors" in response.content.decode()
    assert fresh(first).group_id is None


def test_link_view_explains_bad_input(editor_client):
    first = make_claim()
    assert "missing" in hx_post(editor_client, "link", first).content.decode()
    response = hx_post(editor_client, "link", first, other=999_999)
    assert response.status_code == 400
    assert "no claim number 999999" in response.content.decode()


def test_the_panel_shows_linked_claims_and_the_precedent_prominently(editor, checker_client):
    mine = make_claim()
    precedent = published("false", days_ago=3)
    linking.link_claims(mine, precedent, editor)
    content = checker_client.get(reverse("search:similar", args=[mine.pk])).content.decode()
    assert "Precedent:" in content
    assert ">False</span>" in content
    assert precedent.article.title in content
    assert "Linked claims" in content
    assert "Copy sources" not in content  # the precedent has no sources yet
    SourceFactory(claim=precedent)
    content = checker_client.get(reverse("search:similar", args=[mine.pk])).content.decode()
    assert "Copy sources" in content
    assert "Unlink this claim" not in content  # fact-checkers do not unlink


def test_copy_sources_view_copies_and_reports(editor, checker_client):
    mine, precedent = make_claim(), published("false", days_ago=3)
    linking.link_claims(mine, precedent, editor)
    SourceFactory(claim=precedent)
    SourceFactory(claim=precedent)
    response = hx_post(checker_client, "copy_sources", mine, **{"from": precedent.pk})
    assert response.status_code == 200
    assert "Copied 2 sources." in response.content.decode()
    assert mine.sources.count() == 2
    assert json.loads(response["HX-Trigger"]) == {"claim-changed": {"id": mine.pk}}
    again = hx_post(checker_client, "copy_sources", mine, **{"from": precedent.pk})
    assert "Nothing to copy" in again.content.decode()
    assert "HX-Trigger" not in again


def test_unlink_view_unlinks_for_editors_only(editor, client, fact_checker):
    first, second = make_claim(), make_claim()
    linking.link_claims(first, second, editor)
    client.force_login(fact_checker)
    assert hx_post(client, "unlink", first).status_code == 403
    client.force_login(editor)
    response = hx_post(client, "unlink", first)
    assert response.status_code == 200
    assert fresh(first).group_id is None


def test_readers_see_only_published_linked_claims(editor, client):
    mine = published("false", days_ago=1)
    hidden = make_claim(status=ClaimStatus.RESEARCHING)
    linking.link_claims(mine, hidden, editor)
    client.force_login(UserFactory())
    content = client.get(reverse("search:similar", args=[mine.pk])).content.decode()
    assert "Linked claims" not in content

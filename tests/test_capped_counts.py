"""Long lists count up to a limit and say so (issue 19: pages at 1,000,000 claims).

The article list and the review queue counted every matching row before showing 25 or 50 of
them; a :class:`~annotations.pagination.CappedPaginator` stops after its limit (or after the
page asked for) and the page says "More than N". The limits are lowered here so a handful of
rows shows the behaviour.
"""

from __future__ import annotations

import pytest
from django.db.models import Q
from django.utils import timezone

from annotations import article_views, review_views, selectors
from annotations.models import ClaimStatus
from annotations.pagination import CappedPaginator
from articles.models import Article
from tests import factories


@pytest.mark.django_db
def test_the_count_stops_after_the_limit_and_says_more():
    factories.ArticleFactory.create_batch(7)
    paginator = CappedPaginator(Article.objects.order_by("pk"), 2, limit=4)
    page = paginator.get_page(1)
    assert (paginator.count, paginator.more, paginator.count_floor, paginator.pages_floor) == (5, True, 4, 2)
    assert [a.pk for a in page] == list(Article.objects.order_by("pk").values_list("pk", flat=True)[:2])
    assert page.has_next()


@pytest.mark.django_db
def test_a_list_within_the_limit_is_counted_exactly():
    factories.ArticleFactory.create_batch(4)
    paginator = CappedPaginator(Article.objects.all(), 2, limit=4)
    page = paginator.get_page(2)
    assert (paginator.count, paginator.more, paginator.num_pages) == (4, False, 2)
    assert not page.has_next()


@pytest.mark.django_db
def test_pages_beyond_the_limit_stay_reachable_one_at_a_time():
    factories.ArticleFactory.create_batch(9)
    ordered = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    pages = []
    number = 1
    while True:
        page = CappedPaginator(Article.objects.order_by("pk"), 2, limit=3).get_page(number)
        pages.append([a.pk for a in page])
        if not page.has_next():
            break
        number = page.next_page_number()
    assert [pk for rows in pages for pk in rows] == ordered
    last = CappedPaginator(Article.objects.all(), 2, limit=3)
    last.get_page(5)
    assert (last.count, last.more) == (9, False)


@pytest.mark.django_db
def test_a_page_past_the_end_falls_back_to_the_last_one():
    factories.ArticleFactory.create_batch(3)
    page = CappedPaginator(Article.objects.order_by("pk"), 2, limit=100).get_page(99)
    assert page.number == 2


def test_the_count_of_a_list_of_rows_is_capped_too():
    paginator = CappedPaginator(list(range(10)), 3, limit=5)
    assert (paginator.count, paginator.more) == (6, True)


@pytest.mark.django_db
def test_the_count_reads_primary_keys_only(editor):
    """The review queue's per-row subqueries (sources, changes requested) are not computed for its count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    factories.ClaimFactory.create_batch(3, status=ClaimStatus.IN_REVIEW, submitted_at=timezone.now())
    paginator = CappedPaginator(selectors.review_queue(editor, researched=Q(pk__in=[])), 1, limit=2)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 3
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert "annotations_source" not in sql and "annotations_claimevent" not in sql
    assert "LIMIT 3" in sql


def test_the_article_list_says_more_than_the_limit(checker_client, monkeypatch):
    monkeypatch.setattr(article_views, "LIST_COUNT_LIMIT", 3)
    monkeypatch.setattr(article_views, "PAGE_SIZE", 2)
    factories.ArticleFactory.create_batch(5, outlet="Harbour Times")
    text = checker_client.get("/articles/").content.decode()
    assert "More than 3 articles." in text
    assert "Page 1 of more than 1" in text
    assert 'rel="next"' in text


def test_the_filtered_article_list_has_its_own_limit(checker_client, monkeypatch):
    monkeypatch.setattr(article_views, "FILTERED_COUNT_LIMIT", 2)
    monkeypatch.setattr(article_views, "PAGE_SIZE", 1)
    factories.ArticleFactory.create_batch(3, outlet="Harbour Times")
    factories.ArticleFactory(outlet="Coastal Ledger")
    assert "More than 2 articles match these filters." in checker_client.get(
        "/articles/?outlet=Harbour+Times"
    ).content.decode()
    assert "1 article matches these filters." in checker_client.get("/articles/?outlet=Coastal+Ledger").content.decode()
    assert "4 articles." in checker_client.get("/articles/").content.decode()


def test_the_review_queue_says_more_than_the_limit(editor_client, monkeypatch):
    monkeypatch.setattr(review_views, "QUEUE_COUNT_LIMIT", 2)
    monkeypatch.setattr(review_views, "GROUP_LIMIT", 2)
    factories.ClaimFactory.create_batch(5, status=ClaimStatus.IN_REVIEW, submitted_at=timezone.now())
    first = editor_client.get("/review/queue/").content.decode()
    assert "Waiting for your review (more than 2)" in first
    assert "Page 1 of more than 1" in first
    third = editor_client.get("/review/queue/?page=3")
    assert len(third.context["claims"]) == 1
    assert "Waiting for your review (5)" in third.content.decode()


def test_the_outlets_are_listed_once_each_alphabetically(db):
    for outlet in ("Harbour Times", "Coastal Ledger", "Harbour Times", "", "Ályth Post", "Bay News"):
        factories.ArticleFactory(outlet=outlet)
    expected = sorted({"Harbour Times", "Coastal Ledger", "Ályth Post", "Bay News"})
    assert selectors.article_outlets() == expected


def test_my_claims_counts_each_status_up_to_the_limit(client, fact_checker):
    factories.ClaimFactory.create_batch(4, assignee=fact_checker, status=ClaimStatus.RESEARCHING)
    factories.ClaimFactory.create_batch(2, assignee=fact_checker, status=ClaimStatus.NEW)
    factories.ClaimFactory.create_batch(3, assignee=fact_checker, status=ClaimStatus.DISMISSED)
    mine = selectors.my_claims(fact_checker, group_limit=2, finished_limit=2, count_limit=2)
    counts = {group["status"]: (group["count"], group["more"]) for group in mine.groups}
    assert counts == {
        ClaimStatus.RESEARCHING: (2, True), ClaimStatus.NEW: (2, False), ClaimStatus.IN_REVIEW: (0, False)
    }
    assert (mine.finished_count, mine.finished_more) == (2, True)
    exact = selectors.my_claims(fact_checker, group_limit=2, finished_limit=2)
    assert [group["count"] for group in exact.groups] == [4, 2, 0] and exact.finished_count == 3


def test_my_claims_page_says_more_than_the_limit(client, fact_checker, monkeypatch):
    monkeypatch.setattr(selectors.my_claims, "__kwdefaults__", {"count_limit": 2})
    factories.ClaimFactory.create_batch(3, assignee=fact_checker, status=ClaimStatus.RESEARCHING)
    factories.ClaimFactory.create_batch(3, assignee=fact_checker, status=ClaimStatus.DISMISSED)
    client.force_login(fact_checker)
    text = client.get("/review/my-claims/").content.decode()
    assert "(more than 2)" in text
    assert "Recently finished (more than 2)" in text


def test_my_claims_reads_each_group_and_the_latest_finished_in_order(fact_checker, django_assert_num_queries):
    """One query for every row (a union of index-ordered limits), the same rows and order as
    one query per group: open groups oldest activity first, finished ones latest first across
    both statuses, ties by number."""
    from annotations.models import Claim
    from tests.factories import rating

    base = timezone.now()
    moments = [base - timezone.timedelta(hours=hours) for hours in (5, 1, 3, 1, 2, 4, 1, 6)]
    made = []
    for index, moment in enumerate(moments):
        published = index % 2 == 0
        finished = factories.ClaimFactory(
            assignee=fact_checker, status=ClaimStatus.PUBLISHED if published else ClaimStatus.DISMISSED,
            verdict=rating("true") if published else None,
        )
        researching = factories.ClaimFactory(assignee=fact_checker, status=ClaimStatus.RESEARCHING)
        Claim.objects.filter(pk__in=[finished.pk, researching.pk]).update(updated_at=moment)
        made.append((moment, finished.pk, researching.pk))
    factories.ClaimFactory(status=ClaimStatus.PUBLISHED, verdict=rating("true"))  # someone else's
    selectors.my_claims(fact_checker, group_limit=3, finished_limit=4)  # the user's role, read once
    with django_assert_num_queries(2):  # the capped counts, then every row
        mine = selectors.my_claims(fact_checker, group_limit=3, finished_limit=4)
    latest = sorted(((moment, pk) for moment, pk, _ in made), reverse=True)[:4]
    assert [claim.pk for claim in mine.finished] == [pk for _, pk in latest]
    oldest = sorted((moment, pk) for moment, _, pk in made)[:3]
    researching = next(group for group in mine.groups if group["status"] == ClaimStatus.RESEARCHING)
    assert [claim.pk for claim in researching["claims"]] == [pk for _, pk in oldest]
    assert (researching["count"], mine.finished_count) == (8, 8)
    assert not any(hasattr(claim, "changes_requested") for claim in mine.finished)


def test_the_lists_count_up_to_their_limits_by_default():
    assert selectors.my_claims.__kwdefaults__["count_limit"] == selectors.MY_CLAIMS_COUNT_LIMIT == 100
    assert review_views.QUEUE_COUNT_LIMIT == 200


def test_each_kind_of_research_entry_sets_a_claim_aside_once(editor):
    """The editor's research entries are read per kind (a UNION on the research index): each
    kind counts, a claim with several entries is listed once, other entries and people do not."""
    from annotations.models import ClaimEvent
    from tests.factories import ClaimEventFactory, FactCheckerFactory

    Kind = ClaimEvent.Kind
    edited, sourced, submitted, other_field, theirs = (
        factories.ClaimFactory(status=ClaimStatus.IN_REVIEW, submitted_at=timezone.now()) for _ in range(5)
    )
    ClaimEventFactory(claim=edited, actor=editor, kind=Kind.EDITED, field="statement")
    ClaimEventFactory(claim=edited, actor=editor, kind=Kind.EDITED, field="verdict")
    ClaimEventFactory(claim=sourced, actor=editor, kind=Kind.SOURCE_ADDED)
    ClaimEventFactory(claim=submitted, actor=editor, kind=Kind.TRANSITION, to_status=ClaimStatus.IN_REVIEW)
    ClaimEventFactory(claim=other_field, actor=editor, kind=Kind.EDITED, field="assignee")
    ClaimEventFactory(claim=theirs, actor=FactCheckerFactory(), kind=Kind.EDITED, field="statement")
    ids = selectors._researched_in_review_ids(editor, 10)
    assert sorted(ids) == sorted([edited.pk, sourced.pk, submitted.pk])


@pytest.mark.parametrize(("unread", "shown"), [(99, "99"), (100, "99+"), (130, "99+")])
def test_the_unread_badge_counts_up_to_99_then_says_99_plus(editor_client, editor, unread, shown):
    from annotations.models import Notification

    Notification.objects.bulk_create(
        [Notification(recipient=editor, message=f"Note {number}") for number in range(unread)]
    )
    factories.NotificationFactory(recipient=editor, read_at=timezone.now())  # read: not counted
    assert str(selectors.unread_notification_count(editor)) == shown
    for path in ("/review/notifications/", f"/articles/{factories.ArticleFactory().pk}/"):
        content = editor_client.get(path).content.decode()
        assert f'aria-label="Notifications ({shown} unread)"' in content, path
        assert f'<span class="badge" data-unread="{shown}">{shown}</span>' in content, path

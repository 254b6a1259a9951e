"""Watched outlets and silent edits (``articles.watching``), against a local HTTP server.

Feeds are polled with conditional requests and their new items come into the inbox; a
watched article whose page changed gets an "outlet" revision, its claims are re-anchored
and the people working on changed quotes are told; failures say why and back off.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from annotations.models import AnchorState, Notification
from annotations.outlet_changes import OUTLET_CHANGED
from articles import inbox, watching, web_import
from articles.corrections import edit_article
from articles.models import Article, ArticleRevision, Feed, FeedItem, PollState, Snapshot, Watch
from factcheck.models import Job
from tests import factories

pytestmark = pytest.mark.django_db

STORY = (Path(__file__).resolve().parent / "fixtures" / "web" / "newsroom_article.html").read_text(encoding="utf-8")
QUOTE = "twice the figure given to councillors three years ago"


def rss(*items: tuple[str, str, str]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{guid}</guid></item>" for guid, link, title in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Chronicle</title>{entries}</channel></rss>'


def story(number: int, text: str = "") -> str:
    """The fixture page as a different story (its own canonical URL and headline)."""
    page = STORY.replace("harbour-dredging-cost", f"story-{number}").replace("Harbour dredging", f"Story {number}:")
    return page.replace("The cost of dredging", f"{text or f'Story {number}.'} The cost of dredging")


@pytest.fixture(autouse=True)
def local_fetching(settings):
    settings.FACTDESK_FETCH_ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    settings.FACTDESK_FETCH_HOST_INTERVAL = 0
    settings.FACTDESK_SITE_URL = "https://desk.example"


def feed_server(httpserver: HTTPServer, items: list[tuple[str, str, str]], etag: str = '"feed-1"') -> None:
    def answer(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304)
        return Response(rss(*items), content_type="application/rss+xml", headers={"ETag": etag})

    httpserver.expect_request("/rss").respond_with_handler(answer)


def test_a_feed_brings_its_items_into_the_inbox_and_remembers_them(httpserver: HTTPServer, editor):
    for number in (1, 2):
        httpserver.expect_request(f"/s{number}").respond_with_data(story(number), content_type="text/html")
    items = [(f"guid-{n}", httpserver.url_for(f"/s{n}"), f"Story {n}") for n in (1, 2)]
    feed_server(httpserver, items)
    feed = Feed.objects.create(url=httpserver.url_for("/rss"), outlet="Harbour Chronicle", added_by=editor)

    report = watching.poll_feed(feed)

    assert len(report.created) == 2
    articles = Article.objects.filter(in_inbox=True)
    assert sorted(article.title for article in articles) == ["Story 1: to cost £40m, port authority admits",
                                                             "Story 2: to cost £40m, port authority admits"]
    assert all(article.added_by == editor for article in articles)
    assert Watch.objects.filter(feed=feed).count() == 2  # the feed watches its items for silent edits
    feed.refresh_from_db()
    assert (feed.title, feed.etag, feed.last_outcome, feed.items_imported) == (
        "Harbour Chronicle", '"feed-1"', PollState.Outcome.OK, 2
    )
    assert FeedItem.objects.filter(feed=feed).count() == 2


def test_an_unchanged_feed_answers_304_to_the_conditional_request(httpserver: HTTPServer, editor):
    httpserver.expect_request("/s1").respond_with_data(story(1), content_type="text/html")
    feed_server(httpserver, [("guid-1", httpserver.url_for("/s1"), "Story 1")])
    feed = Feed.objects.create(url=httpserver.url_for("/rss"), added_by=editor, watch_items=False)
    watching.poll_feed(feed)
    feed.refresh_from_db()
    requests_before = len(httpserver.log)

    report = watching.poll_feed(feed)

    assert report.feeds_unchanged == 1
    assert len(httpserver.log) == requests_before + 1  # only the feed, answered 304
    request, response = httpserver.log[-1]
    assert request.headers["If-None-Match"] == '"feed-1"'
    assert response.status_code == 304
    feed.refresh_from_db()
    assert feed.last_outcome == PollState.Outcome.NOT_MODIFIED


def test_only_new_items_are_fetched_when_the_feed_changes(httpserver: HTTPServer, editor):
    for number in (1, 2):
        httpserver.expect_request(f"/s{number}").respond_with_data(story(number), content_type="text/html")
    first = ("guid-1", httpserver.url_for("/s1"), "Story 1")
    feed_server(httpserver, [first], etag='"a"')
    feed = Feed.objects.create(url=httpserver.url_for("/rss"), added_by=editor, watch_items=False)
    watching.poll_feed(feed)
    httpserver.clear()
    httpserver.expect_request("/s2").respond_with_data(story(2), content_type="text/html")
    feed_server(httpserver, [("guid-2", httpserver.url_for("/s2"), "Story 2"), first], etag='"b"')
    feed.refresh_from_db()

    report = watching.poll_feed(feed)

    assert [row[0] for row in report.created] == [httpserver.url_for("/s2")]
    assert [request.path for request, _ in httpserver.log] == ["/rss", "/s2"]


def test_a_failing_feed_says_why_and_backs_off(httpserver: HTTPServer, editor, editor_client):
    httpserver.expect_request("/rss").respond_with_data("down", status=503)
    feed = Feed.objects.create(url=httpserver.url_for("/rss"), added_by=editor, interval_minutes=30)
    before = timezone.now()

    watching.poll_feed(feed, now=before)

    feed.refresh_from_db()
    assert feed.last_outcome == PollState.Outcome.ERROR
    assert feed.last_error == "The site had an error (503 SERVICE UNAVAILABLE)."
    assert feed.failures == 1
    assert feed.next_check_at == before + timedelta(minutes=60)
    page = editor_client.get(reverse("editing:feed", args=[feed.pk])).content.decode()
    assert "The site had an error (503 SERVICE UNAVAILABLE)." in page


def test_an_address_that_is_not_a_feed_is_reported(httpserver: HTTPServer, editor):
    httpserver.expect_request("/rss").respond_with_data("<html><body>Hi</body></html>", content_type="text/html")
    feed = Feed.objects.create(url=httpserver.url_for("/rss"), added_by=editor)

    watching.poll_feed(feed)

    feed.refresh_from_db()
    assert "not an RSS or Atom feed: the site sent text/html" in feed.last_error


def test_back_off_doubles_with_each_failure_up_to_a_day_and_honours_retry_after():
    now = timezone.now()
    feed = Feed(url="https://x.example/rss", interval_minutes=60, failures=0)

    assert watching.next_look_after_failure(feed, now) == now + timedelta(hours=2)
    feed.failures = 3
    assert watching.next_look_after_failure(feed, now) == now + timedelta(hours=16)
    feed.failures = 9
    assert watching.next_look_after_failure(feed, now) == now + timedelta(hours=24)
    feed.failures = 0
    assert watching.next_look_after_failure(feed, now, retry_after=6 * 3600) == now + timedelta(hours=6)


def test_requests_to_one_host_are_spaced_out():
    clock = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    throttle = watching.HostThrottle(2.0, clock=lambda: clock[0], sleep=sleep)
    throttle.wait("https://a.example/1")
    throttle.wait("https://b.example/1")
    clock[0] += 0.5
    throttle.wait("https://a.example/2")

    assert slept == [1.5]


def test_a_cycle_interleaves_hosts():
    items = [Feed(url=url) for url in ("https://a.example/1", "https://a.example/2", "https://b.example/1")]

    assert [item.url for item in watching._interleaved(items)] == [
        "https://a.example/1", "https://b.example/1", "https://a.example/2"
    ]


# --- silent edits ------------------------------------------------------------------------------------


@pytest.fixture
def watched(httpserver: HTTPServer, editor):
    """A watched article from a page whose text the test can change (``state["page"]``)."""
    state = {"page": STORY, "etag": '"v1"'}

    def answer(request: Request) -> Response:
        if request.headers.get("If-None-Match") == state["etag"]:
            return Response(status=304)
        return Response(state["page"], content_type="text/html; charset=utf-8", headers={"ETag": state["etag"]})

    httpserver.expect_request("/story").respond_with_handler(answer)
    result = web_import.import_url(httpserver.url_for("/story"), editor, watch=True)
    return result.article, Watch.objects.get(article=result.article), state


def test_a_changed_page_becomes_an_outlet_revision_and_claims_follow(watched):
    article, watch, state = watched
    claim = factories.ClaimFactory(article=article, phrase=QUOTE)
    state["page"], state["etag"] = STORY.replace("twice the figure", "three times the figure"), '"v2"'

    report = watching.check_watch(watch)

    assert report.watches_changed == 1
    article.refresh_from_db()
    assert "three times the figure" in article.body
    revision = ArticleRevision.objects.get(article=article)
    assert revision.changed_by_outlet
    assert revision.note.startswith("Changed by the outlet, fetched at ")
    assert "twice the figure" in revision.body
    assert revision.snapshot is not None and revision.snapshot.article == article
    assert watching.outlet_change_count(article) == 1
    assert watching.with_outlet_changes(Article.objects.filter(pk=article.pk)).get().outlet_changes == 1
    claim.refresh_from_db()
    assert claim.anchor_state in (AnchorState.MOVED, AnchorState.ORPHANED)
    notice = Notification.objects.get(recipient=claim.created_by)
    assert notice.kind == OUTLET_CHANGED
    assert notice.claim == claim
    watch.refresh_from_db()
    assert (watch.changes, watch.etag, watch.last_outcome) == (1, '"v2"', PollState.Outcome.OK)


def test_nobody_is_told_when_the_outlet_changed_other_words(watched):
    article, watch, state = watched
    claim = factories.ClaimFactory(article=article, phrase=QUOTE)
    state["page"], state["etag"] = STORY.replace("summer tourist season", "tourist season"), '"v2"'

    watching.check_watch(watch)

    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.ANCHORED
    assert watching.outlet_change_count(article) == 1
    assert not Notification.objects.exists()


def test_an_unchanged_page_makes_no_revision(watched):
    article, watch, state = watched
    state["etag"] = '"v1-again"'  # the server lost its ETag: a full answer with the same text

    report = watching.check_watch(watch)

    assert report.watches_unchanged == 1
    assert not ArticleRevision.objects.filter(article=article).exists()
    assert Snapshot.objects.filter(article=article).count() == 1  # the same bytes are stored once


def test_a_not_modified_answer_is_unchanged(watched, httpserver: HTTPServer):
    _article, watch, _state = watched

    report = watching.check_watch(watch)

    assert report.watches_unchanged == 1
    assert httpserver.log[-1][1].status_code == 304


def test_a_correction_on_the_desk_is_not_undone_by_an_unchanged_page(watched, editor):
    article, watch, state = watched
    edit_article(article, user=editor, title=article.title, body=article.body + "\n\nEditor's note.",
                 expected_version=article.version)
    state["etag"] = '"v1-again"'

    watching.check_watch(watch)

    article.refresh_from_db()
    assert article.body.endswith("Editor's note.")
    assert watching.outlet_change_count(article) == 0


def test_a_page_that_vanished_is_a_failure_with_its_reason(watched):
    article, watch, state = watched
    state["page"], state["etag"] = "<html><head><title>Gone</title></head><body></body></html>", '"v3"'

    watching.check_watch(watch)

    watch.refresh_from_db()
    assert watch.last_outcome == PollState.Outcome.ERROR
    assert "found no article text" in watch.last_error
    assert article.body == Article.objects.get(pk=article.pk).body


def test_check_now_from_the_evidence_page(watched, editor_client):
    article, _watch, state = watched
    state["page"], state["etag"] = STORY.replace("until 2026", "until 2027"), '"v2"'

    response = editor_client.post(reverse("editing:watch_check", args=[article.pk]), follow=True)

    page = response.content.decode()
    assert "The outlet changed the article" in page
    assert "The outlet changed this article 1 time since it came in." in page


def test_check_now_waits_for_the_worker_instead_of_fetching_in_the_request(
    watched, httpserver: HTTPServer, editor_client, editor, settings
):
    article, _watch, _state = watched
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # no worker yet
    requests_before = len(httpserver.log)

    response = editor_client.post(reverse("editing:watch_check", args=[article.pk]))

    job = Job.objects.get(owner=editor, params__source="watch-check")
    assert response.url == reverse("editing:import_job", args=[job.pk])
    assert job.status == Job.Status.PENDING
    assert len(httpserver.log) == requests_before  # the outlet was not asked during the request


def test_poll_now_runs_as_a_job_and_reports_what_came_in(httpserver: HTTPServer, editor_client, editor):
    httpserver.expect_request("/s1").respond_with_data(story(1), content_type="text/html")
    feed_server(httpserver, [("guid-1", httpserver.url_for("/s1"), "Story 1")])
    feed = Feed.objects.create(url=httpserver.url_for("/rss"), added_by=editor, watch_items=False)

    response = editor_client.post(reverse("editing:feed_poll", args=[feed.pk]), follow=True)

    job = Job.objects.get(owner=editor, params__source="feed-poll")
    assert job.status == Job.Status.DONE
    assert "1 feed checked (0 unchanged, 0 failed), 1 new article" in response.content.decode()
    assert Article.objects.filter(in_inbox=True).count() == 1


def test_poll_now_at_the_job_limit_queues_nothing_and_says_why(editor_client, editor, settings):
    from factcheck import jobs

    settings.FACTDESK_MAX_ACTIVE_JOBS_PER_USER = 1
    jobs.create(Job.Kind.EXPORT, owner=editor, title="Waiting")
    feed = Feed.objects.create(url="https://news.example/rss", added_by=editor)

    response = editor_client.post(reverse("editing:feed_poll", args=[feed.pk]), follow=True)

    assert "You already have 1 background job waiting or running" in response.content.decode()
    assert not Job.objects.filter(kind=Job.Kind.IMPORT).exists()


# --- the schedule -----------------------------------------------------------------------------------


def test_a_cycle_polls_what_is_due_and_leaves_the_rest(httpserver: HTTPServer, editor):
    feed_server(httpserver, [])
    due = Feed.objects.create(url=httpserver.url_for("/rss"), added_by=editor)
    Feed.objects.create(url="https://later.example/rss", next_check_at=timezone.now() + timedelta(hours=1))

    report = watching.run_cycle()

    assert report.feeds_checked == 1
    due.refresh_from_db()
    assert due.next_check_at > timezone.now()


def test_poll_watches_runs_inline_or_as_a_job(httpserver: HTTPServer, editor):
    feed_server(httpserver, [])
    Feed.objects.create(url=httpserver.url_for("/rss"), added_by=editor)
    out = StringIO()

    call_command("poll_watches", "--inline", stdout=out)
    assert "1 feed checked" in out.getvalue()

    Feed.objects.update(next_check_at=None)
    call_command("poll_watches", stdout=out)
    job = Job.objects.get()
    assert job.params == {"source": "watch-cycle"}
    assert job.status == Job.Status.DONE
    assert "1 feed checked" in job.result["notes"][0]


def test_poll_watches_refuses_a_loop_of_zero_seconds():
    with pytest.raises(CommandError, match="greater than 0"):
        call_command("poll_watches", "--loop", "0")


# --- the inbox ----------------------------------------------------------------------------------------


def test_the_inbox_is_newest_first_unless_a_ranking_is_registered(editor_client):
    old = factories.ArticleFactory(title="Older arrival", in_inbox=True)
    new = factories.ArticleFactory(title="Newer arrival", in_inbox=True)
    factories.ArticleFactory(title="Not in the inbox")

    page = editor_client.get(reverse("editing:inbox")).content.decode()
    assert page.index("Newer arrival") < page.index("Older arrival")
    assert "Not in the inbox" not in page

    inbox.register_ranking(lambda articles: articles.order_by("created_at"))
    try:
        assert list(inbox.inbox_articles(old.added_by or factories.EditorFactory())) == [old, new]
    finally:
        inbox.register_ranking(None)


def test_done_takes_an_article_out_of_the_inbox(editor_client):
    article = factories.ArticleFactory(in_inbox=True)

    editor_client.post(reverse("editing:inbox_done", args=[article.pk]))

    article.refresh_from_db()
    assert not article.in_inbox


def test_an_editor_adds_a_feed_from_its_page(editor_client):
    response = editor_client.post(
        reverse("editing:feeds"),
        {"url": "https://news.example/rss.xml", "title": "", "outlet": "News", "interval_minutes": 30,
         "watch_items": "on"},
    )

    feed = Feed.objects.get()
    assert response.url == feed.get_absolute_url()
    assert feed.added_by is not None


def test_polling_more_often_than_every_five_minutes_is_refused(editor_client):
    response = editor_client.post(
        reverse("editing:feeds"), {"url": "https://news.example/rss.xml", "interval_minutes": 1}
    )

    assert "at most every 5 minutes" in response.content.decode()
    assert not Feed.objects.exists()

"""Watched outlets and silent edits: polling feeds and re-reading watched articles, politely.

Two kinds of thing are watched, both :class:`~articles.models.PollState` rows with a time
for the next look:

* a :class:`~articles.models.Feed` (an outlet's RSS or Atom feed, read with feedparser):
  each item not seen before is added by URL (:func:`articles.web_import.import_url`) into
  the inbox, and watched itself when the feed says so;
* a :class:`~articles.models.Watch` (one article's page): when the outlet's title or text
  differs from what it showed at the last look, the change becomes a new revision through
  :func:`articles.corrections.edit_article` with ``source="outlet"`` and the note "Changed
  by the outlet, fetched at …", so the claims are re-anchored by the correction machinery
  and the layers above can tell the people whose quotes changed. The fetch that saw the
  change is kept as a snapshot and linked to the revision.

Politeness: every look is a conditional GET (``ETag``/``Last-Modified``); requests to one
host are spaced by ``FACTDESK_FETCH_HOST_INTERVAL`` seconds (:class:`HostThrottle`, with the
cycle's work interleaved across hosts so the wait is rarely needed); a failure pushes the
next look back exponentially (:func:`next_look_after_failure`, honouring ``Retry-After``),
and the reason is kept on the row for its page.

:func:`run_cycle` does one round of whatever is due; ``manage.py poll_watches`` runs it
(as a background job, inline, or in a loop).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar
from urllib.parse import urljoin, urlsplit

import feedparser
from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles.corrections import ArticleEditConflict, edit_article
from articles.fetching import FEED_TYPES, FetchError, FetchPolicy, fetch, policy_from_settings
from articles.models import Article, ArticleRevision, Feed, FeedItem, PollState, Snapshot, Watch
from articles.snapshots import store_snapshot
from articles.web_import import Duplicate, import_url, read_page, text_fingerprint

__all__ = [
    "CycleReport",
    "HostThrottle",
    "check_watch",
    "due_feeds",
    "due_watches",
    "next_look_after_failure",
    "outlet_change_count",
    "poll_feed",
    "run_cycle",
    "text_fingerprint",
    "with_outlet_changes",
]

logger = logging.getLogger(__name__)

#: Anything with a ``url``: feeds, watches, new items.
T = TypeVar("T")

#: The longest a failing feed or watch is left alone before the next try.
MAX_BACKOFF = timedelta(hours=24)


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


# --- politeness ------------------------------------------------------------------------------------


class HostThrottle:
    """Spaces requests to the same host by ``interval`` seconds (per process, per cycle)."""

    def __init__(
        self,
        interval: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = _setting("FACTDESK_FETCH_HOST_INTERVAL", 1.0) if interval is None else interval
        self._clock = clock
        self._sleep = sleep
        self._last: dict[str, float] = {}

    def ready_in(self, url: str) -> float:
        """Seconds until ``url``'s host may be asked again (0 when it may now)."""
        last = self._last.get(_host(url))
        return 0.0 if last is None else max(0.0, self.interval - (self._clock() - last))

    def wait(self, url: str) -> None:
        """Sleep until ``url``'s host may be asked again, then note the request."""
        delay = self.ready_in(url)
        if delay > 0:
            self._sleep(delay)
        self._last[_host(url)] = self._clock()


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def next_look_after_failure(state: PollState, now: datetime, retry_after: float | None = None) -> datetime:
    """Back-off: the interval doubled for each failure in a row (capped at a day), or the site's Retry-After."""
    failures = state.failures + 1
    delay = min(timedelta(minutes=state.interval_minutes) * (2 ** min(failures, 10)), MAX_BACKOFF)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=min(retry_after, MAX_BACKOFF.total_seconds())))
    return now + delay


def _record_failure(model: type[PollState], state: PollState, now: datetime, error: FetchError | str) -> None:
    message = str(error)
    retry_after = error.retry_after if isinstance(error, FetchError) else None
    model.objects.filter(pk=state.pk).update(
        last_checked_at=now,
        last_outcome=PollState.Outcome.ERROR,
        last_error=message[:2000],
        failures=state.failures + 1,
        next_check_at=next_look_after_failure(state, now, retry_after),
    )


def _record_success(model: type[PollState], state: PollState, now: datetime, outcome: str, **fields: object) -> None:
    model.objects.filter(pk=state.pk).update(
        last_checked_at=now,
        last_success_at=now,
        last_outcome=outcome,
        last_error="",
        failures=0,
        next_check_at=now + timedelta(minutes=state.interval_minutes),
        **fields,
    )


# --- the report of a cycle --------------------------------------------------------------------------


@dataclass
class CycleReport:
    """What one round of polling did; ``as_dict`` has the shape of an import report (job pages)."""

    feeds_checked: int = 0
    feeds_unchanged: int = 0
    feeds_failed: int = 0
    watches_checked: int = 0
    watches_unchanged: int = 0
    watches_changed: int = 0
    watches_failed: int = 0
    created: list[tuple[str, int, str]] = field(default_factory=list)  # item URL, article id, title
    changed: list[tuple[str, int, str]] = field(default_factory=list)  # URL, article id, title
    failed: list[tuple[str, str]] = field(default_factory=list)  # URL, why

    def summary(self) -> str:
        """One sentence for the admin message and the job page, in the interface language."""
        new = len(self.created)
        feeds = ngettext("%(count)s feed checked", "%(count)s feeds checked", self.feeds_checked) % {
            "count": f"{self.feeds_checked:,}"
        }
        articles = ngettext("%(count)s new article", "%(count)s new articles", new) % {"count": f"{new:,}"}
        watches = ngettext(
            "%(count)s watched article checked", "%(count)s watched articles checked", self.watches_checked
        ) % {"count": f"{self.watches_checked:,}"}
        return _(
            "%(feeds)s (%(feeds_unchanged)s unchanged, %(feeds_failed)s failed), %(new_articles)s; "
            "%(watches)s (%(watches_changed)s changed by the outlet, %(watches_failed)s failed)"
        ) % {
            "feeds": feeds, "feeds_unchanged": self.feeds_unchanged, "feeds_failed": self.feeds_failed,
            "new_articles": articles, "watches": watches, "watches_changed": self.watches_changed,
            "watches_failed": self.watches_failed,
        }

    def as_dict(self) -> dict[str, object]:
        return {
            "created": [list(row) for row in self.created],
            "skipped": [],
            "failed": [list(row) for row in self.failed],
            "changed": [list(row) for row in self.changed],
            "notes": [self.summary() + "."]
            + [
                _("%(url)s: changed by the outlet (article %(pk)s, “%(title)s”).")
                % {"url": url, "pk": pk, "title": title}
                for url, pk, title in self.changed
            ],
        }


# --- feeds ------------------------------------------------------------------------------------------


def due_feeds(now: datetime | None = None) -> QuerySet[Feed]:
    now = now or timezone.now()
    return Feed.objects.filter(active=True).filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))


def due_watches(now: datetime | None = None) -> QuerySet[Watch]:
    now = now or timezone.now()
    return Watch.objects.filter(active=True).filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))


def _feed_entries(body: bytes, url: str) -> tuple[str, list[tuple[str, str, str]]]:
    """``(feed title, [(guid, link, title), ...])``; ``ValueError`` when it is not a readable feed."""
    parsed = feedparser.parse(body)  # no base URL: feedparser would rewrite plain guids as URLs
    entries = []
    for entry in parsed.entries:
        link = str(entry.get("link") or "").strip()
        link = urljoin(url, link) if link else ""
        guid = str(entry.get("id") or link).strip()
        if guid:
            entries.append((guid[:1000], link[:1000], str(entry.get("title") or "")[:500]))
    if not entries and (parsed.bozo or not parsed.feed):
        problem = getattr(parsed, "bozo_exception", None)
        if problem:
            message = _("The address did not give a readable RSS or Atom feed (%(problem)s).")
            raise ValueError(message % {"problem": problem})
        raise ValueError(_("The address did not give a readable RSS or Atom feed."))
    return str(parsed.feed.get("title") or "")[:300], entries


@dataclass(frozen=True)
class NewItem:
    """A feed item not seen before, waiting to be fetched into the inbox."""

    feed: Feed
    guid: str
    url: str
    title: str
    feed_title: str


def poll_feed(
    feed: Feed,
    *,
    policy: FetchPolicy | None = None,
    throttle: HostThrottle | None = None,
    now: datetime | None = None,
    report: CycleReport | None = None,
    later: list[NewItem] | None = None,
) -> CycleReport:
    """Look at one feed: a conditional GET, then every item not seen before is added to the inbox.

    With ``later`` the new items are appended there instead of fetched now, so a cycle can
    fetch all feeds' items interleaved by host (items usually live on the feed's own host).
    """
    policy = policy or policy_from_settings()
    throttle = throttle or HostThrottle()
    now = now or timezone.now()
    report = report or CycleReport()
    report.feeds_checked += 1
    throttle.wait(feed.url)
    try:
        page = fetch(feed.url, policy, accept=FEED_TYPES, etag=feed.etag, last_modified=feed.last_modified)
    except FetchError as error:
        report.feeds_failed += 1
        report.failed.append((feed.url, str(error)))
        _record_failure(Feed, feed, now, error)
        return report
    if page.not_modified:
        report.feeds_unchanged += 1
        _record_success(Feed, feed, now, PollState.Outcome.NOT_MODIFIED)
        return report
    try:
        title, entries = _feed_entries(page.body, page.final_url)
    except ValueError as error:
        report.feeds_failed += 1
        report.failed.append((feed.url, str(error)))
        _record_failure(Feed, feed, now, str(error))
        return report
    guids = [guid for guid, _, _ in entries]
    known = set(FeedItem.objects.filter(feed=feed, guid__in=guids).values_list("guid", flat=True))
    fresh = [entry for entry in entries if entry[0] not in known][: int(_setting("FACTDESK_FEED_MAX_NEW_ITEMS", 30))]
    _record_success(
        Feed, feed, now, PollState.Outcome.OK,
        etag=page.header("ETag")[:500], last_modified=page.header("Last-Modified")[:100],
        title=feed.title or title,
    )
    items = [NewItem(feed, guid, link, item_title, title) for guid, link, item_title in fresh]
    if later is not None:
        later.extend(items)
    else:
        for item in items:
            fetch_item(item, policy=policy, throttle=throttle, report=report)
    return report


def fetch_item(item: NewItem, *, policy: FetchPolicy, throttle: HostThrottle, report: CycleReport) -> None:
    """Add one new feed item by URL into the inbox, and remember the item (with why, if it failed)."""
    feed = item.feed
    article, error = None, ""
    try:
        throttle.wait(item.url or feed.url)
        result = import_url(
            item.url, feed.added_by, policy=policy, watch=feed.watch_items, in_inbox=True,
            outlet=feed.outlet or item.feed_title, feed_id=feed.pk, check_permission=False,
        )
    except Duplicate as duplicate:
        article = duplicate.article
    except FetchError as failure:
        error = str(failure)
        report.failed.append((item.url or item.guid, error))
    else:
        article = result.article
        report.created.extend((item.url, created.pk, created.title) for created in result.articles)
        Feed.objects.filter(pk=feed.pk).update(items_imported=F("items_imported") + len(result.articles))
    FeedItem.objects.get_or_create(
        feed=feed, guid=item.guid, defaults={"url": item.url, "title": item.title, "article": article,
                                              "error": error[:2000]},
    )


# --- watched articles -----------------------------------------------------------------------------


def _stored_already(article: Article, digest: str) -> bool:
    return Snapshot.objects.filter(article=article, sha256=digest).exists()


def check_watch(
    watch: Watch,
    *,
    policy: FetchPolicy | None = None,
    throttle: HostThrottle | None = None,
    now: datetime | None = None,
    report: CycleReport | None = None,
) -> CycleReport:
    """Fetch a watched article's page again; a changed title or text becomes an outlet revision.

    The comparison is with what the outlet showed at the last look (``Watch.text_hash``),
    not with the desk's copy, so the desk's own corrections are never mistaken for, or
    overwritten by, an unchanged page.
    """
    policy = policy or policy_from_settings()
    throttle = throttle or HostThrottle()
    now = now or timezone.now()
    report = report or CycleReport()
    report.watches_checked += 1
    throttle.wait(watch.url)
    try:
        page = fetch(watch.url, policy, etag=watch.etag, last_modified=watch.last_modified)
        if page.not_modified:
            report.watches_unchanged += 1
            _record_success(Watch, watch, now, PollState.Outcome.NOT_MODIFIED)
            return report
        parsed = read_page(page)[0]
    except FetchError as error:
        report.watches_failed += 1
        report.failed.append((watch.url, str(error)))
        _record_failure(Watch, watch, now, error)
        return report
    fingerprint = text_fingerprint(parsed.title, parsed.body)
    conditional = {"etag": page.header("ETag")[:500], "last_modified": page.header("Last-Modified")[:100]}
    article = Article.objects.get(pk=watch.article_id)
    if fingerprint == watch.text_hash or (not watch.text_hash and parsed.body == article.body):
        report.watches_unchanged += 1
        digest = hashlib.sha256(page.body).hexdigest()
        if not _stored_already(article, digest):
            store_snapshot(page, article=article)
        _record_success(Watch, watch, now, PollState.Outcome.OK, text_hash=fingerprint, **conditional)
        return report
    snapshot = store_snapshot(page, article=article)
    note = f"Changed by the outlet, fetched at {page.fetched_at:%Y-%m-%d %H:%M} UTC."
    try:
        correction = edit_article(
            article, user=None, title=parsed.title, body=parsed.body, expected_version=article.version,
            note=note, check_permission=False, source="outlet",
        )
    except ArticleEditConflict as conflict:
        report.watches_failed += 1
        report.failed.append((watch.url, str(conflict)))
        _record_failure(Watch, watch, now, _("The article was being corrected on the desk; the change waits a turn."))
        return report
    if correction.revision is not None:
        ArticleRevision.objects.filter(pk=correction.revision.pk).update(snapshot=snapshot)
        report.watches_changed += 1
        report.changed.append((watch.url, article.pk, parsed.title))
        _record_success(
            Watch, watch, now, PollState.Outcome.OK, text_hash=fingerprint, changes=watch.changes + 1,
            last_changed_at=now, **conditional,
        )
    else:
        report.watches_unchanged += 1
        _record_success(Watch, watch, now, PollState.Outcome.OK, text_hash=fingerprint, **conditional)
    return report


# --- a cycle ---------------------------------------------------------------------------------------


def _interleaved(items: Iterable[T]) -> list[T]:
    """Round-robin over hosts, so consecutive requests go to different hosts where possible."""
    by_host: dict[str, list[T]] = defaultdict(list)
    for item in items:
        by_host[_host(item.url)].append(item)
    queues = list(by_host.values())
    ordered: list[T] = []
    while queues:
        ordered.extend(queue.pop(0) for queue in queues)
        queues = [queue for queue in queues if queue]
    return ordered


def run_cycle(
    *,
    policy: FetchPolicy | None = None,
    throttle: HostThrottle | None = None,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    limit: int | None = None,
) -> CycleReport:
    """Poll every due feed and check every due watch once (feeds first: their items may be watched next)."""
    policy = policy or policy_from_settings()
    throttle = throttle or HostThrottle()
    now = now or timezone.now()
    report = CycleReport()
    feeds = list(due_feeds(now).select_related("added_by").order_by("next_check_at", "pk")[:limit])
    watches = list(due_watches(now).order_by("next_check_at", "pk")[:limit])
    new_items: list[NewItem] = []
    work: list[Feed | Watch | NewItem] = [*_interleaved(feeds), *_interleaved(watches)]
    done = 0
    while work:
        item = work.pop(0)
        try:
            if isinstance(item, Feed):
                poll_feed(item, policy=policy, throttle=throttle, now=now, report=report, later=new_items)
            elif isinstance(item, Watch):
                check_watch(item, policy=policy, throttle=throttle, now=now, report=report)
            else:
                fetch_item(item, policy=policy, throttle=throttle, report=report)
        except Exception:  # one broken item must not stop the cycle; it is logged and retried later
            logger.exception("Polling %s failed", item.url)
            if not isinstance(item, NewItem):
                _record_failure(type(item), item, now, _("An unexpected error stopped this check; it will be retried."))
        if not work and new_items:
            # The feeds' new items come last, interleaved by host like everything else.
            work, new_items = list(_interleaved(new_items)), []
        done += 1
        if progress is not None:
            progress(done, done + len(work))
    return report


# --- reading ----------------------------------------------------------------------------------------


def outlet_change_count(article: Article) -> int:
    """How many times the outlet changed this article after it came in (revisions marked so)."""
    return ArticleRevision.objects.filter(article=article, changed_by_outlet=True).count()


def with_outlet_changes(articles: QuerySet[Article]) -> QuerySet[Article]:
    """``articles`` annotated with ``outlet_changes`` (the count above) for lists and pages.

    A subquery per article rather than a join: the join's GROUP BY over every column, the
    body included, was half the article page's query.
    """
    changes = (
        ArticleRevision.objects.filter(article=OuterRef("pk"), changed_by_outlet=True)
        .order_by().values("article").annotate(n=Count("pk")).values("n")
    )
    return articles.annotate(outlet_changes=Coalesce(Subquery(changes), 0))

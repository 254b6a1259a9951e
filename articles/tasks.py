"""Background work for articles: large imports, imports by URL, and rounds of watching outlets.

Every kind is an import :class:`~factcheck.models.Job` (it brings articles in), told apart by
``job.params["source"]``:

* ``"file"`` (the default): a large upload from the admin, the file kept in the default storage;
* ``"urls"``: pages to fetch and import (``params["urls"]``, ``params["watch"]``), from the
  browser's "Add by URL" when it has several addresses, the admin and
  ``import_articles --url --background``;
* ``"watch-cycle"``: one round of polling the due feeds and watched articles
  (``manage.py poll_watches``);
* ``"feed-poll"`` and ``"watch-check"``: one feed polled, or one watched article read again,
  at someone's request ("Poll now", "Check the outlet's page now").

No fetch runs inside a request: even one address waits for the worker, so a slow outlet
holds a worker thread of the job queue, never a web worker (issue 15). Where the task
backend runs jobs at once (tests, a demo without a worker) the view finds the job finished
and answers as if it had fetched inline.

A django-tasks worker (``manage.py db_worker``) runs them, so requests return at once and
the progress page polls the job. Claiming the job, progress, failure and the result are
:func:`factcheck.jobs.run`'s; the work itself is the same service call as everywhere else.
Every result has the shape of an import report (created, skipped, failed, notes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django_tasks import task

from articles import watching, web_import
from articles.importing import service
from articles.importing.parsers import parse_file
from articles.models import Feed, Watch
from factcheck import jobs
from factcheck.models import Job

AnyUser = AbstractBaseUser | AnonymousUser

SOURCE_FILE = "file"
SOURCE_URLS = "urls"
SOURCE_WATCH_CYCLE = "watch-cycle"
SOURCE_FEED_POLL = "feed-poll"
SOURCE_WATCH_CHECK = "watch-check"


def _outcome(summary: dict[str, Any]) -> jobs.Outcome:
    failed = summary.pop("failed")
    return jobs.Outcome(result=summary, errors=[jobs.item_error(origin, reason) for origin, reason in failed])


def import_articles(job: Job) -> jobs.Outcome:
    """Parse the job's uploaded file and save its articles; failed records become item errors."""
    filename = str(job.params.get("filename") or job.input_file.name)
    outcome = parse_file(filename, jobs.read_input(job), service.configured_limits(), guess_language=False)
    jobs.progress(job.pk, 0, total=len(outcome.records))
    report = service.save_outcome(outcome, job.owner, progress=jobs.progress_reporter(job.pk))
    return _outcome(report.as_dict())


def import_urls(job: Job) -> jobs.Outcome:
    """Fetch and import the job's URLs (the owner's permission was checked when the job was made)."""
    urls = [str(url) for url in job.params.get("urls", [])]
    jobs.progress(job.pk, 0, total=len(urls))
    report = web_import.import_urls(
        urls, job.owner, watch=bool(job.params.get("watch")), progress=jobs.progress_reporter(job.pk),
        check_permission=False,
    )
    return _outcome(report.as_dict())


def watch_cycle(job: Job) -> jobs.Outcome:
    """One round of polling feeds and checking watched articles."""
    report = watching.run_cycle(progress=jobs.progress_reporter(job.pk))
    return _outcome(report.as_dict())


def feed_poll(job: Job) -> jobs.Outcome:
    """Poll the one feed named by the job (it may have been deleted since: then nothing to do)."""
    feed = Feed.objects.filter(pk=job.params.get("feed")).first()
    if feed is None:
        return jobs.Outcome(errors=[jobs.item_error(f"feed {job.params.get('feed')}", "the feed was deleted")])
    return _outcome(watching.poll_feed(feed).as_dict())


def watch_check(job: Job) -> jobs.Outcome:
    """Read the one watched article's page again (the watch may have been stopped since)."""
    watch = Watch.objects.select_related("article").filter(article_id=job.params.get("article")).first()
    if watch is None:
        return jobs.Outcome(errors=[jobs.item_error(f"article {job.params.get('article')}", "it is not watched")])
    return _outcome(watching.check_watch(watch).as_dict())


_WORK = {
    SOURCE_FILE: import_articles, SOURCE_URLS: import_urls, SOURCE_WATCH_CYCLE: watch_cycle,
    SOURCE_FEED_POLL: feed_poll, SOURCE_WATCH_CHECK: watch_check,
}


def run_import(job: Job) -> jobs.Outcome:
    """Dispatch on ``job.params["source"]`` (see the module docstring)."""
    return _WORK[str(job.params.get("source") or SOURCE_FILE)](job)


def import_report(job: Job) -> dict[str, object]:
    """A finished import as ``ImportReport.as_dict()`` gives it (its failures are the job's item errors)."""
    return {**job.result, "failed": [[error["item"], error["message"]] for error in job.errors]}


def process_import_job(job_id: int) -> Job | None:
    """Run one pending import job to completion; None if it was not pending (see ``jobs.run``)."""
    return jobs.run(job_id, Job.Kind.IMPORT, run_import)


@task()
def run_import_job(job_id: int) -> str:
    """django-tasks entry point: process an import job (see :func:`process_import_job`)."""
    job = process_import_job(job_id)
    return job.status if job is not None else "skipped"


def enqueue_url_import(
    urls: Sequence[str], user: AnyUser | None, *, watch: bool = False, enforce_limit: bool = False
) -> Job:
    """Queue the fetching of ``urls`` as a job owned by ``user``; returns the job (pending, or done already).

    ``enforce_limit`` (the browser and admin doors) raises ``jobs.JobLimitReached`` when the
    user already has as many jobs waiting or running as they may.
    """
    wanted = [url.strip() for url in urls if url.strip()]
    first = wanted[0] if wanted else ""
    title = f"Import of {first}" if len(wanted) == 1 else f"Import of {len(wanted)} web pages"
    job = jobs.create(
        Job.Kind.IMPORT, owner=user, title=title[:300], total=len(wanted),
        params={"source": SOURCE_URLS, "urls": wanted, "watch": watch}, enforce_limit=enforce_limit,
    )
    return jobs.enqueue(job, run_import_job)


def enqueue_feed_poll(feed: Feed, user: AnyUser | None) -> Job:
    """Queue "Poll now" for one feed (``jobs.JobLimitReached`` when the user has too many jobs)."""
    job = jobs.create(Job.Kind.IMPORT, owner=user, title=f"Poll of the feed {feed}"[:300], total=1,
                      params={"source": SOURCE_FEED_POLL, "feed": feed.pk}, enforce_limit=True)
    return jobs.enqueue(job, run_import_job)


def enqueue_watch_check(watch: Watch, user: AnyUser | None) -> Job:
    """Queue "Check the outlet's page now" for one watched article (limited like every browser job)."""
    job = jobs.create(Job.Kind.IMPORT, owner=user, title=f"Check of {watch.url}"[:300], total=1,
                      params={"source": SOURCE_WATCH_CHECK, "article": watch.article_id}, enforce_limit=True)
    return jobs.enqueue(job, run_import_job)


def enqueue_watch_cycle(user: AnyUser | None = None) -> Job:
    """Queue one round of watching (``manage.py poll_watches``)."""
    job = jobs.create(Job.Kind.IMPORT, owner=user, title="Watch cycle: feeds and watched articles",
                      params={"source": SOURCE_WATCH_CYCLE})
    return jobs.enqueue(job, run_import_job)

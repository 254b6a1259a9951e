"""The web-in pages: add by URL, the inbox, watched feeds and articles, and stored snapshots.

Thin views over the services (:mod:`articles.web_import`, :mod:`articles.watching`,
:mod:`articles.inbox`, :mod:`articles.snapshots`), mounted under ``/articles/`` with the
editing pages (namespace ``editing``):

* ``new/url/`` adds articles by URL as a background job whose progress page
  (``imports/<job>/``) polls itself; one address lands on its article when fetched (at once
  where jobs run at once). "Poll now" and "Check now" are jobs too: no request fetches;
* ``inbox/`` lists what came in from watched outlets, in the order the layer above ranks it;
* ``feeds/`` and ``watches/`` manage what is watched, each feed's page says why it failed;
* ``snapshots/<id>/`` shows a stored fetch: a banner with the fetch time and the page itself
  in a sandboxed frame from ``snapshots/<id>/content/``, served with a ``sandbox`` Content
  Security Policy (no scripts, no requests to the outlet, a unique origin); ``download/``
  gives the WARC file.
"""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_exempt
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from articles import inbox, watching, web_import
from articles.forms import AddByUrlForm, FeedForm
from articles.models import Article, Feed, Snapshot, Watch
from articles.permissions import article_policy, feed_policy, snapshot_policy, watch_policy
from articles.snapshots import read_snapshot
from articles.tasks import (
    SOURCE_URLS,
    enqueue_feed_poll,
    enqueue_url_import,
    enqueue_watch_check,
    import_report,
)
from factcheck import jobs
from factcheck.htmx import redirect_to
from factcheck.models import Job

#: The Content Security Policy of a stored page: a sandbox (unique origin, no scripts, no
#: forms, no pop-ups), nothing loaded from anywhere, inline styles and data: images only.
SNAPSHOT_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


@require_http_methods(["GET", "POST"])
def add_by_url(request: HttpRequest) -> HttpResponse:
    """Add articles by their web address (see the module docstring)."""
    article_policy.require(request.user, "add")
    form = AddByUrlForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        urls: list[str] = form.cleaned_data["urls"]
        try:
            job = enqueue_url_import(urls, request.user, watch=form.cleaned_data["watch"], enforce_limit=True)
        except jobs.JobLimitReached as refusal:
            return _too_many_jobs(request, form, refusal)
        report = _finished_report(job)
        landing = _single_import_landing(job, report)
        if report is not None and landing is not None:
            _origin, _pk, title = report["created"][0]
            related = len(report["created"]) - 1
            if related:
                message = ngettext(
                    "Added “%(title)s” and %(count)s related article from %(url)s.",
                    "Added “%(title)s” and %(count)s related articles from %(url)s.",
                    related,
                ) % {"title": title, "count": f"{related:,}", "url": urls[0]}
            else:
                message = _("Added “%(title)s” from %(url)s.") % {"title": title, "url": urls[0]}
            messages.success(request, message)
            return _go(request, landing)
        return _go(request, reverse("editing:import_job", args=[job.pk]))
    context = {"form": form, "error": ""}
    if getattr(request, "htmx", False) and request.method == "POST":
        # htmx swaps only successful answers: the refusal is the result shown beside the form.
        return render(request, "articles/add_by_url.html#result", context)
    return render(request, "articles/add_by_url.html", context, status=400 if form.errors else 200)


def _too_many_jobs(request: HttpRequest, form: AddByUrlForm, refusal: jobs.JobLimitReached) -> HttpResponse:
    """The form again with the reason, answered 429 with ``Retry-After``; nothing was queued."""
    context = {"form": form, "error": str(refusal)}
    if getattr(request, "htmx", False):  # htmx swaps only successful answers, as for other refusals
        return render(request, "articles/add_by_url.html#result", context)
    response = render(request, "articles/add_by_url.html", context, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


def _go(request: HttpRequest, url: str) -> HttpResponse:
    return redirect_to(request, url)


def _finished_report(job: Job) -> dict[str, Any] | None:
    """The import report of a job that is already done (a task backend that runs jobs at once)."""
    job.refresh_from_db()
    return import_report(job) if job.status == Job.Status.DONE else None


def _single_import_landing(job: Job, report: dict[str, Any] | None) -> str | None:
    """Where a finished one-address import sends its waiting person: the article it created."""
    if job.params.get("source") != SOURCE_URLS or len(job.params.get("urls", [])) != 1:
        return None
    if not report or not report["created"]:
        return None
    return reverse("articles:detail", args=[report["created"][0][1]])


@require_safe
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """A URL import job's progress (polled by htmx while it runs), then its report; 404 for others' jobs."""
    job = jobs.job_for_user(request.user, job_id, kind=Job.Kind.IMPORT)
    if job is None:
        raise Http404(_("No such import."))
    job = jobs.sync_with_task(job)
    report = _finished_report(job)
    context = {"job": job, "report": report}
    template = "articles/import_job.html"
    if getattr(request, "htmx", False):
        landing = _single_import_landing(job, report)
        if landing is not None:  # the person waited for one page: take them to it
            return redirect_to(request, landing)
        template += "#status"
    return render(request, template, context)


# --- the inbox -------------------------------------------------------------------------------------


@require_safe
def inbox_list(request: HttpRequest) -> HttpResponse:
    """What came in from watched outlets and is waiting for someone."""
    articles = list(inbox.inbox_articles(request.user)[:200])
    return render(
        request, "articles/inbox.html",
        {"articles": articles, "can_manage": article_policy.user_has_permission(request.user, "add")},
    )


@require_POST
def inbox_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Take an article out of the inbox (it stays on the desk)."""
    article = get_object_or_404(Article, pk=pk)
    inbox.take_from_inbox(article, request.user)
    messages.info(request, _("“%(title)s” left the inbox.") % {"title": article.title})
    return redirect("editing:inbox")


# --- feeds -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def feed_list(request: HttpRequest) -> HttpResponse:
    """The watched feeds, and a form to add one (editors)."""
    feed_policy.require(request.user, "view")
    can_manage = feed_policy.user_has_permission(request.user, "add")
    form = FeedForm(request.POST or None)
    if request.method == "POST":
        feed_policy.require(request.user, "add")
        if form.is_valid():
            feed = form.save(commit=False)
            feed.added_by = request.user
            feed.save()
            messages.success(
                request, _("Watching %(feed)s. Its items come into the inbox from the next round.") % {"feed": feed}
            )
            return redirect(feed)
    feeds = Feed.objects.order_by("title", "url")
    return render(request, "articles/feed_list.html", {"feeds": feeds, "form": form, "can_manage": can_manage})


@require_safe
def feed_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One feed: how its last poll went (and why it failed), and the items it brought."""
    feed_policy.require(request.user, "view")
    feed = get_object_or_404(Feed, pk=pk)
    items = feed.items.select_related("article")[:100]
    return render(
        request, "articles/feed_detail.html",
        {"feed": feed, "items": items, "can_manage": feed_policy.user_has_permission(request.user, "change")},
    )


@require_POST
def feed_poll(request: HttpRequest, pk: int) -> HttpResponse:
    """Poll one feed now, as a background job; its result is shown here when the job is done at once."""
    feed_policy.require(request.user, "change")
    feed = get_object_or_404(Feed, pk=pk)
    try:
        job = enqueue_feed_poll(feed, request.user)
    except jobs.JobLimitReached as refusal:
        messages.error(request, str(refusal))
        return redirect(feed)
    report = _finished_report(job)
    if report is None:
        return redirect("editing:import_job", job.pk)
    if report["failed"]:
        messages.error(request, _("The feed could not be read: %(reason)s") % {"reason": report["failed"][0][1]})
    else:
        messages.success(request, str(report["notes"][0]))
    return redirect(feed)


@require_POST
def feed_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Pause or resume polling a feed."""
    feed_policy.require(request.user, "change")
    feed = get_object_or_404(Feed, pk=pk)
    Feed.objects.filter(pk=feed.pk).update(active=not feed.active, next_check_at=None)
    messages.info(
        request,
        (_("%(feed)s is paused.") if feed.active else _("%(feed)s is watched again.")) % {"feed": feed},
    )
    return redirect(feed)


# --- watched articles ------------------------------------------------------------------------------


@require_safe
def watch_list(request: HttpRequest) -> HttpResponse:
    """Every watched article: when it was last read, how often the outlet changed it, and why a check failed."""
    watch_policy.require(request.user, "view")
    watches = Watch.objects.select_related("article").order_by("-changes", "next_check_at", "pk")[:500]
    return render(
        request, "articles/watch_list.html",
        {"watches": watches, "form": AddByUrlForm(initial={"watch": True}),
         "can_manage": watch_policy.user_has_permission(request.user, "add")},
    )


@require_POST
def watch_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start watching an article that has a URL."""
    watch_policy.require(request.user, "add")
    article = get_object_or_404(Article, pk=pk)
    if not article.url:
        messages.error(request, _("This article has no web address to watch."))
    else:
        web_import.watch_article(article, user=request.user)
        messages.success(request, _("The article is watched: the outlet's page will be read again regularly."))
    return redirect("editing:article_evidence", pk)


@require_POST
def watch_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Read the watched article's page again now, as a background job (see :func:`feed_poll`)."""
    watch_policy.require(request.user, "change")
    watch = get_object_or_404(Watch.objects.select_related("article"), article_id=pk)
    try:
        job = enqueue_watch_check(watch, request.user)
    except jobs.JobLimitReached as refusal:
        messages.error(request, str(refusal))
        return redirect("editing:article_evidence", pk)
    report = _finished_report(job)
    if report is None:
        return redirect("editing:import_job", job.pk)
    if report["failed"]:
        messages.error(request, _("The page could not be checked: %(reason)s") % {"reason": report["failed"][0][1]})
    elif report.get("changed"):
        messages.warning(
            request, _("The outlet changed the article: a new revision was recorded and claims re-anchored.")
        )
    else:
        messages.success(request, _("Checked: the outlet's text is unchanged."))
    return redirect("editing:article_evidence", pk)


@require_safe
def article_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """An article's stored fetches, its watch and how often the outlet changed it."""
    snapshot_policy.require(request.user, "view")
    article = get_object_or_404(Article, pk=pk)
    watch = Watch.objects.filter(article=article).first()
    return render(
        request, "articles/article_evidence.html",
        {
            "article": article,
            "watch": watch,
            "snapshots": article.snapshots.order_by("-fetched_at")[:200],
            "outlet_changes": watching.outlet_change_count(article),
            "outlet_revisions": article.revisions.filter(changed_by_outlet=True).order_by("-number"),
            "can_watch": watch_policy.user_has_permission(request.user, "add"),
        },
    )


# --- snapshots -------------------------------------------------------------------------------------


def _snapshot(request: HttpRequest, pk: int) -> Snapshot:
    snapshot_policy.require(request.user, "view")
    return get_object_or_404(Snapshot.objects.select_related("article", "taken_by"), pk=pk)


@require_safe
def snapshot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored page under a banner with its fetch time, in a sandboxed frame."""
    snapshot = _snapshot(request, pk)
    return render(request, "articles/snapshot_detail.html", {"snapshot": snapshot})


@csp_exempt()
@xframe_options_sameorigin
@require_safe
def snapshot_content(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored body as fetched, under :data:`SNAPSHOT_CSP`; not HTML goes out as a download."""
    snapshot = _snapshot(request, pk)
    try:
        content = read_snapshot(snapshot)
    except (OSError, ValueError) as error:
        raise Http404(_("The stored file of this snapshot cannot be read.")) from error
    if snapshot.is_html:
        response = HttpResponse(content.body, content_type=f"text/html; charset={snapshot.charset or 'utf-8'}")
    else:
        response = HttpResponse(content.body, content_type=snapshot.content_type or "application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="snapshot-{snapshot.pk}"'
    response["Content-Security-Policy"] = SNAPSHOT_CSP
    response["Referrer-Policy"] = "no-referrer"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def snapshot_download(request: HttpRequest, pk: int) -> FileResponse:
    """The snapshot's WARC file, for archiving tools (e.g. replay with pywb or ReplayWeb.page)."""
    snapshot = _snapshot(request, pk)
    try:
        handle = snapshot.warc_file.open("rb")
    except OSError as error:
        raise Http404(_("The stored file of this snapshot cannot be read.")) from error
    name = f"factdesk-snapshot-{snapshot.pk}-{snapshot.fetched_at:%Y%m%dT%H%M%SZ}.warc.gz"
    return FileResponse(handle, as_attachment=True, filename=name, content_type="application/warc")

"""Adding articles by URL: fetch safely, read the article, keep the fetch as evidence, save.

One service for every door (the browser's "Add by URL", the admin, ``import_articles --url``,
feed items coming in): :func:`import_url` fetches the page (:mod:`articles.fetching`), reads
it with the same extraction as saved HTML files (:func:`articles.importing.html_page.parse_html`),
saves the article through the import service (duplicates by URL or text are skipped, limits
apply) and stores the fetch as a WARC snapshot linked to it (:mod:`articles.snapshots`), all
in one transaction. Anything that goes wrong raises a :class:`~articles.fetching.FetchError`
whose message is for the person, and nothing is saved.

:func:`import_urls` runs a list of them for a background job, one URL's failure never
stopping the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.fetching import FetchedPage, FetchError, FetchPolicy, InvalidUrl, fetch
from articles.html_limits import too_deep_message
from articles.importing import service
from articles.importing.formats import ParsedArticle, ParseError
from articles.importing.html_page import parse_html
from articles.models import Article, Snapshot, Watch
from articles.permissions import article_policy
from articles.snapshots import store_snapshot
from factcheck.validators import is_http_url

__all__ = [
    "Duplicate",
    "EmptyExtraction",
    "PageTooDeep",
    "UrlImport",
    "import_url",
    "import_urls",
    "read_page",
    "text_fingerprint",
    "watch_article",
]

AnyUser = AbstractBaseUser | AnonymousUser

#: Watches made when an article is added by URL look again this often (minutes).
DEFAULT_WATCH_MINUTES = 360


class EmptyExtraction(FetchError):
    """The page was fetched but holds no article text (or no usable title)."""

    code = "empty_extraction"


class PageTooDeep(FetchError):
    """The page nests elements deeper than ``FACTDESK_MAX_HTML_DEPTH``: refused before parsing."""

    code = "too_deep"


class Duplicate(FetchError):
    """The article is already on the desk; ``article`` is the one that is."""

    code = "duplicate"

    def __init__(self, message: str, *, url: str = "", article: Article | None = None) -> None:
        super().__init__(message, url=url)
        self.article = article


@dataclass
class UrlImport:
    """What adding one URL did: the article(s) saved and the snapshot kept."""

    url: str
    articles: list[Article] = field(default_factory=list)
    snapshot: Snapshot | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def article(self) -> Article | None:
        return self.articles[0] if self.articles else None


def _nothing_saved(reason: str) -> str:
    return _("Nothing was saved: %(reason)s.") % {"reason": reason}


def read_page(page: FetchedPage) -> list[ParsedArticle]:
    """The article(s) a fetched page holds; :class:`EmptyExtraction` when it holds none.

    A page nested deeper than the configured limit raises :class:`PageTooDeep` before any
    parser reads it (parsing such a page takes minutes).
    """
    limits = service.configured_limits()
    outcome = parse_html(page.text, page.final_url, limits, url=page.final_url)
    too_deep = too_deep_message(limits.max_html_depth)
    if any(error.message == too_deep for error in outcome.errors):
        raise PageTooDeep(too_deep, url=page.requested_url)
    if not outcome.articles:
        reasons = [error.message for error in outcome.errors if isinstance(error, ParseError)]
        reason = reasons[0] if reasons else _("found no article text on the page")
        raise EmptyExtraction(_nothing_saved(reason).replace("..", "."), url=page.requested_url)
    return outcome.articles


def text_fingerprint(title: str, body: str) -> str:
    """What a watch compares between looks: the outlet's title and canonical text, hashed."""
    return hashlib.sha256(f"{title}\n\n{body}".encode()).hexdigest()


def watch_article(
    article: Article,
    *,
    user: AnyUser | None,
    url: str = "",
    minutes: int = DEFAULT_WATCH_MINUTES,
    page: FetchedPage | None = None,
    feed_id: int | None = None,
) -> Watch:
    """Start (or restart) watching ``article``'s page for silent edits; ``page`` primes the conditional GET."""
    now = timezone.now()
    watch, _created = Watch.objects.update_or_create(
        article=article,
        defaults={
            "url": url or article.url,
            "interval_minutes": minutes,
            "active": True,
            "next_check_at": now + timezone.timedelta(minutes=minutes),
            "etag": page.header("ETag")[:500] if page else "",
            "last_modified": page.header("Last-Modified")[:100] if page else "",
            "last_checked_at": now if page else None,
            "last_success_at": now if page else None,
            "last_outcome": Watch.Outcome.OK if page else Watch.Outcome.NEVER,
            "added_by": user if user is not None and user.is_authenticated else None,
            "feed_id": feed_id,
            "text_hash": text_fingerprint(article.title, article.body),
        },
    )
    return watch


def import_url(
    url: str,
    user: AnyUser | None,
    *,
    policy: FetchPolicy | None = None,
    watch: bool = False,
    in_inbox: bool = False,
    outlet: str = "",
    feed_id: int | None = None,
    check_permission: bool = True,
) -> UrlImport:
    """Fetch ``url``, read its article and save it with its snapshot (see the module docstring).

    Raises :class:`Duplicate` when the article (by URL, or by its text) is already on the
    desk, :class:`EmptyExtraction` when the page holds no article, any other
    :class:`~articles.fetching.FetchError` when the fetch fails, and ``PermissionDenied``
    for users who may not add articles. ``outlet`` fills in the outlet when the page names
    none (a feed's outlet); ``in_inbox`` puts the article in the inbox.
    """
    if check_permission:
        article_policy.require(user, "add")
    url = url.strip()
    if not is_http_url(url):
        raise InvalidUrl(_("%(url)s is not an http:// or https:// address.") % {"url": repr(url)}, url=url)
    existing = Article.objects.filter(url=url).exclude(url="").only("id", "title").first()
    if existing is not None:
        raise Duplicate(
            _("This article is already on the desk: “%(title)s”.") % {"title": existing.title},
            url=url,
            article=existing,
        )
    page = fetch(url, policy)
    records = read_page(page)
    result = UrlImport(url=url)
    report = service.ImportReport()
    actor = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        for record in records:
            if outlet and not record.outlet:
                record = replace(record, outlet=outlet)
            article = service.save_article(record, actor, report)
            if article is None:
                continue
            if in_inbox:
                Article.objects.filter(pk=article.pk).update(in_inbox=True)
                article.in_inbox = True
            result.articles.append(article)
        if not result.articles:
            duplicate = service.find_duplicate(records[0])
            reason = (report.skipped + report.failed)[0][1] if report.skipped or report.failed else _("not saved")
            if duplicate is not None:
                raise Duplicate(
                    _("This article is already on the desk: “%(title)s” (%(reason)s).")
                    % {"title": duplicate.title, "reason": reason},
                    url=url,
                    article=duplicate,
                )
            raise EmptyExtraction(_nothing_saved(reason), url=url)
        result.snapshot = store_snapshot(page, user=actor, article=result.articles[0])
        if watch:
            watch_article(result.articles[0], user=actor, url=page.final_url, page=page, feed_id=feed_id)
    result.notes = list(report.notes)
    return result


#: Called after each URL with (URLs done, URLs in all).
ProgressCallback = Callable[[int, int], None]


def import_urls(
    urls: Iterable[str],
    user: AnyUser | None,
    *,
    policy: FetchPolicy | None = None,
    watch: bool = False,
    progress: ProgressCallback | None = None,
    check_permission: bool = True,
) -> service.ImportReport:
    """Add each URL (a background job, ``import_articles --url``); failures are reported per URL."""
    wanted = [url.strip() for url in urls if url.strip()]
    report = service.ImportReport()
    for done, url in enumerate(wanted, start=1):
        try:
            result = import_url(url, user, policy=policy, watch=watch, check_permission=check_permission)
        except Duplicate as error:
            reason = f"duplicate of article {error.article.pk}" if error.article else str(error)
            report.skipped.append((url, reason))
        except FetchError as error:
            report.failed.append((url, str(error)))
        else:
            report.created.extend((url, article.pk, article.title) for article in result.articles)
            report.notes.extend(result.notes)
        if progress is not None:
            progress(done, len(wanted))
    return report

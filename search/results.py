"""Search across articles and claims: ranked hits with highlighted snippets, ready to paginate.

:func:`search_articles` and :func:`search_claims` return lazy :class:`HitList` objects that
Django's ``Paginator`` slices; a page costs a fixed number of queries (a count, the ranked
page with its snippets, and one query loading the model rows) however many rows match.

Who sees what is decided above, in :mod:`search.selectors`: it passes ``published_only`` (the
index narrows counts and pages for readers) and ``among``, the claims the user may see
according to the claim policy, which the hits are loaded from. Articles are visible to every
logged-in user.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from annotations.models import Claim, ClaimStatus
from articles.models import Article
from search import index
from search.query import ParsedQuery

T = TypeVar("T")


def marked_html(text: str) -> SafeString:
    """Escape ``text`` (untrusted) and only then turn the index's highlight markers into <mark>.

    The markers are control characters the canonical text never contains, so nothing the
    user wrote can become markup; stray markers are dropped.
    """
    escaped = escape(text)
    opened = False
    pieces: list[str] = []
    for char in escaped:
        if char == index.START:
            if not opened:
                pieces.append("<mark>")
                opened = True
        elif char == index.STOP:
            if opened:
                pieces.append("</mark>")
                opened = False
        else:
            pieces.append(char)
    if opened:
        pieces.append("</mark>")
    return mark_safe("".join(pieces))  # built from escaped text plus our own tags


def has_highlight(text: str) -> bool:
    return index.START in text


@dataclass(frozen=True, slots=True)
class ArticleHit:
    article: Article
    score: float
    title_html: SafeString
    snippet_html: SafeString


@dataclass(frozen=True, slots=True)
class ClaimHit:
    claim: Claim
    score: float
    statement_html: SafeString
    quote_html: SafeString
    #: Only when the rationale itself matched (otherwise empty): explains an unexpected hit.
    rationale_html: SafeString | None


class HitList(Generic[T]):
    """A lazily evaluated, sliceable list of hits that Django's Paginator understands."""

    def __init__(self, count: Callable[[], int], fetch: Callable[[int, int], list[T]]) -> None:
        self._count = count
        self._fetch = fetch
        self._total: int | None = None

    def count(self) -> int:
        if self._total is None:
            self._total = self._count()
        return self._total

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[T]:
        if not isinstance(key, slice):
            raise TypeError("Hit lists are sliced by the paginator, not indexed.")
        start = key.start or 0
        stop = key.stop if key.stop is not None else self.count()
        return self._fetch(start, max(0, stop - start)) if stop > start else []


def _empty() -> HitList:
    return HitList(lambda: 0, lambda offset, limit: [])


def search_articles(query: ParsedQuery) -> HitList[ArticleHit]:
    """Articles whose title, body or outlet match ``query``, best first."""
    if not query:
        return _empty()
    backend = index.backend()

    def fetch(offset: int, limit: int) -> list[ArticleHit]:
        rows = backend.articles(query, offset, limit)
        articles = Article.objects.only("id", "title", "outlet", "byline", "published_on").in_bulk(
            [row.id for row in rows]
        )
        return [
            ArticleHit(articles[row.id], row.score, marked_html(row.title), marked_html(row.snippet))
            for row in rows
            if row.id in articles
        ]

    return HitList(lambda: backend.count_articles(query), fetch)


def search_claims(
    query: ParsedQuery,
    *,
    statuses: Sequence[str] = (),
    verdict_ids: Sequence[int] = (),
    published_only: bool = False,
    among: QuerySet[Claim] | None = None,
) -> HitList[ClaimHit]:
    """Claims whose statement, quote, claimant or rationale match ``query``, best first.

    ``statuses`` and ``verdict_ids`` narrow the hits (empty means any). ``published_only``
    is the reader's view: it wins over a status filter asking for unpublished claims.
    ``among`` (default: every claim) is where hits are loaded from: a hit outside it is
    left out of the page.
    """
    if not query:
        return _empty()
    if published_only:
        statuses = [s for s in statuses if s == ClaimStatus.PUBLISHED] if statuses else [ClaimStatus.PUBLISHED]
        if not statuses:
            return _empty()
    filters = index.ClaimFilter(statuses=tuple(statuses), verdict_ids=tuple(verdict_ids))
    backend = index.backend()
    loadable = Claim.objects.all() if among is None else among

    def fetch(offset: int, limit: int) -> list[ClaimHit]:
        rows = backend.claims(query, filters, offset, limit)
        claims = loadable.select_related("article", "verdict").only(
            "id", "statement", "exact", "claimant", "status", "anchor_state", "published_at",
            "article__id", "article__title", "article__outlet",
            "verdict__id", "verdict__name", "verdict__slug", "verdict__value", "verdict__colour",
        ).in_bulk([row.id for row in rows])
        return [
            ClaimHit(
                claim=claims[row.id],
                score=row.score,
                statement_html=marked_html(row.statement),
                quote_html=marked_html(row.quote),
                rationale_html=marked_html(row.rationale) if has_highlight(row.rationale) else None,
            )
            for row in rows
            if row.id in claims
        ]

    return HitList(lambda: backend.count_claims(query, filters), fetch)

"""Claims as CSV: one row per claim, streamed, for spreadsheets and data desks.

The same generator serves one article (a download on the article page) and any queryset
of claims (the ZIP of many articles, a dump of 100,000 claims). It is the hot path of
bulk exports, so it reads rows the cheap way:

* four queries in total, whatever the number of claims: the claims (with their article,
  verdict and assignee joined), their sources, the history entries credits are computed
  from and their published corrections, all in the same order (article, position, claim
  id), read through database cursors chunk by chunk and merged like a zipper, so memory
  stays constant and no ``IN (...)`` list grows with the export;
* ``values_list(...).iterator(chunk_size=...)`` (public ORM API: a server-side cursor on
  PostgreSQL, chunked fetches elsewhere) yields plain tuples, never model instances;
* rows written with ``csv.writer.writerows`` a chunk at a time.

Spreadsheet safety: the output starts with a UTF-8 byte order mark (Excel otherwise reads
it as Latin-1), and every text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading ``'`` so a spreadsheet never evaluates user text as a formula
(OWASP "CSV injection").

Credits (``checked_by``, ``reviewed_by``, ``corrected_by``: usernames, like ``assignee``) and
``corrections`` (one line per published correction: date, old → new, note, who corrected
and who proposed it) come from :mod:`annotations.credits`, as in every other format.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any

from django.db.models import F, QuerySet

from annotations.credits import CREDIT_EVENTS, credits_from
from annotations.models import Claim, ClaimCorrection, ClaimEvent, ClaimStatus, Source
from articles.models import Article

BOM = "\ufeff"
CHUNK_SIZE = 2000
SOURCE_SEPARATOR = " | "
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(_FORMULA_START)

#: The column list (also the header row). ``number`` is the claim's permanent number on the desk
#: (``#128``: its id, as every page shows it), never its position in the article.
COLUMNS = (
    "article_id",
    "article_title",
    "article_url",
    "claim_id",
    "number",
    "quote",
    "start",
    "end",
    "anchor_state",
    "statement",
    "claimant",
    "verdict",
    "verdict_value",
    "rationale",
    "status",
    "assignee",
    "checked_by",
    "reviewed_by",
    "corrected_by",
    "corrections",
    "sources",
    "created_at",
    "submitted_at",
    "published_at",
    "updated_at",
)

_FIELDS = (
    "article_id",
    "article__title",
    "article__url",
    "id",
    "exact",
    "start",
    "end",
    "anchor_state",
    "statement",
    "claimant",
    "verdict__name",
    "verdict__value",
    "rationale",
    "status",
    "assignee__username",
    "created_at",
    "submitted_at",
    "published_at",
    "updated_at",
)

_STATUS_LABELS = dict(ClaimStatus.choices)
_ORDER = ("article_id", "start", "end", "id")
_SOURCE_ORDER = ("claim__article_id", "claim__start", "claim__end", "claim_id", "id")
#: Rows that belong to a claim carry its sort key under these names (see :func:`_per_claim`).
_CLAIM_KEY = {
    "key_article": F("claim__article_id"), "key_start": F("claim__start"), "key_end": F("claim__end"),
}


def neutralise(value: str) -> str:
    """Defuse spreadsheet formulas: prefix ``'`` when a cell starts like one."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _when(value: datetime | None) -> str:
    """A datetime column as ISO 8601 text; the ORM hands back aware UTC values on every database."""
    return "" if value is None else value.isoformat()


class _Lines:
    """A write-only pseudo-file collecting what csv.writer writes, to be joined per chunk."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, value: str) -> None:
        self.parts.append(value)

    def take(self) -> str:
        text, self.parts = "".join(self.parts), []
        return text


def claims_queryset(
    *, article: Article | None = None, articles: Iterable[int] | QuerySet[Article] | None = None,
    published_only: bool,
) -> QuerySet[Claim]:
    """The claims a CSV export covers (one article, several, or all)."""
    claims = Claim.objects.all()
    if article is not None:
        claims = claims.filter(article=article)
    if articles is not None:
        claims = claims.filter(article__in=articles)
    if published_only:
        claims = claims.filter(status=ClaimStatus.PUBLISHED)
    return claims.order_by(*_ORDER)


def _chunks(queryset: QuerySet[Any], chunk_size: int) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of a ``values_list`` queryset, ``chunk_size`` at a time, in one query.

    ``iterator`` reads through a cursor (server-side on PostgreSQL) instead of loading the
    result and filling the queryset's cache, so memory stays bounded by ``chunk_size``.
    """
    rows = queryset.iterator(chunk_size=chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        yield chunk


def _source_cells(claims: QuerySet[Claim], chunk_size: int) -> Iterator[tuple[tuple[Any, ...], str]]:
    """``(claim sort key, "url [stance]")`` for every source, in claim order."""
    sources = (
        Source.objects.filter(claim__in=claims.order_by().values("pk"))
        .order_by(*_SOURCE_ORDER)
        .values_list(*_SOURCE_ORDER[:4], "url", "stance")
    )
    for chunk in _chunks(sources, chunk_size):
        for article_id, start, end, claim_id, url, stance in chunk:
            yield (article_id, start, end, claim_id), f"{url} [{stance}]"


def _keyed(rows: QuerySet[Any], chunk_size: int) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """``(claim sort key, row)`` for model rows annotated with :data:`_CLAIM_KEY`, read in chunks."""
    for chunk in _chunks(rows, chunk_size):
        for row in chunk:
            yield (row.key_article, row.key_start, row.key_end, row.claim_id), row


def _credit_rows(claims: QuerySet[Claim], chunk_size: int) -> tuple[Iterator[Any], Iterator[Any]]:
    """The history entries and published corrections credits need, both in claim order."""
    pks = claims.order_by().values("pk")
    events = (
        ClaimEvent.objects.filter(CREDIT_EVENTS, claim__in=pks)
        .select_related("actor")
        .annotate(**_CLAIM_KEY)
        .order_by(*_SOURCE_ORDER[:4], "created_at", "id")
    )
    corrections = (
        ClaimCorrection.objects.filter(claim__in=pks, status=ClaimCorrection.Status.PUBLISHED)
        .select_related("reviewed_by", "proposed_by")
        .annotate(**_CLAIM_KEY)
        .order_by(*_SOURCE_ORDER[:4], "reviewed_at", "id")
    )
    return _keyed(events, chunk_size), _keyed(corrections, chunk_size)


class _PerClaim:
    """Rows of one stream, handed out claim by claim as the claims stream passes (a zipper merge)."""

    def __init__(self, rows: Iterator[tuple[tuple[Any, ...], Any]]) -> None:
        self.rows = rows
        self.pending = next(rows, None)

    def take(self, key: tuple[Any, ...]) -> list[Any]:
        """This claim's rows (rows of claims no longer in the stream are dropped)."""
        while self.pending is not None and self.pending[0] < key:
            self.pending = next(self.rows, None)
        found = []
        while self.pending is not None and self.pending[0] == key:
            found.append(self.pending[1])
            self.pending = next(self.rows, None)
        return found


def _usernames(users: Iterable[Any]) -> str:
    return SOURCE_SEPARATOR.join(user.get_username() for user in users)


def iter_claim_row_chunks(claims: QuerySet[Claim], *, chunk_size: int = CHUNK_SIZE) -> Iterator[list[list[object]]]:
    """The CSV rows (without header) for ``claims``, a list of up to ``chunk_size`` rows at a time.

    ``claims`` is re-ordered by article then position, as the reports list them.
    """
    claims = claims.order_by(*_ORDER)
    sources = _PerClaim(_source_cells(claims, chunk_size))
    events, corrections = (_PerClaim(rows) for rows in _credit_rows(claims, chunk_size))
    formula_first, status_labels = _FORMULA_FIRST, _STATUS_LABELS
    for chunk in _chunks(claims.values_list(*_FIELDS), chunk_size):
        rows: list[list[object]] = []
        for (
            article_id, title, article_url, claim_id, exact, start, end, anchor_state, statement, claimant,
            verdict, verdict_value, rationale, status, assignee,
            created_at, submitted_at, published_at, updated_at,
        ) in chunk:
            key = (article_id, start, end, claim_id)
            credits = credits_from(events.take(key), corrections.take(key))
            # Inline neutralise() over the text cells: this loop runs once per claim.
            text = [
                "" if value is None else ("'" + value if value and value[0] in formula_first else value)
                for value in (
                    title, article_url, exact, statement, claimant, verdict, rationale, assignee,
                    _usernames(credits.checked_by), _usernames([credits.reviewed_by] if credits.reviewed_by else []),
                    _usernames(credits.corrected_by),
                    SOURCE_SEPARATOR.join(correction.summary() for correction in credits.corrections),
                    SOURCE_SEPARATOR.join(sources.take(key)),
                )
            ]
            rows.append([
                article_id, text[0], text[1], claim_id, f"#{claim_id}", text[2], start, end, anchor_state,
                text[3], text[4], text[5], "" if verdict_value is None else verdict_value, text[6],
                status_labels.get(status, status), *text[7:],
                _when(created_at), _when(submitted_at), _when(published_at), _when(updated_at),
            ])
        yield rows


def iter_claim_rows(claims: QuerySet[Claim], *, chunk_size: int = CHUNK_SIZE) -> Iterator[list[object]]:
    """The CSV rows (without header) for ``claims``, one at a time."""
    for rows in iter_claim_row_chunks(claims, chunk_size=chunk_size):
        yield from rows


def stream_csv(claims: QuerySet[Claim], *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """UTF-8 CSV bytes (BOM and header first) for ``claims``, one chunk of rows per item."""
    lines = _Lines()
    writer = csv.writer(lines)
    writer.writerow(COLUMNS)
    yield (BOM + lines.take()).encode("utf-8")
    for rows in iter_claim_row_chunks(claims, chunk_size=chunk_size):
        writer.writerows(rows)
        yield lines.take().encode("utf-8")


def article_csv(article: Article, *, published_only: bool) -> Iterator[bytes]:
    """One article's claims as streamed CSV bytes."""
    return stream_csv(claims_queryset(article=article, published_only=published_only))

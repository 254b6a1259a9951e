"""CSV export of selected claims for the admin's "Export selected as CSV" action.

Spreadsheets open these files, so two things matter beyond the columns: a UTF-8 byte
order mark (Excel otherwise guesses a legacy encoding and mangles quotes and accents),
and neutralising cells that a spreadsheet would run as a formula (CSV injection: a
claim or source typed as ``=HYPERLINK(...)`` must stay text). The article-level CSV
export in :mod:`annotations.exports` uses the same columns; this module is the admin's
copy of that row logic, kept small so the two can be merged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from annotations.models import Claim
from annotations.notifications import claim_url

COLUMNS = (
    "claim_id", "article_id", "article_title", "outlet", "article_url", "quote", "statement", "claimant",
    "status", "verdict", "verdict_value", "rationale", "assignee", "verdict_by", "reviewed_by", "sources",
    "submitted_at", "published_at", "created_at", "updated_at", "claim_url",
)

#: Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection list).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix a text cell that starts like a formula with ``'`` so it is shown, not run."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _username(user: object) -> str:
    return user.get_username() if user is not None else ""


def claim_row(claim: Claim) -> list[object]:
    """One claim as CSV cells, in COLUMNS order (sources joined by " | ")."""
    cells: list[object] = [
        claim.pk,
        claim.article_id,
        claim.article.title,
        claim.article.outlet,
        claim.article.url,
        claim.exact,
        claim.statement,
        claim.claimant,
        claim.get_status_display(),
        claim.verdict.name if claim.verdict else "",
        claim.verdict.value if claim.verdict and claim.verdict.value is not None else "",
        claim.rationale,
        _username(claim.assignee),
        _username(claim.verdict_by),
        _username(claim.reviewed_by),
        " | ".join(source.url for source in claim.sources.all()),
        _when(claim.submitted_at),
        _when(claim.published_at),
        _when(claim.created_at),
        _when(claim.updated_at),
        claim_url(claim),
    ]
    return [neutralise(cell) for cell in cells]


def export_queryset(queryset: QuerySet[Claim]) -> QuerySet[Claim]:
    """The queryset with everything a row reads fetched up front (constant queries)."""
    return queryset.select_related("article", "verdict", "assignee", "verdict_by", "reviewed_by").prefetch_related(
        "sources"
    )


def write_claims_csv(claims: Iterable[Claim], stream: io.TextIOBase) -> None:
    """Write a header row and one row per claim."""
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    for claim in claims:
        writer.writerow(claim_row(claim))


def claims_csv_response(queryset: QuerySet[Claim], filename: str = "claims.csv") -> HttpResponse:
    """A download response: UTF-8 with BOM, one row per selected claim, ordered by id."""
    buffer = io.StringIO()
    write_claims_csv(export_queryset(queryset).order_by("pk"), buffer)
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

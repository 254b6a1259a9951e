"""A claim's history as one timeline: who changed what, from which value to which, when and through which door.

The claim panel shows the latest steps; this page (``/claims/<id>/history/``) and its CSV
(``/claims/<id>/history.csv``) answer an audit question in full: every entry of the
append-only history (:class:`~annotations.models.ClaimEvent`) with its field, old value,
new value, who made it, when, and the entry point it came through (browser, admin, import,
API, command: ``ClaimEvent.via``).

Who sees what is the claim policy's answer (:func:`annotations.selectors.claim_timeline`):
the desk reads every entry of every claim; a reader reaches published claims only (an
unpublished one is "not found", so its existence does not leak) and reads their public
entries, the corrections, as the reports show them.

Both views read the same rows (:func:`history_rows`), in two queries (the claim, its
history) however long the history is.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import capfirst
from django.views.decorators.http import require_safe

from annotations import selectors
from annotations.exports.csv_export import BOM, neutralise
from annotations.models import Claim, ClaimEvent, ClaimStatus, Source
from annotations.permissions import claim_policy
from factcheck.display import display_name

Kind = ClaimEvent.Kind

#: How a history entry's ``field`` is named on the page (source fields: "Source: title").
FIELD_LABELS = {
    "statement": "Statement",
    "claimant": "Claimant",
    "verdict": "Verdict",
    "rationale": "Rationale",
    "assignee": "Assignee",
    "source": "Source",
    "group": "Linked claims",
    "status": "Status",
}
#: What an entry changed when it names no field itself.
KIND_FIELDS = {
    Kind.CREATED: "Quote",
    Kind.TRANSITION: "Status",
    Kind.COMMENTED: "Comment",
    Kind.DELETED: "Claim",
}
#: The CSV's columns (also its header row).
CSV_COLUMNS = ("when", "who", "entry_point", "change", "field", "old_value", "new_value", "note", "public")


@dataclass(frozen=True)
class HistoryRow:
    """One entry of the timeline, ready to show: every value is text."""

    event_id: int
    when: datetime
    who: str
    entry_point: str
    change: str
    field: str
    old: str
    new: str
    note: str
    is_public: bool


def field_label(event: ClaimEvent) -> str:
    """The field an entry changed, as readers call it ("Verdict", "Source: date accessed")."""
    if event.field.startswith("source."):
        name = event.field.removeprefix("source.")
        try:
            return f"Source: {Source._meta.get_field(name).verbose_name}"
        except FieldDoesNotExist:  # a field removed since: show what the history says
            return f"Source: {name}"
    if event.field:
        return FIELD_LABELS.get(event.field, capfirst(event.field.replace("_", " ")))
    return KIND_FIELDS.get(event.kind, "")


def _status(value: str) -> str:
    try:
        return ClaimStatus(value).label
    except ValueError:
        return value


def _values(event: ClaimEvent) -> tuple[str, str]:
    """Old and new value of an entry; status changes are stored in ``from_status``/``to_status``."""
    if event.kind == Kind.TRANSITION:
        return _status(event.from_status), _status(event.to_status)
    return event.old_value, event.new_value


def history_rows(events: Iterable[ClaimEvent]) -> list[HistoryRow]:
    """The entries as timeline rows, in the order given (oldest first)."""
    rows = []
    for event in events:
        old, new = _values(event)
        rows.append(
            HistoryRow(
                event_id=event.pk,
                when=event.created_at,
                who=display_name(event.actor, missing="—"),
                entry_point=event.get_via_display() or "Unknown",
                change=event.get_kind_display(),
                field=field_label(event),
                old=old,
                new=new,
                note=event.note,
                is_public=event.is_public,
            )
        )
    return rows


def _timeline(request: HttpRequest, claim_id: int) -> tuple[Claim, list[HistoryRow]]:
    """The claim (404 when the user may not see it) and its history as the user may read it."""
    claim = get_object_or_404(selectors.visible_claims(request.user).select_related("article"), pk=claim_id)
    return claim, history_rows(selectors.claim_timeline(request.user, claim))


@require_safe
def claim_history(request: HttpRequest, claim_id: int) -> HttpResponse:
    """The claim's whole history as a page (a table that stacks into cards on a phone)."""
    claim, rows = _timeline(request, claim_id)
    return render(
        request,
        "annotations/claim_history.html",
        {
            "claim": claim,
            "rows": rows,
            "public_only": not claim_policy.user_has_permission(request.user, "view_unpublished"),
        },
    )


class _Echo:
    """A pseudo-file that hands back what csv.writer writes."""

    def write(self, value: str) -> str:
        return value


@require_safe
def claim_history_csv(request: HttpRequest, claim_id: int) -> HttpResponse:
    """The same timeline as CSV (UTF-8 with BOM, spreadsheet formulas defused, as every export)."""
    claim, rows = _timeline(request, claim_id)
    writer = csv.writer(_Echo())
    lines = [BOM + writer.writerow(CSV_COLUMNS)]
    for row in rows:
        cells = [row.who, row.entry_point, row.change, row.field, row.old, row.new, row.note]
        lines.append(writer.writerow([row.when.isoformat(), *(neutralise(cell) for cell in cells), row.is_public]))
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="claim-{claim.pk}-history.csv"'
    return response

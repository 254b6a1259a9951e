"""Template filters for the review workflow partial (templates/review/_claim_actions.html).

The partial's data (buttons, explanations, timeline) comes from the view as ``review``
(:func:`annotations.review_context.review_actions_for`); filters here only format values.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from annotations.models import ClaimEvent, ClaimStatus
from annotations.workflow import status_label as _status_label

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    """"in_review" -> "In review"."""
    return _status_label(value)


def _article_list_url(status: str = "", assignee: Any = "") -> str:
    params = {key: value for key, value in (("status", status), ("assignee", assignee)) if value not in ("", None)}
    return reverse("articles:list") + ("?" + urlencode(params) if params else "")


@register.filter
def desk_status_url(status: str) -> str:
    """Where a desk count per status leads: the articles with claims in that status."""
    return _article_list_url(status=str(status))


@register.filter
def desk_cells(row: dict[str, Any]) -> list[tuple[int, str]]:
    """An assignee row of the desk as (count, link) per status, then the total's.

    Each count links to the article list filtered by that assignee ("none": unassigned)
    and status, the claims it counts.
    """
    assignee = row.get("assignee") or "none"
    cells = [
        (count, _article_list_url(status=status.value, assignee=assignee))
        for status, count in zip(ClaimStatus, row.get("counts", []), strict=False)
    ]
    return [*cells, (row.get("total", 0), _article_list_url(assignee=assignee))]


#: History entries written by one correction are seconds apart at most (one transaction).
_ONE_CORRECTION = datetime.timedelta(minutes=1)


@dataclass
class CorrectionEntry:
    """One correction as listed: its history entries (one per changed field) shown together.

    Quacks like the ClaimEvent it stands for (``kind``, ``created_at``, ``actor``, ``note``,
    ``field``), so the timeline shows it where it shows a single entry.
    """

    events: list[ClaimEvent]
    kind: str = ClaimEvent.Kind.CORRECTED

    @property
    def created_at(self) -> datetime.datetime:
        return self.events[0].created_at

    @property
    def actor(self) -> Any:
        return self.events[0].actor

    @property
    def note(self) -> str:
        return self.events[0].note

    @property
    def field(self) -> str:
        """The changed fields as words: "verdict and rationale", "statement, verdict and source"."""
        names = list(dict.fromkeys(event.field or "claim" for event in self.events))
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _same_correction(entry: CorrectionEntry, event: ClaimEvent) -> bool:
    first = entry.events[0]
    return (
        event.actor_id == first.actor_id and event.note == first.note
        and abs(event.created_at - first.created_at) <= _ONE_CORRECTION
    )


def _grouped(events: list[ClaimEvent]) -> list[Any]:
    entries: list[Any] = []
    for event in events:
        if event.kind != ClaimEvent.Kind.CORRECTED:
            entries.append(event)
            continue
        last = entries[-1] if entries else None
        if isinstance(last, CorrectionEntry) and _same_correction(last, event):
            last.events.append(event)
        else:
            entries.append(CorrectionEntry([event]))
    return entries


@register.filter
def correction_entries(events: list[ClaimEvent]) -> list[CorrectionEntry]:
    """The claim's corrections, one entry per correction however many fields it changed.

    Publishing a correction writes one history entry per changed field (same editor, same
    public note, one transaction); a reader sees one correction, so it is listed once.
    """
    return [entry for entry in _grouped(list(events or [])) if isinstance(entry, CorrectionEntry)]


@register.filter
def timeline_entries(events: list[ClaimEvent]) -> list[Any]:
    """The review timeline with each correction's entries folded into one ("corrected the verdict and rationale")."""
    return _grouped(list(events or []))

"""Template helpers for the review workflow partial (templates/review/_claim_actions.html).

The claim panel includes the partial with only ``claim`` and ``user`` in its context, so
the partial asks :func:`review_actions` for everything else it shows.
"""

from __future__ import annotations

from django import template

from annotations.review_context import ReviewActions, review_actions_for
from annotations.workflow import status_label as _status_label

register = template.Library()


@register.simple_tag
def review_actions(claim: object, user: object) -> ReviewActions:
    """Buttons, explanations and history for one claim, as seen by ``user``."""
    return review_actions_for(claim, user)


@register.filter
def status_label(value: str) -> str:
    """"in_review" -> "In review"."""
    return _status_label(value)

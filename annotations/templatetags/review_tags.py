"""Template filters for the review workflow partial (templates/review/_claim_actions.html).

The partial's data (buttons, explanations, timeline) comes from the view as ``review``
(:func:`annotations.review_context.review_actions_for`); filters here only format values.
"""

from __future__ import annotations

from django import template

from annotations.workflow import status_label as _status_label

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    """"in_review" -> "In review"."""
    return _status_label(value)

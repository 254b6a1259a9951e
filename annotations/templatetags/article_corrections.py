"""Template tags for the corrections panel on the article page.

The panel shows the article's claims that a correction moved or orphaned. It works from
the claim list the view passed (context ``claims``, from
:func:`annotations.selectors.article_claims`) and runs no query of its own.
"""

from __future__ import annotations

from django import template
from django.db.models import QuerySet

from annotations import selectors
from annotations.models import Claim

register = template.Library()


@register.simple_tag
def corrections_state(claims: list[Claim] | None) -> dict[str, list[Claim]]:
    """Moved and orphaned claims among ``claims``, as ``{"moved": [...], "orphans": [...]}``."""
    if isinstance(claims, QuerySet):
        # A queryset would be evaluated here, in the template: the view passes a list.
        raise TypeError("corrections_state takes the list from selectors.article_claims, not a queryset.")
    return selectors.corrections_state(claims or [])

"""Template helpers for the article page and the claim panel."""

from __future__ import annotations

from django import template

from annotations.highlight import STATUS_SYMBOLS
from factcheck.display import display_name
from factcheck.validators import is_http_url

register = template.Library()


@register.filter
def status_symbol(status: str) -> str:
    """The symbol that goes with a review status everywhere (so colour is never the only cue)."""
    return STATUS_SYMBOLS.get(status, "")


@register.filter
def http_url(value: str) -> str:
    """``value`` if it is an http(s) URL, else an empty string.

    Source URLs are validated on the way in; this is the second lock on the way out, so
    a ``javascript:`` URL that slipped into the database never becomes a live link.
    """
    text = str(value or "").strip()
    return text if is_http_url(text) else ""


#: A user's full name, else their username; "someone" for a deleted account (one rule: factcheck.display).
person = register.filter("person", display_name)

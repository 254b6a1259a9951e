"""Template helpers for the article page and the claim panel."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import template

from annotations.highlight import STATUS_SYMBOLS

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
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return ""
    return text if scheme in {"http", "https"} else ""


@register.filter
def person(user: object) -> str:
    """A user's full name, else their username; "someone" for a deleted account."""
    if user is None:
        return "someone"
    full_name = getattr(user, "get_full_name", lambda: "")()
    return full_name or user.get_username()  # type: ignore[attr-defined]

"""People's names are one-line text too: cleaned like titles before they are stored.

Names appear in reports, PDFs, credits and notifications; a bidi override in a first name
would render it backwards there. Connected to ``pre_save`` of the user model in
:meth:`articles.apps.ArticlesConfig.ready`, so the admin, createsuperuser and any later
profile page all store clean names.
"""

from __future__ import annotations

from typing import Any

from articles.text import canonicalize_line


def clean_user_names(sender: type, instance: Any, **kwargs: Any) -> None:
    """Canonicalise the user's first and last names (no bidi tricks, no invisible characters)."""
    for field in ("first_name", "last_name"):
        value = getattr(instance, field, None)
        if isinstance(value, str):
            setattr(instance, field, canonicalize_line(value))

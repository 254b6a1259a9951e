"""How people and text are shown: one rule for names, one for shortening.

Messages, notifications, pages, admin messages and exports all name users and quote
claims. If each wrote its own version, the same person would appear as "jdoe" in an email
and "Jane Doe" in the panel, and one text would end in "..." where another ends in "…".

Pure Python, no Django and no imports from the apps: every layer may use it, including
the pure modules (``annotations.anchoring``).
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["ELLIPSIS", "Named", "count_noun", "display_name", "one_line", "truncate"]

#: What marks a cut: one character, so a cut text is never longer than its limit.
ELLIPSIS = "…"


class Named(Protocol):
    """What a user must offer to be named (Django's ``AbstractBaseUser`` and ``AnonymousUser`` do)."""

    def get_username(self) -> str: ...


def display_name(user: Named | None, *, missing: str = "someone") -> str:
    """A user's full name, else their username; ``missing`` when there is no user.

    A user is None when the account was deleted (history keeps the event, not the person)
    or nobody did it (an import): messages say "someone", reports pass ``missing=""``.
    """
    if user is None:
        return missing
    get_full_name = getattr(user, "get_full_name", None)
    full_name = get_full_name().strip() if callable(get_full_name) else ""
    return full_name or user.get_username()


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in "…" when it was cut."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def one_line(text: str, limit: int) -> str:
    """``text`` with every run of whitespace (line breaks too) made one space, then truncated.

    For places that cannot hold a line break: email subjects, notifications, admin messages.
    """
    return truncate(" ".join(text.split()), limit)


def count_noun(count: int, singular: str, plural: str | None = None) -> str:
    """"1 article", "3 articles", "0 articles": a count with its noun in the right number.

    One rule instead of "article(s)" or ``'s' if n != 1`` at every message; ``plural`` for
    the irregular ones ("1 entry", "2 entries").
    """
    noun = singular if count == 1 else (plural or singular + "s")
    return f"{count:,} {noun}"

"""What notifications say, in the reader's language.

A notification is read later, by someone else, perhaps in another language than the one
the person who caused it was using. So the text is not written when the notification is
made: the notification keeps a template key and its parameters (who, which claim, the
note), and :func:`render` fills the template in whatever language is active when it is
read — the page's language for the notifications page and the API, the recipient's saved
language for an email. The English text is also stored in ``Notification.message``, for
the admin's search and as the fallback for rows written before templates existed.

Parameters are stored as JSON, so they hold display strings and numbers, never objects.
Two kinds of parameter are translated as they are rendered:

* ``fields``: a list of claim field names (``["statement", "verdict"]``), spoken as
  "statement and verdict" in the reader's language;
* any parameter listed in a template's ``words`` (say, "none" for a claim with no verdict).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy, pgettext_lazy

from factcheck.display import Named, display_name

Params = Mapping[str, Any]

#: Template key -> the lazily translated text; ``%(name)s`` placeholders take the parameters.
#: A plural template (ngettext_lazy with "count") picks its form from ``params["count"]``.
TEMPLATES: dict[str, Promise] = {
    "assigned": gettext_lazy("%(actor)s assigned you a claim: “%(claim)s”"),
    "assigned_summary": ngettext_lazy(
        "%(actor)s assigned you %(count)s claim: %(numbers)s.",
        "%(actor)s assigned you %(count)s claims: %(numbers)s.",
        "count",
    ),
    "assigned_summary_more": ngettext_lazy(
        "%(actor)s assigned you %(count)s claim: %(numbers)s and %(more)s more.",
        "%(actor)s assigned you %(count)s claims: %(numbers)s and %(more)s more.",
        "count",
    ),
    "submitted": gettext_lazy("%(actor)s submitted a claim for review: “%(claim)s”"),
    "withdrawn": gettext_lazy("%(actor)s withdrew “%(claim)s” from review to change it."),
    "withdrawn_with_reason": gettext_lazy("%(actor)s withdrew “%(claim)s” from review to change it: %(note)s"),
    "changes_requested": gettext_lazy("%(actor)s requested changes on “%(claim)s”: %(note)s"),
    "published": gettext_lazy("%(actor)s published the fact-check of “%(claim)s”."),
    "published_with_verdict": gettext_lazy("%(actor)s published the fact-check of “%(claim)s” (%(verdict)s)."),
    "changed_in_review": gettext_lazy("%(actor)s changed the %(fields)s of “%(claim)s” while it is in review."),
    "correction_proposed": gettext_lazy("%(actor)s proposed a correction to “%(claim)s”: %(note)s"),
    "corrected": gettext_lazy("%(actor)s published a correction to “%(claim)s”: %(note)s"),
    "corrected_verdict": gettext_lazy(
        "%(actor)s published a correction to “%(claim)s” (verdict now %(new)s, was %(old)s): %(note)s"
    ),
    "corrected_first_verdict": gettext_lazy(
        "%(actor)s published a correction to “%(claim)s” (verdict now %(new)s, there was none): %(note)s"
    ),
    "mentioned": gettext_lazy("%(actor)s mentioned you in a comment on claim #%(number)s: “%(comment)s”"),
    "outlet_changed_words": gettext_lazy(
        "The outlet changed the words of claim #%(number)s in “%(article)s”: check that it still fits."
    ),
    "outlet_removed_words": gettext_lazy(
        "The outlet removed the words of claim #%(number)s in “%(article)s”: check that it still fits."
    ),
}

#: Claim field names as a notification speaks them ("changed the statement and verdict of …").
FIELD_NAMES: dict[str, Promise] = {
    "statement": pgettext_lazy("claim field", "statement"),
    "claimant": pgettext_lazy("claim field", "claimant"),
    "claim_date": pgettext_lazy("claim field", "claim date"),
    "verdict": pgettext_lazy("claim field", "verdict"),
    "rationale": pgettext_lazy("claim field", "rationale"),
    "sources": pgettext_lazy("claim field", "sources"),
    "tags": pgettext_lazy("claim field", "tags"),
}


@dataclass(frozen=True)
class NoticeText:
    """A notification's text before it is put into words: a template key and its parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.key not in TEMPLATES:
            raise KeyError(f"No notification template {self.key!r}.")

    def render(self) -> str:
        """The text in the active language."""
        return render(self.key, self.params)

    def english(self) -> str:
        """The text in English: what ``Notification.message`` stores."""
        with translation.override("en"):
            return self.render()


def actor_name(user: Named | None) -> str:
    """Who did it, as a notification parameter ("" for a deleted account or nobody: "someone" when read)."""
    return display_name(user, missing="")


def notice(key: str, **params: Any) -> NoticeText:
    """``notice("assigned", actor="Ana", claim="…")``: a text for :func:`annotations.notifications.notify`."""
    return NoticeText(key, params)


def spoken_list(words: Sequence[str]) -> str:
    """["statement", "claimant", "verdict"] -> "statement, claimant and verdict", in the active language."""
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return gettext("%(items)s and %(last)s") % {"items": gettext(", ").join(words[:-1]), "last": words[-1]}


def _spoken_fields(names: Sequence[str]) -> str:
    return spoken_list([str(FIELD_NAMES.get(name, name)) for name in names])


def render(key: str, params: Params, fallback: str = "") -> str:
    """Template ``key`` filled with ``params`` in the active language; ``fallback`` if it cannot be.

    A key that no longer exists, or parameters that no longer fit its template (an older
    row, a template changed since), give the stored English text rather than an error.
    """
    template = TEMPLATES.get(key)
    if template is None:
        return fallback
    values = dict(params)
    if "actor" in values and not values["actor"]:
        values["actor"] = gettext("someone")  # a deleted account, or nobody (an import)
    if isinstance(values.get("fields"), list):
        values["fields"] = _spoken_fields(values["fields"])
    try:
        return str(template % values)
    except (KeyError, TypeError, ValueError):
        return fallback

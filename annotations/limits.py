"""Length caps on what the desk writes, and the cap on claims per article: one table for every door.

One POST once stored a 490,000-character quote; every later page, export and search that
touched the claim paid for it. The caps are settings (``FACTDESK_MAX_*_CHARS`` and
``FACTDESK_MAX_CLAIMS_PER_ARTICLE`` in factcheck/settings.py), read when a value is checked
so a deployment (or a test) can change them without a restart of this module.

:mod:`annotations.services`, :mod:`annotations.workflow` and
:mod:`annotations.claim_corrections` check every value before writing it, whichever door
it came through (browser, admin, ``manage.py claim``, W3C import); the panel's forms use
:func:`max_chars` for their inputs' ``maxlength`` and :func:`length_error` for the same
sentence next to the field. The sentence says how long the text is and what the limit is,
so the person knows how much to cut.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from annotations.models import Claim, Source


@dataclass(frozen=True)
class Limit:
    """One capped kind of text: how it is named in messages, its setting, and its column's length."""

    label: str | Promise
    setting: str | None
    #: The database column's own length (CharField): the setting can lower it, never raise it.
    column: int | None = None

    def chars(self) -> int:
        configured = getattr(settings, self.setting) if self.setting else None
        caps = [cap for cap in (configured, self.column) if cap is not None]
        return min(caps)


def _column(model: type, name: str) -> int | None:
    return model._meta.get_field(name).max_length


#: Every capped kind of text, by the name the services use for it.
LIMITS: dict[str, Limit] = {
    "quote": Limit(gettext_lazy("quote"), "FACTDESK_MAX_QUOTE_CHARS"),
    "statement": Limit(gettext_lazy("statement"), "FACTDESK_MAX_STATEMENT_CHARS"),
    "claimant": Limit(gettext_lazy("claimant"), "FACTDESK_MAX_CLAIMANT_CHARS", _column(Claim, "claimant")),
    "rationale": Limit(gettext_lazy("rationale"), "FACTDESK_MAX_RATIONALE_CHARS"),
    "comment": Limit(gettext_lazy("comment"), "FACTDESK_MAX_COMMENT_CHARS"),
    "source_title": Limit(gettext_lazy("source title"), "FACTDESK_MAX_SOURCE_TITLE_CHARS", _column(Source, "title")),
    "source_publisher": Limit(gettext_lazy("source publisher"), None, _column(Source, "publisher")),
    "source_excerpt": Limit(gettext_lazy("source excerpt"), "FACTDESK_MAX_SOURCE_EXCERPT_CHARS"),
    "note": Limit(gettext_lazy("note"), "FACTDESK_MAX_NOTE_CHARS"),
}

#: The source fields that are capped, and their kind.
SOURCE_KINDS = {"title": "source_title", "publisher": "source_publisher", "excerpt": "source_excerpt"}
#: The claim fields a person types (panel, admin, command, correction), and their kind.
CLAIM_KINDS = {"statement": "statement", "claimant": "claimant", "rationale": "rationale"}


def max_chars(kind: str) -> int:
    """The most characters a ``kind`` of text may have (``"quote"``, ``"comment"``...)."""
    return LIMITS[kind].chars()


def length_error(kind: str, value: object) -> str | None:
    """The sentence refusing ``value`` as too long for ``kind`` (None: it fits, or it is not text)."""
    if not isinstance(value, str):
        return None
    limit = max_chars(kind)
    if len(value) <= limit:
        return None
    # Translators: "what" is one of the capped kinds of text above (quote, statement, comment...).
    return _("The %(what)s is %(length)s characters; the limit is %(limit)s.") % {
        "what": LIMITS[kind].label,
        "length": number_format(len(value), force_grouping=True),
        "limit": number_format(limit, force_grouping=True),
    }


def check_length(kind: str, value: object, field: str | None = None) -> None:
    """Raise ValidationError (keyed by ``field`` when given) if ``value`` is too long for ``kind``."""
    message = length_error(kind, value)
    if message is not None:
        error = ValidationError(message, code="too_long")
        raise ValidationError({field: [error]}) if field else error


def check_lengths(values: Mapping[str, object], kinds: Mapping[str, str]) -> None:
    """Check every value whose field has a kind in ``kinds``; one ValidationError naming each field too long."""
    errors = {
        field: [ValidationError(message, code="too_long")]
        for field, value in values.items()
        if field in kinds and (message := length_error(kinds[field], value)) is not None
    }
    if errors:
        raise ValidationError(errors)


def max_claims_per_article() -> int:
    return settings.FACTDESK_MAX_CLAIMS_PER_ARTICLE


def too_many_claims(count: int) -> str | None:
    """The sentence refusing one more claim on an article that has ``count`` (None: there is room)."""
    limit = max_claims_per_article()
    if count < limit:
        return None
    values = {"count": number_format(count, force_grouping=True), "limit": number_format(limit, force_grouping=True)}
    if count == limit:
        return ngettext(
            "This article already has %(count)s claim, the most one article may have.",
            "This article already has %(count)s claims, the most one article may have.",
            count,
        ) % values
    return ngettext(
        "This article already has %(count)s claim; one article may have at most %(limit)s.",
        "This article already has %(count)s claims; one article may have at most %(limit)s.",
        count,
    ) % values

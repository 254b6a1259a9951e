"""Metadata values as editors and pages write them: publication dates and language codes.

Shared by the import parsers (``articles.importing.formats``) and the web page reader
(``articles.extraction``), so a date or a language code is accepted or refused the same
way whichever door the article came through. Pure: no Django.
"""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext as _

__all__ = ["normalize_language", "parse_iso_date"]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_iso_date(value: str) -> datetime.date:
    """Parse an ISO 8601 date or date-time ("2024-05-01", "2024-05-01T09:30:00Z").

    Only ISO is accepted because "03/04/2024" means different days in different
    newsrooms. A date-time keeps its own calendar date (no timezone conversion): that is
    the date printed on the outlet's page. Raises ``ValueError`` with an editor-facing
    message.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.date.fromisoformat(text)
        if _ISO_DATE.match(text):
            return datetime.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    raise ValueError(_("published date %(value)s is not an ISO date (YYYY-MM-DD)") % {"value": repr(value)})


_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


def normalize_language(value: str) -> str:
    """Normalise a BCP 47 tag's case ("PT-br" -> "pt-BR"); raise ``ValueError`` if it is not one."""
    text = value.strip().replace("_", "-")
    if len(text) > 16 or not _LANGUAGE.fullmatch(text):  # 16: Article.language's column size
        raise ValueError(
            _("language %(value)s is not a language code such as 'en' or 'pt-BR'") % {"value": repr(value)}
        )
    primary, *rest = text.split("-")
    parts = [primary.lower()]
    for part in rest:
        parts.append(part.upper() if len(part) == 2 else part.title() if len(part) == 4 else part)
    return "-".join(parts)

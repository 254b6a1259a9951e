"""Template filters for the import report (templates/articles/_import_report.html).

The report is stored as JSON with the job (``ImportReport.as_dict``): a skipped record is
``(origin, reason)``, and a duplicate's reason names the article it duplicates, "duplicate
of article 12 (same URL)" (``articles.importing.service`` and ``articles.web_import``).
Reports already stored keep working: the link is made from that wording when shown.
"""

from __future__ import annotations

import re

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

#: How the import service names the existing article in a duplicate's reason.
DUPLICATE_OF = re.compile(r"\bduplicate of article (\d+)\b")


@register.filter
def duplicate_of(reason: object) -> int | None:
    """The id of the existing article a skipped record duplicates, or None."""
    match = DUPLICATE_OF.search(str(reason or ""))
    return int(match.group(1)) if match else None


@register.filter
def linked_reason(reason: object) -> SafeString:
    """A skip reason, escaped, with "article 12" linked to that article's page."""
    text = str(reason or "")
    match = DUPLICATE_OF.search(text)
    if match is None:
        return format_html("{}", text)
    number = int(match.group(1))
    return format_html(
        '{}duplicate of <a href="{}">article {}</a>{}',
        text[: match.start()], reverse("articles:detail", args=[number]), number, text[match.end():],
    )

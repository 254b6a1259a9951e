"""``{{ article.language|text_direction }}``: every article is shown in its own direction.

The interface may be English while the article is Arabic (or the other way round), so the
article's container carries its own ``lang`` and ``dir`` (see :mod:`articles.language`).
"""

from __future__ import annotations

from django import template

from articles.language import text_direction as _text_direction

register = template.Library()


@register.filter
def text_direction(language: str | None) -> str:
    """``"rtl"`` or ``"ltr"`` for a language tag."""
    return _text_direction(language or "")

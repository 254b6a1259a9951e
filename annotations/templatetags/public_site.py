"""Template helpers for the admin's reminder about the published addresses (see :mod:`annotations.checks`)."""

from __future__ import annotations

from django import template

from annotations.checks import placeholder_url_problems

register = template.Library()


@register.simple_tag
def published_address_warnings() -> list[str]:
    """The same warnings ``manage.py check --deploy`` gives (no query: settings only)."""
    return [f"{message} {hint}" for _check_id, message, hint in placeholder_url_problems()]

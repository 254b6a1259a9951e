"""Template context shared by every page: the user's role and unread notification count."""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest

from annotations.roles import is_editor, is_fact_checker, role_name


def navigation(request: HttpRequest) -> dict[str, object]:
    """Navigation data; lazy so pages that never show the nav (login) cost no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread() -> int:
        from annotations.models import Notification

        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    return {
        "nav_role": lambda: role_name(user),
        "nav_is_editor": lambda: is_editor(user),
        "nav_is_fact_checker": lambda: is_fact_checker(user),
        "nav_unread_count": unread,
    }

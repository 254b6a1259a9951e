"""Template context shared by every page: the user's role, what the navigation offers them, and
their unread notification count.

Every flag is the answer of the policy that guards the page or action it links to, so a link
is shown exactly when following it is allowed (the templates decide nothing themselves).
"""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest

from annotations import selectors
from annotations.permissions import claim_policy
from articles.permissions import article_policy
from factcheck.permissions import role_name


def navigation(request: HttpRequest) -> dict[str, object]:
    """Navigation data; lazy so pages that never show the nav (login, partials) cost no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread() -> int:
        return selectors.unread_notification_count(user)

    return {
        "nav_role": lambda: role_name(user),
        # "My claims", "Desk", suggestions: the desk's pages, which show unpublished work.
        "nav_is_fact_checker": lambda: claim_policy.user_has_permission(user, "view_unpublished"),
        # "Review queue".
        "nav_is_editor": lambda: claim_policy.user_has_permission(user, "review"),
        # The download menu's internal reports and its import link.
        "nav_can_export_unpublished": lambda: claim_policy.user_has_permission(user, "export_unpublished"),
        "nav_can_import_annotations": lambda: article_policy.user_has_permission(user, "import_annotations"),
        "nav_unread_count": unread,
    }

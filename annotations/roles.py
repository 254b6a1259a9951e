"""Who may do what: the desk's roles, read from Django groups.

Fact-checkers annotate and research; editors also review, publish, dismiss and correct;
superusers are admins and may do everything. Every permission check in views, the admin
and services goes through these functions so a role means the same thing everywhere.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

FACT_CHECKER = "Fact-checker"
EDITOR = "Editor"
ROLE_GROUPS = (FACT_CHECKER, EDITOR)

AnyUser = AbstractBaseUser | AnonymousUser


def group_names(user: AnyUser) -> frozenset[str]:
    """The user's group names, cached on the user object so a request pays one query at most."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_factdesk_groups", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._factdesk_groups = cached
    return cached


def is_admin(user: AnyUser) -> bool:
    """Superusers are the desk's admins."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def is_editor(user: AnyUser) -> bool:
    """Editors review, publish, dismiss and correct claims (admins count as editors)."""
    return is_admin(user) or (getattr(user, "is_active", False) and EDITOR in group_names(user))


def is_fact_checker(user: AnyUser) -> bool:
    """Anyone who may annotate: fact-checkers, editors and admins."""
    return is_editor(user) or (getattr(user, "is_active", False) and FACT_CHECKER in group_names(user))


def role_name(user: AnyUser) -> str:
    """A human label for the navigation bar."""
    if is_admin(user):
        return "Admin"
    if is_editor(user):
        return "Editor"
    if is_fact_checker(user):
        return "Fact-checker"
    return "Reader"

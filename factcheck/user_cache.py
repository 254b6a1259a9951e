"""The signed-in user (with their role) kept in the shared cache, so a request does not read them.

Django's ``AuthenticationMiddleware`` loads the user from the database on every request, and
the role (:func:`factcheck.permissions.role_of`) costs one more query for the groups. With a
shared cache (Redis: ``REDIS_URL``), :class:`CachedUserMiddleware` keeps both per user id
for ``FACTDESK_USER_CACHE_SECONDS``; without one it does nothing, because a per-process cache
could not be told by another process that a user changed.

Safe by construction, not by timeout:

* The session still decides who is signed in: its user id, its backend, and its password
  hash (``HASH_SESSION_KEY``), which must match the cached user's, as Django checks it. A
  changed password logs other sessions out exactly as before.
* Saving or deleting a user, changing their groups (either side of the relation), renaming
  or deleting a group deletes the cached copies at once (signals below, connected in
  ``FactcheckConfig.ready`` so commands and workers invalidate too). A deactivated user or a
  changed role therefore takes effect on the next request, through every app server.
* A cached user that is inactive is never used; anything unusual (no session hash, another
  backend, a cache outage) falls back to Django's own ``get_user``.

Only ``QuerySet.update()`` on users bypasses the signals (nothing in Factdesk does that); the
timeout bounds even that case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from factcheck.permissions import role_of

User = get_user_model()


def enabled() -> bool:
    """Whether users are cached: a timeout is set (it is by default only with a shared cache)."""
    return getattr(settings, "FACTDESK_USER_CACHE_SECONDS", 0) > 0


def cache_key(user_id: Any) -> str:
    return f"session-user:{user_id}"


def forget(*user_ids: Any) -> None:
    """Drop the cached copies of these users (the next request reads them from the database)."""
    if user_ids and enabled():
        cache.delete_many([cache_key(user_id) for user_id in user_ids])


def session_user(request: HttpRequest) -> Any:
    """The request's user as Django's ``auth.get_user`` finds it, from the cache when it can."""
    session = request.session
    user_id, backend, session_hash = (
        session.get(SESSION_KEY), session.get(BACKEND_SESSION_KEY), session.get(HASH_SESSION_KEY)
    )
    if user_id is None or not session_hash or backend not in settings.AUTHENTICATION_BACKENDS:
        return auth.get_user(request)
    key = cache_key(user_id)
    user = cache.get(key)
    if (
        user is not None
        and str(user.pk) == str(user_id)
        and user.is_active
        and constant_time_compare(session_hash, user.get_session_auth_hash())
    ):
        user.backend = backend
        return user
    user = auth.get_user(request)
    if user.is_authenticated and str(user.pk) == str(user_id):
        role_of(user)  # kept on the user object, so the cached copy carries the role too
        cache.set(key, user, settings.FACTDESK_USER_CACHE_SECONDS)
    return user


class CachedUserMiddleware:
    """After ``AuthenticationMiddleware``: ``request.user`` from the shared cache (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.active = enabled()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.active and hasattr(request, "session"):
            request.user = SimpleLazyObject(lambda: session_user(request))
        return self.get_response(request)


# --- invalidation: every change to who a user is or what role they have ----------------


@receiver(post_save, sender=User, dispatch_uid="user_cache_user_saved")
@receiver(post_delete, sender=User, dispatch_uid="user_cache_user_deleted")
def _user_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    forget(instance.pk)


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="user_cache_groups_changed")
def _groups_changed(
    sender: type, instance: Any, action: str, reverse: bool, pk_set: set[Any] | None, **kwargs: Any
) -> None:
    if not action.startswith(("post_", "pre_clear")):
        return
    if not reverse:  # user.groups.add/remove/clear
        forget(instance.pk)
    elif action == "pre_clear" and enabled():  # group.user_set.clear(): who is in it, before they are gone
        forget(*instance.user_set.values_list("pk", flat=True))
    elif pk_set:  # group.user_set.add/remove
        forget(*pk_set)


@receiver(post_save, sender=Group, dispatch_uid="user_cache_group_saved")
@receiver(pre_delete, sender=Group, dispatch_uid="user_cache_group_deleted")
def _group_changed(sender: type, instance: Group, **kwargs: Any) -> None:
    if instance.pk is not None and enabled():
        forget(*instance.user_set.values_list("pk", flat=True))

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

Signing in in one round trip (``FACTDESK_ONE_TRIP_SIGN_IN``, on by default; issue 19). Django reads
the session, then the user, then (``role_of``) their groups: three queries without Redis, two
Redis look-ups with it. :func:`signed_in_user` asks once:

* *Without the user cache* (database sessions): one SQL statement, compiled once per process,
  reads the session row, the user row and whether the user is in each role group, all current,
  all in one snapshot. Nothing about a user or a session is kept between requests, so a logout,
  a deactivation, a new password or a role change through any process is seen on the next
  request. The user's id is inside the signed session data, so the statement is given the id
  this process last found in the session with this key (a guess, kept per process); the
  decoded session must name that same id, else the user is read by a second query. Decoding
  (the signature check) is remembered per process by the exact signed text: a pure function.
* *With the user cache and cached_db sessions in the same cache* (Redis): one ``get_many`` (one
  ``MGET``) for the session and the cached user, again with the id guessed from the session
  key and checked against the session.

Anything else (no session, an expired or unknown one, another backend, a hash that does not
match, an inactive user, a cache outage) goes through Django's own ``auth.get_user``, so the
checks are exactly Django's.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import cache as memoize
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore
from django.contrib.sessions.backends.db import SessionStore as DbStore
from django.core.cache import cache, caches
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from factcheck.permissions import EDITOR, FACT_CHECKER, Role, role_of

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


def usable(user: Any, user_id: Any, session_hash: str) -> bool:
    """Whether ``user`` is the session's user as Django's ``get_user`` would accept it (current hash, active)."""
    return (
        user is not None
        and str(user.pk) == str(user_id)
        and user.is_active
        and constant_time_compare(session_hash, user.get_session_auth_hash())
    )


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
    if usable(user, user_id, session_hash):
        user.backend = backend
        return user
    user = auth.get_user(request)
    if user.is_authenticated and str(user.pk) == str(user_id):
        role_of(user)  # kept on the user object, so the cached copy carries the role too
        cache.set(key, user, settings.FACTDESK_USER_CACHE_SECONDS)
    return user


# --- signing in in one round trip -----------------------------------------------------------


class _Bounded:
    """A small thread-safe LRU map (per process): at most ``size`` entries."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


#: Session key -> the user id this process last found in that session (a guess, always checked).
_user_ids = _Bounded(20_000)
#: Signed session text -> its decoded data (the signature check is a pure function of the text).
_decoded = _Bounded(5_000)
_SCALARS = (str, int, float, bool, type(None))


def decode_session(session: Any, signed: str) -> dict[str, Any]:
    """``session.decode(signed)``, remembered per process by the exact text (a fresh dict each time)."""
    data = _decoded.get(signed)
    if data is None:
        data = session.decode(signed)
        _decoded.put(signed, data)
    if all(isinstance(value, _SCALARS) for value in data.values()):
        return dict(data)
    return copy.deepcopy(data)


def install_session(session: Any, data: dict[str, Any]) -> None:
    """Give the session its data as its own ``load()`` would have (and mark it accessed: ``Vary: Cookie``)."""
    session._session_cache = data
    session.accessed = True


def _model_backend(path: str | None) -> bool:
    """Whether the session's backend finds users as ``ModelBackend.get_user`` does (by id, active only)."""
    return path in settings.AUTHENTICATION_BACKENDS and _finds_users_as_model_backend(path)


@memoize
def _finds_users_as_model_backend(path: str) -> bool:
    return getattr(auth.load_backend(path).get_user, "__func__", None) is ModelBackend.get_user


def role_from_groups(user: Any, editor: bool, fact_checker: bool) -> Role:
    """The role :func:`factcheck.permissions.role_of` gives an active user in these role groups.

    ``tests/test_one_trip_sign_in.py`` checks the two agree for every role.
    """
    if user.is_superuser:
        return Role.ADMIN
    return Role.EDITOR if editor else Role.FACT_CHECKER if fact_checker else Role.READER


@memoize
def _sign_in_sql(vendor: str) -> tuple[str, str, list[Any]]:
    """Two statements, compiled once per process: the session with its guessed user, and a user alone.

    Each returns the user's columns and whether they are in the Editor and Fact-checker groups.
    Only quoted table and column names from the models are formatted in; values are parameters.
    """
    quote = connection.ops.quote_name
    user_model = get_user_model()
    fields = user_model._meta.concrete_fields
    through = user_model.groups.through
    user_column = through._meta.get_field(user_model.groups.field.m2m_field_name()).column
    group_column = through._meta.get_field(user_model.groups.field.m2m_reverse_field_name()).column
    in_group = (
        f"CASE WHEN EXISTS (SELECT 1 FROM {quote(through._meta.db_table)} ug "  # noqa: S608
        f"JOIN {quote(Group._meta.db_table)} g ON g.{quote('id')} = ug.{quote(group_column)} "
        f"WHERE ug.{quote(user_column)} = u.{quote(user_model._meta.pk.column)} AND g.{quote('name')} = %s) "
        f"THEN 1 ELSE 0 END"
    )
    columns = ", ".join(f"u.{quote(field.column)}" for field in fields)
    session_model = DbStore.get_model_class()
    session_table = quote(session_model._meta.db_table)
    with_session = (
        f"SELECT s.{quote('session_data')}, {columns}, {in_group}, {in_group} "  # noqa: S608
        f"FROM {session_table} s LEFT JOIN {quote(user_model._meta.db_table)} u "
        f"ON u.{quote(user_model._meta.pk.column)} = %s "
        f"WHERE s.{quote('session_key')} = %s AND s.{quote('expire_date')} > %s"
    )
    alone = (
        f"SELECT {columns}, {in_group}, {in_group} FROM {quote(user_model._meta.db_table)} u "  # noqa: S608
        f"WHERE u.{quote(user_model._meta.pk.column)} = %s"
    )
    converters = []
    for field in fields:
        column = field.get_col(user_model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        converters.append((column, found))
    return with_session, alone, converters


def _user_from_row(values: list[Any] | tuple[Any, ...]) -> Any:
    """A user instance from the user columns of a sign-in row (None when the join found nobody), with its role."""
    user_model = get_user_model()
    fields = user_model._meta.concrete_fields
    if values[0] is None:
        return None
    converters = _sign_in_sql(connection.vendor)[2]
    converted = []
    for value, (column, field_converters) in zip(values, converters, strict=False):
        for converter in field_converters:
            value = converter(value, column, connection)
        converted.append(value)
    user = user_model.from_db(connection.alias, [field.attname for field in fields], converted)
    editor, fact_checker = values[len(fields)], values[len(fields) + 1]
    if user.is_active:
        user._factdesk_role = role_from_groups(user, bool(editor), bool(fact_checker))
    return user


#: psycopg's prepare threshold set on a connection that had none (Django's default disables
#: preparing): so high that nothing is prepared unless asked, as :func:`prepared_cursor` does.
PREPARE_ONLY_WHEN_ASKED = 2**31 - 1


def prepared_cursor(switch: str = "FACTDESK_PREPARED_STATEMENTS") -> Any:
    """A cursor whose statements are prepared on PostgreSQL when ``settings.<switch>`` is on.

    ``FACTDESK_PREPARED_STATEMENTS`` switches every use off at once; ``switch`` names one use.

    For a few hot statements compiled once per process: the sign-in's two (:func:`sign_in_cursor`)
    and the article page's (``annotations.selectors.article_for_page``). Planning such a
    statement costs PostgreSQL more CPU than running it; prepared once per connection, it is
    planned once. Django's own cursors bind parameters on the client and never prepare, and
    Django turns preparing off for every connection, because a transaction-pooling PgBouncer
    (before 1.21) cannot keep prepared statements: so only what goes through this cursor is
    prepared, through a server-binding cursor wrapped as Django wraps its own (queries are
    logged and counted, errors translated), and ``FACTDESK_PREPARED_STATEMENTS=0`` turns it off
    behind such a pooler. Elsewhere (SQLite, or switched off): Django's own cursor.
    """
    if (
        connection.vendor != "postgresql"
        or not getattr(settings, "FACTDESK_PREPARED_STATEMENTS", False)
        or not getattr(settings, switch, False)
    ):
        return connection.cursor()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = PREPARE_ONLY_WHEN_ASKED
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_preparing_cursor_class()(raw))


def sign_in_cursor() -> Any:
    """A cursor for the sign-in statements (:func:`prepared_cursor`, ``FACTDESK_PREPARED_SIGN_IN``).

    Planning the sign-in statement cost PostgreSQL 0.6 ms of CPU per request, five times its
    execution; prepared once per connection, 0.1 ms (issue 19).
    """
    return prepared_cursor("FACTDESK_PREPARED_SIGN_IN")


@memoize
def _preparing_cursor_class() -> type:
    import psycopg

    class PreparingCursor(psycopg.Cursor):
        """Server-side binding, and every statement prepared on its connection (see :func:`prepared_cursor`)."""

        def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, **kwargs: Any) -> Any:
            return super().execute(query, params, prepare=True, **kwargs)

        def _convert_query(self, query: Any, vars: Any = None) -> Any:
            converted = super()._convert_query(query, vars)
            self._query = converted  # what Django's query log reads (its own client-side cursors keep it)
            return converted

    return PreparingCursor


def _from_database(request: HttpRequest, session: Any, key: str) -> Any:
    """Database sessions: the session, the user and the role in one statement (see the module)."""
    with_session, alone, _ = _sign_in_sql(connection.vendor)
    guess = _user_ids.get(key)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with sign_in_cursor() as cursor:
        cursor.execute(with_session, [EDITOR, FACT_CHECKER, guess, key, now])
        row = cursor.fetchone()
    if row is None:  # no such session, or expired: Django's own path (it forgets the key)
        return auth.get_user(request)
    data = decode_session(session, row[0])
    install_session(session, data)
    user_id, backend, session_hash = data.get(SESSION_KEY), data.get(BACKEND_SESSION_KEY), data.get(HASH_SESSION_KEY)
    if user_id is None or not session_hash or not _model_backend(backend):
        return auth.get_user(request)
    try:
        user_id = get_user_model()._meta.pk.to_python(user_id)
    except ValidationError:
        return auth.get_user(request)
    _user_ids.put(key, user_id)
    user = _user_from_row(row[1:]) if guess is not None and guess == user_id else None
    if user is None:
        with sign_in_cursor() as cursor:
            cursor.execute(alone, [EDITOR, FACT_CHECKER, user_id])
            found = cursor.fetchone()
        user = _user_from_row(found) if found else None
    if not usable(user, user_id, session_hash):
        return auth.get_user(request)
    user.backend = backend
    return user


def _from_shared_cache(request: HttpRequest, session: Any, key: str) -> Any:
    """cached_db sessions and the user cache in one cache: one ``get_many`` (see the module)."""
    guess = _user_ids.get(key)
    session_key = session.cache_key
    wanted = [session_key] if guess is None else [session_key, cache_key(guess)]
    found = caches[settings.SESSION_CACHE_ALIAS].get_many(wanted)
    data = found.get(session_key)
    if not isinstance(data, dict):  # not in the cache (or Redis is down): the session's own load
        return session_user(request)
    install_session(session, data)
    user_id, backend, session_hash = data.get(SESSION_KEY), data.get(BACKEND_SESSION_KEY), data.get(HASH_SESSION_KEY)
    if user_id is None or not session_hash or backend not in settings.AUTHENTICATION_BACKENDS:
        return auth.get_user(request)
    _user_ids.put(key, str(user_id))
    user = found.get(cache_key(user_id)) if guess is not None and str(guess) == str(user_id) else None
    if usable(user, user_id, session_hash):
        user.backend = backend
        return user
    return session_user(request)


def one_trip_mode() -> str:
    """How :func:`signed_in_user` reads the user: ``"database"``, ``"cache"`` or ``""`` (Django's way)."""
    if not getattr(settings, "FACTDESK_ONE_TRIP_SIGN_IN", False):
        return ""
    engine = settings.SESSION_ENGINE
    if engine == "django.contrib.sessions.backends.db" and not enabled():
        return "database"
    if (
        engine == "django.contrib.sessions.backends.cached_db"
        and enabled()
        and settings.SESSION_CACHE_ALIAS == "default"
    ):
        return "cache"
    return ""


def signed_in_user(request: HttpRequest) -> Any:
    """The request's user in one round trip when the session has not been read yet (see the module)."""
    session = request.session
    mode = one_trip_mode()
    key = session.session_key
    if mode and key is not None and not hasattr(session, "_session_cache"):
        if mode == "database" and type(session) is DbStore:
            return _from_database(request, session, key)
        if mode == "cache" and type(session) is CachedDbStore:
            return _from_shared_cache(request, session, key)
    return session_user(request) if enabled() else auth.get_user(request)


class CachedUserMiddleware:
    """After ``AuthenticationMiddleware``: ``request.user`` in one round trip (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.active = enabled() or bool(one_trip_mode())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.active and hasattr(request, "session"):
            request.user = SimpleLazyObject(lambda: signed_in_user(request))
        return self.get_response(request)


@receiver(auth.user_logged_in, dispatch_uid="user_cache_signed_in")
def _remember_sign_in(sender: type, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """The process that signs a user in knows their id for the new session key: its next request is one query.

    Only a guess, checked against the session on every request like any other (see the module).
    """
    key = getattr(getattr(request, "session", None), "session_key", None)
    mode = one_trip_mode()
    if key is not None and mode and user is not None and user.pk is not None:
        _user_ids.put(key, user.pk if mode == "database" else str(user.pk))


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

"""Which door a change came through (browser, admin, API, command, import), for the history.

Every history entry records its entry point, so "who changed what" also answers "how".
The value travels in a context variable rather than through every service's signature:
:class:`EntryPointMiddleware` sets it per request from the URL, management commands and
background jobs set it with :func:`entry_point`, and ``annotations.services.record_event``
reads it with :func:`current_entry_point`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.http import HttpRequest, HttpResponse

BROWSER = "browser"
ADMIN = "admin"
API = "api"
COMMAND = "command"
IMPORT = "import"
SYSTEM = "system"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("factdesk_entry_point", default=SYSTEM)


def current_entry_point() -> str:
    """The entry point of the change being made now (``system`` outside any request or command)."""
    return _current.get()


@contextmanager
def entry_point(name: str) -> Iterator[None]:
    """Run the block as entry point ``name`` (e.g. ``with entry_point(COMMAND): ...``)."""
    token = _current.set(name)
    try:
        yield
    finally:
        _current.reset(token)


def entry_point_of(path: str) -> str:
    """The entry point a request path belongs to."""
    if path.startswith("/admin/"):
        return ADMIN
    if path.startswith("/api/"):
        return API
    return BROWSER


class EntryPointMiddleware:
    """Mark every change made while serving a request with the door it came through."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with entry_point(entry_point_of(request.path_info)):
            return self.get_response(request)

"""Project middleware: a clear "service unavailable" page when the database goes away, and the saved
interface language put in the cookie after a login (:class:`UserLanguageMiddleware`).

A lost database connection is not a bug in the page that happened to need it, so the
visitor gets a 503 with ``Retry-After`` (load balancers and browsers know what that means)
instead of the generic 500 page. The same page is used by :func:`factcheck.views.server_error`
for database errors raised outside views (in other middleware), which Django hands to the
500 handler without calling ``process_exception``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

logger = logging.getLogger("factcheck.database")

#: Errors that mean "the database is unreachable or the connection broke", not "bad query".
DATABASE_UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)

#: Where the login signal (:mod:`factcheck.i18n`) leaves the saved language for the cookie.
PENDING_LANGUAGE_ATTRIBUTE = "_factdesk_saved_language"

#: Seconds a client should wait before retrying (sent as ``Retry-After``).
RETRY_AFTER_SECONDS = 30


def is_database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) means the database cannot be reached."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, DATABASE_UNAVAILABLE_ERRORS):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def database_unavailable_response() -> HttpResponse:
    """The 503 page, rendered without the request so no context processor touches the database."""
    content = loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 (not 500) when a view fails because the database is unavailable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        logger.error("Database unavailable while serving %s %s: %s", request.method, request.path, exception)
        return database_unavailable_response()


class UserLanguageMiddleware:
    """Put a signed-in person's saved interface language in the language cookie after they log in.

    The login signal (:func:`factcheck.i18n.activate_saved_language`) finds the saved choice;
    the cookie then carries it on every later request, read by Django's ``LocaleMiddleware``,
    so no page reads the preference again.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = getattr(request, PENDING_LANGUAGE_ATTRIBUTE, None)
        if language:
            set_language_cookie(response, language)
        return response


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """The language cookie exactly as Django's ``set_language`` view writes it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )

"""Project-level views that belong to no app."""

from __future__ import annotations

import sys

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.template import loader
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

from factcheck.middleware import database_unavailable_response, is_database_unavailable


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers: 200 when the database answers, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return JsonResponse({"status": "error", "database": "unavailable", "detail": type(error).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_not_required
@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``: browsers ask every site for it (on PDFs, raw files), so send them to the SVG icon.

    A temporary redirect, cached a day: the target is a hashed static name that changes
    with the icon, so a permanent one would outlive it.
    """
    response = HttpResponseRedirect(static("favicon.svg"))
    patch_cache_control(response, public=True, max_age=24 * 3600)
    return response


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler: a friendly page, or the 503 page when the database is what failed.

    Django calls this from inside the ``except`` block that caught the error, so
    ``sys.exc_info()`` still names it. Database errors raised outside views (for example
    by the session or login middleware) reach this handler instead of
    :class:`factcheck.middleware.DatabaseUnavailableMiddleware`. Neither page is rendered
    with the request: context processors would query the database that may be gone.
    """
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response()
    return HttpResponseServerError(loader.get_template("500.html").render())

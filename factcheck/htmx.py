"""htmx answers every layer needs, in one place (the desk's claim events are in ``annotations.htmx``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect


def redirect_to(request: HttpRequest, url: str) -> HttpResponse:
    """Go to ``url``: a full-page redirect for htmx requests (``HX-Redirect``), else a plain 302."""
    return HttpResponseClientRedirect(url) if getattr(request, "htmx", False) else redirect(url)

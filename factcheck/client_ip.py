"""Which address a request came from, for login throttling (django-axes).

Behind a reverse proxy every request arrives from the proxy's address, so throttling by
``REMOTE_ADDR`` would lock out the whole desk at once. ``X-Forwarded-For`` can be forged by
the client, though: only the entries appended by proxies we run can be trusted. With
``FACTDESK_TRUSTED_PROXY_COUNT = N`` the client is the Nth address from the right.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: from the trusted part of X-Forwarded-For, else the socket's."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = settings.FACTDESK_TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < trusted:
        return remote
    return forwarded[-trusted]

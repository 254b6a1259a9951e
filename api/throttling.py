"""Throttling per token (or per session user): ``FACTDESK_API_RATE`` requests, e.g. "600/hour"."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import UserRateThrottle

from api.models import ApiToken


class TokenRateThrottle(UserRateThrottle):
    """DRF's user throttle, counted per API token when one is used, read from the desk's settings.

    Off when ``FACTDESK_API_THROTTLE_ENABLED`` is false (the test suite: counters would carry
    across tests); ``tests/test_api.py`` turns it on for its own test.
    """

    scope = "api"

    def get_rate(self) -> str | None:
        return settings.FACTDESK_API_RATE

    def allow_request(self, request: Request, view: Any) -> bool:
        if not settings.FACTDESK_API_THROTTLE_ENABLED:
            return True
        # The rate is read per request, so a changed setting applies without a restart.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": f"token-{request.auth.pk}"}
        return super().get_cache_key(request, view)

"""Rate limits: how often one user, or one address, may use an expensive or abusable action.

A limit is set per URL name in ``settings.FACTDESK_RATE_LIMITS`` (``"search:search":
"60/m"``), so views stay as they are and every entry point to the same URL is covered.
Each limit counts twice: once for the user (when logged in) and once for the client
address (``factcheck.client_ip``), so neither a shared login nor many accounts from one
address get around it. Over the limit the request is answered 429 with ``Retry-After``.

Counters are fixed windows in Django's cache: shared by every app server when the cache is
(Redis), per process otherwise. A cache outage fails open: rate limiting is a guard against
abuse, not a reason to refuse a newsroom's work.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import ngettext

from factcheck.client_ip import client_ip

logger = logging.getLogger("factcheck.ratelimit")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    """``count`` requests per ``seconds``."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"60/m"``, ``"5/h"``, ``"100/10m"`` -> Rate; a ValueError names what is wrong."""
        try:
            count_text, _, period = text.strip().partition("/")
            count = int(count_text)
            unit = period[-1:]
            multiple = int(period[:-1] or 1)
            seconds = multiple * _UNITS[unit]
        except (ValueError, KeyError):
            raise ValueError(f"Rate limit {text!r} is not of the form COUNT/PERIOD, e.g. 60/m or 5/h.") from None
        if count < 1 or seconds < 1:
            raise ValueError(f"Rate limit {text!r} must allow at least one request per period.")
        return cls(count, seconds)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def hit(scope: str, keys: list[str], rate: Rate, *, now: float | None = None, methods_key: str = "") -> Verdict:
    """Count one request against every key; refused as soon as any key is over ``rate``."""
    cache = caches[getattr(settings, "FACTDESK_RATE_LIMIT_CACHE", "default")]
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    retry_after = max(1, math.ceil((window + 1) * rate.seconds - now))
    allowed = True
    for key in keys:
        name = f"ratelimit:{scope}:{methods_key}:{key}:{window}"
        try:
            cache.add(name, 0, rate.seconds + 1)
            count = cache.incr(name)
        except Exception:
            count = None
        if count is None:  # raised, or swallowed by a cache that ignores outages (django-redis)
            logger.warning("Rate limit cache unavailable; not limiting %s", scope)
            return Verdict(True)
        if count > rate.count:
            allowed = False
    return Verdict(allowed, 0 if allowed else retry_after)


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The 429 page (htmx requests get the short message as their swap target)."""
    minutes = max(1, math.ceil(retry_after / 60))
    message = (
        ngettext(
            "Too many requests: please wait %(count)s second before trying again.",
            "Too many requests: please wait %(count)s seconds before trying again.",
            retry_after,
        ) % {"count": f"{retry_after:,}"}
        if retry_after < 120
        else ngettext(
            "Too many requests: please wait about %(count)s minute before trying again.",
            "Too many requests: please wait about %(count)s minutes before trying again.",
            minutes,
        ) % {"count": f"{minutes:,}"}
    )
    content = loader.render_to_string("429.html", {"message": message}, request)
    response = HttpResponse(content, status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def _configured() -> dict[str, tuple[Rate, frozenset[str]]]:
    """``FACTDESK_RATE_LIMITS`` parsed: URL name -> (rate, methods it applies to)."""
    limits: dict[str, tuple[Rate, frozenset[str]]] = {}
    for name, spec in getattr(settings, "FACTDESK_RATE_LIMITS", {}).items():
        text, methods = (spec, ("POST",)) if isinstance(spec, str) else spec
        limits[name] = (Rate.parse(text), frozenset(m.upper() for m in methods))
    return limits


class RateLimitMiddleware:
    """Apply ``FACTDESK_RATE_LIMITS`` to the views they name (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or not getattr(settings, "FACTDESK_RATE_LIMITS_ENABLED", True):
            return None
        limit = _configured().get(match.view_name)
        if limit is None:
            return None
        rate, methods = limit
        if request.method not in methods:
            return None
        keys = [f"ip:{client_ip(request)}"]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            keys.append(f"user:{user.pk}")
        verdict = hit(match.view_name, keys, rate, methods_key=request.method or "")
        if verdict.allowed:
            return None
        logger.info("Rate limit %s exceeded by %s", match.view_name, keys)
        return too_many_requests(request, verdict.retry_after)

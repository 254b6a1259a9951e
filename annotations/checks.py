"""Deployment checks for what Factdesk publishes: the addresses it writes into every export.

``FACTDESK_SITE_URL`` is the address of the public fact-check pages (every ClaimReview
``url``, W3C ``id``, feed and sitemap entry points there) and ``FACTDESK_ORGANIZATION_URL``
names the publisher in every ClaimReview. Left at their development defaults, or at a
placeholder (``localhost``, an ``example``/``.test`` name reserved by RFC 2606/6761), every
file Factdesk hands out points nowhere. ``manage.py check --deploy`` warns about them
(``factdesk.W001``/``W002``), and the admin index shows the same sentences
(``templates/admin/index.html``, through :func:`placeholder_url_problems`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, register
from django.core.checks import Warning as CheckWarning

from factcheck.validators import is_http_url

#: The development defaults of factcheck/settings.py (kept equal by a test).
DEFAULT_SITE_URL = "http://127.0.0.1:8000"
DEFAULT_ORGANIZATION_URL = "https://factdesk.example"

_PLACEHOLDER_HOSTS = frozenset(
    {"localhost", "127.0.0.1", "::1", "0.0.0.0", "example.com", "example.net", "example.org"}  # noqa: S104
)
_PLACEHOLDER_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".example.com", ".example.net", ".example.org")


def is_placeholder_url(url: str, default: str) -> bool:
    """Whether ``url`` is the development default, not an http(s) URL, or on a name that cannot be public."""
    url = (url or "").strip()
    if not url or url.rstrip("/") == default.rstrip("/") or not is_http_url(url):
        return True
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host in _PLACEHOLDER_HOSTS or host == "example" or host.endswith(_PLACEHOLDER_SUFFIXES)


def placeholder_url_problems() -> list[tuple[str, str, str]]:
    """``(check id, message, hint)`` for each published address still at a default or placeholder."""
    problems = []
    site = getattr(settings, "FACTDESK_SITE_URL", "")
    if is_placeholder_url(site, DEFAULT_SITE_URL):
        problems.append((
            "factdesk.W001",
            f"FACTDESK_SITE_URL is {site!r}, a default or placeholder: the public fact-check pages, and every "
            "ClaimReview, W3C annotation, feed and sitemap entry, point at an address nobody else can open.",
            "Set FACTDESK_SITE_URL to the public https:// address this Factdesk is served at.",
        ))
    organisation = getattr(settings, "FACTDESK_ORGANIZATION_URL", "")
    if is_placeholder_url(organisation, DEFAULT_ORGANIZATION_URL):
        problems.append((
            "factdesk.W002",
            f"FACTDESK_ORGANIZATION_URL is {organisation!r}, a default or placeholder: every ClaimReview names "
            "this address as the publisher of the fact-check.",
            "Set FACTDESK_ORGANIZATION_URL (and FACTDESK_ORGANIZATION_NAME) to your organisation's home page.",
        ))
    return problems


@register("factdesk", deploy=True)
def check_published_addresses(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``check --deploy``: warn while the site or organisation URL is a default or placeholder."""
    return [CheckWarning(message, hint=hint, id=check_id) for check_id, message, hint in placeholder_url_problems()]

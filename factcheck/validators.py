"""The one http(s) URL rule: Django's ``URLValidator`` limited to http and https.

Every URL Factdesk stores or links (article URLs, source and archive URLs, imported
pages, exported links, links rendered on pages) is checked by this validator, so
``javascript:`` or a URL with spaces is refused the same way at every door. Model fields
and forms use :data:`http_url_validator`; code that only needs a yes/no uses
:func:`is_http_url`. No models here: the import parsers use it before the app registry
matters.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

__all__ = ["http_url_validator", "is_http_url"]

http_url_validator = URLValidator(schemes=["http", "https"], message="Enter an http:// or https:// URL.")


def is_http_url(value: object) -> bool:
    """True if ``value`` is an absolute http(s) URL that :data:`http_url_validator` accepts."""
    if not isinstance(value, str) or not value:
        return False
    try:
        http_url_validator(value)
    except ValidationError:
        return False
    return True

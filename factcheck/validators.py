"""The one http(s) URL rule: Django's ``URLValidator`` limited to http and https.

Every URL Factdesk stores or links (article URLs, source and archive URLs, imported
pages, exported links, links rendered on pages) is checked by this validator, so
``javascript:`` or a URL with spaces is refused the same way at every door. Model fields
and forms use :data:`http_url_validator`; code that only needs a yes/no uses
:func:`is_http_url`. No models here: the import parsers use it before the app registry
matters.

People type addresses the way browsers show them ("example.com/report"): forms that take
one use :class:`HttpURLField`, which reads an address without a scheme as https
(:func:`normalize_http_url`) and refuses any other scheme by name.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

__all__ = ["HttpURLField", "http_url_validator", "is_http_url", "normalize_http_url", "url_scheme"]

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


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
#: "example.com:8080/a" or "localhost:8000": a host and port, not a scheme.
_HOST_PORT = re.compile(r"^(?:localhost|[^/:?#]*\.[^/:?#]*):\d+(?:[/?#]|$)", re.IGNORECASE)


def url_scheme(value: str) -> str:
    """The scheme ``value`` was typed with, lower case ("" when it has none, e.g. "example.com/a")."""
    text = value.strip()
    if text.startswith("//") or _HOST_PORT.match(text):
        return ""
    match = _SCHEME.match(text)
    return match.group(1).lower() if match else ""


def normalize_http_url(value: str) -> str:
    """``value`` stripped, with ``https://`` put in front when it was typed without a scheme.

    "example.com/a" → "https://example.com/a", "//example.com" → "https://example.com",
    "localhost:8000/x" → "https://localhost:8000/x". An address with a scheme is returned as
    typed: http(s) ones are fine, and any other (``javascript:``, ``data:``, ``ftp:``) is
    left for the validator to refuse, never turned into something that looks valid.
    """
    text = (value or "").strip()
    if not text or url_scheme(text):
        return text
    return "https:" + text if text.startswith("//") else "https://" + text


class HttpURLField(forms.CharField):
    """A form field for an http(s) address that accepts one typed without a scheme (as https).

    A text input (``inputmode="url"``), not ``type="url"``: browsers refuse "example.com" in
    a URL input before the form is sent, so the server would never get to add the scheme.
    Other schemes are refused by name ("… ftp: addresses are not accepted"), then
    :data:`http_url_validator` checks the whole address.
    """

    default_validators = [http_url_validator]
    default_error_messages = {"invalid": "Enter an http:// or https:// URL."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 1000)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update(inputmode="url", autocomplete="url", spellcheck="false", autocapitalize="off")
        if "placeholder" not in widget.attrs:
            attrs["placeholder"] = "https://…"
        return attrs

    def to_python(self, value: Any) -> str:
        return normalize_http_url(super().to_python(value))

    def validate(self, value: str) -> None:
        super().validate(value)
        scheme = url_scheme(value) if value else ""
        if scheme and scheme not in ("http", "https"):
            raise ValidationError(
                "Enter an http:// or https:// URL. %(scheme)s: addresses are not accepted.",
                code="scheme", params={"scheme": scheme},
            )

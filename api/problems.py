"""Errors as ``application/problem+json`` (RFC 9457): one handler for every API view.

The services raise the desk's own exceptions (``EditConflict``, ``ClaimLocked``,
``TransitionRefused``, Django's ``ValidationError`` and ``PermissionDenied``); this module
turns each into a status and a sentence, so no view catches them one by one.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from annotations import services, workflow
from articles.corrections import ArticleEditConflict
from factcheck.jobs import JobLimitReached
from search.index import SearchBusy, SearchTimeout, SearchUnavailable

PROBLEM_JSON = "application/problem+json"
#: Problem types are named by a URI; these are relative to the API (about:blank would hide the kind).
TYPE_BASE = "/api/problems/"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = gettext_lazy(
        "Send If-Match with the ETag of the claim you changed (its version), e.g. If-Match: W/\"3\"."
    )
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy("The claim changed since you read it: read it again and re-apply your change.")
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The claim's state does not allow this change.")
    default_code = "conflict"


class ServiceUnavailable(exceptions.APIException):
    """The server cannot answer now (every search slot busy, the search ran out of time): try again later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = gettext_lazy("The server is busy: try again in a moment.")
    default_code = "service_unavailable"

    def __init__(self, detail: str | None = None, *, wait: int | None = None) -> None:
        super().__init__(detail)
        self.wait = wait  # DRF's handler turns ``wait`` into Retry-After


def with_extra(exc: exceptions.APIException, **extra: Any) -> exceptions.APIException:
    """``exc`` carrying members for the problem body (e.g. the existing article's id on a duplicate)."""
    exc.extra = extra  # type: ignore[attr-defined]
    return exc


def _translate(exc: Exception) -> Exception:
    """The desk's exceptions as DRF exceptions with the right status (the rest unchanged)."""
    if isinstance(exc, services.EditConflict):
        failed = PreconditionFailed(str(exc))
        failed.current_version = exc.current.version  # type: ignore[attr-defined]
        return failed
    if isinstance(exc, ArticleEditConflict):
        failed = PreconditionFailed(
            _("The article changed since you read it: read it again and re-apply your correction.")
        )
        failed.current_version = exc.current.version  # type: ignore[attr-defined]
        return failed
    if isinstance(exc, JobLimitReached):
        return exceptions.Throttled(wait=exc.retry_after, detail=str(exc))
    if isinstance(exc, SearchBusy):
        return ServiceUnavailable(_("Every search slot is busy: try again in a moment."), wait=2)
    if isinstance(exc, SearchTimeout):
        return ServiceUnavailable(_("The search ran out of time: narrow it (more words, a status or a verdict)."))
    if isinstance(exc, SearchUnavailable):
        return ServiceUnavailable(_("Full-text search is not available on this database."))
    if isinstance(exc, services.ClaimLocked):
        return Conflict(str(exc))
    if isinstance(exc, workflow.TransitionRefused):
        detail = " ".join(exc.reasons)
        return exceptions.PermissionDenied(detail) if exc.forbidden else exceptions.ValidationError({"detail": detail})
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    return exc


def _flatten(detail: Any) -> Any:
    """DRF's ErrorDetail tree as plain strings, lists and dicts."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(value) for value in detail]
    return str(detail)


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, answered as problem+json: ``type``, ``title``, ``status``, ``detail`` (+ ``errors``)."""
    exc = _translate(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: a 500, Django's handler answers it
    assert isinstance(exc, exceptions.APIException)
    code = str(getattr(exc, "default_code", "error"))
    body: dict[str, Any] = {
        "type": TYPE_BASE + code.replace("_", "-"),
        "title": _title(response.status_code),
        "status": response.status_code,
    }
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        if isinstance(errors, dict) and set(errors) == {"detail"}:
            body["detail"] = " ".join(errors["detail"]) if isinstance(errors["detail"], list) else errors["detail"]
        else:
            body["detail"] = _("The request is not valid: see errors.")
            body["errors"] = errors if isinstance(errors, dict) else {"non_field_errors": errors}
    else:
        body["detail"] = str(exc.detail)
    body.update(getattr(exc, "extra", {}))
    if hasattr(exc, "current_version"):
        body["current_version"] = exc.current_version
        response["ETag"] = f'W/"{exc.current_version}"'
    response.data = body
    response.content_type = PROBLEM_JSON
    return response


def _title(code: int) -> str:
    """The status's reason phrase (RFC 9110 wording), in the interface language when translated."""
    try:
        return pgettext("HTTP status phrase", HTTPStatus(code).phrase)
    except ValueError:
        return _("Error")


#: The reason phrases the API answers with, marked for translation (the phrases come from
#: ``http.HTTPStatus``, so makemessages would not find them otherwise).
STATUS_PHRASES = (
    pgettext_lazy("HTTP status phrase", "Bad Request"),
    pgettext_lazy("HTTP status phrase", "Unauthorized"),
    pgettext_lazy("HTTP status phrase", "Forbidden"),
    pgettext_lazy("HTTP status phrase", "Not Found"),
    pgettext_lazy("HTTP status phrase", "Method Not Allowed"),
    pgettext_lazy("HTTP status phrase", "Not Acceptable"),
    pgettext_lazy("HTTP status phrase", "Conflict"),
    pgettext_lazy("HTTP status phrase", "Precondition Failed"),
    pgettext_lazy("HTTP status phrase", "Unsupported Media Type"),
    pgettext_lazy("HTTP status phrase", "Precondition Required"),
    pgettext_lazy("HTTP status phrase", "Too Many Requests"),
    pgettext_lazy("HTTP status phrase", "Service Unavailable"),
)

"""The desk's htmx answers, in one place: "a claim changed", "show this refusal" and "say your version".

Every page that changes a claim (the claim panel, review steps, re-attach, search's
linking and suggestions) tells the browser the same way, so static/js/annotate.js and
static/js/search.js listen for one event: ``HX-Trigger: {"claim-changed": {"id": N}}``.
Refusals that belong to no form go to the article page's alert region. Both are built on
django-htmx's response helpers rather than hand-written headers.

Every browser write to a claim (its fields, sources, comments, review steps, deletion,
corrections, re-anchoring) says which version of the claim it was made on: the form
carries ``version``. Without it the optimistic lock would silently become "the last save
wins", so such a request is refused with 428 Precondition Required (:func:`require_version`)
instead of being applied to whatever the claim is now. Commands and jobs that act on the
current state on purpose call the services with ``expected_version=None``; HTTP never does.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import reswap, retarget, trigger_client_event

#: The event the article page, the claim panel and the search widgets reload on.
CLAIM_CHANGED = "claim-changed"
#: The article page's alert region (``role="alert"``) and the partial shown in it.
ALERT_TARGET = "#annotate-alert"
ALERT_TEMPLATE = "annotations/_alert.html"

#: 428 Precondition Required: the write did not say which version it was made on.
VERSION_REQUIRED_STATUS = 428
VERSION_REQUIRED_MESSAGE = "Reload the claim: this change did not say which version it was made on."
#: Longer than any version a claim will reach; a longer "number" is refused before it is parsed.
_MAX_VERSION_DIGITS = 18


class VersionRequired(Exception):
    """A browser write without a usable ``version`` field: answered 428 with :data:`VERSION_REQUIRED_MESSAGE`."""

    status_code = VERSION_REQUIRED_STATUS

    def __init__(self, message: str = VERSION_REQUIRED_MESSAGE) -> None:
        super().__init__(message)


def require_version(request: HttpRequest) -> int:
    """The claim version the posted form was rendered at; :class:`VersionRequired` when it is missing or broken."""
    raw = request.POST.get("version", "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > _MAX_VERSION_DIGITS or int(raw) < 1:
        raise VersionRequired()
    return int(raw)


def claim_changed(response: HttpResponse, claim_id: int) -> HttpResponse:
    """Tell the page that claim ``claim_id`` changed, so highlights, list and panel refresh."""
    return trigger_client_event(response, CLAIM_CHANGED, {"id": claim_id})


def alert(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """A refusal that belongs to no form, swapped into the page's alert region.

    The status stays an error (400, 403, 428...) so the client can tell it from a success;
    static/js/htmx-errors.js lets htmx swap such answers.
    """
    response = render(request, ALERT_TEMPLATE, {"message": message}, status=status)
    return reswap(retarget(response, ALERT_TARGET), "innerHTML")


def version_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For claim-panel views that call :func:`require_version`: a missing version is a 428 alert.

    Nothing has been written when :class:`VersionRequired` is raised (views ask for the
    version before they call a service), so the answer only has to say why.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except VersionRequired as refusal:
            return alert(request, str(refusal), refusal.status_code)

    return wrapped

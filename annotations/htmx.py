"""The desk's htmx answers, in one place: "a claim changed" and "show this refusal".

Every page that changes a claim (the claim panel, review steps, re-attach, search's
linking and suggestions) tells the browser the same way, so static/js/annotate.js and
static/js/search.js listen for one event: ``HX-Trigger: {"claim-changed": {"id": N}}``.
Refusals that belong to no form go to the article page's alert region. Both are built on
django-htmx's response helpers rather than hand-written headers.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import reswap, retarget, trigger_client_event

#: The event the article page, the claim panel and the search widgets reload on.
CLAIM_CHANGED = "claim-changed"
#: The article page's alert region (``role="alert"``) and the partial shown in it.
ALERT_TARGET = "#annotate-alert"
ALERT_TEMPLATE = "annotations/_alert.html"


def claim_changed(response: HttpResponse, claim_id: int) -> HttpResponse:
    """Tell the page that claim ``claim_id`` changed, so highlights, list and panel refresh."""
    return trigger_client_event(response, CLAIM_CHANGED, {"id": claim_id})


def alert(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """A refusal that belongs to no form, swapped into the page's alert region.

    The status stays an error (400, 403...) so the client can tell it from a success;
    static/js/annotate.js lets htmx swap such answers.
    """
    response = render(request, ALERT_TEMPLATE, {"message": message}, status=status)
    return reswap(retarget(response, ALERT_TARGET), "innerHTML")

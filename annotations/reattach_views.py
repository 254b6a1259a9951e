"""Settling claims that a correction displaced: re-attach an orphan, or confirm a moved claim.

Linked from the corrections panel of the article page; the re-anchoring rules themselves
are in :mod:`annotations.reanchoring`. Both forms carry the claim's version, as every write
to a claim does: without it the answer is 428, with an older one 409 (the claim is locked
and its version checked in the same transaction as the change).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rapidfuzz import fuzz

from annotations import reanchoring, selectors, services
from annotations.anchoring import AnchorError, index_to_utf16, trim_to_text
from annotations.forms import ReattachForm
from annotations.highlight import selection_to_range
from annotations.htmx import VersionRequired, claim_changed, require_version
from annotations.models import Claim
from annotations.permissions import claim_policy
from articles.models import Article

#: An approximate match for an orphan's quote is offered as a suggestion from this score (0..100).
SUGGESTION_MIN_SCORE = 60


def _suggestion(article: Article, claim: Claim) -> dict[str, object] | None:
    """The passage that looks most like the lost quote, offered as a one-click re-attach."""
    body = article.body
    if not claim.exact or not body:
        return None
    match = fuzz.partial_ratio_alignment(claim.exact, body, score_cutoff=SUGGESTION_MIN_SCORE)
    if match is None or match.dest_end <= match.dest_start:
        return None
    start, end = match.dest_start, match.dest_end
    # Widen to whole words: the alignment happily starts or ends mid-word ("hey were").
    while start > 0 and body[start - 1].isalnum() and body[start].isalnum():
        start -= 1
    while end < len(body) and body[end - 1].isalnum() and body[end].isalnum():
        end += 1
    try:
        start, end = trim_to_text(body, start, end)
    except AnchorError:
        return None
    text = body[start:end]
    return {
        "start": index_to_utf16(body, start),
        "end": index_to_utf16(body, end),
        "exact": text,
        "score": round(match.score),
    }


def _resolve_selection(body: str, form: ReattachForm) -> tuple[int, int]:
    """Code point range for the reattach form: from browser offsets, or by finding the pasted words."""
    data = form.cleaned_data
    if data["start"] is not None and data["end"] is not None:
        return selection_to_range(body, data["start"], data["end"], data["exact"])
    words = data["exact"].strip()
    if not words:
        raise AnchorError(_("The selection contains only whitespace."))
    first = body.find(words)
    if first == -1:
        raise AnchorError(
            _("Those words are not in the article. Select them in the text above or paste them exactly.")
        )
    if body.find(words, first + 1) != -1:
        raise AnchorError(
            f"\u201c{words[:60]}\u201d appears {body.count(words)} times in the article: select the right one "
            "in the text above."
        )
    return first, first + len(words)


@require_http_methods(["GET", "POST"])
def claim_reattach(request: HttpRequest, pk: int, claim_id: int) -> HttpResponse:
    """Attach an orphaned (or moved) claim to a new selection in the corrected text."""
    article = get_object_or_404(Article, pk=pk)
    claim = get_object_or_404(Claim, pk=claim_id, article=article)
    claim_policy.require(request.user, "reanchor", claim)
    form = ReattachForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = _reattach(request, article, claim, form)
        if status is None:
            messages.success(request, _("Claim re-attached to “%(quote)s”.") % {"quote": claim.exact[:80]})
            return redirect(article)
        claim.refresh_from_db()  # after a refusal the form offers the claim's current version
    return render(
        request,
        "articles/claim_reattach.html",
        {"article": article, "claim": claim, "form": form, "suggestion": _suggestion(article, claim)},
        status=status,
    )


def _reattach(request: HttpRequest, article: Article, claim: Claim, form: ReattachForm) -> int | None:
    """Re-attach ``claim`` as the posted form says: None when done, else the status of the refusal (on the form)."""
    valid = form.is_valid()
    try:
        version = require_version(request)
    except VersionRequired as refusal:
        form.add_error(None, str(refusal))
        return refusal.status_code
    if not valid:
        return 200
    try:
        start, end = _resolve_selection(article.body, form)
        with transaction.atomic():
            services.lock_claim(claim, version)  # the same lock reattach_claim takes: the check holds
            attached = reanchoring.reattach_claim(
                claim, user=request.user, start=start, end=end, exact=article.body[start:end]
            )
    except AnchorError as error:
        form.add_error(None, str(error))
        return 200
    except services.EditConflict as conflict:
        form.add_error(None, str(conflict))
        return 409
    claim.exact = attached.exact
    return None


@require_POST
def claim_checked(request: HttpRequest, pk: int, claim_id: int) -> HttpResponse:
    """Clear a claim's "moved" flag after an editor checked it (htmx: re-renders the corrections panel)."""
    article = get_object_or_404(Article, pk=pk)
    claim = get_object_or_404(Claim, pk=claim_id, article=article)
    try:
        claim_policy.require(request.user, "reanchor", claim)
        version = require_version(request)
        with transaction.atomic():
            services.lock_claim(claim, version)
            reanchoring.mark_checked(claim, user=request.user)
    except VersionRequired as refusal:  # 428 for every client: the page that sent it is broken or stale
        return HttpResponse(str(refusal), status=refusal.status_code, content_type="text/plain; charset=utf-8")
    except services.EditConflict as conflict:
        return _checked_refused(request, article, str(conflict), 409)
    except ValidationError as error:
        return _checked_refused(request, article, " ".join(error.messages), 400)
    if request.htmx:
        claims = selectors.article_claims(request.user, article)
        response = render(request, "articles/_corrections_panel.html", {"article": article, "claims": claims})
        return claim_changed(response, claim.pk)
    messages.success(request, _("Claim marked as checked."))
    return redirect(article)


def _checked_refused(request: HttpRequest, article: Article, message: str, status: int) -> HttpResponse:
    """Why a claim was not marked checked: the sentence (htmx) or a message on the article page."""
    if request.htmx:
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    messages.error(request, message)
    return redirect(article)

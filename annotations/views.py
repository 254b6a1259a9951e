"""The claim panel: creating a claim from a text selection and editing it inside the article page.

Views read the request, call :mod:`annotations.services` and render
``annotations/claim_panel.html``. The htmx contract:

* Every panel form posts with htmx and gets the re-rendered panel back (target
  ``#claim-panel``). Field errors: 400; an edit conflict: 409 with both versions side by
  side; a refusal that belongs to no form (permissions, a bad selection): 400/403 with a
  short message retargeted to the page's alert region (``#annotate-alert``).
* Every successful change answers with ``HX-Trigger: {"claim-changed": {"id": N}}``
  (:func:`annotations.htmx.claim_changed`); the article text and claim list reload on it,
  and so does an open panel when the change came from outside the panel's own forms (see
  static/js/annotate.js).
* Permissions are checked here *and* in the services: readers see the panel, only
  fact-checkers (and editors, admins) change anything. Sources are looked up through the
  claim in the URL, so one claim's URL cannot reach another claim's source.
* A claim whose research the user may not change (:func:`annotations.services.edit_refusal`:
  published or dismissed, in review, assigned to someone else) shows its values read-only
  with the way out: "Propose a correction" on a published claim (its views are in
  :mod:`annotations.correction_views`), "Withdraw from review" in the review steps. An edit
  posted anyway (a panel opened before the claim was published) is answered 403 with the
  panel, the correction form open and filled in with what the user tried to change.
* Every write says which version of the claim it was made on (the forms carry ``version``,
  the version the panel shows): without it the answer is 428 with "Reload the claim..."
  in the alert region (:func:`annotations.htmx.require_version`); with an older one, 409.
  Length caps (:mod:`annotations.limits`) are form errors (400), as is a full article.
* An open panel asks every 15 s whether it went stale (:func:`claim_changes`: 204 when the
  claim's version is still the one it shows, else a banner of the changes since). ``#128``
  typed in a comment links to claim 128 when the reader may see it (resolved in one query).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from annotations import limits, mentions, selectors, services, verdict_palette
from annotations.anchoring import AnchorError
from annotations.credits import correction_changes
from annotations.forms import ClaimEditForm, CommentForm, CorrectionForm, DeleteClaimForm, NewClaimForm, SourceForm
from annotations.htmx import alert, claim_changed, require_version, version_required
from annotations.models import Claim, ClaimCorrection, ClaimStatus, RatingLabel, Source
from annotations.notifications import claim_path
from annotations.permissions import claim_policy, correction_policy
from annotations.review_context import review_actions_for
from annotations.source_archive import archive_source
from articles.fetching import FetchError
from articles.models import Article

PANEL = "annotations/claim_panel.html"
#: The two versioned forms of the panel and the fields each one edits.
STATEMENT_FIELDS = ("statement", "claimant")
VERDICT_FIELDS = ("verdict", "rationale")
NEW_SOURCE_PREFIX = "new-source"
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


# --- helpers ---------------------------------------------------------------------------


def _refuse_reader(request: HttpRequest) -> HttpResponse | None:
    if claim_policy.user_has_permission(request.user, "change"):
        return None
    return alert(request, claim_policy.refusal("change"), 403)


def load_claim(request: HttpRequest, claim_id: int) -> Claim:
    """The claim for its panel, or 404 when it does not exist or the user may not see it.

    Readers (no desk role) see published claims only: an unpublished claim is "not found"
    for them, not "forbidden", so its existence does not leak.
    """
    return get_object_or_404(selectors.panel_claims(request.user), pk=claim_id)


def _display(value: Any) -> str:
    """A field value as the conflict table shows it."""
    if value is None or value == "":
        return "—"
    return str(value)


def panel_context(
    request: HttpRequest,
    claim: Claim,
    *,
    claim_form: ClaimEditForm | None = None,
    verdict_form: ClaimEditForm | None = None,
    source_form: SourceForm | None = None,
    editing_source: Source | None = None,
    edit_source_form: SourceForm | None = None,
    comment_form: CommentForm | None = None,
    correction_form: CorrectionForm | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Everything the claim panel shows; a fixed number of queries whatever the history's length."""
    user = request.user
    if editing_source is not None and edit_source_form is None:
        edit_source_form = SourceForm(instance=editing_source, prefix=f"source-{editing_source.pk}")
    on_desk = claim_policy.user_has_permission(user, "change")
    edit_refusal = services.edit_refusal(user, claim)
    sources = selectors.claim_sources(claim)
    # Readers see a published claim's public record only: no internal discussion, no internal history.
    comments = selectors.claim_comments(claim) if claim_policy.user_has_permission(user, "view_unpublished") else []
    events = selectors.claim_timeline(user, claim)
    correction = selectors.open_correction(claim) if correction_policy.user_has_permission(user, "view") else None
    can_propose = (
        correction is None
        and claim.status == ClaimStatus.PUBLISHED
        and correction_policy.user_has_permission(user, "add")
    )
    if can_propose and correction_form is None:
        correction_form = CorrectionForm.for_claim(claim, sources)
    return {
        "claim": claim,
        "can_edit": edit_refusal is None,
        # Why the forms are missing, for those who would otherwise have them (not for readers).
        "edit_refusal": edit_refusal if on_desk else None,
        "can_comment": claim_policy.user_has_permission(user, "comment"),
        "can_delete": services.can_delete_claim(user, claim),
        "claim_form": claim_form or ClaimEditForm.for_claim(claim, STATEMENT_FIELDS, auto_id="cf-%s"),
        "verdict_form": verdict_form or ClaimEditForm.for_claim(claim, VERDICT_FIELDS, auto_id="vf-%s"),
        "source_form": source_form or SourceForm(prefix=NEW_SOURCE_PREFIX),
        "sources": sources,
        "editing_source": editing_source,
        "edit_source_form": edit_source_form,
        "comments": comments,
        "comment_claims": selectors.visible_claim_ids(user, mentions.claim_references(c.body for c in comments)),
        "comment_form": comment_form or CommentForm(auto_id="comment-%s"),
        "events": events,
        "last_event_id": max((event.pk for event in events), default=0),
        "changes_requested": selectors.changes_request_in(claim, events),
        "correction": correction,
        "correction_changes": correction_changes(correction.changes or {}) if correction else [],
        **_correction_actions(user, correction),
        "can_propose": can_propose,
        "correction_form": correction_form,
        "review": review_actions_for(claim, user),
        "note_max_chars": limits.max_chars("note"),
        **extra,
    }


def _correction_actions(user: Any, correction: ClaimCorrection | None) -> dict[str, Any]:
    """What the user may do with the claim's open correction, and why an editor may not review it."""
    if correction is None:
        return {"can_review_correction": False, "correction_review_note": None, "can_withdraw_correction": False}
    refusal = correction_policy.refusal_for(user, "review", correction)
    return {
        "can_review_correction": refusal is None,
        # Only an editor needs telling why they cannot review it (they proposed it: two-person rule).
        "correction_review_note": refusal if correction_policy.user_has_permission(user, "review") else None,
        "can_withdraw_correction": correction_policy.refusal_for(user, "withdraw", correction) is None,
    }


def render_panel(request: HttpRequest, claim: Claim, *, status: int = 200, **context: Any) -> HttpResponse:
    """The panel partial; a plain (non-htmx) successful POST goes back to the article page instead."""
    if request.method == "POST" and status < 300 and not request.htmx:
        return HttpResponseRedirect(f"{claim.article.get_absolute_url()}?claim={claim.pk}#claim-{claim.pk}")
    return render(request, PANEL, panel_context(request, claim, **context), status=status)


# --- creating a claim ------------------------------------------------------------------


@require_POST
def claim_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Create a claim from a selection in article ``pk`` (UTF-16 offsets + quote) and open its panel."""
    article = get_object_or_404(Article, pk=pk)
    refusal = _refuse_reader(request)
    if refusal:
        return refusal
    form = NewClaimForm(request.POST, article=article)
    if not form.is_valid():
        return alert(request, form.first_error(), 400)
    data = form.cleaned_data
    try:
        claim = services.create_claim(article, data["start"], data["end"], data["exact"], user=request.user)
    except AnchorError as error:
        return alert(request, str(error), 400)
    except ValidationError as error:  # a length cap, or the article already has the most claims
        return alert(request, " ".join(error.messages), 400)
    claim = load_claim(request, claim.pk)
    notice = "Claim added. Write the claim in your own words, then add sources and a verdict."
    response = render_panel(request, claim, status=201, notice=notice, focus="cf-statement")
    return claim_changed(response, claim.pk)


# --- the panel -------------------------------------------------------------------------


@require_GET
def claim_permalink(request: HttpRequest, claim_id: int) -> HttpResponse:
    """A claim's stable address (the ``id`` of its W3C annotation): its article page, panel open."""
    claim = get_object_or_404(selectors.visible_claims(request.user).only("id", "article_id"), pk=claim_id)
    return HttpResponseRedirect(claim_path(claim))


@require_GET
def claim_panel(request: HttpRequest, claim_id: int) -> HttpResponse:
    """The panel of one claim (readers see it without the forms)."""
    return render_panel(request, load_claim(request, claim_id))


@require_safe
def claim_changes(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Has the claim changed since the open panel was rendered? 204 if not, else a banner of what changed.

    The panel polls this every 15 s with the version it shows (``since``) and its latest
    history entry (``after``). The usual answer, "nothing changed", costs one query on the
    claim's primary key; only a stale panel loads the history entries it missed (who, what,
    old → new), newest last, with a button that reloads the claim.
    """
    version = selectors.claim_version(request.user, claim_id)
    if version is None:
        raise Http404("No such claim.")
    try:
        since = int(request.GET["since"])
        after = int(request.GET.get("after") or 0)
    except (KeyError, ValueError):
        return HttpResponse("Say which version the panel shows: ?since=<version>&after=<history entry>.",
                            status=400, content_type="text/plain; charset=utf-8")
    if version == since:
        return HttpResponse(status=204)
    changes = selectors.changes_after(claim_id, after)
    context = {"claim_id": claim_id, "version": version, "since": since, "changes": changes}
    return render(request, "annotations/_stale_banner.html", context)


@require_POST
@version_required
def claim_edit(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Save the statement form or the verdict form, refusing stale versions (409 with both values)."""
    claim = load_claim(request, claim_id)
    refusal = _refuse_reader(request)
    if refusal:
        return refusal
    version = require_version(request)
    fields = ClaimEditForm.posted_fields(request.POST)
    if not fields:
        return alert(request, "Nothing to save: the form sent no claim fields.", 400)
    section = "verdict" if set(fields) & set(VERDICT_FIELDS) else "claim"
    form = ClaimEditForm(request.POST, claim=claim, fields=fields, auto_id="vf-%s" if section == "verdict" else "cf-%s")
    form_key = f"{section}_form"
    if not form.is_valid():
        return render_panel(request, claim, status=400, **{form_key: form})
    locked = services.edit_refusal(request.user, claim)
    if locked:
        return edit_refused(request, claim, locked, changes=form.changes())
    try:
        updated = services.update_claim(claim, user=request.user, expected_version=version, changes=form.changes())
    except services.EditConflict as conflict:
        return _conflict(request, conflict.current.pk, form, section)
    except services.ClaimLocked as error:  # the claim was published (or handed over) a moment ago
        return edit_refused(request, load_claim(request, claim.pk), str(error), changes=form.changes())
    except ValidationError as error:
        _add_errors(form, error)
        return render_panel(request, claim, status=400, **{form_key: form})
    except PermissionDenied as error:
        return alert(request, str(error), 403)
    claim = load_claim(request, updated.pk)
    notice = "Verdict saved." if section == "verdict" else "Claim saved."
    return claim_changed(render_panel(request, claim, notice=notice), claim.pk)


def edit_refused(
    request: HttpRequest,
    claim: Claim,
    reason: str,
    *,
    changes: dict[str, Any] | None = None,
    add_source: dict[str, Any] | None = None,
    remove_source: Source | None = None,
) -> HttpResponse:
    """A change to research the user may not change directly: 403 with the panel and the way out.

    On a published claim the way out is a correction, so the panel opens the correction
    form already holding what the user tried to change (``changes``, a source to add or to
    remove): nothing they typed is lost and they only add the public note. Otherwise
    (dismissed, in review, someone else's) the panel shows the claim read-only with the
    reason and the review steps (withdraw, reopen...) that lead out.
    """
    context: dict[str, Any] = {"lock_message": reason, "focus": "lock-message"}
    if claim.status == ClaimStatus.PUBLISHED and correction_policy.user_has_permission(request.user, "add"):
        sources = selectors.claim_sources(claim)
        context["correction_form"] = CorrectionForm.for_claim(
            claim, sources, changes=changes, add_source=add_source, remove_source=remove_source
        )
        context["propose_open"] = True
    return render_panel(request, claim, status=403, **context)


def _conflict(request: HttpRequest, claim_id: int, form: ClaimEditForm, section: str) -> HttpResponse:
    """Someone saved first: show their values beside the user's, and a button to re-apply."""
    current = load_claim(request, claim_id)
    mine = form.changes()
    rows = []
    reapply: list[tuple[str, str]] = []
    for name, value in mine.items():
        stored = getattr(current, name)
        rows.append({
            "label": form.fields[name].label or name.capitalize(),
            "current": _display(stored),
            "mine": _display(value),
            "differs": stored != value,
        })
        reapply.append((name, str(value.pk) if isinstance(value, RatingLabel) else ("" if value is None else value)))
    last = selectors.last_change(current)
    conflict = {"rows": rows, "reapply": reapply, "version": current.version, "section": section, "last": last}
    return render_panel(request, current, status=409, conflict=conflict, focus="conflict-title")


# --- sources ---------------------------------------------------------------------------


def _stale(request: HttpRequest) -> HttpResponse:
    message = "This claim changed since you opened it (see its history): reload the claim and apply your change again."
    return alert(request, message, 409)


@require_POST
@version_required
def source_add(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Attach a source (http/https URL) to the claim."""
    claim = load_claim(request, claim_id)
    refusal = _refuse_reader(request)
    if refusal:
        return refusal
    version = require_version(request)
    form = SourceForm(request.POST, prefix=NEW_SOURCE_PREFIX)
    locked = services.edit_refusal(request.user, claim)
    if locked:
        return edit_refused(request, claim, locked, add_source=form.posted_values())
    if not form.is_valid():
        return render_panel(request, claim, status=400, source_form=form, focus="id_new-source-url")
    try:
        services.add_source(claim, user=request.user, expected_version=version, **form.service_fields())
    except services.EditConflict:
        return _stale(request)
    except services.ClaimLocked as error:
        return edit_refused(request, load_claim(request, claim.pk), str(error), add_source=form.posted_values())
    except ValidationError as error:
        _add_errors(form, error)
        return render_panel(request, claim, status=400, source_form=form, focus="id_new-source-url")
    claim = load_claim(request, claim.pk)
    return claim_changed(render_panel(request, claim, notice="Source added."), claim.pk)


@require_http_methods(["GET", "POST"])
@version_required
def source_edit(request: HttpRequest, claim_id: int, source_id: int) -> HttpResponse:
    """GET: the panel with this source's fields open for editing; POST: save them."""
    claim = load_claim(request, claim_id)
    source = get_object_or_404(Source, pk=source_id, claim=claim)
    if request.method == "GET":
        return render_panel(request, claim, editing_source=source, focus=f"id_source-{source.pk}-url")
    refusal = _refuse_reader(request)
    if refusal:
        return refusal
    version = require_version(request)
    locked = services.edit_refusal(request.user, claim)
    if locked:
        return edit_refused(request, claim, locked)
    form = SourceForm(request.POST, instance=Source.objects.get(pk=source.pk), prefix=f"source-{source.pk}")
    if not form.is_valid():
        return render_panel(request, claim, status=400, editing_source=source, edit_source_form=form)
    source.claim = claim
    try:
        services.update_source(source, user=request.user, expected_version=version, **form.service_fields())
    except services.EditConflict:
        return _stale(request)
    except services.ClaimLocked as error:
        return edit_refused(request, load_claim(request, claim.pk), str(error))
    except ValidationError as error:
        _add_errors(form, error)
        return render_panel(request, claim, status=400, editing_source=source, edit_source_form=form)
    claim = load_claim(request, claim.pk)
    return claim_changed(render_panel(request, claim, notice="Source saved.", focus="sources-title"), claim.pk)


@require_POST
@version_required
def source_remove(request: HttpRequest, claim_id: int, source_id: int) -> HttpResponse:
    """Detach a source from the claim (the history keeps its URL)."""
    claim = load_claim(request, claim_id)
    source = get_object_or_404(Source, pk=source_id, claim=claim)
    refusal = _refuse_reader(request)
    if refusal:
        return refusal
    version = require_version(request)
    locked = services.edit_refusal(request.user, claim)
    if locked:
        return edit_refused(request, claim, locked, remove_source=source)
    source.claim = claim
    try:
        services.remove_source(source, user=request.user, expected_version=version)
    except services.EditConflict:
        return _stale(request)
    except services.ClaimLocked as error:
        return edit_refused(request, load_claim(request, claim.pk), str(error), remove_source=source)
    claim = load_claim(request, claim.pk)
    return claim_changed(render_panel(request, claim, notice="Source removed.", focus="sources-title"), claim.pk)


@require_POST
@version_required
def source_archive(request: HttpRequest, claim_id: int, source_id: int) -> HttpResponse:
    """Fetch the source's page now and keep it as a snapshot: the evidence survives link rot.

    A stale panel is refused before the (slow) fetch; the version is checked again, under
    the claim's lock, when the archived copy is written.
    """
    claim = load_claim(request, claim_id)
    source = get_object_or_404(Source, pk=source_id, claim=claim)
    refusal = _refuse_reader(request)
    if refusal:
        return refusal
    version = require_version(request)
    if version != claim.version:
        return _stale(request)
    source.claim = claim
    try:
        archive_source(source, user=request.user, expected_version=version)
    except FetchError as error:
        return alert(request, f"Could not archive {source.url}: {error}", 400)
    except PermissionDenied as error:
        return alert(request, str(error), 403)
    except services.EditConflict:
        return alert(request, "This claim changed since you opened it: reload the claim and archive again.", 409)
    claim = load_claim(request, claim.pk)
    notice = "Source archived: the snapshot is linked as its archived copy."
    return claim_changed(render_panel(request, claim, notice=notice, focus="sources-title"), claim.pk)


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal on the form: next to its field when the form has that field, else above it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- comments --------------------------------------------------------------------------


@require_POST
@version_required
def comment_add(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Add a discussion entry to the claim (against the version the panel shows: 409 if it changed)."""
    claim = load_claim(request, claim_id)
    refusal = _refuse_reader(request)
    if refusal:
        return refusal
    version = require_version(request)
    form = CommentForm(request.POST, auto_id="comment-%s")
    if not form.is_valid():
        return render_panel(request, claim, status=400, comment_form=form, focus="comment-body")
    try:
        services.add_comment(claim, user=request.user, body=form.cleaned_data["body"], expected_version=version)
    except services.EditConflict:
        return _stale(request)
    except ValidationError as error:
        form.add_error("body", error.messages)
        return render_panel(request, claim, status=400, comment_form=form, focus="comment-body")
    claim = load_claim(request, claim.pk)
    return claim_changed(render_panel(request, claim, notice="Comment added."), claim.pk)


# --- deleting --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@version_required
def claim_delete(request: HttpRequest, claim_id: int) -> HttpResponse:
    """GET: the panel with a confirmation step; POST: delete (own unpublished claims, or any for editors)."""
    claim = load_claim(request, claim_id)
    if not services.can_delete_claim(request.user, claim):
        return alert(request, "You can delete only your own claims that are not published.", 403)
    if request.method == "GET":
        return render_panel(request, claim, confirm_delete=True, delete_form=DeleteClaimForm(), focus="delete-title")
    version = require_version(request)
    form = DeleteClaimForm(request.POST)
    if not form.is_valid():
        return render_panel(request, claim, status=400, confirm_delete=True, delete_form=form, focus="delete-title")
    article_id, quote = claim.article_id, claim.exact
    try:
        services.delete_claim(claim, user=request.user, note=form.cleaned_data["note"], expected_version=version)
    except services.EditConflict:
        return _stale(request)
    except PermissionDenied as error:
        return alert(request, str(error), 403)
    if not request.htmx:
        return HttpResponseRedirect(reverse("articles:detail", args=[article_id]))
    response = render(request, "annotations/_claim_deleted.html", {"quote": quote, "claim_id": claim_id})
    return claim_changed(response, claim_id)


# --- verdict colours -------------------------------------------------------------------


@require_GET
def verdict_styles(request: HttpRequest) -> HttpResponse:
    """The verdict colours and symbols as a stylesheet (``.verdict-<id> { --hl: #rrggbb }``, then its symbol).

    Colours live in the database (admins edit the rating scale) but the page keeps all
    styles in files so a strict Content-Security-Policy needs no inline styles. The symbol
    (annotations.verdict_palette) marks where each rated highlight starts (static/css/verdicts.css).
    """
    rules = [
        f'.verdict-{label.pk} {{ --hl: {label.colour}; }}\n'
        f'.verdict-{label.pk} {{ --verdict-symbol: "{verdict_palette.symbol_for(label)}"; }}'
        for label in selectors.rating_labels()
        if _HEX_COLOUR.match(label.colour)
    ]
    css = "\n".join(rules) + "\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, max-age=3600"
    response["ETag"] = '"' + hashlib.sha256(css.encode()).hexdigest()[:16] + '"'
    return response

"""Search page, suggestion list, similar/linked claims partials and their actions.

Views read top to bottom: parse input, check the permission through the claim policy, call
a selector (:mod:`search.selectors`: reads, narrowed to what the user may see) or a service
(search.suggestions, search.linking: writes), render. The search page's queries run within
:func:`search.index.time_budget`: a search that outlasts it gets the page back with a message
and status 503, never a 500 or a worker held until gunicorn kills it. Actions answer htmx with the
re-rendered partial and, when a claim changed, ``HX-Trigger: {"claim-changed": {"id": N}}``
(:func:`annotations.htmx.claim_changed`). Refusals re-render the partial with the reason
(400 bad input, 403 not allowed, 409 out of date), which static/js/search.js lets htmx swap in.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from annotations.anchoring import AnchorError
from annotations.htmx import VersionRequired, claim_changed, require_version
from annotations.models import Claim
from annotations.permissions import claim_policy
from annotations.services import EditConflict, require_fact_checker
from articles.models import Article
from search import linking, selectors
from search import suggestions as suggestion_service
from search.forms import SearchForm
from search.index import SearchBusy, SearchTimeout, search_slot, time_budget
from search.query import parse_query

PER_PAGE = 20


def _messages(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Articles and claims matching the query, grouped, each group ranked and paginated."""
    facets = selectors.search_facets(request.user)
    form = SearchForm(request.GET or None, labels=facets.labels, published_only=facets.published_only)
    context: dict[str, Any] = {"form": form, "published_only": facets.published_only, "searched": False}
    status = 200
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        query = parse_query(form.cleaned_data["q"])
        claims = selectors.claim_hits(
            request.user, query, statuses=form.statuses(), verdict_ids=form.verdict_ids()
        )
        context["searched"] = True
        context["query_empty"] = not query
        try:
            # Paginating runs every search query (counts, pages and their rows), so all of
            # them are inside the budget; the template only renders what they returned.
            with search_slot(), time_budget():
                context["articles"] = Paginator(selectors.article_hits(query), PER_PAGE).get_page(
                    request.GET.get("apage")
                )
                context["claims"] = Paginator(claims, PER_PAGE).get_page(request.GET.get("cpage"))
        except SearchBusy:
            # 503 with Retry-After: the server is busy with other searches right now; nothing
            # is wrong with this one, so the page says to try again rather than to narrow it.
            context.pop("articles", None)
            context["busy"] = True
            status = 503
        except SearchTimeout:
            # 503, not 200: no results were produced (a 200 would read as "nothing matches" to
            # anything but a person), and not 500: nothing is broken, the search was too broad
            # for the budget. The page keeps the form so the user can narrow it.
            context.pop("articles", None)
            context["timed_out"] = True
            status = 503
    elif form.is_bound and form.errors:
        status = 400
    response = render(request, "search/search.html", context, status=status)
    if context.get("busy"):
        response["Retry-After"] = "2"
    return response


# --- Suggestions ------------------------------------------------------------------------


def _suggestion_list(
    request: HttpRequest, article: Article, *, error: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "article": article,
        "suggestions": selectors.claim_suggestions(request.user, article),
        "can_act": claim_policy.user_has_permission(request.user, "add"),
        "error": error,
    }
    return render(request, "search/_suggestion_list.html", context, status=status)


def _span(request: HttpRequest) -> tuple[int, int, str]:
    try:
        start, end = int(request.POST["start"]), int(request.POST["end"])
    except (KeyError, ValueError) as error:
        raise ValidationError(_("The suggestion's position is missing or not a number.")) from error
    if not 0 <= start < end:
        raise ValidationError(_("The suggestion's position is not a valid range."))
    return start, end, request.POST.get("sentence", "")


@require_GET
def suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    """The article's suggested sentences (lazy-loaded by the article page)."""
    return _suggestion_list(request, get_object_or_404(Article, pk=pk))


@require_POST
def accept_suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    """Create a claim on exactly the suggested sentence."""
    article = get_object_or_404(Article, pk=pk)
    if not claim_policy.user_has_permission(request.user, "add"):
        return _suggestion_list(request, article, error=_("Only fact-checkers and editors can accept suggestions."),
                                status=403)
    try:
        start, end, sentence = _span(request)
    except ValidationError as error:
        return _suggestion_list(request, article, error=_messages(error), status=400)
    try:
        claim = suggestion_service.accept(article, request.user, start, end, sentence)
    except (suggestion_service.StaleSuggestion, AnchorError) as error:
        article.refresh_from_db()
        return _suggestion_list(request, article, error=_messages(error), status=409)
    except ValidationError as error:  # a length cap, or the article already has the most claims
        return _suggestion_list(request, article, error=_messages(error), status=400)
    article.refresh_from_db()
    return claim_changed(_suggestion_list(request, article), claim.pk)


@require_POST
def dismiss_suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    """Hide the suggested sentence for everyone."""
    article = get_object_or_404(Article, pk=pk)
    if not claim_policy.user_has_permission(request.user, "add"):
        return _suggestion_list(request, article, error=_("Only fact-checkers and editors can dismiss suggestions."),
                                status=403)
    try:
        start, end, sentence = _span(request)
        suggestion_service.dismiss(article, request.user, start, end, sentence)
    except suggestion_service.StaleSuggestion as error:
        return _suggestion_list(request, article, error=_messages(error), status=409)
    except ValidationError as error:
        return _suggestion_list(request, article, error=_messages(error), status=400)
    return _suggestion_list(request, article)


# --- Similar and linked claims -----------------------------------------------------------


def _visible_claim(request: HttpRequest, pk: int) -> Claim:
    """The claim in the URL, or 404 when it does not exist or the user may not see it."""
    return get_object_or_404(selectors.panel_claims(request.user), pk=pk)


def _similar_panel(
    request: HttpRequest, claim: Claim, *, error: str = "", notice: str = "", status: int = 200
) -> HttpResponse:
    linked = selectors.linked_claims(request.user, claim)
    context = {
        "claim": claim,
        "similar": selectors.similar_claims(request.user, claim),
        "linked": linked,
        "precedent": linking.precedent(claim, linked),
        "can_link": claim_policy.user_has_permission(request.user, "link"),
        "can_copy": claim_policy.user_has_permission(request.user, "change"),
        "error": error,
        "notice": notice,
    }
    return render(request, "search/_similar.html", context, status=status)


def _other_claim(request: HttpRequest, field: str) -> Claim:
    try:
        pk = int(request.POST[field])
    except (KeyError, ValueError) as error:
        raise ValidationError(_("Choose a claim: its number is missing.")) from error
    try:
        return selectors.panel_claims(request.user).get(pk=pk)
    except Claim.DoesNotExist as error:
        raise ValidationError(_("There is no claim number %(number)s.") % {"number": pk}) from error


def _refused_for_version(request: HttpRequest, claim: Claim, error: Exception) -> HttpResponse:
    """428 without a version, 409 when the claim changed since the panel was shown; nothing written."""
    if isinstance(error, VersionRequired):
        return _similar_panel(request, claim, error=str(error), status=error.status_code)
    claim.refresh_from_db()
    message = _("This claim was changed by someone else since you opened it; the panel has been refreshed.")
    return _similar_panel(request, claim, error=message, status=409)


@require_GET
def similar(request: HttpRequest, pk: int) -> HttpResponse:
    """Similar claims from other articles, linked claims and precedent (claim panel partial)."""
    return _similar_panel(request, _visible_claim(request, pk))


@require_POST
def link(request: HttpRequest, pk: int) -> HttpResponse:
    """Link this claim with another one as the same claim (editors)."""
    claim = _visible_claim(request, pk)
    try:
        linking.require_editor(request.user)
        version = require_version(request)
        other = _other_claim(request, "other")
        linking.link_claims(claim, other, request.user, expected_version=version)
    except PermissionDenied as error:
        return _similar_panel(request, claim, error=str(error), status=403)
    except (VersionRequired, EditConflict) as error:
        return _refused_for_version(request, claim, error)
    except ValidationError as error:
        return _similar_panel(request, claim, error=_messages(error), status=400)
    claim.refresh_from_db()
    notice = _("Linked with claim #%(number)s.") % {"number": other.pk}
    return claim_changed(_similar_panel(request, claim, notice=notice), claim.pk)


@require_POST
def unlink(request: HttpRequest, pk: int) -> HttpResponse:
    """Take this claim out of its group of linked claims (editors)."""
    claim = _visible_claim(request, pk)
    try:
        linking.require_editor(request.user)
        linking.unlink(claim, request.user, expected_version=require_version(request))
    except PermissionDenied as error:
        return _similar_panel(request, claim, error=str(error), status=403)
    except (VersionRequired, EditConflict) as error:
        return _refused_for_version(request, claim, error)
    except ValidationError as error:
        return _similar_panel(request, claim, error=_messages(error), status=400)
    claim.refresh_from_db()
    return claim_changed(_similar_panel(request, claim, notice=_("Unlinked.")), claim.pk)


@require_POST
def copy_sources(request: HttpRequest, pk: int) -> HttpResponse:
    """Copy a linked claim's sources onto this claim (fact-checkers)."""
    claim = _visible_claim(request, pk)
    try:
        require_fact_checker(request.user)
        version = require_version(request)
        other = _other_claim(request, "from")
        copied = linking.copy_sources(other, claim, request.user, expected_version=version)
    except PermissionDenied as error:
        return _similar_panel(request, claim, error=str(error), status=403)
    except (VersionRequired, EditConflict) as error:
        return _refused_for_version(request, claim, error)
    except ValidationError as error:
        return _similar_panel(request, claim, error=_messages(error), status=400)
    claim.refresh_from_db()
    if not copied:
        return _similar_panel(request, claim, notice=_("Nothing to copy: this claim already has all those sources."))
    notice = ngettext("Copied %(count)s source.", "Copied %(count)s sources.", len(copied)) % {"count": len(copied)}
    return claim_changed(_similar_panel(request, claim, notice=notice), claim.pk)

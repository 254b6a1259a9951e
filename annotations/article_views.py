"""Article pages: the desk's article list and the annotation page of one article.

Views read top to bottom: parse the request, ask :mod:`annotations.selectors` for what the
user may see, render. Both pages cost a fixed number of queries however many articles or
claims there are: claim counts come from one aggregate query, and the annotation page loads
its claims once (with verdict and assignee) and derives highlights, list, orphans and the
corrections panel from that list. The expensive part of the page, the highlighted text and
the claim list, is rendered once per state and kept in the byte-bounded ``fragments`` cache.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_safe

from annotations import selectors
from annotations.highlight import STATUS_SYMBOLS, claim_spans, highlight
from annotations.models import AnchorState, ClaimStatus
from annotations.permissions import claim_policy
from annotations.views import PANEL, load_claim, panel_context
from articles.models import Article
from articles.watching import with_outlet_changes
from factcheck.display import display_name

PAGE_SIZE = 25


class ArticleFilterForm(forms.Form):
    """The list's filters; invalid values are ignored rather than failing the page."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Has claims", required=False, choices=[("", "Any status"), *ClaimStatus.choices]
    )
    assignee = forms.ChoiceField(label="Assigned to", required=False)
    outlet = forms.ChoiceField(label="Outlet", required=False)

    def __init__(self, *args: Any, outlets: list[str], people: list[Any], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["outlet"].choices = [("", "All outlets"), *((o, o) for o in outlets)]
        self.fields["assignee"].choices = [
            ("", "Anyone"),
            ("me", "Me"),
            *((str(p.pk), display_name(p)) for p in people),
            ("none", "Nobody (unassigned)"),
        ]

    def filters(self, user: Any) -> selectors.ArticleFilters:
        """The valid filters; an invalid one (a stale link, a removed outlet) is dropped."""
        if not self.is_bound:
            return selectors.ArticleFilters()
        self.is_valid()
        data = self.cleaned_data
        assignee = data.get("assignee") or ""
        return selectors.ArticleFilters(
            text=(data.get("q") or "").strip(),
            outlet=data.get("outlet") or "",
            status=data.get("status") or "",
            assignee_id=user.pk if assignee == "me" else int(assignee) if assignee.isdigit() else None,
            unassigned=assignee == "none",
        )


@require_safe
def article_list(request: HttpRequest) -> HttpResponse:
    """The desk's articles, newest first, with counts of the claims the user sees per review status."""
    form = ArticleFilterForm(
        request.GET or None, outlets=selectors.article_outlets(), people=list(selectors.assignable_users())
    )
    filters = form.filters(request.user)
    page = Paginator(selectors.article_list(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.add_claim_counts(request.user, list(page.object_list))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "articles/article_list.html",
        {
            "page": page,
            "form": form,
            "filters_active": filters != selectors.ArticleFilters(),
            "query_string": query_string.urlencode(),
        },
    )


def annotated_context(request: HttpRequest, article: Article) -> dict[str, Any]:
    """Highlights, claim list and orphans for the article page and its htmx partial.

    The claims are those the user may see (a reader: published ones only). ``paragraphs``
    is computed lazily: when the rendered text comes from the fragment cache it is never needed.
    """
    claims = selectors.article_claims(request.user, article)
    return {
        "article": article,
        "claims": claims,
        "paragraphs": lambda: highlight(article.body, claim_spans(claims)),
        "orphans": [c for c in claims if c.anchor_state == AnchorState.ORPHANED],
        "can_annotate": claim_policy.user_has_permission(request.user, "add"),
    }


FRAGMENT_TEMPLATE = "articles/article_detail.html"
FRAGMENT_TIMEOUT = 24 * 3600
#: The cache alias holding rendered fragments (factcheck/settings.py ``CACHES``).
FRAGMENT_CACHE = "fragments"


def fragment_fingerprint(context: dict[str, Any]) -> str:
    """Everything the highlighted text and the claim list show, hashed.

    Every change to a claim bumps its ``version`` (services and workflow), and the body is
    covered by its content hash, so the fingerprint changes whenever the fragments would:
    cached HTML is found by what it shows and never has to be invalidated.
    """
    article: Article = context["article"]
    parts = [str(article.pk), article.content_hash, str(context["can_annotate"])]
    for claim in context["claims"]:
        # Ids can be reused (SQLite after a delete), so the shown text is part of the key too.
        parts += [
            f"{claim.pk}:{claim.version}:{claim.updated_at.isoformat()}:{claim.start}:{claim.end}:{claim.status}:"
            f"{claim.anchor_state}:{claim.verdict_id}:{claim.verdict.name if claim.verdict else ''}:"
            f"{claim.assignee_id}:{display_name(claim.assignee) if claim.assignee else ''}",
            claim.statement,
            claim.exact,
        ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def cached_fragment(request: HttpRequest, context: dict[str, Any], name: str, fingerprint: str) -> SafeString:
    """A partial of the article page, rendered once per fingerprint (the page's expensive part).

    Memory is bounded twice: a fragment above ``FACTDESK_FRAGMENT_MAX_BYTES`` (UTF-8) is
    rendered every time and never stored, so one very long article cannot push out hundreds
    of ordinary ones; and the ``fragments`` cache itself holds at most its ``MAX_BYTES``
    (``FACTDESK_FRAGMENT_CACHE_BYTES``, 64 MB by default), evicting the least recently used
    fragments first (:class:`annotations.fragment_cache.ByteBudgetCache`).

    The HTML is our template's own output, escaped when it was rendered; it is marked safe
    only so it is not escaped a second time.
    """
    fragments = caches[FRAGMENT_CACHE]
    key = f"article-fragment:{name}:{fingerprint}"
    html = fragments.get(key)
    if html is None:
        html = render_to_string(f"{FRAGMENT_TEMPLATE}#{name}", context, request)
        if len(html.encode()) <= settings.FACTDESK_FRAGMENT_MAX_BYTES:
            fragments.set(key, html, FRAGMENT_TIMEOUT)
    return mark_safe(html)  # our template's output, escaped when it was rendered


def add_cached_fragments(request: HttpRequest, context: dict[str, Any]) -> None:
    """Put the rendered text (and, unless a claim is selected, the claim list) into ``context``."""
    fingerprint = fragment_fingerprint(context)
    context["article_text_html"] = cached_fragment(request, context, "article_text", fingerprint)
    if context.get("open_claim_id") is None:
        name = "claim_list_oob" if context.get("oob") else "claim_list"
        context["claim_list_html"] = cached_fragment(request, context, name, fingerprint)


@require_safe
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One article, paragraph by paragraph with its claims highlighted, the claim list and panel.

    ``?claim=<id>`` opens that claim's panel on load (links from notifications, no-JS use).
    """
    article = get_object_or_404(with_outlet_changes(Article.objects.all()), pk=pk)
    context = annotated_context(request, article)
    labels = selectors.rating_labels()
    context["verdict_legend"] = [label for label in labels if label.is_active]
    context["verdict_css_version"] = hashlib.sha256(
        "|".join(f"{label.pk}{label.colour}{label.slug}{label.value}" for label in labels).encode()
    ).hexdigest()[:10]
    context["status_legend"] = [(s.value, s.label, STATUS_SYMBOLS[s.value]) for s in ClaimStatus]
    open_id = request.GET.get("claim", "")
    open_claim = next((c for c in context["claims"] if str(c.pk) == open_id), None)
    if open_claim is not None:
        panel = panel_context(request, load_claim(request, open_claim.pk))
        context["panel_html"] = render_to_string(PANEL, panel, request)
        context["open_claim_id"] = open_claim.pk
    add_cached_fragments(request, context)
    return render(request, "articles/article_detail.html", context)


@require_GET
def article_highlights(request: HttpRequest, pk: int) -> HttpResponse:
    """The highlighted text plus (out of band) the claim list: reloaded on ``claim-changed``."""
    article = get_object_or_404(Article, pk=pk)
    context = annotated_context(request, article)
    context["oob"] = True
    add_cached_fragments(request, context)
    return render(request, "articles/article_detail.html#highlights", context)

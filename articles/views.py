"""Article pages: the desk's article list and the annotation page of one article.

Both pages cost a fixed number of queries however many articles or claims there are:
claim counts come from one aggregate query, and the annotation page loads its claims
once (with verdict and assignee) and derives highlights, list and orphans from that list.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_safe

from annotations.highlight import STATUS_SYMBOLS, claim_spans, highlight
from annotations.models import AnchorState, Claim, ClaimStatus, RatingLabel
from annotations.review_context import assignable_users
from annotations.roles import is_fact_checker
from annotations.templatetags.claim_tags import person
from annotations.views import PANEL, load_claim, panel_context
from articles.models import Article

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
            *((str(p.pk), p.get_full_name() or p.get_username()) for p in people),
        ]


@require_safe
def article_list(request: HttpRequest) -> HttpResponse:
    """The desk's articles, newest first, with claim counts per review status."""
    outlets = list(
        Article.objects.exclude(outlet="").order_by("outlet").values_list("outlet", flat=True).distinct()
    )
    people = list(assignable_users())
    form = ArticleFilterForm(request.GET or None, outlets=outlets, people=people)
    # Each valid filter applies; an invalid one (a stale link, a removed outlet) is dropped.
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        filters = form.cleaned_data

    articles = Article.objects.only("id", "title", "outlet", "published_on", "created_at")
    if query := filters.get("q", "").strip():
        articles = articles.filter(Q(title__icontains=query) | Q(body__icontains=query))
    if outlet := filters.get("outlet"):
        articles = articles.filter(outlet=outlet)
    claims = Claim.objects.filter(article=OuterRef("pk"))
    if status := filters.get("status"):
        articles = articles.filter(Exists(claims.filter(status=status)))
    if assignee := filters.get("assignee"):
        assignee_id = request.user.pk if assignee == "me" else int(assignee)
        articles = articles.filter(Exists(claims.filter(assignee_id=assignee_id)))

    page = Paginator(articles.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    # Count claims for this page's articles only: aggregating the whole desk before the
    # LIMIT would cost time in proportion to every claim ever made.
    counts: dict[int, dict[str, int]] = {}
    for article_id, status, count in (
        Claim.objects.filter(article_id__in=[article.pk for article in page])
        .order_by()
        .values_list("article_id", "status")
        .annotate(n=Count("id"))
    ):
        counts.setdefault(article_id, {})[status] = count
    for article in page:
        by_status = counts.get(article.pk, {})
        article.n_claims = sum(by_status.values())
        article.status_counts = [
            {"status": s.value, "label": s.label, "count": by_status[s.value]}
            for s in ClaimStatus
            if s.value in by_status
        ]
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "articles/article_list.html",
        {"page": page, "form": form, "filters_active": bool(filters and any(filters.values())),
         "query_string": query_string.urlencode()},
    )


def annotated_context(request: HttpRequest, article: Article) -> dict[str, Any]:
    """Highlights, claim list and orphans for the article page and its htmx partial.

    One claims query (verdict and assignee joined) feeds everything; claim numbers follow
    the list order so the marker after a highlight matches the list entry. ``paragraphs``
    is computed lazily: when the rendered text comes from the fragment cache it is never needed.
    """
    claims = list(article.claims.select_related("verdict", "assignee"))
    for number, claim in enumerate(claims, start=1):
        claim.number = number
    return {
        "article": article,
        "claims": claims,
        "paragraphs": lambda: highlight(article.body, claim_spans(claims)),
        "orphans": [c for c in claims if c.anchor_state == AnchorState.ORPHANED],
        "can_annotate": is_fact_checker(request.user),
    }


FRAGMENT_TEMPLATE = "articles/article_detail.html"
FRAGMENT_TIMEOUT = 24 * 3600


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
            f"{claim.assignee_id}:{person(claim.assignee) if claim.assignee else ''}",
            claim.statement,
            claim.exact,
        ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def cached_fragment(request: HttpRequest, context: dict[str, Any], name: str, fingerprint: str) -> SafeString:
    """A partial of the article page, rendered once per fingerprint (the page's expensive part).

    The HTML is our template's own output, escaped when it was rendered; it is marked safe
    only so it is not escaped a second time.
    """
    key = f"article-fragment:{name}:{fingerprint}"
    html = cache.get(key)
    if html is None:
        html = render_to_string(f"{FRAGMENT_TEMPLATE}#{name}", context, request)
        cache.set(key, html, FRAGMENT_TIMEOUT)
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
    article = get_object_or_404(Article, pk=pk)
    context = annotated_context(request, article)
    labels = list(RatingLabel.objects.only("pk", "name", "colour", "is_active", "order"))
    context["verdict_legend"] = [label for label in labels if label.is_active]
    context["verdict_css_version"] = hashlib.sha256(
        "|".join(f"{label.pk}{label.colour}" for label in labels).encode()
    ).hexdigest()[:10]
    context["status_legend"] = [(s.value, s.label, STATUS_SYMBOLS[s.value]) for s in ClaimStatus]
    open_id = request.GET.get("claim", "")
    open_claim = next((c for c in context["claims"] if str(c.pk) == open_id), None)
    if open_claim is not None:
        context["panel_html"] = render_to_string(PANEL, panel_context(request, load_claim(open_claim.pk)), request)
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

"""Article pages: the desk's article list and the annotation page of one article.

Views read top to bottom: parse the request, ask :mod:`annotations.selectors` for what the
user may see, render. Both pages cost a fixed number of queries however many articles or
claims there are: claim counts come from one aggregate query, and the annotation page loads
its claims at most once (with verdict and assignee) and derives highlights, list, orphans and
the corrections panel from that list.

The annotation page's body is the same for every reader of one role, so it is rendered once
per role and article state and kept in the byte-bounded ``fragments`` cache (issue 19): its
key comes from versions that the article's own query reads (:func:`fragment_key`), so a warm
page loads no claim at all, and an edit through any server changes the key at once. What is
personal (navigation and unread count, the new-claim form with its CSRF token, an open
claim's panel, corrections forms) is rendered per request.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_safe

from annotations import highlight as highlight_module
from annotations import selectors
from annotations.highlight import STATUS_SYMBOLS, claim_spans, highlight
from annotations.models import AnchorState, ClaimStatus
from annotations.permissions import claim_policy
from annotations.templatetags import claim_tags
from annotations.views import PANEL, load_claim, panel_context
from articles.models import Article
from factcheck.display import display_name
from factcheck.permissions import role_of

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
    """What the article page and its htmx partial show around the cached fragments.

    The claims are loaded only when something needs them (:func:`load_claims`): a rendered
    fragment that is already cached does not, so a warm page builds no claim instance.
    """
    return {
        "article": article,
        "can_annotate": claim_policy.user_has_permission(request.user, "add"),
        "claims_state": selectors.ArticleClaimsState.of(article),
    }


def load_claims(request: HttpRequest, context: dict[str, Any]) -> list[Any]:
    """The claims the user may see (a reader: published ones only), loaded once per request.

    ``paragraphs`` is lazy: when the rendered text comes from the fragment cache it is never
    computed.
    """
    if "claims" not in context:
        claims = selectors.article_claims(request.user, context["article"])
        context["claims"] = claims
        context["paragraphs"] = lambda: highlight(context["article"].body, claim_spans(claims))
        context["orphans"] = [c for c in claims if c.anchor_state == AnchorState.ORPHANED]
    return context["claims"]


FRAGMENT_TEMPLATE = "articles/article_detail.html"
FRAGMENT_TIMEOUT = 24 * 3600
#: The cache alias holding rendered fragments (factcheck/settings.py ``CACHES``).
FRAGMENT_CACHE = "fragments"
#: Bump when the fragments' code changes in a way their template source does not show.
FRAGMENT_CODE_VERSION = "3"
#: Modules whose code shapes the fragments (highlighting, template tags): part of the key.
_FRAGMENT_CODE = (highlight_module, claim_tags)


@functools.cache
def _code_digest() -> str:
    """The fragments' code, hashed once per process: a deploy never serves older fragments."""
    digest = hashlib.sha256(FRAGMENT_CODE_VERSION.encode())
    for module in _FRAGMENT_CODE:
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=8)
def _template_digest(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def fragment_key(request: HttpRequest, context: dict[str, Any]) -> str:
    """The cache key of the article page's reader-independent fragments, built without a claim.

    Versions, never invalidation: the article's id, version and text hash, the state of its
    claims (count, version sum, newest change, highest id, flagged, assignees' names) and of
    the verdict scale (both from the article's own query), the template's source and the
    fragments' code, the language, and the reader's role (which claims they see and whether
    they may annotate both follow from it). An edit through any server changes the key, so
    every server renders the new state at once, with or without a shared cache.
    """
    article: Article = context["article"]
    source = getattr(get_template(FRAGMENT_TEMPLATE).template, "source", "")
    parts = [
        _code_digest(),
        _template_digest(source),
        str(article.pk),
        str(article.version),
        article.content_hash,
        article.language,
        context["claims_state"].digest,
        translation.get_language() or "",
        str(int(role_of(request.user))),
        str(context["can_annotate"]),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def cached_fragment(request: HttpRequest, context: dict[str, Any], name: str, key: str) -> SafeString:
    """A partial of the article page, rendered once per key (the page's expensive part).

    Memory is bounded twice: a fragment above ``FACTDESK_FRAGMENT_MAX_BYTES`` (UTF-8) is
    rendered every time and never stored, so one very long article cannot push out hundreds
    of ordinary ones; and the ``fragments`` cache itself holds at most its ``MAX_BYTES``
    (``FACTDESK_FRAGMENT_CACHE_BYTES``, 64 MB by default), evicting the least recently used
    fragments first (:class:`annotations.fragment_cache.ByteBudgetCache`).

    The HTML is our template's own output, escaped when it was rendered; it is marked safe
    only so it is not escaped a second time.
    """
    fragments = caches[FRAGMENT_CACHE]
    cache_key = f"article-fragment:{name}:{key}"
    html = fragments.get(cache_key)
    if html is None:
        load_claims(request, context)
        html = render_to_string(f"{FRAGMENT_TEMPLATE}#{name}", context, request)
        if len(html.encode()) <= settings.FACTDESK_FRAGMENT_MAX_BYTES:
            fragments.set(cache_key, html, FRAGMENT_TIMEOUT)
    return mark_safe(html)  # our template's own output, escaped when it was rendered


def add_cached_fragments(request: HttpRequest, context: dict[str, Any], key: str) -> None:
    """Put the rendered text (and, unless a claim is selected, the claim list) into ``context``.

    Then the corrections panel's claims: the list when it was loaded anyway, else only the
    moved and orphaned claims, and only when the article has any (usually none: no query).
    """
    context["article_text_html"] = cached_fragment(request, context, "article_text", key)
    if context.get("open_claim_id") is None:
        name = "claim_list_oob" if context.get("oob") else "claim_list"
        context["claim_list_html"] = cached_fragment(request, context, name, key)
    if "claims" not in context:
        flagged = context["claims_state"].flagged
        context["claims"] = selectors.article_flagged_claims(request.user, context["article"]) if flagged else []


def page_body_key(context: dict[str, Any], key: str) -> str:
    """The key of the page's body: the fragments' key plus what the body shows of the article.

    The body is everything inside ``#annotator`` except the new-claim form (it carries the
    CSRF token): header, download menu, legend, text, suggestions, claim list, corrections
    panel. Who sees which link follows from the role, which is in ``key`` already.
    """
    article: Article = context["article"]
    shown = [
        key, article.title, article.outlet, article.byline, article.url, str(article.published_on),
        article.language, str(getattr(article, "outlet_changes", 0)),
    ]
    return hashlib.sha256("\n".join(shown).encode()).hexdigest()


def add_legend(context: dict[str, Any]) -> None:
    """The verdict and status legends (one small query): needed only when the body is rendered."""
    context["verdict_legend"] = [label for label in selectors.rating_labels() if label.is_active]
    context["status_legend"] = [(s.value, s.label, STATUS_SYMBOLS[s.value]) for s in ClaimStatus]


def cached_page_body(request: HttpRequest, context: dict[str, Any], key: str) -> SafeString | None:
    """The page's body for every reader of this role, or None when it is not the same for all.

    It is personal when a claim's panel is open (``?claim=``) or when moved or orphaned claims
    put forms (with a CSRF token) into the corrections panel; then the page is put together
    from the cached fragments as before. A body that would hold a CSRF token is never stored.
    """
    if context.get("open_claim_id") is not None or context["claims_state"].flagged:
        return None
    fragments = caches[FRAGMENT_CACHE]
    cache_key = f"article-fragment:page_body:{page_body_key(context, key)}"
    html = fragments.get(cache_key)
    if html is None:
        add_legend(context)
        add_cached_fragments(request, context, key)
        html = render_to_string(f"{FRAGMENT_TEMPLATE}#page_body", context, request)
        if "csrfmiddlewaretoken" not in html and len(html.encode()) <= settings.FACTDESK_FRAGMENT_MAX_BYTES:
            fragments.set(cache_key, html, FRAGMENT_TIMEOUT)
    return mark_safe(html)  # our template's own output, escaped when it was rendered


@require_safe
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One article, paragraph by paragraph with its claims highlighted, the claim list and panel.

    ``?claim=<id>`` opens that claim's panel on load (links from notifications, no-JS use).
    A warm request costs the article (with its claims' state) and the reader's own parts
    (session, user, role, unread count, the new-claim form): the body comes from the cache.
    """
    article = selectors.article_for_page(pk)
    if article is None:
        raise Http404("No article with that number.")
    context = annotated_context(request, article)
    # The stylesheet's cache buster: the verdict scale is part of the claims' state.
    context["verdict_css_version"] = hashlib.sha256(context["claims_state"].labels.encode()).hexdigest()[:10]
    open_id = request.GET.get("claim", "")
    if open_id:
        open_claim = next((c for c in load_claims(request, context) if str(c.pk) == open_id), None)
        if open_claim is not None:
            panel = panel_context(request, load_claim(request, open_claim.pk))
            context["panel_html"] = render_to_string(PANEL, panel, request)
            context["open_claim_id"] = open_claim.pk
    key = fragment_key(request, context)
    context["page_body_html"] = cached_page_body(request, context, key)
    if context["page_body_html"] is None:
        add_legend(context)
        add_cached_fragments(request, context, key)
    return render(request, "articles/article_detail.html", context)


@require_GET
def article_highlights(request: HttpRequest, pk: int) -> HttpResponse:
    """The highlighted text plus (out of band) the claim list: reloaded on ``claim-changed``."""
    article = get_object_or_404(selectors.with_claims_state(Article.objects.all()), pk=pk)
    context = annotated_context(request, article)
    context["oob"] = True
    add_cached_fragments(request, context, fragment_key(request, context))
    return render(request, "articles/article_detail.html#highlights", context)

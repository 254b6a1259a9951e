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
personal (an open claim's panel, corrections forms) is rendered per request.

A warm page is not rendered at all: the whole page (navigation and new-claim form included)
is kept once per role, article state, language and staff flag, with marked slots for the five
things that differ between readers of one role (the CSRF token, the user's id and name, the
unread badge, the address for the language switcher); a request fills them in
(:func:`cached_page`). Besides the session, the user and the role (none of them with Redis),
the article (with the reader's unread count) is its only query. A page with an open claim, moved or
orphaned claims or a waiting message is put together from the cached fragments instead.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_safe

from annotations import highlight as highlight_module
from annotations import selectors
from annotations.context_processors import navigation
from annotations.fragment_cache import ByteBudgetCache
from annotations.highlight import STATUS_SYMBOLS, claim_spans, highlight
from annotations.models import AnchorState, ClaimStatus
from annotations.pagination import CappedPaginator
from annotations.permissions import claim_policy
from annotations.templatetags import claim_tags
from annotations.views import PANEL, load_claim, panel_context
from articles.models import Article
from factcheck.display import display_name
from factcheck.permissions import role_of
from factcheck.widgets import QuickSelect

PAGE_SIZE = 25
#: The article list counts this many matching articles at most ("More than 10000 articles"):
#: the whole desk is one narrow read per article; a filter probes the claims of each article,
#: so a filtered list stops sooner. Either way a page costs the same however large the desk.
LIST_COUNT_LIMIT = 10_000
FILTERED_COUNT_LIMIT = 500


class ArticleFilterForm(forms.Form):
    """The list's filters; invalid values are ignored rather than failing the page."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Has claims", required=False, choices=[("", "Any status"), *ClaimStatus.choices], widget=QuickSelect
    )
    assignee = forms.ChoiceField(label="Assigned to", required=False, widget=QuickSelect)
    outlet = forms.ChoiceField(label="Outlet", required=False, widget=QuickSelect)

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
    limit = FILTERED_COUNT_LIMIT if filters != selectors.ArticleFilters() else LIST_COUNT_LIMIT
    paginator = CappedPaginator(selectors.article_list(request.user, filters), PAGE_SIZE, limit=limit)
    page = paginator.get_page(request.GET.get("page"))
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


def render_page_body(request: HttpRequest, context: dict[str, Any], key: str) -> SafeString:
    """The page's body: everything inside ``#annotator`` except the new-claim form.

    Header, download menu, legend, text, suggestions, claim list and corrections panel,
    rendered with the reader's request from the cached text and claim-list fragments.
    """
    add_legend(context)
    add_cached_fragments(request, context, key)
    return mark_safe(render_to_string(f"{FRAGMENT_TEMPLATE}#page_body", context, request))  # our own output


# --- the whole page, cached once per role and filled in per reader ------------------------

#: The cached page's format (first line of the stored value): bump when the layout changes.
PAGE_FORMAT = b"factdesk-page-1"
#: Templates the page is made of besides FRAGMENT_TEMPLATE (their sources are part of the key).
_PAGE_TEMPLATES = ("base.html", "_language_switcher.html")


@functools.cache
def _static_digest() -> str:
    """The static files' names (hashed names after ``collectstatic``), once per process.

    A deploy that changes a stylesheet changes its hashed name, so a page cached by the
    previous release (in a shared Redis) is never served with a name that no longer exists.
    """
    names = sorted(getattr(staticfiles_storage, "hashed_files", {}).items())
    return hashlib.sha256(repr(names).encode()).hexdigest()[:16]


def page_key(request: HttpRequest, context: dict[str, Any], key: str) -> str:
    """The cached page's key: the body's key, the page's templates and static names, the staff flag.

    The role, language and article state are in ``key`` already; the staff flag decides
    the navigation's "Admin" link. Computed without a query.
    """
    sources = (getattr(get_template(name).template, "source", "") for name in _PAGE_TEMPLATES)
    parts = [
        page_body_key(context, key),
        *(_template_digest(source) for source in sources),
        _static_digest(),
        str(bool(request.user.is_staff)),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def is_personal(request: HttpRequest, context: dict[str, Any]) -> bool:
    """Whether this page differs from every other reader's of the same role beyond the slots.

    An open claim's panel (``?claim=``), moved or orphaned claims (the corrections panel's
    forms carry a CSRF token inside the body) and messages waiting to be shown.
    """
    return (
        context.get("open_claim_id") is not None
        or bool(context["claims_state"].flagged)
        or len(get_messages(request)) > 0
    )


def render_page_shell(request: HttpRequest, context: dict[str, Any], key: str) -> bytes:
    """The whole page, rendered once, with a marker where each per-reader value goes.

    Rendered without the request, so no context processor runs: the context gets the
    navigation as this role sees it, and stand-ins for the request and the user whose
    per-reader attributes are markers. Each marker carries a fresh random nonce, so no text
    from an article or a claim can ever be taken for one; the markers are taken out and their
    byte offsets stored in the page's first line.
    """
    context["page_body_html"] = render_page_body(request, context, key)
    nonce = secrets.token_hex(16)

    def slot(name: str) -> SafeString:
        return mark_safe(f"<!--{nonce}:{name}-->")  # a marker, replaced before anything is sent

    user = request.user
    reader = SimpleNamespace(
        is_authenticated=True, is_anonymous=False, is_active=True, is_staff=bool(user.is_staff),
        pk=slot("user_id"), id=slot("user_id"), get_username=slot("username"),
    )
    shell = {
        **navigation(request),
        **context,
        "user": reader,
        "request": SimpleNamespace(user=reader, get_full_path=slot("next")),
        "csrf_token": slot("csrf"),
        "messages": (),
        "nav_notifications_html": slot("unread"),
    }
    pieces = get_template(FRAGMENT_TEMPLATE).render(shell).encode().split(f"<!--{nonce}:".encode())
    body, slots, offset = [pieces[0]], [], len(pieces[0])
    for piece in pieces[1:]:
        name, _, rest = piece.partition(b"-->")
        slots.append(b"%d:%s" % (offset, name))
        body.append(rest)
        offset += len(rest)
    # First line: the format and where each slot goes (byte offsets into the rest); then the page.
    return b" ".join([PAGE_FORMAT, *slots]) + b"\n" + b"".join(body)


@functools.lru_cache(maxsize=512)
def notifications_item(language: str, unread: int) -> bytes:
    """The navigation's notifications link with its unread badge, per language and count."""
    with translation.override(language):
        return get_template("base.html#nav_notifications").render({"nav_unread_count": unread}).encode()


def nav_notifications(request: HttpRequest, unread: int | None) -> bytes:
    """The notifications link for this reader: ``unread`` from the article's query, else counted."""
    if unread is None:
        unread = selectors.unread_notification_count(request.user)
    return notifications_item(translation.get_language() or settings.LANGUAGE_CODE, unread)


def fill_page(request: HttpRequest, stored: bytes, unread: int | None = None) -> bytes | None:
    """The cached page with this reader's values in its slots (None: not a page this code wrote).

    The slots' offsets are stored with the page, so the page is copied once, into the answer,
    and never searched.
    """
    end = stored.find(b"\n")
    layout, *slots = stored[:end].split(b" ")
    if layout != PAGE_FORMAT:
        return None
    user = request.user
    values = {
        b"csrf": get_token(request).encode(),
        b"user_id": str(user.pk).encode(),
        b"username": conditional_escape(user.get_username()).encode(),
        b"unread": nav_notifications(request, unread),
        b"next": escape(request.get_full_path()).encode(),
    }
    page = memoryview(stored)[end + 1:]
    out, start = [], 0
    for slot in slots:
        offset, _, name = slot.partition(b":")
        value = values.get(name)
        if value is None or not offset.isdigit():
            return None
        out += (page[start:int(offset)], value)
        start = int(offset)
    out.append(page[start:])
    return b"".join(out)


@functools.cache
def _local_store(budget: int) -> ByteBudgetCache:
    return ByteBudgetCache("article-pages-local", {"OPTIONS": {"MAX_BYTES": budget}, "TIMEOUT": FRAGMENT_TIMEOUT})


def page_caches() -> list[BaseCache]:
    """Where a page is looked for, nearest first: this process's copy, then the shared cache.

    With a shared cache (Redis) every server stores each page there, and keeps the pages it
    serves in a byte-bounded copy of its own (``FACTDESK_LOCAL_PAGE_CACHE_BYTES``), so a busy
    page does not cross the network on every request. The keys are versions, never
    invalidated, so a local copy cannot be stale: an edit through any server changes the key.
    Without a shared cache the ``fragments`` cache is local already.
    """
    shared = caches[FRAGMENT_CACHE]
    budget = getattr(settings, "FACTDESK_LOCAL_PAGE_CACHE_BYTES", 0)
    if isinstance(shared, ByteBudgetCache) or budget <= 0:
        return [shared]
    return [_local_store(budget), shared]


def cached_page(request: HttpRequest, context: dict[str, Any], key: str) -> HttpResponse | None:
    """The page from the cache, or rendered and stored; None when it is personal.

    One look-up when this process served the page before, two at most (the local copy, then
    the shared cache). A page above ``FACTDESK_FRAGMENT_MAX_BYTES`` is served but not stored,
    as fragments are.
    """
    if is_personal(request, context):
        return None
    cache_key = f"article-page:{page_key(request, context, key)}"
    unread = getattr(context["article"], "unread_notifications", None)
    missed: list[BaseCache] = []
    content = None
    for store in page_caches():
        stored = store.get(cache_key)
        content = fill_page(request, stored, unread) if isinstance(stored, bytes) else None
        if content is not None:
            break
        missed.append(store)
    if content is None:
        stored = render_page_shell(request, context, key)
        content = fill_page(request, stored, unread)
        if content is None:  # a slot this code cannot fill: render the page as a whole
            return None
    if len(stored) <= settings.FACTDESK_FRAGMENT_MAX_BYTES:
        for store in missed:
            store.set(cache_key, stored, FRAGMENT_TIMEOUT)
    return HttpResponse(content)


@require_safe
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One article, paragraph by paragraph with its claims highlighted, the claim list and panel.

    ``?claim=<id>`` opens that claim's panel on load (links from notifications, no-JS use).
    A warm request costs one query, the article (with its claims' state and the reader's
    unread count), besides the session and the user: the page comes from the cache with the
    reader's values filled in (:func:`cached_page`). A personal page is put together from the
    cached fragments.
    """
    article = selectors.article_for_page(pk, request.user)
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
    response = cached_page(request, context, key)
    if response is not None:
        return response
    add_legend(context)
    add_cached_fragments(request, context, key)
    context["nav_notifications_html"] = mark_safe(nav_notifications(request, article.unread_notifications).decode())
    return render(request, "articles/article_detail.html", context)


@require_GET
def article_highlights(request: HttpRequest, pk: int) -> HttpResponse:
    """The highlighted text plus (out of band) the claim list: reloaded on ``claim-changed``."""
    article = get_object_or_404(selectors.with_claims_state(Article.objects.all()), pk=pk)
    context = annotated_context(request, article)
    context["oob"] = True
    add_cached_fragments(request, context, fragment_key(request, context))
    return render(request, "articles/article_detail.html#highlights", context)

"""The public fact-check pages: no login, published claims only, made to sit behind a CDN.

What the world sees of Factdesk (``/fact-checks/``; URLs in :mod:`annotations.public_urls`):

* a page per published claim, with its ClaimReview JSON-LD pointing at that page, and the
  canonical, Open Graph and Twitter card tags (:func:`claim_page`);
* the article with only its published claims highlighted (:func:`article_page`): each
  highlight is a link to the claim's card further down the page (no script needed);
* the index, filterable and searchable (:func:`index`, :func:`search`; the search URL is
  rate limited by name in ``FACTDESK_RATE_LIMITS``), an Atom feed, ``sitemap.xml``;
* an iframe-able card (:func:`embed`, the only page other sites may frame) and an oEmbed
  endpoint (:func:`oembed`).

Every page reads through :mod:`annotations.public_selectors`, so nothing that is not
published can appear, and answers 404 when ``FACTDESK_PUBLIC_PAGES`` is off. Pages are
rendered without the request (no context processors, no session, no CSRF token), so they
set no cookie and do not vary by cookie: one cached copy serves everyone who reads it in the
same interface language (``Vary: Accept-Language``; the language is part of every ETag and
fragment key, and a page in a language the cookie or the user's setting picked is ``private``,
see :func:`_language_from_browser`; a language named in the address, ``?lang=ar``, which each
page lists as its ``hreflang`` alternates, is a page of its own and stays public). Each page has
an ETag and a Last-Modified from a one-query state (:func:`cacheable`) and
``Cache-Control: public, max-age=FACTDESK_PUBLIC_MAX_AGE``;
see :mod:`annotations.public_cache` for the version bumped, and the CDN purged, on publish and correct.

All user text is autoescaped by the templates; the JSON-LD is serialised with ``<``, ``>``
and ``&`` as ``\\u`` escapes (:func:`json_ld`), so a claim cannot close its script element.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from csp.decorators import csp_replace
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap as django_sitemap
from django.contrib.syndication.views import Feed
from django.core.cache import caches
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import condition, require_safe

from annotations import public_selectors
from annotations.exports.claimreview import claim_review
from annotations.exports.data import ReportClaim, http_url, rating_scale, safe_colour
from annotations.exports.html import highlight_paragraphs
from annotations.models import Claim
from annotations.public_cache import public_version
from annotations.public_links import (
    article_slug,
    claim_slug,
    public_article_path,
    public_claim_path,
    public_claim_url,
    public_embed_url,
    public_pages_enabled,
    site_url,
)
from articles.models import Article
from articles.text import strip_control_chars
from factcheck.display import one_line, truncate
from factcheck.i18n import supported_language

PAGE_SIZE = 20
FEED_SIZE = 50
#: The embedded card's size in an oEmbed answer (a reader may ask for less with maxwidth/maxheight).
EMBED_WIDTH, EMBED_HEIGHT = 480, 280
MIN_EMBED_WIDTH, MIN_EMBED_HEIGHT = 200, 160
#: The cache alias that keeps the rendered highlighted article text (shared with the desk's fragments).
FRAGMENT_CACHE = "fragments"
FRAGMENT_TIMEOUT = 24 * 3600
#: Views an oEmbed ``url`` may name (everything else is "not a public fact-check": 404).
OEMBED_VIEWS = {"public:claim", "public:claim_short", "public:embed"}

_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
_TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "public"


# --- shared helpers -----------------------------------------------------------------------


def json_ld(data: Any) -> SafeString:
    """``data`` as JSON safe inside ``<script type="application/ld+json">`` (same values, ``<>&`` escaped)."""
    text = json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder).translate(_JSON_SCRIPT_ESCAPES)
    return mark_safe(text)  # no character that can end the script element or start markup is left


def organisation() -> dict[str, str | None]:
    return {"name": settings.FACTDESK_ORGANIZATION_NAME, "url": http_url(settings.FACTDESK_ORGANIZATION_URL)}


def render_public(template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """Render without the request: no context processor touches the session, so no ``Vary: Cookie``."""
    context = {"organisation": organisation(), "site_url": site_url(), **context}
    return HttpResponse(render_to_string(template, context), status=status)


def public_pages_on(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """404 for every public URL while ``FACTDESK_PUBLIC_PAGES`` is off (checked per request)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not public_pages_enabled():
            raise Http404(_("The public pages are switched off."))
        return view(request, *args, **kwargs)

    return wrapped


@functools.cache
def _templates_fingerprint() -> str:
    """A hash of the public templates, so a deploy that changes them changes every ETag."""
    digest = hashlib.sha256()
    for path in sorted(_TEMPLATE_DIR.glob("*")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


#: A state function: (request, view kwargs) -> (what the page shows, as parts; when it last changed), or None (404).
State = Callable[..., tuple[list[Any], datetime | None] | None]


def cacheable(state: State) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """ETag, Last-Modified and ``Cache-Control: public`` for a public page, from one cheap ``state`` query.

    The state is read once per request (the ETag and Last-Modified functions share it). The
    ETag hashes it with :func:`annotations.public_cache.public_version` and the templates, so
    it changes when the page would. Only answers that are the page (200, 304) are marked
    public: a 404 or a redirect is not cached by the CDN.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        def read(request: HttpRequest, kwargs: dict[str, Any]) -> tuple[list[Any], datetime | None] | None:
            cache = request.__dict__.setdefault("_public_state", {})
            key = (view.__name__, tuple(sorted(kwargs.items())))
            if key not in cache:
                cache[key] = state(request, **kwargs)
            return cache[key]

        def etag(request: HttpRequest, *args: Any, **kwargs: Any) -> str | None:
            found = read(request, kwargs)
            if found is None:
                return None
            parts = [view.__name__, translation.get_language(), public_version(), _templates_fingerprint(), *found[0]]
            return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]

        def last_modified(request: HttpRequest, *args: Any, **kwargs: Any) -> datetime | None:
            found = read(request, kwargs)
            return None if found is None else found[1]

        def rendered_once(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            # The page is the same for every reader of one state and language (no CSRF token,
            # no per-reader part), so its HTML is kept under its ETag: a reader costs the one
            # state query, not a render. A new state is a new ETag, hence a new key.
            tag = etag(request, *args, **kwargs)
            if tag is None:
                return view(request, *args, **kwargs)
            pages = caches[FRAGMENT_CACHE]
            # The address too: one index state serves every filter, search and sitemap page.
            address = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
            key = f"public-page:{tag}:{address}"
            kept = pages.get(key)
            if kept is not None:  # "<content type>\n<body>" (the fragments cache keeps bytes only)
                content_type, _newline, content = bytes(kept).partition(b"\n")
                return HttpResponse(content, content_type=content_type.decode())
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming and not response.cookies:
                kept = response["Content-Type"].encode() + b"\n" + response.content
                pages.set(key, kept, settings.FACTDESK_PUBLIC_MAX_AGE * 10)
            return response

        conditional = condition(etag_func=etag, last_modified_func=last_modified)(rendered_once)

        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = conditional(request, *args, **kwargs)
            if response.status_code in (200, 304):
                if translation.get_language() in (_language_from_address(request), _language_from_browser(request)):
                    patch_cache_control(response, public=True, max_age=settings.FACTDESK_PUBLIC_MAX_AGE)
                else:
                    # Chosen by the language cookie or the user's setting: a shared cache keyed on
                    # the URL and Accept-Language would hand this copy to the wrong readers.
                    patch_cache_control(response, private=True, max_age=settings.FACTDESK_PUBLIC_MAX_AGE)
            return response

        return wrapped

    return decorator


def _language_from_browser(request: HttpRequest) -> str:
    """The interface language ``Accept-Language`` alone picks (no cookie, no user setting).

    ``LocaleMiddleware`` answers ``Vary: Accept-Language``, so a shared cache keeps one copy per
    browser language; a page in any other language (picked by the cookie or a signed-in user's
    setting) must not be stored there, or it would be served to every reader of that browser language.
    """
    probe = HttpRequest()
    probe.path_info = request.path_info
    accept = request.META.get("HTTP_ACCEPT_LANGUAGE")
    if accept is not None:
        probe.META["HTTP_ACCEPT_LANGUAGE"] = accept
    return translation.get_language_from_request(probe)


def _language_from_address(request: HttpRequest) -> str | None:
    """The language the address names (``?lang=es``), if Factdesk ships it.

    A language in the URL is a page of its own for every cache, so unlike a cookie's choice
    it may be stored publicly: the links a reader shares, and the language links in the
    footer, keep their language and stay cacheable by the CDN.
    """
    return supported_language(request.GET.get(LANGUAGE_PARAMETER))


def in_address_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render in the language ``?lang=`` names, whatever the cookie or the browser says."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = _language_from_address(request)
        if language is None:
            return view(request, *args, **kwargs)
        with translation.override(language):
            response = view(request, *args, **kwargs)
        response["Content-Language"] = language  # LocaleMiddleware would name the cookie's language
        return response

    return wrapped


def same_for_everyone(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Say truthfully that the answer does not depend on the visitor: no ``Vary: Cookie``.

    Django's ``LoginRequiredMiddleware`` asks who the visitor is (reading the session) before
    it looks at ``login_not_required``, and a read session makes ``SessionMiddleware`` add
    ``Vary: Cookie``, which splits a CDN's cache per visitor. Public pages are rendered
    without the request, so the read did not shape them: it is forgotten here (unless the
    session was changed, which these views never do).
    """

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        session = getattr(request, "session", None)
        if session is not None and not session.modified:
            session.accessed = False
        return response

    return wrapped


#: The query parameter naming a public page's language: ``/fact-checks/…?lang=ar``.
LANGUAGE_PARAMETER = "lang"


def public_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Every public view: no login, GET/HEAD only, 404 when the public pages are off, not varying by cookie."""
    return login_not_required(same_for_everyone(require_safe(public_pages_on(in_address_language(view)))))


def _latest(*values: datetime | None) -> datetime | None:
    present = [value for value in values if value is not None]
    return max(present) if present else None


# --- states for ETag / Last-Modified ------------------------------------------------------


def _claim_state(request: HttpRequest, claim_id: int, **kwargs: Any) -> tuple[list[Any], datetime | None] | None:
    row = public_selectors.claim_state(claim_id)
    if row is None:
        return None
    return list(row.values()), _latest(row["updated_at"], row["article__updated_at"])


def _article_state(request: HttpRequest, article_id: int, **kwargs: Any) -> tuple[list[Any], datetime | None] | None:
    row = public_selectors.article_state(article_id)
    if row is None:
        return None
    return list(row.values()), _latest(row["updated_at"], row["latest"])


def _index_state(request: HttpRequest, **kwargs: Any) -> tuple[list[Any], datetime | None]:
    row = public_selectors.index_state()
    return list(row.values()), _latest(row["latest"], row["latest_article"])


# --- the claim page -----------------------------------------------------------------------


def _source_rows(note: ReportClaim) -> list[dict[str, Any]]:
    """Sources with their links checked; an archived copy kept on this desk (a snapshot) is named, not linked.

    Snapshot pages are the desk's (they need a login), so linking them from a public page
    would lead readers to a login form.
    """
    own = site_url("/")
    rows = []
    for link in note.source_links:
        archive = link.archive_url
        rows.append({
            "link": link,
            "archive_url": archive if archive and not archive.startswith(own) else None,
            "archived_here": bool(archive and archive.startswith(own)),
        })
    return rows


def _description(note: ReportClaim) -> str:
    """One line for search results and link previews: the verdict, then the rationale."""
    claim = note.claim
    verdict = claim.verdict.name if claim.verdict else ""
    text = claim.rationale or claim.statement or claim.exact
    return one_line(f"{verdict}. {text}" if verdict else text, 300)


def claim_context(note: ReportClaim) -> dict[str, Any]:
    """Everything the claim page and the embed card show."""
    claim, article = note.claim, note.claim.article
    url = public_claim_url(claim) or site_url(public_claim_path(claim))
    embed_url = public_embed_url(claim) or ""
    return {
        "note": note,
        "claim": claim,
        "article": article,
        "verdict_colour": note.verdict_colour,
        "canonical_url": url,
        "embed_url": embed_url,
        "embed_code": _iframe(embed_url, claim, EMBED_WIDTH, EMBED_HEIGHT),
        "oembed_url": site_url(reverse("public:oembed")) + "?" + _query({"url": url, "format": "json"}),
        "article_url": http_url(article.url),
        "article_page": public_article_path(article),
        "sources": _source_rows(note),
        "title": one_line(claim.statement or claim.exact, 110),
        "description": _description(note),
        "claimant_link": reverse("public:index") + "?" + _query({"claimant": claim.claimant}) if claim.claimant else "",
    }


def _query(params: dict[str, str]) -> str:
    return urlencode(params)


@public_view
@cacheable(_claim_state)
def claim_page(request: HttpRequest, claim_id: int, slug: str) -> HttpResponse:
    """A published fact-check; an old or missing slug redirects to the current address."""
    note = public_selectors.public_claim(claim_id)
    if note is None:
        raise Http404(_("No published fact-check has this number."))
    if slug != claim_slug(note.claim):
        return HttpResponsePermanentRedirect(public_claim_path(note.claim))
    context = claim_context(note)
    context["claim_review"] = json_ld(claim_review(note.claim.article, note, rating_scale()))
    return render_public("public/claim.html", context)


@public_view
def claim_short(request: HttpRequest, claim_id: int) -> HttpResponse:
    """``/fact-checks/128/``: the short form of the address, redirected to the page."""
    claim = public_selectors.public_claims().only("pk", "statement", "exact").filter(pk=claim_id).first()
    if claim is None:
        raise Http404(_("No published fact-check has this number."))
    return HttpResponsePermanentRedirect(public_claim_path(claim))


@public_view
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
@cacheable(_claim_state)
def embed(request: HttpRequest, claim_id: int) -> HttpResponse:
    """The card an outlet's CMS puts in an iframe: the only public page other sites may frame."""
    note = public_selectors.public_claim(claim_id)
    if note is None:
        raise Http404(_("No published fact-check has this number."))
    return render_public("public/embed.html", claim_context(note))


# --- the annotated article ----------------------------------------------------------------


def _article_text(article: Article, notes: list[ReportClaim]) -> SafeString:
    """The highlighted text, rendered once per public version and content (kept in the fragments cache)."""
    # The interface language too: the fragment carries translated screen-reader labels.
    parts = [str(public_version()), translation.get_language(), str(article.pk), article.content_hash, article.language]
    parts += [
        f"{n.claim.pk}:{n.claim.version}:{n.claim.start}:{n.claim.end}:{n.claim.anchor_state}:{n.verdict_colour}:"
        f"{n.claim.verdict.name if n.claim.verdict else ''}"
        for n in notes
    ]
    key = "public-article-text:" + hashlib.sha256("\n".join([_templates_fingerprint(), *parts]).encode()).hexdigest()
    fragments = caches[FRAGMENT_CACHE]
    html = fragments.get(key)
    if html is None:
        verdicts = {n.number: n.claim.verdict.name if n.claim.verdict else "" for n in notes}
        paragraphs = [
            [
                {
                    "text": run.text,
                    # The innermost claim (last) is the one a click shows; overlaps list every claim.
                    "target": run.claims[-1] if run.claims else None,
                    "claims": " ".join(map(str, run.claims)),
                    "overlap": run.overlap,
                    "colour": run.colour or safe_colour(None),
                    "markers": [(number, verdicts.get(number, "")) for number in run.markers],
                }
                for run in paragraph
            ]
            for paragraph in highlight_paragraphs(article.body, notes)
        ]
        html = render_to_string("public/_article_text.html", {"paragraphs": paragraphs, "article": article})
        if len(html.encode()) <= settings.FACTDESK_FRAGMENT_MAX_BYTES:
            fragments.set(key, html, FRAGMENT_TIMEOUT)
    return mark_safe(html)  # our template's output, escaped when it was rendered


@public_view
@cacheable(_article_state)
def article_page(request: HttpRequest, article_id: int, slug: str) -> HttpResponse:
    """The article with only its published claims highlighted; each highlight leads to its verdict below."""
    found = public_selectors.public_article(article_id)
    if found is None:
        raise Http404(_("This article has no published fact-checks."))
    article, notes = found
    if slug != article_slug(article):
        return HttpResponsePermanentRedirect(public_article_path(article))
    return render_public("public/article.html", {
        "article": article,
        "article_url": http_url(article.url),
        "canonical_url": site_url(public_article_path(article)),
        "article_text": _article_text(article, notes),
        "cards": [(note, public_claim_path(note.claim)) for note in notes],
        "orphans": [note for note in notes if not note.highlighted],
    })


# --- the index ----------------------------------------------------------------------------


class PublicFilterForm(forms.Form):
    """The index's filters and search; an invalid value is reported and left out, never a 500."""

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    verdict = forms.ChoiceField(label=gettext_lazy("Verdict"), required=False)
    claimant = forms.CharField(label=gettext_lazy("Claimant"), required=False, max_length=300)
    outlet = forms.ChoiceField(label=gettext_lazy("Outlet"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("Checked from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("Checked until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, verdicts: list[Any], outlets: list[str], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["verdict"].choices = [("", _("Any verdict")), *((label.slug, label.name) for label in verdicts)]
        self.fields["outlet"].choices = [("", _("All outlets")), *((outlet, outlet) for outlet in outlets)]

    def filters(self) -> public_selectors.PublicFilters:
        if not self.is_bound:
            return public_selectors.PublicFilters()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return public_selectors.PublicFilters(
            text=strip_control_chars(data.get("q") or "").strip(),
            verdict=data.get("verdict") or "",
            claimant=strip_control_chars(data.get("claimant") or "").strip(),
            outlet=data.get("outlet") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


def _index_page(request: HttpRequest, *, searching: bool) -> HttpResponse:
    labels = public_selectors.verdict_choices()
    form = PublicFilterForm(
        request.GET or None, verdicts=labels, outlets=public_selectors.outlet_choices()
    )
    filters = form.filters()
    page = Paginator(public_selectors.public_index(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    colours = {label.pk: safe_colour(label.colour) for label in labels}
    rows = [(claim, public_claim_path(claim), colours.get(claim.verdict_id, safe_colour(None))) for claim in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render_public("public/index.html", {
        "form": form,
        "page": page,
        "rows": rows,
        "filters_active": filters.active,
        "searching": searching,
        "query_string": query.urlencode(),
        "canonical_url": site_url(reverse("public:index")),
        "feed_url": site_url(reverse("public:feed")),
    })


@public_view
@cacheable(_index_state)
def index(request: HttpRequest) -> HttpResponse:
    """Published fact-checks, newest first, with filters; a text search goes to :func:`search` (rate limited)."""
    if request.GET.get("q", "").strip():
        return HttpResponseRedirect(reverse("public:search") + "?" + request.GET.urlencode())
    return _index_page(request, searching=False)


@public_view
@cacheable(_index_state)
def search(request: HttpRequest) -> HttpResponse:
    """The index with a text search (its own URL name, so ``FACTDESK_RATE_LIMITS`` can limit it)."""
    return _index_page(request, searching=True)


# --- feed and sitemap ---------------------------------------------------------------------


def _xml_text(text: str) -> str:
    """Text safe for XML 1.0 (the feed generator refuses control characters)."""
    return strip_control_chars(text).replace("\t", " ")


class LatestFactChecks(Feed):
    """The latest published fact-checks as Atom (``/fact-checks/feed/``)."""

    feed_type = Atom1Feed

    def title(self) -> str:
        return _xml_text(_("%(organisation)s: fact-checks") % {"organisation": settings.FACTDESK_ORGANIZATION_NAME})

    def subtitle(self) -> str:
        return _("The latest published fact-checks, newest first.")

    def link(self) -> str:
        return site_url(reverse("public:index"))

    def feed_url(self) -> str:
        return site_url(reverse("public:feed"))

    def author_name(self) -> str:
        return _xml_text(settings.FACTDESK_ORGANIZATION_NAME)

    def items(self) -> list[Claim]:
        return public_selectors.latest_public_claims(FEED_SIZE)

    def item_title(self, claim: Claim) -> str:
        verdict = f"{claim.verdict.name}: " if claim.verdict else ""
        return _xml_text(one_line(verdict + (claim.statement or claim.exact), 200))

    def item_description(self, claim: Claim) -> str:
        # Atom summaries are read as HTML: the text is escaped so it stays text.
        claimant = f"{claim.claimant}: " if claim.claimant else ""
        return escape(_xml_text(truncate(f"{claimant}“{one_line(claim.statement or claim.exact, 500)}”. "
                                         f"{claim.rationale}", 1000)))

    def item_link(self, claim: Claim) -> str:
        return site_url(public_claim_path(claim))

    def item_guid(self, claim: Claim) -> str:
        return site_url(reverse("public:claim_short", kwargs={"claim_id": claim.pk}))

    def item_pubdate(self, claim: Claim) -> datetime | None:
        return claim.published_at

    def item_updateddate(self, claim: Claim) -> datetime:
        return claim.updated_at

    def item_categories(self, claim: Claim) -> list[str]:
        return [_xml_text(claim.verdict.name)] if claim.verdict else []


_latest_fact_checks = LatestFactChecks()


@public_view
@cacheable(_index_state)
def feed(request: HttpRequest) -> HttpResponse:
    """The Atom feed (django.contrib.syndication) with the public pages' caching headers."""
    return _latest_fact_checks(request)


class _PublicSitemap(Sitemap):
    """Addresses on ``FACTDESK_SITE_URL`` (not on whatever host the request used)."""

    limit = 10000  # addresses per sitemap file (the protocol allows 50,000; smaller files are cheaper to build)

    @property
    def protocol(self) -> str:  # type: ignore[override]
        return urlsplit(site_url("/")).scheme or "https"

    def get_domain(self, site: Any = None) -> str:
        return urlsplit(site_url("/")).netloc


class ClaimSitemap(_PublicSitemap):
    def items(self) -> Any:
        return public_selectors.public_claims().only("pk", "statement", "exact", "updated_at").order_by("pk")

    def location(self, claim: Claim) -> str:
        return public_claim_path(claim)

    def lastmod(self, claim: Claim) -> datetime:
        return claim.updated_at


class ArticleSitemap(_PublicSitemap):
    def items(self) -> Any:
        return public_selectors.public_articles().only("pk", "title", "updated_at").order_by("pk")

    def location(self, article: Article) -> str:
        return public_article_path(article)

    def lastmod(self, article: Article) -> datetime:
        return article.updated_at


SITEMAPS: dict[str, type[_PublicSitemap]] = {"fact-checks": ClaimSitemap, "articles": ArticleSitemap}


@public_view
@cacheable(_index_state)
def sitemap(request: HttpRequest) -> HttpResponse:
    """``sitemap.xml``: the sitemap index, one entry per file of each section (a count query per section)."""
    entries = []
    for section, sitemap_class in SITEMAPS.items():
        path = site_url(reverse("public:sitemap_section", kwargs={"section": section}))
        pages = sitemap_class().paginator.num_pages
        entries += [path if number == 1 else f"{path}?p={number}" for number in range(1, pages + 1)]
    content = render_to_string("public/sitemap_index.xml", {"entries": entries})
    return HttpResponse(content, content_type="application/xml")


@public_view
@cacheable(_index_state)
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    """One file of the sitemap: published fact-checks, or articles with one (django.contrib.sitemaps, ``?p=`` pages)."""
    if section not in SITEMAPS:
        raise Http404(_("There is no such sitemap."))
    response = django_sitemap(request, SITEMAPS, section=section, template_name="public/sitemap.xml")
    response.render()
    return response


# --- oEmbed -------------------------------------------------------------------------------


def _iframe(src: str, claim: Claim, width: int, height: int) -> str:
    title = _("Fact-check: %(claim)s") % {"claim": one_line(claim.statement or claim.exact, 100)}
    return format_html(
        '<iframe src="{}" width="{}" height="{}" title="{}" loading="lazy" style="border:0;max-width:100%"></iframe>',
        src, width, height, title,
    )


def claim_id_from_url(url: str, request: HttpRequest) -> int | None:
    """The claim a public fact-check address names (page, short form or embed); None for anything else."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    ours = urlsplit(site_url("/"))
    if parts.netloc.lower() not in {ours.netloc.lower(), request.get_host().lower()}:
        return None
    path = parts.path or "/"
    prefix = ours.path.rstrip("/")
    if prefix and path.startswith(prefix + "/"):
        path = path[len(prefix):]
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name not in OEMBED_VIEWS:
        return None
    return int(match.kwargs["claim_id"])


def _dimension(value: str | None, default: int, minimum: int) -> int:
    """maxwidth/maxheight: the default, or less when asked (never below ``minimum``); ValueError if not a number."""
    if value in (None, ""):
        return default
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return max(minimum, min(default, number))


def _oembed_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@public_view
def oembed(request: HttpRequest) -> HttpResponse:
    """oEmbed 1.0 (``/oembed?url=...&format=json``): a ``rich`` answer whose html is the card's iframe.

    404 for an address that is not a published fact-check here, 501 for any format but
    JSON (as the oEmbed spec asks, e.g. ``format=xml``), 400 for a missing url or a
    maxwidth/maxheight that is not a positive number.
    """
    fmt = request.GET.get("format", "json").strip().lower() or "json"
    if fmt != "json":
        return HttpResponse(_("Only format=json is available."), status=501, content_type="text/plain; charset=utf-8")
    url = request.GET.get("url", "")
    if not url.strip():
        return _oembed_error(_("Give the address of a fact-check as ?url=..."), 400)
    try:
        width = _dimension(request.GET.get("maxwidth"), EMBED_WIDTH, MIN_EMBED_WIDTH)
        height = _dimension(request.GET.get("maxheight"), EMBED_HEIGHT, MIN_EMBED_HEIGHT)
    except ValueError:
        return _oembed_error(_("maxwidth and maxheight must be positive whole numbers."), 400)
    claim_id = claim_id_from_url(url, request)
    claim = None
    if claim_id is not None:
        claim = public_selectors.public_claims().select_related("verdict").filter(pk=claim_id).first()
    if claim is None:
        return _oembed_error(_("This address is not a published fact-check on this site."), 404)
    org = organisation()
    data = {
        "version": "1.0",
        "type": "rich",
        "title": one_line(claim.statement or claim.exact, 200),
        "provider_name": org["name"],
        "provider_url": org["url"] or site_url("/"),
        "html": _iframe(public_embed_url(claim) or "", claim, width, height),
        "width": width,
        "height": height,
        "cache_age": settings.FACTDESK_PUBLIC_MAX_AGE,
    }
    response = JsonResponse(data)
    patch_cache_control(response, public=True, max_age=settings.FACTDESK_PUBLIC_MAX_AGE)
    return response

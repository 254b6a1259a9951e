"""The W3C Web Annotation Protocol (https://www.w3.org/TR/annotation-protocol/) over the desk's claims.

Each article is one Annotation Container (an LDP Basic Container that is also an
``AnnotationCollection``) at ``/api/w3c/articles/<id>/``; each claim is one Annotation at
``/api/w3c/articles/<id>/<claim id>`` (the container's IRI with one more component, as the
protocol requires). An annotation client that anchors with ``TextQuoteSelector`` and
``TextPositionSelector`` (Hypothesis' shape) reads and writes claims here:

* reads go through ``claim_policy`` like the rest of the API (a claim the user may not see
  is neither listed nor found), and an annotation is the W3C export's own JSON-LD
  (:func:`annotations.exports.w3c.annotation_for`) with the protocol's ``id``;
* ``POST`` to a container places the target with the W3C import's resolution
  (:func:`annotations.exports.w3c.locate`: position first, else the quote) and creates the
  claim through ``annotations.services`` (verdict, rationale and sources as the import reads
  them); ``PUT`` (full state) and ``DELETE`` need ``If-Match`` (428 without, 412 when stale);
* the container is paged (ActivityStreams ``AnnotationPage``: ``partOf``, ``startIndex``,
  ``next``, ``prev``) and honours ``Prefer`` (minimal container, IRIs, descriptions);
* responses are ``application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"`` (also
  ``application/json`` on request; any other ``Accept`` is 406, another body type 415), with
  the protocol's ``Link``, ``Allow``, ``Vary``, ``ETag`` and ``Content-Location`` headers.

Authentication, throttling and problem+json errors are the API's (``REST_FRAMEWORK`` settings).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from rest_framework import exceptions, permissions, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations import services
from annotations.anchoring import AnchorError, AnchorTimeout
from annotations.credits import credits_for
from annotations.exports.data import ReportClaim, claims_for_export, may_see_unpublished, report_claims
from annotations.exports.w3c import (
    ANNO_CONTEXT,
    ImportFormatError,
    _links_of,
    _refuse_surrogates,
    _text_of,
    _types,
    annotation_for,
    locate,
    lookup_for,
)
from annotations.models import Claim, RatingLabel
from annotations.permissions import claim_policy
from api.views import etag, expected_version, require_may_change
from articles.models import Article
from articles.permissions import article_policy

#: The protocol's media type: JSON-LD with the Web Annotation profile.
ANNO_MEDIA_TYPE = f'application/ld+json; profile="{ANNO_CONTEXT}"'
PLAIN_JSON = "application/json"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
LDP_RESOURCE = "http://www.w3.org/ns/ldp#Resource"
LDP_BASIC_CONTAINER = "http://www.w3.org/ns/ldp#BasicContainer"
OA_ANNOTATION = "http://www.w3.org/ns/oa#Annotation"
CONSTRAINED_BY = "http://www.w3.org/ns/ldp#constrainedBy"
PROTOCOL_SPEC = "http://www.w3.org/TR/annotation-protocol/"
PREFER_MINIMAL = "http://www.w3.org/ns/ldp#PreferMinimalContainer"
PREFER_IRIS = "http://www.w3.org/ns/oa#PreferContainedIRIs"
PREFER_DESCRIPTIONS = "http://www.w3.org/ns/oa#PreferContainedDescriptions"

#: Annotations per page unless ``?page_size=`` asks for fewer or more (at most MAX_PAGE_SIZE, as the API).
PAGE_SIZE = 50
MAX_PAGE_SIZE = 100

CONTAINER_LINK = f'<{LDP_BASIC_CONTAINER}>; rel="type", <{PROTOCOL_SPEC}>; rel="{CONSTRAINED_BY}"'
ANNOTATION_LINK = f'<{LDP_RESOURCE}>; rel="type", <{OA_ANNOTATION}>; rel="type"'
ACCEPT_POST = f"{ANNO_MEDIA_TYPE}, {PLAIN_JSON}"


# --- media types ---------------------------------------------------------------------------


def _media_range(text: str) -> tuple[str, dict[str, str]]:
    """``type/subtype`` (lower case) and its parameters (names lower case, quotes removed)."""
    kind, *rest = text.split(";")
    params: dict[str, str] = {}
    for param in rest:
        name, _, value = param.partition("=")
        if name.strip():
            params[name.strip().lower()] = value.strip().strip('"')
    return kind.strip().lower(), params


def _names_anno_profile(params: dict[str, str]) -> bool:
    """No ``profile`` parameter, or one whose space-separated list holds the Web Annotation profile."""
    return "profile" not in params or ANNO_CONTEXT in params["profile"].split()


def negotiated_type(accept: str) -> str | None:
    """The response type for an ``Accept`` header (None: nothing we can send, a 406).

    No header (or ``*/*``, ``application/*``, JSON-LD with no profile or the Web Annotation
    profile) means the protocol's type; ``application/json`` is served too, for plain JSON
    clients. The highest ``q`` wins; on a tie, the protocol's type.
    """
    if not accept.strip():
        return ANNO_MEDIA_TYPE
    best: tuple[float, int, str] | None = None
    for position, item in enumerate(accept.split(",")):
        if not item.strip():
            continue
        kind, params = _media_range(item)
        try:
            quality = float(params.get("q", "1"))
        except ValueError:
            quality = 0.0
        if quality <= 0:
            continue
        if kind in ("*/*", "application/*") or (kind == "application/ld+json" and _names_anno_profile(params)):
            offer, rank = ANNO_MEDIA_TYPE, 0
        elif kind == PLAIN_JSON:
            offer, rank = PLAIN_JSON, 1
        else:
            continue
        candidate = (-quality, rank * 1000 + position, offer)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else None


class AnnotationRenderer(JSONRenderer):
    """JSON-LD with the Web Annotation profile (the protocol's default type)."""

    media_type = ANNO_MEDIA_TYPE
    format = "jsonld"


class PlainJsonRenderer(JSONRenderer):
    media_type = PLAIN_JSON
    format = "json"


class ProtocolNegotiation(DefaultContentNegotiation):
    """Choose the response type by :func:`negotiated_type` (DRF's matcher compares parameters the other way round)."""

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        wanted = negotiated_type(request.META.get("HTTP_ACCEPT", ""))
        for renderer in renderers:
            if renderer.media_type == wanted:
                return renderer, renderer.media_type
        raise exceptions.NotAcceptable(
            f"Annotations are served as {ANNO_MEDIA_TYPE} (or {PLAIN_JSON}): ask for one of them in Accept."
        )


class AnnotationParser(JSONParser):
    """A JSON-LD request body; a profile other than the Web Annotation one is 415, deep nesting a 400."""

    media_type = "application/ld+json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        _kind, params = _media_range(media_type or "")
        if not _names_anno_profile(params):
            raise exceptions.UnsupportedMediaType(
                media_type, detail=f"Send annotations with the Web Annotation profile: {ANNO_MEDIA_TYPE}."
            )
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError("The annotation is nested too deeply.") from error


class PlainJsonParser(AnnotationParser):
    media_type = PLAIN_JSON


# --- preferences and addresses --------------------------------------------------------------


def preferred_includes(prefer: str) -> set[str]:
    """The IRIs of ``include`` in ``Prefer: return=representation; include="..."`` (RFC 7240, LDP)."""
    includes: set[str] = set()
    for preference in prefer.split(","):
        name, params = _media_range(preference)  # the same token;param=value shape
        if name.replace(" ", "") != "return=representation":
            continue
        includes.update(params.get("include", "").split())
    return includes


def container_path(article_id: int) -> str:
    return reverse("api:w3c-container", args=[article_id])


def annotation_iri(request: Request, claim: Claim) -> str:
    return request.build_absolute_uri(reverse("api:w3c-annotation", args=[claim.article_id, claim.pk]))


def _int_query(request: Request, name: str, default: int, low: int, high: int | None = None) -> int:
    value = request.query_params.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < low or (high is not None and int(value) > high):
        upper = f" and {high}" if high is not None else ""
        raise exceptions.ValidationError({"detail": f"{name} must be a whole number between {low}{upper}."})
    return int(value)


class Listing:
    """What a container request asks for: IRIs or descriptions, which page, how many per page."""

    def __init__(self, request: Request, article_id: int) -> None:
        includes = preferred_includes(request.headers.get("Prefer", ""))
        if PREFER_IRIS in includes and PREFER_DESCRIPTIONS in includes:
            raise exceptions.ValidationError(
                {"detail": "Prefer either PreferContainedIRIs or PreferContainedDescriptions, not both."}
            )
        self.prefer_applied = bool(includes & {PREFER_MINIMAL, PREFER_IRIS, PREFER_DESCRIPTIONS})
        self.minimal = PREFER_MINIMAL in includes
        if PREFER_IRIS in includes:
            iris = 1
        elif PREFER_DESCRIPTIONS in includes:
            iris = 0
        else:  # the pages' own IRIs say it (clients do not send Prefer for pages); else descriptions
            iris = _int_query(request, "iris", 0, 0, 1)
        self.iris = bool(iris)
        self.page_size = _int_query(request, "page_size", PAGE_SIZE, 1, MAX_PAGE_SIZE)
        self.page = _int_query(request, "page", -1, 0) if "page" in request.query_params else None
        self.base = request.build_absolute_uri(container_path(article_id))

    def _iri(self, **extra: int) -> str:
        params: dict[str, int] = {"iris": int(self.iris)}
        if self.page_size != PAGE_SIZE:
            params["page_size"] = self.page_size
        return f"{self.base}?{urlencode(params | extra)}"

    @property
    def container_iri(self) -> str:
        """The container's IRI for this representation (IRIs or descriptions): its ``id`` and Content-Location."""
        return self._iri()

    def page_iri(self, number: int) -> str:
        return self._iri(page=number)

    def pages(self, total: int) -> int:
        return max(1, math.ceil(total / self.page_size))


# --- reads ----------------------------------------------------------------------------------


def visible_article(user: AbstractBaseUser | AnonymousUser, article_id: int) -> Article:
    article = article_policy.instances_user_has_permission_for(user, "view").filter(pk=article_id).first()
    if article is None:
        raise Http404
    return article


def visible_claims(user: AbstractBaseUser | AnonymousUser, article: Article) -> QuerySet[Claim]:
    """The article's claims the user may see (readers: published ones), with what an annotation shows."""
    return claim_policy.visible(user, claims_for_export(published_only=False).filter(article=article))


def container_etag(claims: QuerySet[Claim], article: Article, representation: str) -> str:
    """A tag that changes when any visible claim, the set of them or the article changes (one query)."""
    state = claims.order_by().aggregate(count=Count("pk"), versions=Sum("version"), last=Max("pk"),
                                        changed=Max("updated_at"))
    key = f"{article.pk}:{article.version}:{state}:{representation}"
    return f'W/"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'


def describe(request: Request, article: Article, note: ReportClaim) -> dict[str, Any]:
    """The export's W3C annotation of one claim, named by its IRI in the container."""
    annotation = annotation_for(article, note)
    annotation["id"] = annotation_iri(request, note.claim)
    return annotation


def describe_claim(request: Request, article: Article, claim: Claim) -> dict[str, Any]:
    """One claim as its annotation (three queries: sources, history, corrections)."""
    claim.article = article
    note = ReportClaim(
        number=claim.pk, claim=claim, sources=list(claim.sources.order_by("id")),
        credits=credits_for([claim])[claim.pk],
    )
    return describe(request, article, note)


# --- writes ---------------------------------------------------------------------------------


def annotation_in(request: Request) -> dict[str, Any]:
    """The request body as one Annotation (400 when it is not one, 415 for another JSON-LD context)."""
    data = request.data
    if not isinstance(data, dict) or "Annotation" not in _types(data):
        raise exceptions.ValidationError({"detail": 'Send one Annotation (a JSON object with "type": "Annotation").'})
    context = data.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if context is not None and ANNO_CONTEXT not in contexts:
        raise exceptions.UnsupportedMediaType(
            request.content_type, detail=f"The annotation's @context must include {ANNO_CONTEXT}."
        )
    try:
        _refuse_surrogates(data)
    except ImportFormatError as error:
        raise exceptions.ValidationError({"detail": str(error)}) from error
    return data


def research_of(annotation: dict[str, Any]) -> dict[str, Any]:
    """Verdict and rationale as the W3C import reads them (``assessing`` / first ``commenting`` body)."""
    changes: dict[str, Any] = {"rationale": _text_of(annotation, "commenting")}
    name = _text_of(annotation, "assessing").strip()
    changes["verdict"] = None
    if name:
        label = next((label for label in RatingLabel.objects.all() if label.name.casefold() == name.casefold()), None)
        if label is None:
            raise exceptions.ValidationError({"detail": f"“{name[:80]}” is not a verdict of the rating scale."})
        changes["verdict"] = label
    return changes


def place(article: Article, annotation: dict[str, Any]) -> tuple[int, int]:
    """Where the annotation's target lies in the article (the W3C import's resolution; 400 when nowhere)."""
    deadline = time.monotonic() + settings.FACTDESK_W3C_ANCHOR_BUDGET_MS / 1000
    try:
        start, end, _searched = locate(article.body, annotation, deadline=deadline)
    except AnchorTimeout as error:
        raise exceptions.ValidationError(
            {"detail": "The quoted passage could not be found within the time budget: send a TextPositionSelector."}
        ) from error
    except AnchorError as error:
        raise exceptions.ValidationError({"detail": str(error)}) from error
    return start, end


def _iri_of(annotation: dict[str, Any], key: str) -> str:
    """An IRI the client gave (``canonical``, or its own ``id`` kept as ``via``); '' when absent or not text."""
    value = annotation.get(key)
    return value.strip() if isinstance(value, str) else ""


def create_from(article: Article, annotation: dict[str, Any], user: AbstractBaseUser) -> Claim:
    """A new claim from an annotation, through the services, in one transaction (all or nothing)."""
    start, end = place(article, annotation)
    research = research_of(annotation)
    with transaction.atomic():
        try:  # the service checks the quote again on the locked, current text (an edit may have just landed)
            claim = services.create_claim(
                article, start, end, article.body[start:end], user=user,
                statement=_text_of(annotation, "describing"), claimant=_text_of(annotation, "identifying"),
                canonical_iri=_iri_of(annotation, "canonical"), via_iri=_iri_of(annotation, "id"),
            )
        except AnchorError as error:
            raise exceptions.ValidationError({"detail": str(error)}) from error
        changes = {name: value for name, value in research.items() if value}
        if changes:
            claim = services.update_claim(claim, user=user, expected_version=claim.version, changes=changes)
        for url in _links_of(annotation):
            services.add_source(claim, user=user, url=url)
    return claim


def require_same_target(claim: Claim, annotation: dict[str, Any]) -> None:
    """409 when a PUT moves the annotation: re-anchoring a claim is the desk's re-attach, not an edit."""
    try:
        lookup = lookup_for(annotation)
    except AnchorError as error:
        raise exceptions.ValidationError({"detail": str(error)}) from error
    if lookup.exact is None and lookup.start is None:
        raise exceptions.ValidationError({"detail": "The target needs its TextQuoteSelector or TextPositionSelector."})
    moved = (lookup.exact is not None and lookup.exact != claim.exact) or (
        lookup.start is not None and (lookup.start, lookup.end) != (claim.start, claim.end)
    )
    if moved:
        raise Conflict("The target cannot change: create a new annotation for other words.")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the annotation's state."
    default_code = "conflict"


def update_from(claim: Claim, annotation: dict[str, Any], user: AbstractBaseUser, version: int) -> Claim:
    """Replace the claim's research with the annotation's (PUT is the whole new state), through the services."""
    changes = research_of(annotation) | {
        "statement": _text_of(annotation, "describing") or claim.exact,
        "claimant": _text_of(annotation, "identifying"),
    }
    wanted = _links_of(annotation)
    with transaction.atomic():
        claim = services.update_claim(claim, user=user, expected_version=version, changes=changes)
        sources = list(claim.sources.order_by("id"))
        for source in sources:
            if source.url not in wanted and source.url.startswith(("http://", "https://")):
                services.remove_source(source, user=user)
        have = {source.url for source in sources}
        for url in wanted:
            if url not in have:
                services.add_source(claim, user=user, url=url)
    return claim


# --- views ----------------------------------------------------------------------------------


class ProtocolView(APIView):
    """What the container and annotation views share: types, negotiation, CORS pre-flight, headers."""

    renderer_classes = [AnnotationRenderer, PlainJsonRenderer]
    parser_classes = [AnnotationParser, PlainJsonParser]
    content_negotiation_class = ProtocolNegotiation
    link = ""
    vary: tuple[str, ...] = ("Accept",)
    #: Every method the resource supports (OPTIONS, and anyone who may not be told more, hear these).
    methods: tuple[str, ...] = ()
    schema = None  # not part of the OpenAPI schema (a JSON-LD protocol of its own)

    def get_permissions(self) -> list[permissions.BasePermission]:
        # A CORS pre-flight carries no credentials: OPTIONS answers headers only, to anyone.
        if self.request.method == "OPTIONS":
            return [permissions.AllowAny()]
        return super().get_permissions()

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = Response(status=status.HTTP_200_OK)
        response["Allow"] = ", ".join(self.methods)
        return response

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        allow = response.get("Allow") if hasattr(response, "get") else None
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Allow"] = allow or ", ".join(self.methods)
        response["Link"] = self.link
        patch_vary_headers(response, self.vary)
        return response


class Container(ProtocolView):
    """An article's annotations: GET/HEAD the container or one of its pages, POST a new annotation."""

    link = CONTAINER_LINK
    vary = ("Accept", "Prefer")
    methods = ("GET", "HEAD", "OPTIONS", "POST")

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().options(request, *args, **kwargs)
        response["Accept-Post"] = ACCEPT_POST
        return response

    def get(self, request: Request, article_id: int) -> Response:
        listing = Listing(request, article_id)
        article = visible_article(request.user, article_id)
        claims = visible_claims(request.user, article)
        ids = list(claims.order_by("start", "end", "pk").values_list("pk", flat=True))
        if listing.page is not None:
            data = self.page(request, article, listing, ids, listing.page, embedded=False)
            allow = ("GET", "HEAD", "OPTIONS")
        else:
            data = self.container(request, article, listing, ids)
            allow = self.allowed(request)
        response = Response(data)
        response["Allow"] = ", ".join(allow)
        response["ETag"] = container_etag(claims, article, data["id"])
        if listing.page is None:
            response["Content-Location"] = data["id"]
            response["Accept-Post"] = ACCEPT_POST
            if listing.prefer_applied:
                response["Preference-Applied"] = "return=representation"
        return response

    def allowed(self, request: Request) -> tuple[str, ...]:
        if claim_policy.user_has_permission(request.user, "add"):
            return self.methods
        return ("GET", "HEAD", "OPTIONS")

    def container(self, request: Request, article: Article, listing: Listing, ids: list[int]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "@context": [ANNO_CONTEXT, LDP_CONTEXT],
            "id": listing.container_iri,
            "type": ["BasicContainer", "AnnotationCollection"],
            "label": f"Claims on “{article.title}”",
            "total": len(ids),
        }
        if ids:
            data["first"] = (
                listing.page_iri(0) if listing.minimal else self.page(request, article, listing, ids, 0, embedded=True)
            )
            data["last"] = listing.page_iri(listing.pages(len(ids)) - 1)
        return data

    def page(
        self, request: Request, article: Article, listing: Listing, ids: list[int], number: int, *, embedded: bool
    ) -> dict[str, Any]:
        last = listing.pages(len(ids)) - 1
        if number > last:
            raise exceptions.NotFound(f"This container has {last + 1} page{'s' if last else ''} (page=0 to {last}).")
        start = number * listing.page_size
        chosen = ids[start:start + listing.page_size]
        if listing.iris:
            items: list[Any] = [
                request.build_absolute_uri(reverse("api:w3c-annotation", args=[article.pk, pk])) for pk in chosen
            ]
        else:
            wanted = set(chosen)
            published_only = not may_see_unpublished(request.user)
            rows = [row for row in report_claims(article, published_only=published_only) if row.claim.pk in wanted]
            items = [describe(request, article, row) for row in rows]
        data: dict[str, Any] = {} if embedded else {"@context": ANNO_CONTEXT}
        data |= {
            "id": listing.page_iri(number),
            "type": "AnnotationPage",
            "partOf": {"id": listing.container_iri, "total": len(ids)},
            "startIndex": start,
        }
        if number > 0:
            data["prev"] = listing.page_iri(number - 1)
        if number < last:
            data["next"] = listing.page_iri(number + 1)
        data["items"] = items
        return data

    def post(self, request: Request, article_id: int) -> Response:
        if "page" in request.query_params:
            raise exceptions.MethodNotAllowed("POST", detail="Annotations are created in the container, not a page.")
        article = visible_article(request.user, article_id)
        claim_policy.require(request.user, "add")
        annotation = annotation_in(request)
        claim = create_from(article, annotation, request.user)
        fresh = visible_claims(request.user, article).get(pk=claim.pk)
        # Never trust a client's id: the server's IRI replaces it, and the client's is kept as `via`
        # (stored with ``canonical``, so every later GET and export carries both unchanged).
        data = describe_claim(request, article, fresh)
        response = Response(data, status=status.HTTP_201_CREATED)
        response["Location"] = data["id"]
        response["ETag"] = etag(fresh.version)
        response["Allow"] = ", ".join(AnnotationDetail.allowed_for(request.user, fresh))
        response["Link"] = ANNOTATION_LINK
        return response

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        created = getattr(response, "status_code", None) == status.HTTP_201_CREATED
        response = super().finalize_response(request, response, *args, **kwargs)
        if created:  # the new annotation's headers, not the container's
            response["Link"] = ANNOTATION_LINK
        elif not response.has_header("ETag"):
            # "All HTTP responses from Annotation Containers MUST include an ETag": OPTIONS and
            # errors are tagged by what they carry (no query: a pre-flight touches no data).
            content = json.dumps(getattr(response, "data", None), sort_keys=True, default=str)
            response["ETag"] = f'W/"{hashlib.sha256(content.encode()).hexdigest()[:32]}"'
        return response


class AnnotationDetail(ProtocolView):
    """One claim as an annotation: GET/HEAD, PUT (the whole new state) and DELETE, both with If-Match."""

    link = ANNOTATION_LINK
    methods = ("GET", "HEAD", "OPTIONS", "PUT", "DELETE")

    def get_claim(self, request: Request, article_id: int, claim_id: int) -> tuple[Article, Claim]:
        article = visible_article(request.user, article_id)
        claim = visible_claims(request.user, article).filter(pk=claim_id).first()
        if claim is None:
            raise Http404
        return article, claim

    @staticmethod
    def allowed_for(user: AbstractBaseUser | AnonymousUser, claim: Claim) -> tuple[str, ...]:
        """The methods this user may use on this claim now (PUT: may change it; DELETE: may delete it)."""
        methods = ["GET", "HEAD", "OPTIONS"]
        if services.edit_refusal(user, claim) is None:
            methods.append("PUT")
        if services.can_delete_claim(user, claim):
            methods.append("DELETE")
        return tuple(methods)

    def reply(self, request: Request, article: Article, claim: Claim, code: int = status.HTTP_200_OK) -> Response:
        response = Response(describe_claim(request, article, claim), status=code)
        response["ETag"] = etag(claim.version)
        response["Allow"] = ", ".join(self.allowed_for(request.user, claim))
        return response

    def get(self, request: Request, article_id: int, claim_id: int) -> Response:
        article, claim = self.get_claim(request, article_id, claim_id)
        return self.reply(request, article, claim)

    def put(self, request: Request, article_id: int, claim_id: int) -> Response:
        article, claim = self.get_claim(request, article_id, claim_id)
        require_may_change(request, claim)
        version = expected_version(request)
        annotation = annotation_in(request)
        given = annotation.get("id")
        if given is not None and given != annotation_iri(request, claim):
            raise Conflict("The id cannot change: PUT the annotation to its own IRI.")
        canonical = annotation.get("canonical")
        if canonical is not None and canonical != (claim.canonical_iri or None):
            raise Conflict("The canonical IRI of an annotation never changes: send it as it was, or leave it out.")
        require_same_target(claim, annotation)
        update_from(claim, annotation, request.user, version)
        fresh = visible_claims(request.user, article).get(pk=claim.pk)
        return self.reply(request, article, fresh)

    def delete(self, request: Request, article_id: int, claim_id: int) -> Response:
        _article, claim = self.get_claim(request, article_id, claim_id)
        if not services.can_delete_claim(request.user, claim):
            raise PermissionDenied(claim_policy.refusal("delete"))
        version = expected_version(request)
        services.delete_claim(claim, user=request.user, expected_version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)

"""The API's endpoints: parse, ask the policy, read through a queryset or write through a service.

Reads are narrowed by ``article_policy`` / ``claim_policy`` (a claim the user may not see is
404). Writes go through ``annotations.services`` and ``annotations.workflow`` with the
version from ``If-Match`` (428 without it, 412 when stale): the same checks, history and
notifications as the browser. Errors are problem+json (:mod:`api.problems`).
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import services, workflow
from annotations.models import Claim
from annotations.permissions import claim_policy
from api.problems import PreconditionFailed, PreconditionRequired
from api.serializers import (
    ArticleDetailSerializer,
    ArticleSerializer,
    ClaimDetailSerializer,
    ClaimSerializer,
    ClaimUpdateSerializer,
    SourceCreateSerializer,
    SourceSerializer,
    TransitionSerializer,
)
from articles.models import Article
from articles.permissions import article_policy

IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description='The ETag of the claim you read (W/"<version>"): 428 without it, 412 when stale.',
)
_ETAG = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


def etag(version: int) -> str:
    return f'W/"{version}"'


def expected_version(request: Request) -> int:
    """The claim version named by ``If-Match`` (428 when missing, 412 when it names no version)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    match = _ETAG.match(header)
    if match is None:
        raise PreconditionFailed('If-Match must be the claim\'s ETag, e.g. W/"3".')
    return int(match.group(1))


def require_may_change(request: Request, claim: Claim) -> None:
    """403 unless the user may change this claim's research (role, assignee, review: the claim policy).

    A claim locked by its *state* (published, dismissed) is left to the service, which raises
    ``ClaimLocked`` (409: the request conflicts with the claim's state, whoever sends it).
    """
    claim_policy.require(request.user, "change")
    if services.lock_reason(claim) is None:
        reason = services.edit_refusal(request.user, claim)
        if reason is not None:
            raise PermissionDenied(reason)


def with_etag(data: Any, version: int, code: int = status.HTTP_200_OK) -> Response:
    response = Response(data, status=code)
    response["ETag"] = etag(version)
    return response


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise serializers.ValidationError({name: [f"“{value}” is not an id."]})
    return int(value)


# --- articles ------------------------------------------------------------------------------


@extend_schema(parameters=[
    OpenApiParameter("q", OpenApiTypes.STR, description="Words in the title."),
    OpenApiParameter("outlet", OpenApiTypes.STR, description="The outlet, exactly."),
])
class ArticleList(generics.ListAPIView):
    """Articles the user may read, newest first."""

    serializer_class = ArticleSerializer

    def get_queryset(self) -> QuerySet[Article]:
        articles = article_policy.instances_user_has_permission_for(self.request.user, "view")
        q = self.request.query_params.get("q", "").strip()
        if q:
            articles = articles.filter(title__icontains=q)
        outlet = self.request.query_params.get("outlet", "").strip()
        if outlet:
            articles = articles.filter(outlet=outlet)
        return articles.defer("body").order_by("-created_at", "-pk")


class ArticleDetail(generics.RetrieveAPIView):
    """One article with its body and the ids of its claims the user may see (ETag: its version)."""

    serializer_class = ArticleDetailSerializer

    def get_queryset(self) -> QuerySet[Article]:
        return article_policy.instances_user_has_permission_for(self.request.user, "view")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        article = self.get_object()
        claims = claim_policy.visible(request.user, Claim.objects.filter(article=article))
        context = self.get_serializer_context() | {
            "claim_ids": claims.order_by("start", "pk").values_list("pk", flat=True),
        }
        return with_etag(ArticleDetailSerializer(article, context=context).data, article.version)


# --- claims -------------------------------------------------------------------------------


def visible_claims(request: Request) -> QuerySet[Claim]:
    return claim_policy.instances_user_has_permission_for(request.user, "view").select_related("verdict", "assignee")


@extend_schema(parameters=[
    OpenApiParameter("status", OpenApiTypes.STR, description="A claim status (new, researching, …)."),
    OpenApiParameter("article", OpenApiTypes.INT, description="An article's id."),
    OpenApiParameter("verdict", OpenApiTypes.STR, description="A rating label's slug; 'none' for no verdict."),
    OpenApiParameter("assignee", OpenApiTypes.STR, description="A user's id or username; 'none' for unassigned."),
])
class ClaimList(generics.ListAPIView):
    """Claims the user may see (readers: published ones), oldest first, up to 100 per page."""

    serializer_class = ClaimSerializer

    def get_queryset(self) -> QuerySet[Claim]:
        claims = visible_claims(self.request)
        params = self.request.query_params
        if params.get("status"):
            claims = claims.filter(status=params["status"])
        article = _int_param(self.request, "article")
        if article is not None:
            claims = claims.filter(article_id=article)
        verdict = params.get("verdict", "").strip()
        if verdict:
            claims = claims.filter(verdict__isnull=True) if verdict == "none" else claims.filter(verdict__slug=verdict)
        assignee = params.get("assignee", "").strip()
        if assignee == "none":
            claims = claims.filter(assignee__isnull=True)
        elif assignee:
            match = Q(assignee__username=assignee)
            claims = claims.filter(match | Q(assignee_id=int(assignee)) if assignee.isdigit() else match)
        return claims.order_by("pk")


class ClaimDetail(generics.GenericAPIView):
    """One claim with its sources (ETag: its version); PATCH changes its research through the services."""

    serializer_class = ClaimDetailSerializer

    def get_queryset(self) -> QuerySet[Claim]:
        return visible_claims(self.request).prefetch_related("sources")

    def _reply(self, claim: Claim) -> Response:
        fresh = self.get_queryset().get(pk=claim.pk)
        return with_etag(ClaimDetailSerializer(fresh, context=self.get_serializer_context()).data, fresh.version)

    def get(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        return with_etag(self.get_serializer(claim).data, claim.version)

    @extend_schema(request=ClaimUpdateSerializer, responses=ClaimDetailSerializer, parameters=[IF_MATCH])
    def patch(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        require_may_change(request, claim)
        version = expected_version(request)
        form = ClaimUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        updated = services.update_claim(claim, user=request.user, expected_version=version, changes=form.validated_data)
        return self._reply(updated)


class ClaimTransition(generics.GenericAPIView):
    """Run a workflow step (``take``, ``submit``, ``publish``…) on a claim, as the browser's buttons do."""

    serializer_class = TransitionSerializer

    def get_queryset(self) -> QuerySet[Claim]:
        return visible_claims(self.request)

    @extend_schema(request=TransitionSerializer, responses=ClaimDetailSerializer, parameters=[IF_MATCH])
    def post(self, request: Request, pk: int, name: str) -> Response:
        claim = self.get_object()
        if name not in workflow.TRANSITIONS:
            raise NotFound(f"There is no workflow step called “{name}”.")
        forbidden = workflow.forbidden_reasons(claim, request.user, name)
        if forbidden:
            raise workflow.TransitionRefused(forbidden, forbidden=True)
        version = expected_version(request)
        form = TransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        updated = workflow.apply(
            claim, request.user, name, note=form.validated_data["note"], expected_version=version,
            **form.params_for(name),
        )
        fresh = visible_claims(request).prefetch_related("sources").filter(pk=updated.pk).first() or updated
        return with_etag(ClaimDetailSerializer(fresh).data, fresh.version)


class ClaimSources(generics.GenericAPIView):
    """Add a source to a claim (``annotations.services.add_source``); the claim's new ETag comes back."""

    serializer_class = SourceCreateSerializer

    def get_queryset(self) -> QuerySet[Claim]:
        return visible_claims(self.request)

    @extend_schema(request=SourceCreateSerializer, responses={201: SourceSerializer}, parameters=[IF_MATCH])
    def post(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        require_may_change(request, claim)
        version = expected_version(request)
        form = SourceCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        source = services.add_source(claim, user=request.user, expected_version=version, **form.validated_data)
        claim.refresh_from_db(fields=["version"])
        # The ETag is the claim's: a source is part of the claim's research and bumps its version.
        return with_etag(SourceSerializer(source).data, claim.version, status.HTTP_201_CREATED)

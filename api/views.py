"""The API's endpoints: parse, ask the policy, read through a queryset or write through a service.

Reads are narrowed by ``article_policy`` / ``claim_policy`` (a claim the user may not see is
404). Writes go through ``annotations.services`` and ``annotations.workflow`` with the
version from ``If-Match`` (428 without it, 412 when stale): the same checks, history and
notifications as the browser. Errors are problem+json (:mod:`api.problems`).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import notifications, selectors, services, workflow
from annotations.models import Claim, Notification, Source
from annotations.permissions import claim_policy
from api import filters
from api.problems import Conflict, PreconditionFailed, PreconditionRequired, with_extra
from api.serializers import (
    ArticleByUrlSerializer,
    ArticleCorrectionSerializer,
    ArticleCreateSerializer,
    ArticleDetailSerializer,
    ArticleSerializer,
    AssignmentReadSerializer,
    AssignmentSerializer,
    ClaimDetailSerializer,
    ClaimSerializer,
    ClaimUpdateSerializer,
    CommentCreateSerializer,
    CommentSerializer,
    CorrectionResultSerializer,
    JobSerializer,
    MarkedSerializer,
    MarkReadSerializer,
    NotificationSerializer,
    SearchResultSerializer,
    SourceCreateSerializer,
    SourceSerializer,
    SourceUpdateSerializer,
    TransitionSerializer,
)
from articles import corrections
from articles.importing import service as import_service
from articles.importing.formats import ParseError, build_article
from articles.models import Article
from articles.permissions import article_policy
from articles.tasks import enqueue_url_import
from factcheck import jobs
from factcheck.models import Job
from search import selectors as search_selectors
from search.forms import SearchForm
from search.index import search_slot, time_budget
from search.query import parse_query

IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description='The ETag of the object you read (W/"<version>"): 428 without it, 412 when stale.',
)
IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description='Optional: the claim\'s ETag you commented on; 412 when it changed since.',
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="An ETag you hold: 304 Not Modified (no body) while it is still current.",
)
NOT_MODIFIED = OpenApiResponse(description="Not Modified: the ETag sent in If-None-Match is still current.")
_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')


def etag(version: int) -> str:
    return f'W/"{version}"'


def content_etag(data: Any) -> str:
    """The ETag of an object without a version (comment, notification, job): a hash of what is shown."""
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:20]
    return f'W/"{digest}"'


def expected_version(request: Request) -> int:
    """The version named by ``If-Match`` (428 when missing, 412 when it names no version)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    match = _ETAG.match(header)
    if match is None:
        raise PreconditionFailed('If-Match must be the object\'s ETag, e.g. W/"3".')
    return int(match.group(1))


def optional_version(request: Request) -> int | None:
    """The version named by ``If-Match`` when one is sent (comments: optional)."""
    return expected_version(request) if request.headers.get("If-Match", "").strip() else None


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def is_not_modified(request: Request, tag: str) -> bool:
    """Does ``If-None-Match`` name ``tag`` (weak comparison, RFC 9110 13.1.2) or ``*``?"""
    header = request.headers.get("If-None-Match", "")
    if not header.strip():
        return False
    wanted = {_opaque(part) for part in header.split(",")}
    return "*" in wanted or _opaque(tag) in wanted


def with_etag(data: Any, tag: int | str, code: int = status.HTTP_200_OK) -> Response:
    """A response carrying the object's ETag (a version number, or a ready-made tag)."""
    response = Response(data, status=code)
    response["ETag"] = etag(tag) if isinstance(tag, int) else tag
    return response


def conditional(request: Request, data: Any, tag: int | str) -> Response:
    """A read answered with its ETag, or 304 without a body when the caller's copy is current."""
    tag_text = etag(tag) if isinstance(tag, int) else tag
    if is_not_modified(request, tag_text):
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
        response["ETag"] = tag_text
        return response
    return with_etag(data, tag_text)


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


class ApiView(generics.GenericAPIView):
    """Every endpoint's base: an id in the path beyond the database's integers is a 404, not an overflow."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        for value in kwargs.values():
            if isinstance(value, int) and value > filters.MAX_ID:
                raise NotFound()


# --- articles ------------------------------------------------------------------------------


def _created_article(request: Request, article: Article) -> Response:
    response = with_etag(ArticleDetailSerializer(article, context={"claim_ids": []}).data, article.version,
                         status.HTTP_201_CREATED)
    response["Location"] = reverse("api:article-detail", args=[article.pk])
    return response


def _field_of(message: str) -> str:
    """Which input field a message of ``build_article`` is about ("url must be…" → url)."""
    first = message.split(" ", 1)[0].strip("'“”:")
    return first if first in ArticleCreateSerializer().fields else "non_field_errors"


@extend_schema_view(get=extend_schema(parameters=filters.ARTICLE_PARAMETERS))
class ArticleList(ApiView, generics.ListAPIView):
    """Articles the user may read, newest first; POST adds one from its text (editors)."""

    serializer_class = ArticleSerializer

    def get_queryset(self) -> QuerySet[Article]:
        articles = article_policy.instances_user_has_permission_for(self.request.user, "view")
        return filters.filter_articles(self.request, articles).defer("body").order_by("-created_at", "-pk")

    @extend_schema(
        request=ArticleCreateSerializer,
        responses={201: ArticleDetailSerializer, 409: OpenApiResponse(description="Already on the desk.")},
    )
    def post(self, request: Request) -> Response:
        """Add an article from its text, through the import service (canonical text, duplicates refused)."""
        article_policy.require(request.user, "add")
        form = ArticleCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        record = build_article(origin="the API", limits=import_service.configured_limits(), **form.validated_data)
        if isinstance(record, ParseError):
            raise serializers.ValidationError({_field_of(record.message): [record.message]})
        duplicate = import_service.find_duplicate(record)
        if duplicate is not None:
            same = "URL" if record.url and duplicate.url == record.url else "text"
            raise with_extra(Conflict(f"This article is already on the desk (same {same}): article {duplicate.pk}."),
                             article=duplicate.pk)
        report = import_service.ImportReport()
        article = import_service.save_article(record, request.user, report)
        if article is None:
            reasons = [reason for _origin, reason in report.failed + report.skipped]
            if report.skipped:
                raise Conflict(" ".join(reasons))
            raise serializers.ValidationError({"non_field_errors": reasons})
        return _created_article(request, article)


class ArticleByUrl(ApiView):
    """Add articles by their web addresses: fetched in a background job (202 with the job to poll)."""

    serializer_class = ArticleByUrlSerializer

    @extend_schema(request=ArticleByUrlSerializer, responses={202: JobSerializer})
    def post(self, request: Request) -> Response:
        article_policy.require(request.user, "add")
        form = ArticleByUrlSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        urls = list(dict.fromkeys(url.strip() for url in form.validated_data["urls"]))
        job = enqueue_url_import(urls, request.user, watch=form.validated_data["watch"], enforce_limit=True)
        job.refresh_from_db()
        response = Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = reverse("api:job-detail", args=[job.pk])
        response["ETag"] = job_etag(job)
        return response


class ArticleDetail(ApiView):
    """One article with its body and the ids of its claims the user may see (ETag: its version).

    PATCH corrects the text (editors) through ``articles.corrections.edit_article``: the old
    text is kept as a revision and the claims are re-anchored; ``If-Match`` is the article's ETag.
    """

    serializer_class = ArticleDetailSerializer

    def get_queryset(self) -> QuerySet[Article]:
        return article_policy.instances_user_has_permission_for(self.request.user, "view")

    def _data(self, article: Article) -> dict[str, Any]:
        claims = claim_policy.visible(self.request.user, Claim.objects.filter(article=article))
        context = self.get_serializer_context() | {
            "claim_ids": claims.order_by("start", "pk").values_list("pk", flat=True),
        }
        return ArticleDetailSerializer(article, context=context).data

    @extend_schema(parameters=[IF_NONE_MATCH], responses={200: ArticleDetailSerializer, 304: NOT_MODIFIED})
    def get(self, request: Request, pk: int) -> Response:
        article = self.get_object()
        return conditional(request, self._data(article), article.version)

    @extend_schema(request=ArticleCorrectionSerializer, responses=CorrectionResultSerializer, parameters=[IF_MATCH])
    def patch(self, request: Request, pk: int) -> Response:
        article = self.get_object()
        article_policy.require(request.user, "correct")
        version = expected_version(request)
        form = ArticleCorrectionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        report = corrections.edit_article(
            article, user=request.user, title=data.get("title", article.title), body=data.get("body", article.body),
            expected_version=version, note=data["note"],
        )
        fresh = self.get_queryset().get(pk=article.pk)
        body = {"article": self._data(fresh), "changed": report.changed, "summary": report.summary()}
        return with_etag(body, fresh.version)


# --- claims ---------------------------------------------------------------------------------


def visible_claims(request: Request) -> QuerySet[Claim]:
    return claim_policy.instances_user_has_permission_for(request.user, "view").select_related("verdict", "assignee")


@extend_schema_view(get=extend_schema(parameters=filters.CLAIM_PARAMETERS))
class ClaimList(ApiView, generics.ListAPIView):
    """Claims the user may see (readers: published ones), oldest first, up to 100 per page."""

    serializer_class = ClaimSerializer

    def get_queryset(self) -> QuerySet[Claim]:
        return filters.filter_claims(self.request, visible_claims(self.request)).order_by("pk")


class ClaimView(ApiView):
    """A view about one claim the user may see (404 otherwise)."""

    def get_queryset(self) -> QuerySet[Claim]:
        return visible_claims(self.request)

    def claim_reply(self, claim_pk: int, code: int = status.HTTP_200_OK) -> Response:
        fresh = visible_claims(self.request).prefetch_related("sources").get(pk=claim_pk)
        return with_etag(ClaimDetailSerializer(fresh, context=self.get_serializer_context()).data, fresh.version, code)


class ClaimDetail(ClaimView):
    """One claim with its sources (ETag: its version); PATCH changes its research through the services.

    The verdict is part of the research: PATCH ``verdict`` (a rating label's slug) and
    ``rationale`` as the claim panel does; a claim in review or published refuses the change.
    """

    serializer_class = ClaimDetailSerializer

    def get_queryset(self) -> QuerySet[Claim]:
        return visible_claims(self.request).prefetch_related("sources")

    @extend_schema(parameters=[IF_NONE_MATCH], responses={200: ClaimDetailSerializer, 304: NOT_MODIFIED})
    def get(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        return conditional(request, self.get_serializer(claim).data, claim.version)

    @extend_schema(request=ClaimUpdateSerializer, responses=ClaimDetailSerializer, parameters=[IF_MATCH])
    def patch(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        require_may_change(request, claim)
        version = expected_version(request)
        form = ClaimUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        updated = services.update_claim(claim, user=request.user, expected_version=version, changes=form.validated_data)
        return self.claim_reply(updated.pk)


class ClaimTransition(ClaimView):
    """Run a workflow step (``take``, ``submit``, ``publish``…) on a claim, as the browser's buttons do."""

    serializer_class = TransitionSerializer

    @extend_schema(request=TransitionSerializer, responses=ClaimDetailSerializer, parameters=[IF_MATCH])
    def post(self, request: Request, pk: int, name: str) -> Response:
        claim = self.get_object()
        if name not in workflow.TRANSITIONS:
            raise NotFound(f"There is no workflow step called “{name[:80]}”.")
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
        return self.claim_reply(updated.pk)


class ClaimAssignment(ClaimView):
    """Who researches the claim (ETag: the claim's). PUT assigns it through the workflow.

    Assigning yourself is the workflow's ``take`` (fact-checkers may); assigning someone else
    is ``assign`` (editors). Both need ``If-Match`` and notify the assignee as the desk does.
    """

    serializer_class = AssignmentSerializer

    def _data(self, claim: Claim) -> dict[str, Any]:
        assignee = claim.assignee
        return {"claim": claim.pk, "assignee": assignee.get_username() if assignee else None,
                "assignee_id": claim.assignee_id, "version": claim.version}

    @extend_schema(parameters=[IF_NONE_MATCH], responses={200: AssignmentReadSerializer, 304: NOT_MODIFIED})
    def get(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        return conditional(request, self._data(claim), claim.version)

    @extend_schema(request=AssignmentSerializer, responses=AssignmentReadSerializer, parameters=[IF_MATCH])
    def put(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        form = AssignmentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        assignee = form.validated_data["assignee"]
        step = "take" if assignee.pk == request.user.pk else "assign"
        forbidden = workflow.forbidden_reasons(claim, request.user, step)
        if forbidden:
            raise workflow.TransitionRefused(forbidden, forbidden=True)
        version = expected_version(request)
        params = {} if step == "take" else {"assignee": assignee}
        updated = workflow.apply(
            claim, request.user, step, note=form.validated_data["note"], expected_version=version, **params
        )
        fresh = visible_claims(request).get(pk=updated.pk)
        return with_etag(self._data(fresh), fresh.version)


class ClaimSources(ClaimView):
    """A claim's sources (ETag: the claim's); POST adds one (``annotations.services.add_source``)."""

    serializer_class = SourceCreateSerializer

    @extend_schema(parameters=[IF_NONE_MATCH], responses={200: SourceSerializer(many=True), 304: NOT_MODIFIED})
    def get(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        return conditional(request, SourceSerializer(selectors.claim_sources(claim), many=True).data, claim.version)

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
        response = with_etag(SourceSerializer(source).data, claim.version, status.HTTP_201_CREATED)
        response["Location"] = reverse("api:claim-source", args=[claim.pk, source.pk])
        return response


class ClaimSourceDetail(ClaimView):
    """One source of a claim (ETag: the claim's): PATCH changes it, DELETE removes it, through the services."""

    serializer_class = SourceUpdateSerializer

    def _source(self, claim: Claim, source_pk: int) -> Source:
        source = claim.sources.filter(pk=source_pk).first()
        if source is None:
            raise NotFound("This claim has no such source.")
        return source

    @extend_schema(parameters=[IF_NONE_MATCH], responses={200: SourceSerializer, 304: NOT_MODIFIED})
    def get(self, request: Request, pk: int, source_pk: int) -> Response:
        claim = self.get_object()
        return conditional(request, SourceSerializer(self._source(claim, source_pk)).data, claim.version)

    @extend_schema(request=SourceUpdateSerializer, responses=SourceSerializer, parameters=[IF_MATCH])
    def patch(self, request: Request, pk: int, source_pk: int) -> Response:
        claim = self.get_object()
        source = self._source(claim, source_pk)
        require_may_change(request, claim)
        version = expected_version(request)
        form = SourceUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        source = services.update_source(source, user=request.user, expected_version=version, **form.validated_data)
        claim.refresh_from_db(fields=["version"])
        return with_etag(SourceSerializer(source).data, claim.version)

    @extend_schema(request=None, responses={204: None}, parameters=[IF_MATCH])
    def delete(self, request: Request, pk: int, source_pk: int) -> Response:
        claim = self.get_object()
        source = self._source(claim, source_pk)
        require_may_change(request, claim)
        version = expected_version(request)
        services.remove_source(source, user=request.user, expected_version=version)
        claim.refresh_from_db(fields=["version"])
        return with_etag(None, claim.version, status.HTTP_204_NO_CONTENT)


class ClaimComments(ClaimView):
    """A claim's discussion, oldest first; POST adds a comment (``annotations.services.add_comment``).

    Comments stay open in every state and do not change the claim's version. ``If-Match`` is
    optional: sent, a comment on a claim that changed since is refused (412).
    """

    serializer_class = CommentCreateSerializer

    @extend_schema(parameters=[IF_NONE_MATCH], responses={200: CommentSerializer(many=True), 304: NOT_MODIFIED})
    def get(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        data = CommentSerializer(selectors.claim_comments(claim), many=True).data
        return conditional(request, data, content_etag(data))

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer}, parameters=[IF_MATCH_OPTIONAL])
    def post(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        claim_policy.require(request.user, "comment")
        version = optional_version(request)
        form = CommentCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        comment = services.add_comment(claim, user=request.user, body=form.validated_data["body"],
                                       expected_version=version)
        data = CommentSerializer(comment).data
        return with_etag(data, content_etag(data), status.HTTP_201_CREATED)


# --- search -----------------------------------------------------------------------------------------


class Search(ApiView):
    """Articles and claims matching ``q``, best first; claims narrowed by the claim policy (readers: published).

    Searches share a few slots per server (``FACTDESK_SEARCH_CONCURRENCY``): when every slot
    stays busy, or a search runs past its time budget, the answer is 503 (with ``Retry-After``
    when busy), never a worker held until it is killed.
    """

    serializer_class = SearchResultSerializer
    pagination_class = None

    @extend_schema(parameters=[
        OpenApiParameter("q", OpenApiTypes.STR, required=True, description="Words, or a \"quoted phrase\"."),
        OpenApiParameter("status", OpenApiTypes.STR, description="Only claims in this status."),
        OpenApiParameter("verdict", OpenApiTypes.STR, description="Only claims with this rating label's slug."),
        OpenApiParameter("page", OpenApiTypes.INT, description="The page of each list (1 first)."),
        OpenApiParameter("page_size", OpenApiTypes.INT, description="Hits per list and page (at most 100)."),
    ], responses={200: SearchResultSerializer, 503: OpenApiResponse(description="Busy or out of time.")})
    def get(self, request: Request) -> Response:
        facets = search_selectors.search_facets(request.user)
        params = {name: filters.text_param(request, name) for name in ("q", "status", "verdict")}
        form = SearchForm(params, labels=facets.labels, published_only=facets.published_only)
        if not form.is_valid():
            raise serializers.ValidationError({
                field: [error["message"] for error in errors] for field, errors in form.errors.get_json_data().items()
            })
        if not form.cleaned_data["q"]:
            raise serializers.ValidationError({"q": ["Say what to search for."]})
        page_size = min(filters.id_param(request, "page_size") or 20, 100) or 20
        page = filters.id_param(request, "page") or 1
        query = parse_query(form.cleaned_data["q"])
        claims = search_selectors.claim_hits(
            request.user, query, statuses=form.statuses(), verdict_ids=form.verdict_ids()
        )
        with search_slot(), time_budget():
            article_page = Paginator(search_selectors.article_hits(query), page_size).get_page(page)
            claim_page = Paginator(claims, page_size).get_page(page)
            data = {
                "q": form.cleaned_data["q"], "page": page,
                "articles": {"count": article_page.paginator.count, "results": list(article_page)},
                "claims": {"count": claim_page.paginator.count, "results": list(claim_page)},
            }
        return Response(SearchResultSerializer(data).data)


# --- notifications ------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=filters.NOTIFICATION_PARAMETERS))
class NotificationList(ApiView, generics.ListAPIView):
    """The user's own notifications, newest first (an admin's too: a personal inbox, not an audit view)."""

    serializer_class = NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        mine = selectors.own_notifications(self.request.user)
        unread = filters.bool_param(self.request, "unread")
        if unread is not None:
            mine = mine.filter(read_at__isnull=unread)
        return mine


class NotificationDetail(ApiView):
    """One of the user's notifications (someone else's is 404)."""

    serializer_class = NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        return selectors.own_notifications(self.request.user)

    @extend_schema(parameters=[IF_NONE_MATCH], responses={200: NotificationSerializer, 304: NOT_MODIFIED})
    def get(self, request: Request, pk: int) -> Response:
        data = self.get_serializer(self.get_object()).data
        return conditional(request, data, content_etag(data))


class NotificationRead(ApiView):
    """Mark one of the user's notifications read (``annotations.notifications.mark_read``)."""

    serializer_class = NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        return selectors.own_notifications(self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer, operation_id="notification_mark_read")
    def post(self, request: Request, pk: int) -> Response:
        notification = self.get_object()
        notifications.mark_read(request.user, [notification.pk])
        data = self.get_serializer(self.get_queryset().get(pk=notification.pk)).data
        return with_etag(data, content_etag(data))


class NotificationsMarkRead(ApiView):
    """Mark the user's notifications read: those named by ``ids``, or all of them."""

    serializer_class = MarkReadSerializer

    @extend_schema(request=MarkReadSerializer, responses=MarkedSerializer, operation_id="notifications_mark_read")
    def post(self, request: Request) -> Response:
        form = MarkReadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return Response({"marked": notifications.mark_read(request.user, form.validated_data.get("ids"))})


# --- jobs --------------------------------------------------------------------------------------------


def job_etag(job: Job) -> str:
    return content_etag([job.pk, job.status, job.processed, job.total, job.updated_at])


@extend_schema_view(get=extend_schema(parameters=filters.JOB_PARAMETERS))
class JobList(ApiView, generics.ListAPIView):
    """The user's background jobs (imports, exports), newest first; an admin sees everyone's."""

    serializer_class = JobSerializer

    def get_queryset(self) -> QuerySet[Job]:
        return filters.filter_jobs(self.request, jobs.jobs_for_user(self.request.user)).order_by("-created_at", "-pk")


class JobDetail(ApiView):
    """One job: status, progress, errors, result and where to find it (someone else's is 404)."""

    serializer_class = JobSerializer

    def get_queryset(self) -> QuerySet[Job]:
        return jobs.jobs_for_user(self.request.user)

    @extend_schema(parameters=[IF_NONE_MATCH], responses={200: JobSerializer, 304: NOT_MODIFIED})
    def get(self, request: Request, pk: int) -> Response:
        job = jobs.sync_with_task(self.get_object())
        return conditional(request, self.get_serializer(job).data, job_etag(job))

"""The list endpoints' query parameters: parsed and checked once, documented once.

Each filter is an :class:`~drf_spectacular.utils.OpenApiParameter` (so the schema lists it
with its type and, where there is one, its enum) and a parser that turns the raw text into a
value or a 400 naming the parameter. Bad input is a 400 the caller can act on, never a 500:
ids are bounded (SQLite stores 64-bit integers, a longer number would overflow), control
characters are dropped (PostgreSQL refuses NUL), dates must be ISO 8601.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request

from annotations.models import Claim, ClaimStatus
from articles.models import Article
from articles.text import strip_control_chars
from factcheck.models import Job

#: The largest id a path or a parameter may name (SQLite and PostgreSQL bigint).
MAX_ID = 2**63 - 1
#: Free-text parameters are cut here: nothing in the desk is longer than a title.
MAX_PARAM_CHARS = 500


def _invalid(name: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({name: [message]})


def text_param(request: Request, name: str) -> str:
    """The parameter as clean text ("" when absent): control characters dropped, length bounded."""
    value = strip_control_chars(request.query_params.get(name, "")).strip()
    if len(value) > MAX_PARAM_CHARS:
        raise _invalid(name, f"At most {MAX_PARAM_CHARS} characters.")
    return value


def id_param(request: Request, name: str) -> int | None:
    """The parameter as an id, None when absent; 400 when it is not a (bounded) positive number."""
    value = text_param(request, name)
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or int(value) > MAX_ID:
        raise _invalid(name, f"“{value[:40]}” is not an id.")
    return int(value)


def choice_param(request: Request, name: str, choices: Iterable[str]) -> str:
    """The parameter if it is one of ``choices`` ("" when absent); 400 naming the choices otherwise."""
    value = text_param(request, name)
    allowed = list(choices)
    if value and value not in allowed:
        raise _invalid(name, f"“{value[:40]}” is not one of: {', '.join(allowed)}.")
    return value


def bool_param(request: Request, name: str) -> bool | None:
    """``true``/``false`` (also 1/0, yes/no), None when absent."""
    value = text_param(request, name).lower()
    if not value:
        return None
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise _invalid(name, "Use true or false.")


def since_param(request: Request, name: str = "updated_since") -> datetime.datetime | None:
    """An ISO 8601 date or date-time (a date means its midnight; no zone means the server's zone), in UTC."""
    value = text_param(request, name)
    if not value:
        return None
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is not None:
                moment = datetime.datetime.combine(day, datetime.time.min)
    except (ValueError, OverflowError):
        moment = None
    if moment is None:
        raise _invalid(name, f"“{value[:40]}” is not an ISO 8601 date or date-time, e.g. 2025-01-31T12:00:00Z.")
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # In UTC: PostgreSQL refuses offsets beyond ±15:59, which ISO 8601 text may carry (e.g. -23:10).
        return moment.astimezone(datetime.UTC)
    except (ValueError, OverflowError):
        raise _invalid(name, "That date-time is out of range.") from None


# --- the documented parameters -------------------------------------------------------------------

UPDATED_SINCE = OpenApiParameter(
    "updated_since", OpenApiTypes.DATETIME,
    description="Only objects changed at or after this ISO 8601 date-time (or date), e.g. 2025-01-31T12:00:00Z.",
)
OUTLET = OpenApiParameter("outlet", OpenApiTypes.STR, description="The article's outlet, exactly.")

ARTICLE_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Words in the title."),
    OUTLET,
    UPDATED_SINCE,
]

CLAIM_PARAMETERS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=ClaimStatus.values, description="The claim's status."),
    OpenApiParameter("article", OpenApiTypes.INT, description="An article's id."),
    OpenApiParameter("verdict", OpenApiTypes.STR, description="A rating label's slug; “none” for no verdict."),
    OpenApiParameter("assignee", OpenApiTypes.STR, description="A user's id or username; “none” for unassigned."),
    OUTLET,
    UPDATED_SINCE,
]

NOTIFICATION_PARAMETERS = [
    OpenApiParameter("unread", OpenApiTypes.BOOL, description="true: only unread ones; false: only read ones."),
]

JOB_PARAMETERS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=Job.Status.values, description="The job's status."),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=Job.Kind.values, description="The kind of job."),
]


# --- applying them ---------------------------------------------------------------------------------


def filter_articles(request: Request, articles: QuerySet[Article]) -> QuerySet[Article]:
    """``q`` (title words), ``outlet``, ``updated_since``."""
    q = text_param(request, "q")
    if q:
        articles = articles.filter(title__icontains=q)
    outlet = text_param(request, "outlet")
    if outlet:
        articles = articles.filter(outlet=outlet)
    since = since_param(request)
    if since is not None:
        articles = articles.filter(updated_at__gte=since)
    return articles


def filter_claims(request: Request, claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """``status``, ``article``, ``verdict``, ``assignee``, ``outlet``, ``updated_since``."""
    status = choice_param(request, "status", ClaimStatus.values)
    if status:
        claims = claims.filter(status=status)
    article = id_param(request, "article")
    if article is not None:
        claims = claims.filter(article_id=article)
    verdict = text_param(request, "verdict")
    if verdict:
        claims = claims.filter(verdict__isnull=True) if verdict == "none" else claims.filter(verdict__slug=verdict)
    assignee = text_param(request, "assignee")
    if assignee == "none":
        claims = claims.filter(assignee__isnull=True)
    elif assignee:
        match = Q(assignee__username=assignee)
        if assignee.isascii() and assignee.isdigit() and int(assignee) <= MAX_ID:
            match |= Q(assignee_id=int(assignee))
        claims = claims.filter(match)
    outlet = text_param(request, "outlet")
    if outlet:
        claims = claims.filter(article__outlet=outlet)
    since = since_param(request)
    if since is not None:
        claims = claims.filter(updated_at__gte=since)
    return claims


def filter_jobs(request: Request, jobs: QuerySet[Job]) -> QuerySet[Job]:
    """``status`` and ``kind``."""
    status = choice_param(request, "status", Job.Status.values)
    if status:
        jobs = jobs.filter(status=status)
    kind = choice_param(request, "kind", Job.Kind.values)
    if kind:
        jobs = jobs.filter(kind=kind)
    return jobs

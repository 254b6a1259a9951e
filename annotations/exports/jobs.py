"""Export and annotation-import jobs: what they hold, how they are found again, where they are shown.

The job mechanism itself (state, progress, owner, per-user limit, retention) is
:mod:`factcheck.jobs`; this module only says what these jobs are. All three kinds are shown
at ``/exports/jobs/<id>/`` and run by :mod:`annotations.tasks`:

* a **ZIP** of many articles (the admin action): ``params = {"article_ids", "published_only"}``;
* a **PDF report** of one article (the download menu): ``params = {"format": "pdf",
  "article_id", "published_only", "filename"}`` and a ``fingerprint`` of everything the
  report shows (:func:`report_fingerprint`). A done job with the same fingerprint is the
  cache: the next request for the same report gets its file, whoever asked first;
* an **import of Web Annotations** into one article (kind ``ANNOTATION_IMPORT``): the
  uploaded JSON is the job's input file, ``params = {"article_id", "filename"}``.

Every job also keeps ``params["language"]``: the interface language active when it was
created (the requesting user's). The task renders in it (:func:`language`), so a report's
fixed words ("Verdict", "Sources"...) and the job's messages are in the language of the
person who asked, and a report's fingerprint includes it (a French PDF is not the English one).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.base import ContentFile
from django.db.models import Count, Max, OuterRef, QuerySet, Subquery, Sum
from django.db.models.expressions import Expression
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from annotations.exports import FORMATS, export_filename
from annotations.models import Claim, ClaimEvent, ClaimStatus, Source
from articles.models import Article
from factcheck import jobs
from factcheck.i18n import saved_language, supported_language
from factcheck.models import Job

AnyUser = AbstractBaseUser | AnonymousUser

jobs.register_page(Job.Kind.EXPORT, lambda job: reverse("exports:job", args=[job.pk]))
jobs.register_page(Job.Kind.ANNOTATION_IMPORT, lambda job: reverse("exports:job", args=[job.pk]))

#: Part of every report fingerprint: bump it when the report's template or renderer changes,
#: so reports cached before a deploy are made again rather than served in the old layout.
REPORT_VERSION = "1"

ZIP = "zip"


# --- ZIP exports ------------------------------------------------------------------------------


def create(
    *,
    owner: AnyUser | None,
    article_ids: Sequence[int],
    published_only: bool,
    enforce_limit: bool = False,
    fingerprint: str = "",
) -> Job:
    """A pending ZIP export job for ``article_ids`` (queue it with ``jobs.enqueue(job, build_export_zip)``).

    ``enforce_limit`` applies the owner's limit of jobs at once (``jobs.JobLimitReached``);
    ``fingerprint`` (:func:`zip_fingerprint`) lets the same ZIP be found again while its
    input is unchanged.
    """
    ids = [int(pk) for pk in article_ids]
    return jobs.create(
        Job.Kind.EXPORT,
        owner=owner,
        title=ngettext("Export of %(count)s article", "Export of %(count)s articles", len(ids))
        % {"count": formats.number_format(len(ids), force_grouping=True)},
        params={"article_ids": ids, "published_only": published_only, "language": current_language()},
        total=len(ids),
        enforce_limit=enforce_limit,
        fingerprint=fingerprint,
    )


def current_language() -> str:
    """The active interface language (the request's, else the site's default), kept on a new job."""
    return translation.get_language() or settings.LANGUAGE_CODE


def language(job: Job) -> str:
    """The language a job renders in: the one it was created in, else its owner's saved choice, else the default.

    Jobs queued before languages were kept have none; their owner's preference is the next
    best guess of the interface language they read.
    """
    code = supported_language(str(job.params.get("language") or ""))
    if code is None and job.owner_id is not None:
        code = saved_language(job.owner)
    return code or settings.LANGUAGE_CODE


def export_format(job: Job) -> str:
    """``"zip"`` or a format name of ``annotations.exports.FORMATS`` (jobs from before PDFs are ZIPs)."""
    fmt = str(job.params.get("format") or ZIP)
    return fmt if fmt == ZIP or fmt in FORMATS else ZIP


def article_ids(job: Job) -> list[int]:
    return [int(pk) for pk in job.params.get("article_ids", [])]


def published_only(job: Job) -> bool:
    """Published claims only unless the job says otherwise: a malformed job leaks nothing."""
    return job.params.get("published_only", True) is not False


def article_id(job: Job) -> int | None:
    """The one article of a PDF export or an annotation import (None for a ZIP)."""
    value = job.params.get("article_id")
    return int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdigit()) else None


def article_url(job: Job) -> str:
    """The page of the job's article, for a link back ("" for a ZIP of many)."""
    pk = article_id(job)
    return reverse("articles:detail", args=[pk]) if pk is not None else ""


def download_name(job: Job) -> str:
    """The file name of the job's result: the report's usual name, or ``factdesk-export-<id>.zip``."""
    fmt = export_format(job)
    name = str(job.params.get("filename") or "")
    if fmt != ZIP and name:
        return name
    return f"factdesk-export-{job.pk}.{'zip' if fmt == ZIP else FORMATS[fmt].extension}"


def download_content_type(job: Job) -> str:
    fmt = export_format(job)
    return "application/zip" if fmt == ZIP else FORMATS[fmt].content_type


# --- PDF reports: background rendering, cached by fingerprint ---------------------------------


def _aggregate(rows: QuerySet, group: str, value: Expression) -> Subquery:
    """One aggregate over ``rows`` (already filtered by ``OuterRef``) as a scalar subquery."""
    return Subquery(rows.order_by().values(group).annotate(value=value).values("value")[:1])


def _input_rows(article_pks: Sequence[int], *, published_only: bool) -> list[dict[str, Any]]:
    """What decides an export's content, per article, in one query (see :func:`report_fingerprint`)."""
    claims = Claim.objects.filter(article=OuterRef("pk"))
    sources = Source.objects.filter(claim__article=OuterRef("pk"))
    events = ClaimEvent.objects.filter(article=OuterRef("pk"))
    if published_only:  # work on drafts leaves the published report (and its cache) alone
        claims = claims.filter(status=ClaimStatus.PUBLISHED)
        sources = sources.filter(claim__status=ClaimStatus.PUBLISHED)
        events = events.filter(claim__status=ClaimStatus.PUBLISHED)
    return list(
        Article.objects.filter(pk__in=list(article_pks))
        .annotate(
            claim_count=_aggregate(claims, "article", Count("pk")),
            claim_last_id=_aggregate(claims, "article", Max("pk")),
            claim_changed=_aggregate(claims, "article", Max("updated_at")),
            claim_versions=_aggregate(claims, "article", Sum("version")),
            source_count=_aggregate(sources, "claim__article", Count("pk")),
            source_last_id=_aggregate(sources, "claim__article", Max("pk")),
            event_last_id=_aggregate(events, "article", Max("pk")),
        )
        .order_by("pk")
        .values(
            "pk", "version", "updated_at", "content_hash", "claim_count", "claim_last_id", "claim_changed",
            "claim_versions", "source_count", "source_last_id", "event_last_id",
        )
    )


def _digest(rows: list[dict[str, Any]], *, fmt: str, published_only: bool) -> str:
    parts = {
        "articles": [{key: str(value) for key, value in row.items()} for row in rows],
        "format": fmt,
        "published_only": published_only,
        "report_version": REPORT_VERSION,
        "organization": [settings.FACTDESK_ORGANIZATION_NAME, settings.FACTDESK_ORGANIZATION_URL],
        "site": settings.FACTDESK_SITE_URL,
        # The report's fixed words are in the interface language it is rendered in.
        "language": current_language(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def report_fingerprint(article_pk: int, *, fmt: str = "pdf", published_only: bool) -> str | None:
    """A hash of everything an article's report in ``fmt`` shows; None if the article is gone.

    One query: the article row (its ``version`` and ``updated_at`` change with the text,
    title and metadata) with aggregates over the claims the report shows (count, newest
    change, sum of versions: every change through ``annotations.services`` and the workflow
    bumps a claim's version, source changes included), their sources (count, newest id) and
    the history of those claims (newest event: credits and corrections come from it). Plus the
    published-only choice, the organisation settings printed in the report and
    :data:`REPORT_VERSION`. Not covered: renaming a rating label or another article's title
    shown under "Also appeared in"; those reports refresh on the article's next change.
    """
    rows = _input_rows([article_pk], published_only=published_only)
    return _digest(rows, fmt=fmt, published_only=published_only) if rows else None


def zip_fingerprint(article_pks: Sequence[int], *, published_only: bool) -> str:
    """The same for a ZIP of several articles (one query); articles deleted since simply drop out."""
    return _digest(_input_rows(article_pks, published_only=published_only), fmt="zip", published_only=published_only)


def create_report(
    *, owner: AnyUser | None, article: Article, fmt: str, published_only: bool, fingerprint: str
) -> Job:
    """A pending job rendering ``article``'s report in ``fmt`` (the owner's job limit applies).

    Queue it with ``jobs.enqueue(job, render_export_report)``.
    """
    export_format = FORMATS[fmt]
    return jobs.create(
        Job.Kind.EXPORT,
        owner=owner,
        title=f"{export_format.label}: {article.title}"[:300],
        params={
            "format": fmt,
            "article_id": article.pk,
            "published_only": published_only,
            "filename": export_filename(article, export_format, published_only=published_only),
            "language": current_language(),
        },
        fingerprint=fingerprint,
        total=1,
        enforce_limit=True,
    )


# --- Web Annotation imports -------------------------------------------------------------------


def create_annotation_import(
    *, owner: AnyUser | None, article: Article, data: bytes, filename: str, total: int
) -> Job:
    """A pending import of the uploaded Web Annotations ``data`` into ``article`` (the owner's job limit applies).

    The upload was checked in the request (JSON, UTF-8, nesting, annotation count), so the
    job fails only for reasons that appear later (the article deleted, the owner's role gone).
    Queue it with ``jobs.enqueue(job, import_web_annotations)``.
    """
    name = filename or "annotations.jsonld"
    return jobs.create(
        Job.Kind.ANNOTATION_IMPORT,
        owner=owner,
        title=(_("Import of %(filename)s into “%(title)s”") % {"filename": name, "title": article.title})[:300],
        params={"article_id": article.pk, "filename": name, "language": current_language()},
        total=total,
        input_file=ContentFile(data, name=name),
        enforce_limit=True,
    )

"""Export jobs: ZIPs of many articles built in the background, as :class:`~factcheck.models.Job` rows.

The job mechanism itself (state, progress, owner, retention) is :mod:`factcheck.jobs`; this
module only says what an export job is: the article ids and the published-only choice in
its params, and its page at ``/exports/jobs/<id>/``. The work is
``annotations.tasks.build_zip``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import reverse

from factcheck import jobs
from factcheck.models import Job

jobs.register_page(Job.Kind.EXPORT, lambda job: reverse("exports:job", args=[job.pk]))


def create(*, owner: AbstractBaseUser | AnonymousUser | None, article_ids: Sequence[int], published_only: bool) -> Job:
    """A pending export job for ``article_ids`` (queue it with ``jobs.enqueue(job, build_export_zip)``)."""
    ids = [int(pk) for pk in article_ids]
    return jobs.create(
        Job.Kind.EXPORT,
        owner=owner,
        title=f"Export of {len(ids)} article{'s' if len(ids) != 1 else ''}",
        params={"article_ids": ids, "published_only": published_only},
        total=len(ids),
    )


def article_ids(job: Job) -> list[int]:
    return [int(pk) for pk in job.params.get("article_ids", [])]


def published_only(job: Job) -> bool:
    """Published claims only unless the job says otherwise: a malformed job leaks nothing."""
    return job.params.get("published_only", True) is not False

"""Background tasks (django-tasks) for the annotations app: building large export ZIPs.

A ZIP of many articles takes too long for one request, so the admin action starts
:func:`build_export_zip` and shows a progress page. The job's state lives next to its ZIP
in the default file storage (``exports/<job id>.json`` and ``exports/<job id>.zip``), not
in a model or the cache: the storage is shared by the web and worker processes (the local
memory cache is not), and no migration is needed. See :mod:`annotations.exports.jobs`.
"""

from __future__ import annotations

import tempfile

from django_tasks import task

from annotations.exports import jobs
from annotations.exports.bundle import write_zip


@task()
def build_export_zip(job_id: str, article_ids: list[int], published_only: bool) -> dict[str, object]:
    """Write the ZIP for an export job, recording progress after each article."""
    jobs.update(job_id, status=jobs.RUNNING)

    def progress(done: int, total: int) -> None:
        jobs.update(job_id, processed=done, total=total)

    try:
        with tempfile.TemporaryFile() as archive:
            count = write_zip(article_ids, archive, published_only=published_only, progress=progress)
            archive.seek(0)
            jobs.save_zip(job_id, archive)
    except Exception as error:
        jobs.update(job_id, status=jobs.FAILED, error=f"{type(error).__name__}: {error}"[:500])
        raise
    jobs.update(job_id, status=jobs.DONE, processed=count, total=count)
    return {"job_id": job_id, "articles": count}

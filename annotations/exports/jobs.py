"""Export jobs: the state of a background ZIP build, kept as a small JSON file in storage.

A job is ``exports/<id>.json`` (status, progress, owner, task result id) plus, once done,
``exports/<id>.zip`` in ``default_storage``. Files rather than a model or the cache because
the web process and the task worker must both see them and no migration is needed; old
jobs can be cleaned up by deleting the files.
"""

from __future__ import annotations

import json
import uuid
from typing import IO, Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"

_FOLDER = "exports"


def _state_name(job_id: str) -> str:
    return f"{_FOLDER}/{job_id}.json"


def zip_name(job_id: str) -> str:
    return f"{_FOLDER}/{job_id}.zip"


def valid_job_id(job_id: str) -> bool:
    """Job ids are uuid4 hex strings; anything else never reaches the storage."""
    try:
        return uuid.UUID(hex=job_id).hex == job_id
    except ValueError:
        return False


def _write(name: str, content: File) -> None:
    # Storage.save never overwrites (it picks a new name), so replace explicitly.
    if default_storage.exists(name):
        default_storage.delete(name)
    saved = default_storage.save(name, content)
    if saved != name:  # pragma: no cover - a concurrent writer; keep the newest under the real name
        default_storage.delete(saved)


def create(*, owner_id: int, article_ids: list[int], published_only: bool) -> str:
    """Register a new job and return its id."""
    job_id = uuid.uuid4().hex
    state = {
        "id": job_id, "status": PENDING, "owner_id": owner_id, "total": len(article_ids), "processed": 0,
        "published_only": published_only, "error": "", "result_id": "",
    }
    _write(_state_name(job_id), ContentFile(json.dumps(state).encode("utf-8")))
    return job_id


def load(job_id: str) -> dict[str, Any] | None:
    """The job's state, or None for an unknown (or malformed) id."""
    if not valid_job_id(job_id) or not default_storage.exists(_state_name(job_id)):
        return None
    try:
        with default_storage.open(_state_name(job_id), "rb") as handle:
            return json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError):
        return None  # being rewritten right now: the progress page just polls again


def update(job_id: str, **changes: Any) -> dict[str, Any]:
    """Merge ``changes`` into the job's state (the task is the only writer while it runs)."""
    state = load(job_id) or {"id": job_id}
    state.update(changes)
    _write(_state_name(job_id), ContentFile(json.dumps(state).encode("utf-8")))
    return state


def save_zip(job_id: str, archive: IO[bytes]) -> None:
    _write(zip_name(job_id), File(archive, name=f"{job_id}.zip"))


def percent(state: dict[str, Any]) -> int:
    total = int(state.get("total") or 0)
    if state.get("status") == DONE:
        return 100
    return int(100 * int(state.get("processed") or 0) / total) if total else 0


def _task_name(job_id: str) -> str:
    return f"{_FOLDER}/{job_id}.task"


def remember_task(job_id: str, result_id: str) -> None:
    """Keep the django-tasks result id (a separate file: the worker may be writing the state)."""
    _write(_task_name(job_id), ContentFile(result_id.encode("utf-8")))


def refresh_from_task(state: dict[str, Any]) -> dict[str, Any]:
    """Mark an unfinished job failed when its task failed without saying so (e.g. a crashed worker)."""
    if state.get("status") in {DONE, FAILED}:
        return state
    job_id = str(state.get("id", ""))
    if not valid_job_id(job_id) or not default_storage.exists(_task_name(job_id)):
        return state
    from django_tasks import TaskResultStatus, default_task_backend
    from django_tasks.exceptions import TaskResultDoesNotExist

    with default_storage.open(_task_name(job_id), "rb") as handle:
        result_id = handle.read().decode("utf-8").strip()
    try:
        result = default_task_backend.get_result(result_id)
    except (NotImplementedError, TaskResultDoesNotExist, ValueError):
        return state  # the immediate backend keeps no results; the state file is all we have
    if result.status == TaskResultStatus.FAILED:
        return {**state, "status": FAILED, "error": state.get("error") or "The export task failed."}
    return state

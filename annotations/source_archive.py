"""Archive this source: keep what a claim's evidence said, so the verdict survives link rot.

The snapshot itself is the text layer's generic service (:func:`articles.snapshots.snapshot_url`:
a safe fetch stored as a WARC record); this module ties it to a claim's
:class:`~annotations.models.Source`: the source's ``archive_url`` becomes the snapshot's page
(and ``accessed_on`` the fetch date, when it was empty), written through the one write path,
:func:`annotations.services.update_source` (permission, version check, history entry).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import default_storage
from django.db import transaction

from annotations.models import Source
from annotations.services import require_edit, require_fact_checker, update_source
from articles.fetching import FetchPolicy
from articles.models import Snapshot
from articles.snapshots import snapshot_page_url, snapshot_url

__all__ = ["archive_source"]


def archive_source(
    source: Source,
    *,
    user: AbstractBaseUser,
    expected_version: int | None = None,
    policy: FetchPolicy | None = None,
) -> Snapshot:
    """Fetch the source's URL now, keep it as a snapshot, and point ``archive_url`` at it.

    Raises ``PermissionDenied`` before fetching when the user may not edit the claim, a
    :class:`~articles.fetching.FetchError` (with a message for the person) when the page
    cannot be fetched, and the services' conflict error when the claim changed since
    ``expected_version``; in each case nothing is kept.
    """
    require_fact_checker(user)
    require_edit(user, source.claim)
    with transaction.atomic():
        snapshot = snapshot_url(source.url, user, policy=policy)
        try:
            fields: dict[str, object] = {"archive_url": snapshot_page_url(snapshot)}
            if source.accessed_on is None:
                fields["accessed_on"] = snapshot.fetched_at.date()
            update_source(source, user=user, expected_version=expected_version, **fields)
        except BaseException:
            name = snapshot.warc_file.name
            default_storage.delete(name)
            raise
    return snapshot

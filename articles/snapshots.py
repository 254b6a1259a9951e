"""Evidence kept: every fetch stored as a WARC record, and "archive this URL" for anything cited.

A fact-check rests on what a page said when it was read. Each fetch that brought a page back
(adding an article by URL, a watch's re-check, archiving a claim's source) is written as a
standard WARC file (ISO 28500, with warcio) into ``default_storage``:

* a ``warcinfo`` record naming Factdesk,
* a ``response`` record: the final URL (``WARC-Target-URI``), the fetch time (``WARC-Date``),
  the HTTP status line and headers, and the body, with SHA-256 block and payload digests.

The body is stored decoded (as the browser would read it), so ``Content-Encoding`` and
``Transfer-Encoding`` are removed from the stored headers and ``Content-Length`` states the
stored length. A :class:`~articles.models.Snapshot` row points at the file and repeats what
lists need (URL, status, time, the body's SHA-256 in hex).

:func:`snapshot_url` is the generic service ("archive this source" in the layer above
calls it); :func:`read_snapshot` reads a stored record back for the sandboxed view and
for checks.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from articles.fetching import HTML_TYPES, FetchedPage, FetchPolicy, fetch, user_agent
from articles.models import Article, Snapshot
from articles.permissions import snapshot_policy

__all__ = [
    "SNAPSHOT_TYPES",
    "SnapshotContent",
    "build_warc",
    "read_snapshot",
    "snapshot_page_url",
    "snapshot_url",
    "store_snapshot",
]

AnyUser = AbstractBaseUser | AnonymousUser

#: What "archive this URL" keeps: web pages, PDFs and plain text.
SNAPSHOT_TYPES = HTML_TYPES | {"application/pdf", "text/plain"}

#: Hop-by-hop and encoding headers that no longer describe the stored (decoded) body.
_DROPPED_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length", "connection", "keep-alive"})


class _Sha256WARCWriter(WARCWriter):
    """warcio's writer with SHA-256 digests instead of its default SHA-1."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def _warc_date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_warc(page: FetchedPage) -> bytes:
    """The gzipped WARC file for one fetch (see the module docstring for what it holds)."""
    buffer = io.BytesIO()
    writer = _Sha256WARCWriter(buffer, gzip=True)
    date = _warc_date(page.fetched_at)
    info = writer.create_warcinfo_record(
        f"factdesk-{page.fetched_at:%Y%m%d%H%M%S}.warc.gz",
        {"software": user_agent(), "format": "WARC File Format 1.1", "requested-url": page.requested_url},
    )
    writer.write_record(info)
    headers = [(name, value) for name, value in page.headers if name.lower() not in _DROPPED_HEADERS]
    headers.append(("Content-Length", str(len(page.body))))
    status_line = f"{page.status} {_REASONS.get(page.status, 'OK')}"
    http_headers = StatusAndHeaders(status_line, headers, protocol="HTTP/1.1")
    warc_headers = {"WARC-Date": date}
    if page.address:
        warc_headers["WARC-IP-Address"] = page.address
    record = writer.create_warc_record(
        page.final_url, "response", payload=io.BytesIO(page.body), http_headers=http_headers,
        warc_headers_dict=warc_headers,
    )
    writer.write_record(record)
    return buffer.getvalue()


_REASONS = {200: "OK", 201: "Created", 203: "Non-Authoritative Information", 206: "Partial Content"}


def store_snapshot(
    page: FetchedPage, *, user: AnyUser | None = None, article: Article | None = None
) -> Snapshot:
    """Write ``page`` as a WARC file and its :class:`Snapshot` row; the file goes first, the row after.

    If saving the row fails, the file is removed again, so storage holds no orphans.
    """
    warc = build_warc(page)
    digest = hashlib.sha256(page.body).hexdigest()
    name = default_storage.save(
        f"snapshots/{page.fetched_at:%Y/%m}/{page.fetched_at:%Y%m%dT%H%M%S}-{digest[:16]}.warc.gz",
        ContentFile(warc),
    )
    try:
        snapshot = Snapshot(
            requested_url=page.requested_url[:1000],
            url=page.final_url[:1000],
            status=page.status,
            content_type=page.content_type[:100],
            charset=page.charset[:40],
            sha256=digest,
            size=len(page.body),
            fetched_at=page.fetched_at,
            article=article,
            taken_by=user if user is not None and user.is_authenticated else None,
        )
        snapshot.warc_file.name = name
        snapshot.save()
    except BaseException:
        default_storage.delete(name)
        raise
    return snapshot


def snapshot_url(
    url: str, user: AnyUser | None, *, article: Article | None = None, policy: FetchPolicy | None = None
) -> Snapshot:
    """Fetch ``url`` now and keep what it said as a :class:`Snapshot` (web page, PDF or text).

    Raises ``PermissionDenied`` for users who may not archive (readers) and a
    :class:`~articles.fetching.FetchError` with a message for the person when the fetch fails.
    """
    snapshot_policy.require(user, "add")
    page = fetch(url, policy, accept=SNAPSHOT_TYPES, wanted=_("a web page, a PDF or a text file"))
    with transaction.atomic():
        return store_snapshot(page, user=user, article=article)


def snapshot_page_url(snapshot: Snapshot) -> str:
    """The absolute address of the snapshot's page (``FACTDESK_SITE_URL`` + its path), for links kept elsewhere."""
    return settings.FACTDESK_SITE_URL.rstrip("/") + snapshot.get_absolute_url()


@dataclass(frozen=True)
class SnapshotContent:
    """A stored fetch read back from its WARC file."""

    url: str
    date: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    payload_digest: str


def read_snapshot(snapshot: Snapshot) -> SnapshotContent:
    """The ``response`` record of the snapshot's WARC file; ``ValueError`` if the file holds none."""
    with snapshot.warc_file.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type != "response":
                continue
            status = int(record.http_headers.get_statuscode() or 0)
            return SnapshotContent(
                url=record.rec_headers.get_header("WARC-Target-URI") or "",
                date=record.rec_headers.get_header("WARC-Date") or "",
                status=status,
                headers=list(record.http_headers.headers),
                body=record.content_stream().read(),
                payload_digest=record.rec_headers.get_header("WARC-Payload-Digest") or "",
            )
    raise ValueError(f"Snapshot {snapshot.pk}: the WARC file holds no response record.")

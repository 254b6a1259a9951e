"""Evidence kept: every fetch as a WARC record, the sandboxed view, downloads, and "archive this source"."""

from __future__ import annotations

import gzip
import hashlib
import io
from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pytest_httpserver import HTTPServer
from warcio.archiveiterator import ArchiveIterator

from annotations.models import ClaimEvent
from annotations.source_archive import archive_source
from articles.fetching import FetchedPage, HttpStatusError
from articles.models import Snapshot
from articles.snapshots import build_warc, read_snapshot, snapshot_url, store_snapshot
from tests import factories

pytestmark = pytest.mark.django_db

BODY = b"<html><head><title>Report</title><script>alert('x')</script></head><body><p>Jobless rate 6%</p></body></html>"


@pytest.fixture(autouse=True)
def local_fetching(settings):
    settings.FACTDESK_FETCH_ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    settings.FACTDESK_SITE_URL = "https://desk.example"


def fetched(body: bytes = BODY, content_type: str = "text/html") -> FetchedPage:
    return FetchedPage(
        requested_url="https://stats.example.org/r",
        final_url="https://stats.example.org/report",
        status=200,
        headers=[("Content-Type", f"{content_type}; charset=utf-8"), ("Content-Encoding", "gzip"), ("Server", "x")],
        body=body,
        fetched_at=datetime(2024, 5, 1, 9, 30, 15, tzinfo=UTC),
        content_type=content_type,
        charset="utf-8",
        address="203.0.113.7",
    )


def test_a_fetch_becomes_a_warc_file_with_url_status_headers_body_time_and_digests():
    records, bodies = [], []
    for record in ArchiveIterator(io.BytesIO(build_warc(fetched()))):  # a stream: read each record as it comes
        records.append(record)
        bodies.append(record.content_stream().read())

    assert [record.rec_type for record in records] == ["warcinfo", "response"]
    response = records[1]
    headers = response.rec_headers
    assert headers.get_header("WARC-Target-URI") == "https://stats.example.org/report"
    assert headers.get_header("WARC-Date") == "2024-05-01T09:30:15Z"
    assert headers.get_header("WARC-IP-Address") == "203.0.113.7"
    assert headers.get_header("WARC-Payload-Digest").startswith("sha256:")
    assert headers.get_header("WARC-Block-Digest").startswith("sha256:")
    assert response.http_headers.get_statuscode() == "200"
    # The body is stored decoded, so the encoding header that no longer applies is gone.
    assert response.http_headers.get_header("Content-Encoding") is None
    assert response.http_headers.get_header("Content-Length") == str(len(BODY))
    assert response.http_headers.get_header("Server") == "x"
    assert bodies[1] == BODY


def test_store_snapshot_keeps_the_file_and_the_sha256_of_the_body(editor):
    snapshot = store_snapshot(fetched(), user=editor)

    assert snapshot.sha256 == hashlib.sha256(BODY).hexdigest()
    assert (snapshot.url, snapshot.status, snapshot.size, snapshot.taken_by) == (
        "https://stats.example.org/report", 200, len(BODY), editor
    )
    assert snapshot.warc_file.name.endswith(".warc.gz")
    stored = read_snapshot(snapshot)
    assert (stored.body, stored.status, stored.date) == (BODY, 200, "2024-05-01T09:30:15Z")


def test_snapshot_url_archives_web_pages_and_pdfs(httpserver: HTTPServer, fact_checker):
    httpserver.expect_request("/page").respond_with_data(BODY, content_type="text/html")
    httpserver.expect_request("/report.pdf").respond_with_data(b"%PDF-1.7 ...", content_type="application/pdf")

    page = snapshot_url(httpserver.url_for("/page"), fact_checker)
    pdf = snapshot_url(httpserver.url_for("/report.pdf"), fact_checker)

    assert (page.content_type, page.is_html) == ("text/html", True)
    assert (pdf.content_type, pdf.is_html) == ("application/pdf", False)
    assert read_snapshot(pdf).body == b"%PDF-1.7 ..."


def test_readers_cannot_archive_pages(httpserver: HTTPServer):
    reader = factories.UserFactory()
    with pytest.raises(PermissionDenied, match="Only fact-checkers and editors can archive pages"):
        snapshot_url(httpserver.url_for("/page"), reader)
    assert httpserver.log == []


def test_a_failed_fetch_keeps_no_snapshot(httpserver: HTTPServer, fact_checker):
    httpserver.expect_request("/gone").respond_with_data("", status=404)

    with pytest.raises(HttpStatusError):
        snapshot_url(httpserver.url_for("/gone"), fact_checker)
    assert Snapshot.objects.count() == 0


# --- viewing and downloading ----------------------------------------------------------------------


def test_the_snapshot_page_has_a_banner_with_the_fetch_time_and_a_sandboxed_frame(client, fact_checker):
    snapshot = store_snapshot(fetched())
    client.force_login(fact_checker)

    page = client.get(reverse("editing:snapshot", args=[snapshot.pk])).content.decode()

    assert "Fetched by Factdesk on" in page
    assert "2024-05-01 09:30:15 UTC" in page
    assert f'sandbox src="{reverse("editing:snapshot_content", args=[snapshot.pk])}"' in page
    assert snapshot.sha256 in page


def test_the_stored_page_is_served_under_a_sandbox_policy_with_scripts_off(client, fact_checker):
    snapshot = store_snapshot(fetched())
    client.force_login(fact_checker)

    response = client.get(reverse("editing:snapshot_content", args=[snapshot.pk]))

    assert response.content == BODY
    assert response["Content-Type"] == "text/html; charset=utf-8"
    policy = response["Content-Security-Policy"]
    assert policy.startswith("sandbox;")
    assert "allow-scripts" not in policy
    assert "default-src 'none'" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_stored_pdf_is_downloaded_not_shown(client, fact_checker):
    snapshot = store_snapshot(fetched(b"%PDF-1.7", "application/pdf"))
    client.force_login(fact_checker)

    response = client.get(reverse("editing:snapshot_content", args=[snapshot.pk]))

    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"].startswith("sandbox;")


def test_the_warc_file_can_be_downloaded(client, fact_checker):
    snapshot = store_snapshot(fetched())
    client.force_login(fact_checker)

    response = client.get(reverse("editing:snapshot_download", args=[snapshot.pk]))
    data = b"".join(response.streaming_content)

    assert response["Content-Type"] == "application/warc"
    assert "attachment" in response["Content-Disposition"]
    assert gzip.decompress(data).startswith(b"WARC/1")


def test_snapshots_need_a_login(client):
    snapshot = store_snapshot(fetched())

    response = client.get(reverse("editing:snapshot_content", args=[snapshot.pk]))

    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_the_evidence_page_lists_the_articles_snapshots(client, fact_checker):
    article = factories.ArticleFactory(url="https://stats.example.org/report")
    snapshot = store_snapshot(fetched(), article=article)
    client.force_login(fact_checker)

    page = client.get(reverse("editing:article_evidence", args=[article.pk])).content.decode()

    assert reverse("editing:snapshot", args=[snapshot.pk]) in page
    assert "No change by the outlet recorded." in page


# --- archive this source -------------------------------------------------------------------------


def test_archiving_a_source_points_its_archive_url_at_the_snapshot(httpserver: HTTPServer):
    httpserver.expect_request("/stats").respond_with_data(BODY, content_type="text/html")
    source = factories.SourceFactory(url=httpserver.url_for("/stats"))
    checker = source.claim.created_by

    snapshot = archive_source(source, user=checker)

    source.refresh_from_db()
    assert source.archive_url == f"https://desk.example{reverse('editing:snapshot', args=[snapshot.pk])}"
    assert source.accessed_on == snapshot.fetched_at.date()
    assert snapshot.taken_by == checker
    event = ClaimEvent.objects.filter(claim=source.claim, field="source.archive_url").get()
    assert event.new_value == source.archive_url


def test_archiving_a_dead_source_changes_nothing(httpserver: HTTPServer):
    httpserver.expect_request("/gone").respond_with_data("", status=410)
    source = factories.SourceFactory(url=httpserver.url_for("/gone"))

    with pytest.raises(HttpStatusError, match="410"):
        archive_source(source, user=source.claim.created_by)

    source.refresh_from_db()
    assert source.archive_url == ""
    assert Snapshot.objects.count() == 0


def test_someone_who_may_not_edit_the_claim_cannot_archive_its_source(httpserver: HTTPServer):
    source = factories.SourceFactory(url=httpserver.url_for("/stats"))
    reader = factories.UserFactory()

    with pytest.raises(PermissionDenied):
        archive_source(source, user=reader)
    assert httpserver.log == []


def test_archive_this_source_from_the_panel_keeps_a_snapshot_and_links_it(httpserver: HTTPServer, client, fact_checker):
    httpserver.expect_request("/evidence").respond_with_data(BODY, content_type="text/html")
    claim = factories.ClaimFactory(status="researching")
    source = factories.SourceFactory(claim=claim, url=httpserver.url_for("/evidence"))
    client.force_login(fact_checker)
    response = client.post(
        reverse("annotations:source_archive", args=[claim.pk, source.pk]), {"version": claim.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Source archived" in response.content.decode()
    source.refresh_from_db()
    snapshot = Snapshot.objects.get()
    assert source.archive_url.endswith(reverse("editing:snapshot", args=[snapshot.pk]))
    changes = ClaimEvent.objects.filter(claim=claim, kind=ClaimEvent.Kind.SOURCE_CHANGED)
    assert changes.filter(field="source.archive_url").exists()


def test_archiving_an_unreachable_source_says_why_and_keeps_nothing(client, fact_checker):
    claim = factories.ClaimFactory(status="researching")
    source = factories.SourceFactory(claim=claim, url="https://gone.example.invalid/page")
    client.force_login(fact_checker)
    response = client.post(
        reverse("annotations:source_archive", args=[claim.pk, source.pk]), {"version": claim.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "Could not archive" in response.content.decode()
    assert not Snapshot.objects.exists()
    source.refresh_from_db()
    assert source.archive_url == ""

"""PDF reports and Web Annotation imports run as background jobs, never inside a request.

A PDF is served from a finished job made from the same input (the fingerprint), else made
by a new job the user is sent to (303); a user has at most FACTDESK_MAX_ACTIVE_JOBS_PER_USER
jobs waiting or running (429 with Retry-After beyond). The suite's task backend is the
immediate one, so a queued job has run by the time the request returns.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from annotations import services
from annotations.exports import FORMATS, export_filename
from annotations.exports import jobs as export_jobs
from annotations.exports.w3c import article_annotations
from annotations.tasks import import_web_annotations, render_export_report
from factcheck import jobs
from factcheck.models import Job
from tests import factories
from tests.exports_helpers import SECRET, checked_article

pytestmark = pytest.mark.django_db

PDF = FORMATS["pdf"]


def pdf_url(article, **params) -> str:
    base = reverse("exports:article", args=[article.pk, "pdf"])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def pdf_jobs() -> list[Job]:
    return list(Job.objects.filter(kind=Job.Kind.EXPORT).order_by("pk"))


def pending_job(owner, kind: str = Job.Kind.EXPORT) -> Job:
    return jobs.create(kind, owner=owner, title="Waiting")


# --- PDF reports -------------------------------------------------------------------------------


def test_first_pdf_request_queues_a_job_and_redirects_to_its_page(checker_client, fact_checker):
    data = checked_article(title="Budget: what the mayor said!")
    response = checker_client.get(pdf_url(data.article))
    [job] = pdf_jobs()
    assert response.status_code == 303
    assert response["Location"] == reverse("exports:job", args=[job.pk])
    assert (job.owner, job.status) == (fact_checker, Job.Status.DONE)
    assert job.title == "Report (PDF): Budget: what the mayor said!"
    assert job.params == {
        "format": "pdf", "article_id": data.article.pk, "published_only": False,
        "filename": "budget-what-the-mayor-said-factcheck.pdf",
        "language": "en-gb",  # the requesting user's interface language: the report is rendered in it
    }
    assert job.fingerprint == export_jobs.report_fingerprint(data.article.pk, published_only=False)

    page = checker_client.get(response["Location"])
    download = reverse("exports:job_download", args=[job.pk])
    assert b"The PDF is ready." in page.content
    assert f'href="{download}"'.encode() in page.content, "a real link, usable without JavaScript"
    assert data.article.get_absolute_url().encode() in page.content

    pdf = checker_client.get(download)
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="budget-what-the-mayor-said-factcheck.pdf"'
    content = body(pdf)
    assert content.startswith(b"%PDF")
    assert SECRET in pdf_text(content), "the desk's PDF is the internal version"


def test_unchanged_input_serves_the_cached_pdf_without_a_new_job(checker_client, django_assert_max_num_queries):
    data = checked_article()
    first = checker_client.get(pdf_url(data.article))
    assert first.status_code == 303
    # session, user, role, article, fingerprint, cached job: nothing renders, nothing grows with the article.
    with django_assert_max_num_queries(6):
        again = checker_client.get(pdf_url(data.article))
    assert again.status_code == 200
    filename = export_filename(data.article, PDF, published_only=False)
    assert again["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert again["Cache-Control"] == "private, no-store"
    assert body(again).startswith(b"%PDF")
    assert len(pdf_jobs()) == 1


def test_changing_a_claim_changes_the_fingerprint_and_makes_a_new_pdf(checker_client, editor):
    data = checked_article()
    checker_client.get(pdf_url(data.article))
    before = export_jobs.report_fingerprint(data.article.pk, published_only=False)
    claim = data.in_review
    services.update_claim(claim, user=editor, expected_version=claim.version, changes={"statement": "Now 5 million."})
    after = export_jobs.report_fingerprint(data.article.pk, published_only=False)
    assert after != before

    response = checker_client.get(pdf_url(data.article))
    assert response.status_code == 303, "the old PDF is out of date"
    old, new = pdf_jobs()
    assert (old.fingerprint, new.fingerprint) == (before, after)
    assert "Now 5 million." in pdf_text(body(checker_client.get(reverse("exports:job_download", args=[new.pk]))))


def test_a_new_source_changes_the_fingerprint(editor):
    data = checked_article()
    before = export_jobs.report_fingerprint(data.article.pk, published_only=False)
    services.add_source(data.in_review, user=editor, url="https://stats.example.org/new", title="New")
    assert export_jobs.report_fingerprint(data.article.pk, published_only=False) != before


def test_unpublished_changes_leave_the_published_report_cached(editor):
    data = checked_article()
    internal = export_jobs.report_fingerprint(data.article.pk, published_only=False)
    published = export_jobs.report_fingerprint(data.article.pk, published_only=True)
    assert internal != published, "published-only is part of the fingerprint"
    claim = data.in_review
    services.update_claim(claim, user=editor, expected_version=claim.version, changes={"statement": "Draft."})
    assert export_jobs.report_fingerprint(data.article.pk, published_only=True) == published


def test_the_fingerprint_is_one_query_however_many_claims(django_assert_num_queries):
    data = checked_article()
    for _ in range(10):
        factories.SourceFactory(claim=factories.ClaimFactory(article=data.article, phrase="town hall"))
    with django_assert_num_queries(1):
        assert export_jobs.report_fingerprint(data.article.pk, published_only=False)
    with django_assert_num_queries(1):
        assert export_jobs.report_fingerprint(data.article.pk + 999, published_only=False) is None


def test_asking_again_while_the_job_waits_goes_to_the_same_job(checker_client, fact_checker):
    data = checked_article()
    fingerprint = export_jobs.report_fingerprint(data.article.pk, published_only=False)
    waiting = export_jobs.create_report(
        owner=fact_checker, article=data.article, fmt="pdf", published_only=False, fingerprint=fingerprint
    )
    response = checker_client.get(pdf_url(data.article))
    assert response.status_code == 303
    assert response["Location"] == reverse("exports:job", args=[waiting.pk])
    assert pdf_jobs() == [waiting]

    page = checker_client.get(response["Location"])
    assert b'hx-trigger="every 1s"' in page.content
    assert b"Waiting for a free worker" in page.content
    assert checker_client.get(reverse("exports:job_download", args=[waiting.pk])).status_code == 404


def test_the_limit_of_jobs_at_once_answers_429_with_retry_after(checker_client, fact_checker, settings):
    settings.FACTDESK_MAX_ACTIVE_JOBS_PER_USER = 3
    for _ in range(3):
        pending_job(fact_checker)
    data = checked_article()
    response = checker_client.get(pdf_url(data.article))
    assert response.status_code == 429
    assert response["Retry-After"] == str(jobs.LIMIT_RETRY_AFTER)
    assert b"You already have 3 background jobs waiting or running (at most 3 at once)" in response.content
    assert Job.objects.count() == 3, "nothing queued"
    # Other people's jobs and finished jobs do not count.
    Job.objects.update(owner=factories.EditorFactory())
    assert checker_client.get(pdf_url(data.article)).status_code == 303


def test_a_cached_pdf_is_served_even_at_the_limit(checker_client, fact_checker, settings):
    data = checked_article()
    checker_client.get(pdf_url(data.article))
    settings.FACTDESK_MAX_ACTIVE_JOBS_PER_USER = 1
    pending_job(fact_checker)
    assert checker_client.get(pdf_url(data.article)).status_code == 200


def test_others_cannot_open_my_job_but_get_the_same_pdf_through_the_article(client, checker_client):
    data = checked_article()
    response = checker_client.get(pdf_url(data.article))
    [job] = pdf_jobs()
    colleague = factories.FactCheckerFactory()
    client.force_login(colleague)
    assert client.get(response["Location"]).status_code == 404
    assert client.get(reverse("exports:job_download", args=[job.pk])).status_code == 404
    shared = client.get(pdf_url(data.article))
    assert shared.status_code == 200, "the same report, made once"
    assert body(shared) == default_storage.open(job.result_file.name).read()
    assert len(pdf_jobs()) == 1


def test_readers_never_get_the_cached_internal_pdf(client, checker_client):
    data = checked_article()
    checker_client.get(pdf_url(data.article))
    client.force_login(factories.UserFactory())
    response = client.get(pdf_url(data.article))
    assert response.status_code == 303, "a reader's report is published-only: another fingerprint"
    internal, published = pdf_jobs()
    assert published.params["published_only"] is True and published.fingerprint != internal.fingerprint
    text = pdf_text(body(client.get(reverse("exports:job_download", args=[published.pk]))))
    assert SECRET not in text and "4.2 million euros" in text
    # ...and a desk member asking for the published version gets the reader's file.
    assert checker_client.get(pdf_url(data.article, published_only=1)).status_code == 200
    assert len(pdf_jobs()) == 2


def test_a_pdf_whose_file_is_gone_is_made_again(checker_client):
    data = checked_article()
    checker_client.get(pdf_url(data.article))
    [job] = pdf_jobs()
    default_storage.delete(job.result_file.name)
    assert checker_client.get(pdf_url(data.article)).status_code == 303
    assert len(pdf_jobs()) == 2


def test_a_failed_pdf_job_says_so_and_the_next_request_tries_again(checker_client, monkeypatch):
    data = checked_article()

    def broken(*args, **kwargs):
        raise OSError("no fonts")

    monkeypatch.setattr("annotations.tasks.render_export", broken)
    response = checker_client.get(pdf_url(data.article))
    [failed] = pdf_jobs()
    assert failed.status == Job.Status.FAILED
    assert b"The export failed: OSError: no fonts" in checker_client.get(response["Location"]).content
    monkeypatch.undo()
    assert checker_client.get(pdf_url(data.article)).status_code == 303
    assert pdf_jobs()[-1].status == Job.Status.DONE


def test_the_worker_files_the_pdf_under_the_input_it_read(fact_checker, editor):
    data = checked_article()
    stale = export_jobs.report_fingerprint(data.article.pk, published_only=False)
    job = export_jobs.create_report(
        owner=fact_checker, article=data.article, fmt="pdf", published_only=False, fingerprint=stale
    )
    claim = data.in_review
    services.update_claim(claim, user=editor, expected_version=claim.version, changes={"statement": "Changed."})
    jobs.enqueue(job, render_export_report)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.fingerprint == export_jobs.report_fingerprint(data.article.pk, published_only=False) != stale


def test_an_article_deleted_before_the_job_ran_fails_the_job(fact_checker):
    data = checked_article()
    fingerprint = export_jobs.report_fingerprint(data.article.pk, published_only=False)
    job = export_jobs.create_report(
        owner=fact_checker, article=data.article, fmt="pdf", published_only=False, fingerprint=fingerprint
    )
    data.article.delete()
    jobs.enqueue(job, render_export_report)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "The article was deleted before the job ran."


def test_unknown_article_is_404_and_starts_nothing(checker_client, article):
    assert checker_client.get(reverse("exports:article", args=[article.pk + 999, "pdf"])).status_code == 404
    assert not Job.objects.exists()


def test_anonymous_users_are_sent_to_log_in_and_start_nothing(client, article):
    response = client.get(pdf_url(article))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not Job.objects.exists()


def test_the_job_page_costs_a_fixed_number_of_queries(checker_client):
    data = checked_article()
    location = checker_client.get(pdf_url(data.article))["Location"]
    checker_client.get(location, HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as queries:
        checker_client.get(location, HTTP_HX_REQUEST="true")
    assert len(queries) <= 4, [query["sql"] for query in queries]


# --- Web Annotation imports --------------------------------------------------------------------


def upload(data: object, name: str = "annotations.jsonld") -> SimpleUploadedFile:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile(name, raw, content_type="application/ld+json")


def quote(exact: str) -> dict[str, object]:
    return {"type": "Annotation", "target": {"selector": {"type": "TextQuoteSelector", "exact": exact}}}


def import_url(article) -> str:
    return reverse("exports:w3c_import", args=[article.pk])


def test_an_import_is_a_job_with_counts_and_per_record_errors(editor_client, editor, article):
    document = [quote("town hall"), quote("not in this article at all"), {"type": "Annotation"}]
    response = editor_client.post(import_url(article), {"file": upload(document, "desk.jsonld")})
    job = Job.objects.get()
    assert response.status_code == 303 and response["Location"] == reverse("exports:job", args=[job.pk])
    assert (job.kind, job.owner, job.status) == (Job.Kind.ANNOTATION_IMPORT, editor, Job.Status.DONE)
    assert job.title == f"Import of desk.jsonld into “{article.title}”"
    assert (job.processed, job.total) == (3, 3)
    assert (job.result["created"], job.result["skipped"], job.result["failed"]) == (1, 0, 2)
    assert [error["item"] for error in job.errors] == ["annotation 2", "annotation 3"]
    assert json.loads(default_storage.open(job.input_file.name).read()) == document, "the upload is the job's input"

    page = editor_client.get(response["Location"]).content.decode()
    assert "1 created, 0 skipped, 2 failed." in page
    assert "Annotation 2: " in page and "Annotation 3: " in page
    assert import_url(article) in page and article.get_absolute_url() in page
    assert editor_client.get(reverse("exports:job_download", args=[job.pk])).status_code == 404
    assert article.claims.get().exact == "town hall"


def test_reimporting_reports_the_skipped_annotations(editor_client):
    data = checked_article()
    exported = article_annotations(data.article, published_only=False)
    editor_client.post(import_url(data.article), {"file": upload(exported)})
    job = Job.objects.get()
    assert (job.result["created"], job.result["skipped"], job.result["failed"]) == (0, 4, 0)
    page = editor_client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "0 created, 4 skipped, 0 failed." in page


def test_the_import_reports_progress_as_it_goes(editor, article, monkeypatch):
    calls = []
    monkeypatch.setattr(jobs, "progress", lambda job_id, processed, total=None: calls.append((processed, total)))
    job = export_jobs.create_annotation_import(
        owner=editor, article=article, data=json.dumps([quote("town hall")] * 5).encode(), filename="a.json", total=5,
    )
    jobs.enqueue(job, import_web_annotations)
    job.refresh_from_db()
    assert calls[0] == (0, 5) and calls[-1] == (5, 5) and len(calls) > 2
    assert (job.result["created"], job.result["skipped"]) == (1, 4)
    assert [note["index"] for note in job.result["notes"] if note["status"] == "skipped"] == [2, 3, 4, 5]


def test_when_the_import_budget_runs_out_the_job_says_so_once_and_keeps_what_it_placed(
    editor_client, editor, article, settings
):
    settings.FACTDESK_W3C_IMPORT_BUDGET_S = 0
    editor_client.post(import_url(article), {"file": upload([quote("town hall")] * 3)})
    job = Job.objects.get()
    assert job.status == Job.Status.DONE
    assert job.result["not_attempted"] == 3 and job.errors == [], "not listed one by one"
    page = editor_client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "time budget" in page


def test_a_file_refused_as_a_whole_fails_the_job_with_the_reason(editor_client, monkeypatch, article):
    from annotations.exports.w3c import ImportFormatError

    def refuse(*args, **kwargs):
        raise ImportFormatError("These annotations were made on https://elsewhere.example/.")

    monkeypatch.setattr("annotations.tasks.import_annotations", refuse)
    response = editor_client.post(import_url(article), {"file": upload([quote("town hall")])})
    page = editor_client.get(response["Location"]).content.decode()
    assert "The import failed: These annotations were made on https://elsewhere.example/." in page


def test_the_import_page_shows_progress_while_it_runs(editor_client, editor, article):
    job = export_jobs.create_annotation_import(
        owner=editor, article=article, data=b"[]", filename="a.json", total=40,
    )
    assert jobs.start(job.pk) and jobs.progress(job.pk, 10)
    partial = editor_client.get(reverse("exports:job", args=[job.pk]), HTTP_HX_REQUEST="true").content
    assert b"<h1>" not in partial
    assert b"10 of 40 annotations imported" in partial and b'value="25"' in partial
    assert b'hx-trigger="every 1s"' in partial


def test_an_import_into_a_deleted_article_fails_with_the_reason(editor_client, editor, article):
    job = export_jobs.create_annotation_import(
        owner=editor, article=article, data=json.dumps([quote("town hall")]).encode(), filename="a.json", total=1,
    )
    article.delete()
    jobs.enqueue(job, import_web_annotations)
    page = editor_client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "The import failed: The article was deleted before the job ran." in page


def test_imports_count_against_the_limit_of_jobs_at_once(editor_client, editor, article, settings):
    settings.FACTDESK_MAX_ACTIVE_JOBS_PER_USER = 1
    pending_job(editor, kind=Job.Kind.IMPORT)
    response = editor_client.post(import_url(article), {"file": upload([quote("town hall")])})
    assert response.status_code == 429
    assert response["Retry-After"] == str(jobs.LIMIT_RETRY_AFTER)
    assert b"at most 1 at once" in response.content
    assert Job.objects.count() == 1 and article.claims.count() == 0


def test_someone_elses_import_is_not_found(client, editor_client, article):
    editor_client.post(import_url(article), {"file": upload([quote("town hall")])})
    job = Job.objects.get()
    client.force_login(factories.EditorFactory())
    assert client.get(reverse("exports:job", args=[job.pk])).status_code == 404
    client.force_login(factories.AdminFactory())
    assert client.get(reverse("exports:job", args=[job.pk])).status_code == 200, "admins see every job"


def test_the_admin_job_list_links_import_jobs_to_their_page(admin_client, admin_user, article):
    job = export_jobs.create_annotation_import(
        owner=admin_user, article=article, data=b"[]", filename="a.json", total=0
    )
    assert jobs.page_url(job) == reverse("exports:job", args=[job.pk])
    listing = admin_client.get(reverse("admin:factcheck_job_changelist")).content.decode()
    assert reverse("exports:job", args=[job.pk]) in listing

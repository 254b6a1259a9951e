"""Download views, the W3C import page and the download menu.

PDFs are made by a background job (tests/test_export_jobs.py covers the job itself): the
first request answers 303 to the job's page, and once the job is done the same URL serves
the file. :func:`fetch` walks that path.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from annotations.exports.w3c import article_annotations
from factcheck.models import Job
from tests import factories
from tests.exports_helpers import SECRET, checked_article

pytestmark = pytest.mark.django_db

CONTENT_TYPES = {
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
    "md": ("text/markdown; charset=utf-8", "md"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "w3c": ('application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"', "annotations.jsonld"),
    "claimreview": ("application/ld+json", "claimreview.jsonld"),
}


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def fetch(client, link: str):
    """The export at ``link``; for a PDF through its job: 303 to the job page, then the cached file."""
    response = client.get(link)
    if response.status_code == 303:
        assert client.get(response["Location"]).status_code == 200
        response = client.get(link)
    return response


def url(article, fmt, **params):
    base = reverse("exports:article", args=[article.pk, fmt])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


@pytest.mark.parametrize("fmt", list(CONTENT_TYPES))
def test_each_format_downloads_as_an_attachment(checker_client, fmt):
    article = factories.ArticleFactory(title="Budget: what the mayor said!")
    factories.ClaimFactory(article=article)
    response = fetch(checker_client, url(article, fmt))
    assert response.status_code == 200
    content_type, extension = CONTENT_TYPES[fmt]
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="budget-what-the-mayor-said-factcheck.{extension}"'
    )
    assert content(response)


def test_csv_download_streams(checker_client, article):
    response = checker_client.get(url(article, "csv"))
    assert response.streaming


@pytest.mark.parametrize("fmt", ["html", "md", "csv", "w3c", "claimreview"])
def test_desk_gets_internal_version_unless_published_only_is_asked(checker_client, fmt):
    data = checked_article()
    internal = content(checker_client.get(url(data.article, fmt)))
    public = content(checker_client.get(url(data.article, fmt, published_only=1)))
    assert SECRET.encode() not in public
    if fmt == "claimreview":
        assert SECRET.encode() not in internal, "ClaimReview is published-only for everyone"
    else:
        assert SECRET.encode() in internal
    assert "published" in checker_client.get(url(data.article, "html", published_only=1))["Content-Disposition"]


@pytest.mark.parametrize("fmt", ["html", "md", "csv", "w3c", "pdf"])
def test_users_without_a_role_only_ever_get_published_claims(client, fmt):
    data = checked_article()
    client.force_login(factories.UserFactory())
    response = fetch(client, url(data.article, fmt))
    assert response.status_code == 200
    body = content(response)
    if fmt == "pdf":
        import io

        from pypdf import PdfReader

        body = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).encode()
    assert SECRET.encode() not in body
    assert b"4.2 million euros" in body


def test_anonymous_users_are_sent_to_log_in(client, article):
    response = client.get(url(article, "html"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unknown_format_and_article_are_404(checker_client, article):
    assert checker_client.get(url(article, "docx")).status_code == 404
    assert checker_client.get(reverse("exports:article", args=[article.pk + 999, "html"])).status_code == 404


def test_html_download_costs_constant_queries(checker_client, django_assert_max_num_queries):
    data = checked_article()
    for _ in range(15):
        claim = factories.ClaimFactory(article=data.article, phrase="town hall")
        factories.SourceFactory(claim=claim)
    checker_client.get(url(data.article, "html"))  # warm the session/user caches
    with django_assert_max_num_queries(10):
        response = checker_client.get(url(data.article, "html"))
    assert response.content.count(b'<article class="note') == 19


# --- W3C import page ---------------------------------------------------------------


def upload(data: object, name: str = "annotations.jsonld") -> SimpleUploadedFile:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile(name, raw, content_type="application/ld+json")


def test_editor_imports_an_export_into_another_article(editor_client):
    data = checked_article()
    target = factories.ArticleFactory(body=data.article.body, url="")
    exported = article_annotations(data.article, published_only=False)
    response = editor_client.post(reverse("exports:w3c_import", args=[target.pk]), {"file": upload(exported)})
    job = Job.objects.get(kind=Job.Kind.ANNOTATION_IMPORT)
    assert response.status_code == 303 and response["Location"] == reverse("exports:job", args=[job.pk])
    assert job.status == Job.Status.DONE, "the immediate backend ran the import"
    page = editor_client.get(response["Location"])
    assert b"4 created, 0 skipped, 0 failed." in page.content
    assert target.get_absolute_url().encode() in page.content
    assert target.claims.count() == 4


def test_import_accepts_a_json_request_body(editor_client, article):
    annotation = {"type": "Annotation", "target": {"selector": {"type": "TextQuoteSelector", "exact": "town hall"}}}
    response = editor_client.post(
        reverse("exports:w3c_import", args=[article.pk]), data=json.dumps(annotation), content_type="application/json"
    )
    assert response.status_code == 303
    assert article.claims.get().exact == "town hall"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"{not json", b"not valid JSON"),
        (b"\xff\xfe\x00", b"not UTF-8"),
        (json.dumps({"type": "Nope"}).encode(), b"No Annotation"),
        (b"[" * 100_000 + b"]" * 100_000, b"nested too deeply"),
        (json.dumps([{"type": "Annotation"}] * 5001).encode(), b"Too many annotations (5001)"),
    ],
    ids=["not-json", "not-utf8", "not-annotations", "nested-too-deep", "too-many"],
)
def test_import_rejects_bad_files_at_once_with_a_clear_message(editor_client, article, payload, message):
    response = editor_client.post(reverse("exports:w3c_import", args=[article.pk]), {"file": upload(payload)})
    assert response.status_code == 400
    assert message in response.content
    assert article.claims.count() == 0
    assert not Job.objects.exists(), "a file that cannot be imported starts no job"


def test_import_without_a_file_is_a_400(editor_client, article):
    response = editor_client.post(reverse("exports:w3c_import", args=[article.pk]), {})
    assert response.status_code == 400
    assert b"Choose a Web Annotation" in response.content


def test_import_is_for_editors_only(checker_client, article):
    response = checker_client.post(reverse("exports:w3c_import", args=[article.pk]), {"file": upload([])})
    assert response.status_code == 403
    assert checker_client.get(reverse("exports:w3c_import", args=[article.pk])).status_code == 403


def test_import_page_shows_the_upload_form(editor_client, article):
    response = editor_client.get(reverse("exports:w3c_import", args=[article.pk]))
    assert response.status_code == 200
    assert b'type="file"' in response.content and b"Import annotations" in response.content


# --- Download menu -------------------------------------------------------------------


def render_menu(user, article) -> str:
    from annotations.context_processors import navigation

    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("exports/_download_menu.html", {"article": article, "user": user, **navigation(request)})


def test_download_menu_offers_both_versions_to_the_desk(fact_checker, article):
    html = render_menu(fact_checker, article)
    assert "Internal version" in html and "Published fact-checks only" in html
    assert f'href="{url(article, "pdf")}"' in html
    assert f'href="{url(article, "pdf")}?published_only=1"' in html
    assert "Import Web Annotations" not in html


def test_download_menu_for_editors_links_the_import_page(editor, article):
    assert reverse("exports:w3c_import", args=[article.pk]) in render_menu(editor, article)


def test_download_menu_offers_only_published_version_to_readers(article):
    html = render_menu(factories.UserFactory(), article)
    assert "Internal version" not in html
    assert "?published_only=1" in html
    for fmt in ("html", "pdf", "md", "csv", "w3c"):
        assert f'href="{url(article, fmt)}"' not in html


def test_article_page_download_links_all_work(checker_client):
    data = checked_article()
    page = checker_client.get(data.article.get_absolute_url())
    assert page.status_code == 200
    links = re.findall(r'href="(/exports/articles/\d+/[a-z0-9]+/(?:\?published_only=1)?)"', page.content.decode())
    assert len(links) == 11, links
    for link in links:
        response = fetch(checker_client, link.replace("&amp;", "&"))
        assert response.status_code == 200, link
        if "published_only=1" in link or "claimreview" in link:
            assert SECRET.encode() not in content(response), link

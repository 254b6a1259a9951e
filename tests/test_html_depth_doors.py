"""A page nested too deep, through the browser's upload form and the admin's: a per-file error, never a 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.models import Article

pytestmark = pytest.mark.django_db

DEEP = ("<html><body>" + "<div>" * 200_000 + "<h1>Deep</h1>" + "</div>" * 200_000 + "</body></html>").encode()
TOO_DEEP = "The page is nested more than 512 elements deep; Factdesk refuses it rather than parse it."


def test_the_upload_form_reports_a_page_nested_too_deep(editor_client):
    response = editor_client.post(reverse("editing:upload"), {"file": SimpleUploadedFile("deep.html", DEEP)})

    assert response.status_code == 200
    assert TOO_DEEP in response.content.decode()
    assert not Article.objects.exists()


def test_the_admin_import_reports_a_page_nested_too_deep(admin_client, settings):
    settings.FACTDESK_IMPORT_INLINE_MAX_BYTES = 10 * 1024 * 1024  # answered in the request, not as a job

    response = admin_client.post(
        reverse("admin:articles_article_import"), {"file": SimpleUploadedFile("deep.html", DEEP)}
    )

    assert response.status_code == 200
    assert TOO_DEEP in response.content.decode()
    assert not Article.objects.exists()

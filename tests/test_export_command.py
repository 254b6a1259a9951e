"""``manage.py export_report``: the same bytes as the download views."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from pypdf import PdfReader

from tests.exports_helpers import SECRET, checked_article

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["html", "md", "csv", "w3c", "claimreview"])
def test_command_writes_the_same_bytes_as_the_download(tmp_path, checker_client, fmt):
    data = checked_article()
    output = tmp_path / f"report.{fmt}"
    call_command("export_report", str(data.article.pk), "--format", fmt, "-o", str(output), stderr=io.StringIO())
    response = checker_client.get(reverse("exports:article", args=[data.article.pk, fmt]))
    served = b"".join(response.streaming_content) if response.streaming else response.content
    assert output.read_bytes() == served


def test_command_published_only(tmp_path):
    data = checked_article()
    output = tmp_path / "report.w3c.jsonld"
    call_command(
        "export_report", str(data.article.pk), "--format", "w3c", "--published-only", "-o", str(output),
        stderr=io.StringIO(),
    )
    assert SECRET not in output.read_text()
    assert json.loads(output.read_text())["total"] == 1


def test_command_writes_a_pdf(tmp_path):
    data = checked_article()
    output = tmp_path / "report.pdf"
    call_command("export_report", str(data.article.pk), "-f", "pdf", "-o", str(output), stderr=io.StringIO())
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(output).pages)
    assert data.article.title in text


def test_command_prints_text_formats_to_stdout():
    data = checked_article()
    out = io.StringIO()
    call_command("export_report", str(data.article.pk), "--format", "md", stdout=out)
    assert out.getvalue().startswith(f"# {data.article.title}")


def test_command_refuses_pdf_to_a_text_stream_and_unknown_articles():
    data = checked_article()
    with pytest.raises(CommandError, match="-o FILE"):
        call_command("export_report", str(data.article.pk), "--format", "pdf", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No article with id"):
        call_command("export_report", "999999", stdout=io.StringIO())

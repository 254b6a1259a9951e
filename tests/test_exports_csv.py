"""The claims CSV: parsed back with the csv module, streamed, spreadsheet-safe."""

from __future__ import annotations

import csv
import datetime
import io

import pytest

from annotations.exports.csv_export import (
    BOM,
    COLUMNS,
    article_csv,
    claims_queryset,
    neutralise,
    stream_csv,
)
from annotations.models import Claim
from tests import factories
from tests.exports_helpers import SECRET, checked_article

pytestmark = pytest.mark.django_db


def read_csv(chunks) -> list[dict[str, str]]:
    data = b"".join(chunks)
    assert data.startswith(BOM.encode("utf-8")), "UTF-8 with BOM so spreadsheets detect the encoding"
    text = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames) == COLUMNS
    return list(reader)


def test_csv_has_one_row_per_claim_with_all_columns():
    data = checked_article()
    rows = read_csv(article_csv(data.article, published_only=False))
    assert [int(row["claim_id"]) for row in rows] == [
        data.published.pk, data.in_review.pk, data.overlapping.pk, data.orphaned.pk,
    ]
    first = rows[0]
    assert first["article_id"] == str(data.article.pk)
    assert first["article_title"] == data.article.title
    assert first["article_url"] == data.article.url
    assert first["number"] == f"#{data.published.pk}", "the permanent number, never a position"
    assert first["quote"] == "a budget of 4.2 million euros"
    assert data.article.body[int(first["start"]):int(first["end"])] == first["quote"]
    assert first["statement"] == "The budget is 4.2 million euros."
    assert first["claimant"] == "The mayor"
    assert first["verdict"] == "False"
    assert first["verdict_value"] == "1"
    assert first["rationale"] == "The adopted budget is 3.9 million euros.\n\nSee the council minutes."
    assert first["status"] == "Published"
    assert first["assignee"] == data.published.assignee.username
    # Credits come from the history, not from the verdict_by/reviewed_by fields (set to the corrector).
    assert first["checked_by"] == data.checker.username
    assert first["reviewed_by"] == data.editor.username
    assert first["corrected_by"] == data.corrector.username
    assert first["corrections"].endswith(
        "Rationale: “Was 3.8” → “Is 3.9” — We misread the table. "
        "(Corrected by Dana Corrector, proposed by Casey Checker)"
    )
    assert first["sources"] == (
        "https://council.example.org/minutes [refutes] | https://news.example.org/budget [context]"
    )
    assert first["published_at"].startswith(data.published.published_at.date().isoformat())
    assert rows[3]["anchor_state"] == "orphaned"
    assert [row["number"] for row in rows] == [f"#{row['claim_id']}" for row in rows]


def test_published_only_csv_leaks_no_unpublished_claim():
    data = checked_article()
    raw = b"".join(article_csv(data.article, published_only=True))
    assert SECRET.encode() not in raw
    rows = read_csv([raw])
    assert [int(row["claim_id"]) for row in rows] == [data.published.pk]


@pytest.mark.parametrize("payload", ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_neutralises_formulas_in_user_text(payload):
    article = factories.ArticleFactory(title=payload)
    factories.ClaimFactory(article=article, statement=payload, claimant=payload, rationale=payload)
    row = read_csv(article_csv(article, published_only=False))[0]
    for column in ("statement", "claimant", "rationale"):
        assert row[column] == "'" + payload
    for column in ("article_title", "statement", "claimant", "rationale"):
        # Titles are canonicalised on save (tabs dropped), so check the outcome, not the exact text.
        assert not row[column].startswith(("=", "+", "-", "@", "\t", "\r"))


def test_neutralise_leaves_ordinary_text_alone():
    assert neutralise("Unemployment fell") == "Unemployment fell"
    assert neutralise("") == ""
    assert neutralise("a=b") == "a=b"


def test_csv_over_many_articles_numbers_claims_per_article_in_four_queries(django_assert_num_queries):
    articles = [factories.ArticleFactory() for _ in range(3)]
    for article in articles:
        for phrase in ("the mayor said", "approved a budget", "town hall"):
            claim = factories.ClaimFactory(article=article, phrase=phrase)
            factories.SourceFactory(claim=claim)
            factories.SourceFactory(claim=claim)
    claims = claims_queryset(articles=[a.pk for a in articles], published_only=False)
    # Claims, sources, credit history, corrections: streamed side by side, whatever the size.
    with django_assert_num_queries(4):
        rows = read_csv(stream_csv(claims, chunk_size=2))
    assert len(rows) == 9
    assert [row["number"] for row in rows] == [f"#{row['claim_id']}" for row in rows]
    assert [row["article_id"] for row in rows] == sorted(row["article_id"] for row in rows)
    assert all(row["sources"].count(" | ") == 1 for row in rows)
    expected = {
        c.pk: " | ".join(f"{s.url} [{s.stance}]" for s in c.sources.order_by("id")) for c in Claim.objects.all()
    }
    assert {int(row["claim_id"]): row["sources"] for row in rows} == expected


def test_csv_dates_are_iso_8601_with_utc_offset():
    claim = factories.ClaimFactory()
    row = read_csv(stream_csv(Claim.objects.all()))[0]
    assert row["created_at"] == claim.created_at.isoformat()
    assert row["created_at"].endswith("+00:00")
    assert row["published_at"] == ""


def test_csv_streams_in_chunks():
    article = factories.ArticleFactory()
    for phrase in ("the mayor said", "approved a budget", "town hall", "Residents gathered"):
        factories.ClaimFactory(article=article, phrase=phrase)
    chunks = list(stream_csv(Claim.objects.filter(article=article).order_by("id"), chunk_size=2))
    assert len(chunks) == 3, "header, then one chunk per two rows"
    assert len(read_csv(chunks)) == 4


def test_csv_dates_stay_in_utc_whatever_the_organisations_time_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    claim = factories.ClaimFactory()
    row = read_csv(stream_csv(Claim.objects.all()))[0]
    assert row["created_at"] == claim.created_at.astimezone(datetime.UTC).isoformat()
    assert row["updated_at"].endswith("+00:00")

"""Saving an import a chunk at a time (``articles.importing.service._save_chunk``).

A chunk is saved with one INSERT per article and no savepoint per article; a chunk where an
insert fails is rolled back and saved again record by record, each in its own savepoint, so
the report still names exactly the record that failed and every other record is saved.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from articles.importing import service
from articles.importing.formats import ParsedArticle, ParseError, ParseOutcome
from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db


def parsed(number: int, **fields: str) -> ParsedArticle:
    values = {
        "title": f"Chunked import article {number}",
        "body": f"Paragraph one of article {number}.\n\nParagraph two of article {number}.",
        "url": f"https://valley.example/chunk/{number}",
        **fields,
    }
    return ParsedArticle(origin=f"feed.jsonl line {number}", **values)


def statements(captured: CaptureQueriesContext) -> list[str]:
    """The first word of every statement run ("INSERT", "SELECT", "SAVEPOINT", "RELEASE" ...)."""
    return [query["sql"].split()[0].upper() for query in captured.captured_queries]


def test_queries_per_chunk_are_constant_plus_one_insert_per_article(editor, monkeypatch):
    monkeypatch.setattr(service, "CHUNK_SIZE", 4)
    records = [parsed(number) for number in range(1, 11)]  # three chunks: 4 + 4 + 2

    with CaptureQueriesContext(connection) as captured:
        report = service.save_outcome(ParseOutcome(records=records), editor)

    assert [origin for origin, _pk, _title in report.created] == [record.origin for record in records]
    run = statements(captured)
    assert run.count("INSERT") == 10
    assert run.count("SELECT") == 3 * 2  # each chunk's duplicates are looked up in two queries
    # The chunk's own transaction (a savepoint here: the test runs inside a transaction), and no
    # savepoint per article.
    assert run.count("SAVEPOINT") == 3 and run.count("RELEASE") == 3
    assert len(run) == 10 + 3 * 4


def test_a_failing_chunk_is_saved_again_record_by_record_and_reports_exactly_the_bad_record(editor, monkeypatch):
    monkeypatch.setattr(service, "CHUNK_SIZE", 3)
    real_save = Article.save

    def failing_save(self, *args, **kwargs):
        real_save(self, *args, **kwargs)
        if self.title == "Chunked import article 5":
            raise IntegrityError("simulated failure after the insert")

    monkeypatch.setattr(Article, "save", failing_save)
    records = [parsed(number) for number in range(1, 8)]  # chunks: 1-3, 4-6 (5 fails), 7

    with CaptureQueriesContext(connection) as captured:
        report = service.save_outcome(ParseOutcome(records=records), editor)

    assert [origin for origin, _pk, _title in report.created] == [
        f"feed.jsonl line {number}" for number in (1, 2, 3, 4, 6, 7)
    ]
    assert report.skipped == [("feed.jsonl line 5", "duplicate (saved concurrently by another import)")]
    assert report.failed == []
    assert sorted(Article.objects.values_list("url", flat=True)) == sorted(
        f"https://valley.example/chunk/{number}" for number in (1, 2, 3, 4, 6, 7)
    )
    assert {pk for _origin, pk, _title in report.created} == set(Article.objects.values_list("pk", flat=True))
    run = statements(captured)
    # Record 5's chunk ran twice: its fast pass (4, 5: rolled back), then 4, 5 and 6 one by one.
    assert run.count("INSERT") == 3 + 2 + 3 + 1
    # Chunks 1 and 3 and the failed pass: one savepoint each; the second pass: its own and one per article.
    assert run.count("SAVEPOINT") == 3 + 1 + 3


def test_an_article_saved_by_another_import_meanwhile_is_reported_against_that_article(editor, monkeypatch):
    """The race: another import saves record 2's URL between the chunk's look-up and its insert."""
    real_around = service._KnownArticles.around.__func__
    raced: list[Article] = []

    def around_then_race(cls, records):
        known = real_around(cls, records)
        if not raced:
            raced.append(factories.ArticleFactory(url="https://valley.example/chunk/2"))
        return known

    monkeypatch.setattr(service._KnownArticles, "around", classmethod(around_then_race))
    records = [parsed(1), parsed(2), parsed(3), parsed(4, url="https://valley.example/chunk/1")]

    report = service.save_outcome(ParseOutcome(records=records), editor)

    [other] = raced
    created = {origin: pk for origin, pk, _title in report.created}
    assert list(created) == ["feed.jsonl line 1", "feed.jsonl line 3"]
    assert report.skipped == [
        ("feed.jsonl line 2", f"duplicate of article {other.pk} (same URL)"),
        # A duplicate inside the chunk points at the article the second pass saved.
        ("feed.jsonl line 4", f"duplicate of article {created['feed.jsonl line 1']} (same URL)"),
    ]
    assert Article.objects.count() == 3


def test_records_that_fail_validation_or_parsing_do_not_send_the_chunk_to_the_slow_path(editor):
    records = [
        parsed(1),
        parsed(2, language="not a tag!"),
        ParseError("feed.jsonl line 3", "not valid JSON"),
        parsed(4),
    ]

    with CaptureQueriesContext(connection) as captured:
        report = service.save_outcome(ParseOutcome(records=records), editor)

    assert [origin for origin, _pk, _title in report.created] == ["feed.jsonl line 1", "feed.jsonl line 4"]
    assert [origin for origin, _reason in report.failed] == ["feed.jsonl line 2", "feed.jsonl line 3"]
    assert report.failed[0][1].startswith("language: ")
    assert statements(captured).count("SAVEPOINT") == 1
    assert Article.objects.count() == 2

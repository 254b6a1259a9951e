"""Saving an import a chunk at a time (``articles.importing.service._save_chunk``).

A chunk is saved with multi-row INSERTs and no savepoint per article; a chunk where the insert
fails is rolled back and saved again record by record (``Article.save``), each in its own
savepoint, so the report still names exactly the record that failed and every other record is
saved. The multi-row INSERT writes what ``Article.save`` would (``Article.canonicalize``).
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


def test_queries_per_chunk_are_constant(editor, monkeypatch):
    monkeypatch.setattr(service, "CHUNK_SIZE", 4)
    records = [parsed(number) for number in range(1, 11)]  # three chunks: 4 + 4 + 2

    with CaptureQueriesContext(connection) as captured:
        report = service.save_outcome(ParseOutcome(records=records), editor)

    assert [origin for origin, _pk, _title in report.created] == [record.origin for record in records]
    assert {pk for _origin, pk, _title in report.created} == set(Article.objects.values_list("pk", flat=True))
    run = statements(captured)
    assert run.count("INSERT") == 3  # one multi-row INSERT per chunk
    assert run.count("SELECT") == 3 * 2  # each chunk's duplicates are looked up in two queries
    # The chunk's own transaction (a savepoint here: the test runs inside a transaction), and no
    # savepoint per article.
    assert run.count("SAVEPOINT") == 3 and run.count("RELEASE") == 3
    assert len(run) == 3 * 5


def test_a_chunk_of_long_bodies_is_split_into_several_inserts(editor, monkeypatch):
    monkeypatch.setattr(service, "INSERT_CHARS", 220)  # two articles of ~100 characters
    records = [parsed(number, body=f"Article {number}. " + "x" * 60) for number in range(1, 6)]

    with CaptureQueriesContext(connection) as captured:
        report = service.save_outcome(ParseOutcome(records=records), editor)

    assert len(report.created) == 5 and Article.objects.count() == 5
    assert statements(captured).count("INSERT") == 3  # 2 + 2 + 1


def failing_insert(real_insert, title):
    """``_insert_articles`` failing like the database would when ``title`` is among the articles."""

    def insert(articles):
        if any(article.title == title for article in articles):
            raise IntegrityError(f"simulated failure of {title!r}")
        real_insert(articles)

    return insert


def test_a_failing_chunk_is_saved_again_record_by_record_and_reports_exactly_the_bad_record(editor, monkeypatch):
    monkeypatch.setattr(service, "CHUNK_SIZE", 3)
    failing = failing_insert(service._insert_articles, "Chunked import article 5")
    monkeypatch.setattr(service, "_insert_articles", failing)
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
    # Chunks 1 and 3: one INSERT each; record 5's chunk: its fast pass failed before inserting,
    # then 4, 5 and 6 one by one.
    assert run.count("INSERT") == 1 + 1 + 3
    # Chunks 1 and 3 and the failed pass: one savepoint each; the second pass: its own and one per article.
    assert run.count("SAVEPOINT") == 3 + 1 + 3


def test_a_real_unique_violation_in_the_multi_row_insert_sends_the_chunk_to_the_slow_path(editor, monkeypatch):
    """No simulation: the database refuses the multi-row INSERT (a URL saved after the look-up)."""
    monkeypatch.setattr(service, "CHUNK_SIZE", 3)
    real_around = service._KnownArticles.around.__func__
    raced: list[Article] = []

    def around_then_race(cls, records):
        known = real_around(cls, records)
        if not raced and any(record.url.endswith("/chunk/5") for record in records):
            raced.append(factories.ArticleFactory(url="https://valley.example/chunk/5"))
        return known

    monkeypatch.setattr(service._KnownArticles, "around", classmethod(around_then_race))
    records = [parsed(number) for number in range(1, 8)]

    with CaptureQueriesContext(connection) as captured:
        report = service.save_outcome(ParseOutcome(records=records), editor)

    [other] = raced
    assert [origin for origin, _pk, _title in report.created] == [
        f"feed.jsonl line {number}" for number in (1, 2, 3, 4, 6, 7)
    ]
    assert report.skipped == [("feed.jsonl line 5", f"duplicate of article {other.pk} (same URL)")]
    assert Article.objects.count() == 7
    run = statements(captured)
    assert run.count("INSERT") == 1 + 1 + (1 + 2) + 1  # factory's insert included
    assert run.count("ROLLBACK") == 1  # the failed pass, to its savepoint


def test_the_multi_row_insert_writes_what_article_save_writes(editor):
    """Canonical text and the content hash, for records built without the parsers' cleaning."""
    odd = {
        "title": "  Caf\u0065\u0301 \u202etitle\u202c  ",
        "body": "Line one  \r\nline two\u00a0\r\n\r\n\r\n\x07Cafe\u0301 para.\n\n",
        "outlet": " The\tValley\u200b Post ",
        "byline": "A.\u00a0Writer ",
    }
    records = [parsed(1, **odd), parsed(2, body="Plain body.\n\nSecond paragraph.")]
    service.save_outcome(ParseOutcome(records=records), editor)
    inserted = list(Article.objects.order_by("url"))
    Article.objects.all().delete()

    for record in records:
        article = service._valid_article(record, editor, service.ImportReport())
        article.save()
    saved = list(Article.objects.order_by("url"))

    fields = (
        "title", "body", "outlet", "byline", "url", "language", "content_hash", "version", "in_inbox", "added_by_id"
    )
    assert [[getattr(a, name) for name in fields] for a in inserted] == [
        [getattr(a, name) for name in fields] for a in saved
    ]
    assert all(article.created_at and article.updated_at for article in inserted)


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


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_during_the_multi_row_insert_leaves_only_whole_chunks(monkeypatch):
    """The process dies (KeyboardInterrupt / SIGTERM) after a chunk's INSERT, before its commit."""
    monkeypatch.setattr(service, "CHUNK_SIZE", 2)
    real_insert = service._insert_articles
    inserts = {"count": 0}

    def insert_then_die(articles):
        real_insert(articles)  # the rows are written inside the chunk's transaction ...
        inserts["count"] += 1
        if inserts["count"] == 2:
            raise KeyboardInterrupt  # ... and the process is killed before it commits

    monkeypatch.setattr(service, "_insert_articles", insert_then_die)
    records = [parsed(1), ParseError("feed.jsonl line 2", "not valid JSON"), *map(parsed, [3, 4, 5])]
    with pytest.raises(KeyboardInterrupt):
        service.save_outcome(ParseOutcome(records=records), user=None)
    monkeypatch.undo()

    # Chunk 1 (records 1 and the broken 2) was committed; chunk 2 (3, 4) was rolled back whole.
    assert list(Article.objects.values_list("url", flat=True)) == ["https://valley.example/chunk/1"]
    report = service.save_outcome(ParseOutcome(records=[parsed(n) for n in (1, 3, 4, 5)]), user=None)
    assert [origin for origin, _pk, _title in report.created] == [f"feed.jsonl line {n}" for n in (3, 4, 5)]
    assert [origin for origin, _reason in report.skipped] == ["feed.jsonl line 1"]
    assert Article.objects.count() == 4

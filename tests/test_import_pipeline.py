"""An import's chunks are prepared a chunk ahead in a worker thread (``service._ChunkPreparer``).

The language guess (deferred by the parser: ``parse_file(..., guess_language=False)``), the
field validation and the canonical text of chunk N+1 are made in a worker thread while chunk N
is saved; every query stays in the caller's thread and transaction. What the import reports and
saves is what it was without the worker: the same per-record failures in the same order, the
same savepoints and statements per chunk, progress after each commit. An exception in the worker
is raised by the import, and no worker thread outlives it.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from django.db import IntegrityError, connection
from django.db.backends import utils as db_utils
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from articles import language
from articles.importing import service
from articles.importing.formats import ParsedArticle, ParseError, ParseOutcome, with_guessed_language
from articles.importing.parsers import parse_file
from articles.models import Article

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
FRENCH = "Le conseil municipal a approuvé hier soir le budget de la ville pour l'année prochaine après un long débat."
SPANISH = "El gobierno anunció ayer un nuevo plan para reducir el desempleo juvenil en las regiones del sur del país."
ENGLISH = "The transport minister said repairs to the harbour bridge would cost 38 million euros next year."


def jsonl(*records: dict[str, str]) -> bytes:
    return "\n".join(json.dumps(record, ensure_ascii=False) for record in records).encode()


def article(number: int, body: str = ENGLISH, **fields: str) -> dict[str, str]:
    url = f"https://valley.example/p/{number}"
    return {"title": f"Pipeline article {number}", "body": f"{body} ({number})", "url": url, **fields}


def parsed(number: int, **fields: object) -> ParsedArticle:
    values: dict[str, object] = {
        "title": f"Pipeline article {number}",
        "body": f"Paragraph one of article {number}.\n\nParagraph two of article {number}.",
        "url": f"https://valley.example/p/{number}",
        **fields,
    }
    return ParsedArticle(origin=f"feed.jsonl line {number}", **values)


def statements(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"].split()[0].upper() for query in captured.captured_queries]


def prepare_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("import-prepare")]


@pytest.fixture(autouse=True)
def prepare_ahead(monkeypatch):
    """The worker thread on every database (by default SQLite prepares in the caller's thread)."""
    monkeypatch.setattr(service, "PREPARE_AHEAD", True)


@pytest.fixture
def prepared_in(monkeypatch):
    """The name of the thread each chunk was prepared in, in chunk order."""
    names: list[str] = []
    real = service._prepare_chunk

    def recording(chunk, user, active_language):
        names.append(threading.current_thread().name)
        return real(chunk, user, active_language)

    monkeypatch.setattr(service, "_prepare_chunk", recording)
    return names


# --- Parsing with the guess deferred ---------------------------------------------------------


def test_parsing_with_the_guess_deferred_marks_only_records_without_a_language():
    data = jsonl(article(1, FRENCH), article(2, SPANISH, language="es"), {"title": "No body"})

    deferred = parse_file("feed.jsonl", data, guess_language=False).records
    at_once = parse_file("feed.jsonl", data).records

    assert deferred[0].language_pending and deferred[0].language == ""
    assert not deferred[1].language_pending and deferred[1].language == "es"
    assert isinstance(deferred[2], ParseError) and deferred[2] == at_once[2]
    assert not any(getattr(record, "language_pending", False) for record in at_once)
    # Guessing later gives exactly what parsing with the guess gives.
    assert [with_guessed_language(record) for record in deferred] == at_once
    assert at_once[0].language == "fr"


def test_a_pending_record_saved_on_its_own_gets_its_language_guessed(editor):
    [record] = parse_file("one.jsonl", jsonl(article(1, FRENCH)), guess_language=False).records
    assert record.language_pending

    saved = service.save_article(record, editor, service.ImportReport())

    assert saved is not None and Article.objects.get(pk=saved.pk).language == "fr"


def test_an_upload_guesses_each_language_while_saving(editor, monkeypatch, prepared_in):
    monkeypatch.setattr(service, "CHUNK_SIZE", 2)
    bodies = [FRENCH, SPANISH, ENGLISH, FRENCH, SPANISH]
    data = jsonl(*(article(n, body) for n, body in enumerate(bodies, start=1)), article(6, FRENCH, language="de"))

    report = service.import_upload("feed.jsonl", data, editor)

    assert len(report.created) == 6 and not report.failed
    by_url = dict(Article.objects.values_list("url", "language"))
    assert [by_url[f"https://valley.example/p/{n}"] for n in range(1, 7)] == ["fr", "es", "en", "fr", "es", "de"]
    # Chunk 1 is prepared before there is anything to overlap with; chunks 2 and 3 while the previous one saves.
    assert len(prepared_in) == 3 and all(name.startswith("import-prepare") for name in prepared_in)


# --- Same report, same statements ------------------------------------------------------------


def test_bad_records_in_worker_prepared_chunks_fail_alone_in_file_order(editor, monkeypatch, prepared_in):
    monkeypatch.setattr(service, "CHUNK_SIZE", 3)
    records = [
        parsed(1),
        parsed(2),
        ParseError("feed.jsonl line 3", "not valid JSON"),
        parsed(4, language="not a tag!"),  # chunk 2: fails validation (prepared in the worker)
        parsed(5),
        parsed(6, title="x" * 501),  # too long for the column
        parsed(7, url="https://valley.example/p/1"),  # a duplicate of record 1, saved by chunk 1
        parsed(8),
    ]

    with CaptureQueriesContext(connection) as captured:
        report = service.save_outcome(ParseOutcome(records=records), editor)

    assert [origin for origin, _pk, _title in report.created] == [f"feed.jsonl line {n}" for n in (1, 2, 5, 8)]
    assert [origin for origin, _reason in report.failed] == [f"feed.jsonl line {n}" for n in (3, 4, 6)]
    assert report.failed[1][1].startswith("language: ") and report.failed[2][1].startswith("title: ")
    first = Article.objects.get(url="https://valley.example/p/1")
    assert report.skipped == [("feed.jsonl line 7", f"duplicate of article {first.pk} (same URL)")]
    assert Article.objects.count() == 4
    run = statements(captured)
    # As without the worker: per chunk two look-ups, one multi-row INSERT, one savepoint, no more.
    assert run.count("SELECT") == 3 * 2 and run.count("INSERT") == 3
    assert run.count("SAVEPOINT") == 3 and run.count("RELEASE") == 3 and len(run) == 3 * 5
    assert len(prepared_in) == 3 and all(name.startswith("import-prepare") for name in prepared_in[1:])


def test_the_worker_makes_no_query(editor, monkeypatch):
    monkeypatch.setattr(service, "CHUNK_SIZE", 2)
    threads: set[str] = set()
    real_execute = db_utils.CursorWrapper._execute

    def recording(self, *args, **kwargs):
        threads.add(threading.current_thread().name)
        return real_execute(self, *args, **kwargs)

    monkeypatch.setattr(db_utils.CursorWrapper, "_execute", recording)
    data = jsonl(*(article(n, [FRENCH, ENGLISH][n % 2]) for n in range(1, 8)))

    report = service.import_upload("feed.jsonl", data, editor)

    assert len(report.created) == 7
    assert threads == {threading.current_thread().name}


def test_a_chunk_that_fails_its_insert_is_still_redone_record_by_record(editor, monkeypatch):
    monkeypatch.setattr(service, "CHUNK_SIZE", 2)
    real_insert = service._insert_articles

    def failing_insert(articles):
        if any(article.title == "Pipeline article 4" for article in articles):
            raise IntegrityError("simulated failure")
        real_insert(articles)

    monkeypatch.setattr(service, "_insert_articles", failing_insert)
    data = jsonl(*(article(n, [FRENCH, SPANISH][n % 2]) for n in range(1, 6)))

    report = service.import_upload("feed.jsonl", data, editor)

    # Records 3 and 4 went in through Article.save, each in its savepoint, with their guessed languages.
    assert [origin for origin, _pk, _title in report.created] == [f"feed.jsonl line {n}" for n in range(1, 6)]
    languages = dict(Article.objects.values_list("title", "language"))
    assert (languages["Pipeline article 3"], languages["Pipeline article 4"]) == ("es", "fr")


def test_progress_is_reported_after_each_chunk_in_record_order(editor, monkeypatch):
    monkeypatch.setattr(service, "CHUNK_SIZE", 2)
    calls: list[tuple[int, int, int]] = []

    def progress(done, total):
        calls.append((done, total, Article.objects.count()))

    data = jsonl(*(article(n) for n in range(1, 6)))
    service.import_upload("feed.jsonl", data, editor, progress=progress)

    # Each record is counted once its chunk is committed (so the articles are already there).
    assert calls == [(1, 5, 2), (2, 5, 2), (3, 5, 4), (4, 5, 4), (5, 5, 5)]


def test_validation_messages_from_the_worker_are_in_the_callers_language(editor, monkeypatch, prepared_in):
    monkeypatch.setattr(service, "CHUNK_SIZE", 1)
    records = [parsed(1), parsed(2, title="x" * 501)]
    with translation.override("fr"):
        expected = service._checked_article(records[1], editor)
        report = service.save_outcome(ParseOutcome(records=records), editor)
    with translation.override("en"):
        english = service._checked_article(records[1], editor)

    assert prepared_in[1].startswith("import-prepare")
    assert report.failed == [("feed.jsonl line 2", expected)]
    assert expected != english  # the French message, not the default


# --- Failures: raised, not hung, no thread left ----------------------------------------------


def test_an_exception_in_the_worker_is_raised_by_the_import(editor, monkeypatch):
    monkeypatch.setattr(service, "CHUNK_SIZE", 2)
    real_guess = language.detect_language
    calls = {"count": 0}

    def guess_then_fail(text, default=language.DEFAULT_LANGUAGE):
        calls["count"] += 1
        if calls["count"] == 3:  # the first record of chunk 2, guessed in the worker
            raise RuntimeError("language model broke")
        return real_guess(text, default)

    monkeypatch.setattr("articles.importing.formats.detect_language", guess_then_fail)
    data = jsonl(*(article(n, FRENCH) for n in range(1, 6)))

    with pytest.raises(RuntimeError, match="language model broke"):
        service.import_upload("feed.jsonl", data, editor)

    # Chunk 1 was saved (its own transaction); nothing after the failure.
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Pipeline article 1", "Pipeline article 2"]
    assert prepare_threads() == []


def test_an_exception_while_saving_stops_the_worker(editor, monkeypatch):
    monkeypatch.setattr(service, "CHUNK_SIZE", 2)
    real_insert = service._insert_articles
    inserts = {"count": 0}

    def insert_then_fail(articles):
        inserts["count"] += 1
        if inserts["count"] == 2:
            raise OSError("disk full")
        real_insert(articles)

    monkeypatch.setattr(service, "_insert_articles", insert_then_fail)
    data = jsonl(*(article(n) for n in range(1, 8)))

    with pytest.raises(OSError, match="disk full"):
        service.import_upload("feed.jsonl", data, editor)

    assert Article.objects.count() == 2
    assert prepare_threads() == []


def test_by_default_only_a_database_in_another_process_gets_the_worker(monkeypatch):
    monkeypatch.setattr(service, "PREPARE_AHEAD", None)
    chunks = [[parsed(1)], [parsed(2)]]

    preparer = service._ChunkPreparer(chunks, None)

    assert (preparer.executor is not None) == (connection.vendor != "sqlite")
    with preparer as prepared:
        assert [chunk.records for chunk in prepared] == chunks
    monkeypatch.setattr(service, "PREPARE_AHEAD", False)
    assert service._ChunkPreparer(chunks, None).executor is None


def test_an_outcome_of_one_chunk_uses_no_thread(editor, prepared_in):
    report = service.save_outcome(ParseOutcome(records=[parsed(1), parsed(2)]), editor)

    assert len(report.created) == 2
    assert prepared_in == [threading.current_thread().name]


# --- The faster language guess scores as py3langid does -------------------------------------


def test_the_guess_scores_exactly_as_py3langid():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ours = language._get_identifier()
    arabic = (FIXTURES / "arabic_article.txt").read_text(encoding="utf-8")
    texts = [FRENCH, SPANISH, ENGLISH, arabic[:1000], arabic[1000:2000], "2024 — 38%", "", "Hello there"]
    texts += ["Der Bundestag hat am Donnerstag ein neues Gesetz zur Energie beschlossen.", "東京都は新しい計画を発表"]

    for text in texts * 2:  # the second time from the rows converted the first time
        assert ours._decide(text).tolist() == reference._decide(text).tolist()
        assert ours.classify(text) == reference.classify(text)


# --- The other entry points guess while saving too -------------------------------------------


def test_a_background_import_job_guesses_each_language_while_saving(editor, monkeypatch, prepared_in):
    from django.core.files.base import ContentFile

    from articles import tasks
    from articles.importing import formats
    from factcheck import jobs
    from factcheck.models import Job

    monkeypatch.setattr(service, "CHUNK_SIZE", 2)
    guessed_in: list[str] = []
    real_guess = formats.detect_language
    monkeypatch.setattr(formats, "detect_language", lambda body: guessed_in.append(
        threading.current_thread().name) or real_guess(body))
    data = jsonl(article(1, FRENCH), article(2, SPANISH), article(3, ENGLISH))
    job = jobs.create(Job.Kind.IMPORT, owner=editor, title="Import", params={"filename": "feed.jsonl"},
                      input_file=ContentFile(data, name="feed.jsonl"))

    tasks.run_import_job.enqueue(job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert sorted(Article.objects.values_list("language", flat=True)) == ["en", "es", "fr"]
    assert len(prepared_in) == 2 and all(name.startswith("import-prepare") for name in prepared_in)
    # Guessed by the worker, a chunk ahead, not while parsing in the job's own thread.
    assert len(guessed_in) == 3 and all(name.startswith("import-prepare") for name in guessed_in)


def test_an_admin_upload_guesses_each_language_while_saving(admin_client, prepared_in):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    data = jsonl(article(1, FRENCH), article(2, SPANISH))
    response = admin_client.post(
        reverse("admin:articles_article_import"), {"file": SimpleUploadedFile("feed.jsonl", data)}
    )

    assert response.status_code == 200
    assert sorted(Article.objects.values_list("language", flat=True)) == ["es", "fr"]
    assert len(prepared_in) == 1  # one chunk: prepared where it is saved, with the guess made there

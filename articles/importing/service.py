"""Saving imported articles: the database half of import (parsing lives in ``parsers``).

A bad row never stops or half-writes the others (see :func:`_save_chunk`), and an article
counts as a duplicate when an article with the same URL or the same canonical body
(``content_hash``) exists: re-running an import creates nothing new. The
management command, the admin upload page and the background task all call
:func:`import_files` / :func:`import_upload`; single articles (the form, a URL, the API) go
through :func:`save_article`, which saves through ``Article.save``; a file's chunks are
inserted in bulk with the same canonical text (``Article.canonicalize``, which ``save`` calls).

A file of many articles is saved :data:`CHUNK_SIZE` articles per transaction, with the
duplicates of a whole chunk looked up in two queries: one transaction and two look-ups per
article capped the import at 40-50 articles/s (a commit is a disk flush). A chunk is first
saved with multi-row INSERTs (``bulk_create``, :func:`_insert_articles`) and no savepoint per
article; only a chunk where that fails is saved again article by article through
``Article.save``, each in its own savepoint. An interrupted import leaves whole chunks;
running it again skips what was saved.

What needs no database (the language guess, which the file-level entry points
:func:`import_files` and :func:`import_upload` leave to this step; the field validation; the
canonical text and hash) is done for the next chunk in a worker thread while this chunk is
saved (:class:`_ChunkPreparer`, on PostgreSQL): this process's Python work overlaps the
server's indexing of the rows. Every query stays in the calling thread, on its connection and
in its transaction; the report, the savepoints and the progress are what they were without it
(``tests/test_import_pipeline.py``).

The multi-row INSERT bypasses ``Article.save``, so each article is first given the canonical
text and hash through ``Article.canonicalize``, which ``save`` itself calls
(``tests/test_import_chunks.py`` checks they agree). No ``pre_save``/``post_save`` receiver
listens to ``Article`` (the import announces nothing else either); one that did would have to
be called here too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from articles.importing.formats import (
    ImportLimits,
    ParsedArticle,
    ParseError,
    ParseOutcome,
    Record,
    printable,
    with_guessed_language,
)
from articles.importing.parsers import PARSERS, parse_file
from articles.models import Article
from articles.text import content_hash

#: Called after each record with (records done, records known so far).
ProgressCallback = Callable[[int, int], None]

#: Articles of one file saved per transaction (see :func:`_save_chunk`).
CHUNK_SIZE = 200
#: At most this many characters of text per multi-row INSERT (a chunk of long bodies is split).
INSERT_CHARS = 4_000_000
#: Prepare the next chunk in a worker thread while this one is saved (:class:`_ChunkPreparer`);
#: None decides by database. PostgreSQL indexes the rows in its own process, so the two overlap
#: (1.1-1.4x the articles per second, interleaved with the code before it). SQLite's insert runs
#: in this process and calls back into Python for its index triggers (``search.normalize``'s
#: fold, per column and row), each call waiting for the GIL the worker holds: measured slower
#: there, so SQLite prepares in the caller's thread.
PREPARE_AHEAD: bool | None = None


@dataclass
class ImportReport:
    """What an import did, per record: the summary shown by the command and the admin page."""

    created: list[tuple[str, int, str]] = field(default_factory=list)  # origin, article id, title
    skipped: list[tuple[str, str]] = field(default_factory=list)  # origin, reason
    failed: list[tuple[str, str]] = field(default_factory=list)  # origin, reason
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return _("%(created)s created, %(skipped)s skipped as duplicates, %(failed)s failed") % {
            "created": len(self.created), "skipped": len(self.skipped), "failed": len(self.failed)
        }

    def as_dict(self) -> dict[str, object]:
        """JSON-serialisable form: the summary of an import job (see ``articles.tasks``)."""
        return {
            "created": [list(row) for row in self.created],
            "skipped": [list(row) for row in self.skipped],
            "failed": [list(row) for row in self.failed],
            "notes": list(self.notes),
        }


def configured_limits() -> ImportLimits:
    """Import limits from settings (FACTDESK_MAX_UPLOAD_BYTES, FACTDESK_MAX_BODY_CHARS, FACTDESK_MAX_HTML_DEPTH)."""
    return ImportLimits(
        max_file_bytes=settings.FACTDESK_MAX_UPLOAD_BYTES,
        max_body_chars=settings.FACTDESK_MAX_BODY_CHARS,
        max_html_depth=settings.FACTDESK_MAX_HTML_DEPTH,
    )


def find_duplicate(parsed: ParsedArticle) -> Article | None:
    """An existing article with the same URL or the same canonical body, if any."""
    # Two indexed look-ups: an OR across the two columns makes SQLite scan the whole table.
    articles = Article.objects.only("id", "title", "url").order_by()
    if parsed.url:
        # exclude(url="") repeats the unique index's condition so SQLite can use that partial index.
        same_url = articles.filter(url=parsed.url).exclude(url="").first()
        if same_url is not None:
            return same_url
    return articles.filter(content_hash=content_hash(parsed.body)).first()


def _skip_duplicate(parsed: ParsedArticle, duplicate: Article, report: ImportReport) -> None:
    if parsed.url and duplicate.url == parsed.url:
        reason = _("duplicate of article %(pk)s (same URL)") % {"pk": duplicate.pk}
    else:
        reason = _("duplicate of article %(pk)s (same text)") % {"pk": duplicate.pk}
    report.skipped.append((parsed.origin, reason))


def save_article(parsed: ParsedArticle, user: AbstractBaseUser | None, report: ImportReport) -> Article | None:
    """Save one parsed article in its own transaction and record the outcome in ``report``."""
    duplicate = find_duplicate(parsed)
    if duplicate is not None:
        _skip_duplicate(parsed, duplicate, report)
        return None
    return _save_new(parsed, user, report)


def _save_new(parsed: ParsedArticle, user: AbstractBaseUser | None, report: ImportReport) -> Article | None:
    """Validate and save an article known not to be a duplicate, in its own savepoint."""
    article = _valid_article(parsed, user, report)
    if article is None:
        return None
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError:
        # Another import saved the same URL between our check and our insert.
        report.skipped.append((parsed.origin, "duplicate (saved concurrently by another import)"))
        return None
    report.created.append((parsed.origin, article.pk, article.title))
    return article


def _valid_article(parsed: ParsedArticle, user: AbstractBaseUser | None, report: ImportReport) -> Article | None:
    """The unsaved article for ``parsed``, or None with the failure in ``report`` (no query)."""
    checked = _checked_article(parsed, user)
    if isinstance(checked, str):
        report.failed.append((parsed.origin, checked))
        return None
    return checked


def _checked_article(parsed: ParsedArticle, user: AbstractBaseUser | None) -> Article | str:
    """The unsaved article for ``parsed``, or the message it fails validation with (no query)."""
    if parsed.language_pending:  # save_outcome guesses it a chunk ahead; a record passed on its own, here
        parsed = with_guessed_language(parsed)
    article = Article(
        title=parsed.title,
        body=parsed.body,
        outlet=parsed.outlet,
        byline=parsed.byline,
        url=parsed.url,
        published_on=parsed.published_on,
        language=parsed.language or "en",
        added_by=user if user is not None and user.is_authenticated else None,
    )
    try:
        # Field validators only (http(s) URL, lengths): the duplicate check above covers the
        # unique URL, and full_clean's constraint checks would cost a query each per article.
        article.clean_fields(exclude=["added_by", "content_hash"])
    except ValidationError as error:
        return "; ".join(f"{name}: {' '.join(errs)}" for name, errs in error.message_dict.items())
    return article


def save_outcome(
    outcome: ParseOutcome,
    user: AbstractBaseUser | None,
    report: ImportReport | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Save every parsed article of ``outcome`` and report parse errors as failures.

    Chunk by chunk (:data:`CHUNK_SIZE` records, one transaction each, see :func:`_save_chunk`);
    while a chunk is saved, a worker thread prepares the next one (:class:`_ChunkPreparer`).
    """
    report = report or ImportReport()
    report.notes.extend(outcome.notes)
    total = len(outcome.records)
    chunks = [outcome.records[first:first + CHUNK_SIZE] for first in range(0, total, CHUNK_SIZE)]
    done = 0
    with _ChunkPreparer(chunks, user) as prepared:
        for chunk in prepared:
            _save_chunk(chunk, user, report)
            if progress is not None:  # after the commit: a job's progress never counts unsaved articles
                for number in range(done + 1, done + len(chunk.records) + 1):
                    progress(number, total)
            done += len(chunk.records)
    return report


@dataclass
class _PreparedChunk:
    """A chunk's records with the work that needs no database done: languages, validation, canonical text."""

    records: list[Record]
    #: Per record: its valid article, canonical and hashed (``Article.canonicalize``), ready for
    #: the INSERT; or the message it fails validation with; None for a ParseError.
    checked: list[Article | str | None]


def _prepare_chunk(chunk: list[Record], user: AbstractBaseUser | None, language: str | None) -> _PreparedChunk:
    """Guess the pending languages, validate and canonicalise ``chunk``: no query, so any thread.

    ``language`` is the caller's active translation: validation messages go into the report
    in the language the import was started in, whichever thread writes them.
    """
    records = [with_guessed_language(record) for record in chunk]
    checked: list[Article | str | None] = []
    with translation.override(language):
        for record in records:
            item = _checked_article(record, user) if isinstance(record, ParsedArticle) else None
            if isinstance(item, Article):
                item.canonicalize()  # what Article.save would write
            checked.append(item)
    return _PreparedChunk(records, checked)


class _ChunkPreparer:
    """The chunks of an import, each prepared (:func:`_prepare_chunk`) one chunk ahead in a worker thread.

    Iterating gives chunk N ready and has the worker already preparing chunk N+1, so the
    language guesses, validation and canonical text of N+1 (Python) overlap the saving of N
    (mostly waiting for the database, which releases the GIL): on PostgreSQL the server
    indexes chunk N while this process prepares N+1. Only the preparation runs in the worker;
    every query stays in the caller's thread, on its connection and in its transaction. An
    exception in the worker is raised where the caller takes that chunk; leaving the ``with``
    block (done, or an exception while saving) cancels what has not started and waits for the
    chunk being prepared, so no thread outlives the import. One chunk, or a database that
    does its work in this process (:data:`PREPARE_AHEAD`), is prepared in the caller's thread.
    """

    def __init__(self, chunks: list[list[Record]], user: AbstractBaseUser | None) -> None:
        self.chunks = chunks
        self.user = user
        self.language = translation.get_language()
        ahead = PREPARE_AHEAD if PREPARE_AHEAD is not None else connection.vendor != "sqlite"
        threaded = ahead and len(chunks) > 1
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-prepare") if threaded else None

    def __enter__(self) -> Iterator[_PreparedChunk]:
        return self._prepared()

    def __exit__(self, *exc_info: object) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)

    def _prepare(self, chunk: list[Record]) -> _PreparedChunk:
        return _prepare_chunk(chunk, self.user, self.language)

    def _prepared(self) -> Iterator[_PreparedChunk]:
        if self.executor is None:
            for chunk in self.chunks:
                yield self._prepare(chunk)
            return
        pending: Future[_PreparedChunk] = self.executor.submit(self._prepare, self.chunks[0])
        for index in range(len(self.chunks)):
            ready = pending.result()  # re-raises the worker's exception here, in the caller's thread
            if index + 1 < len(self.chunks):
                pending = self.executor.submit(self._prepare, self.chunks[index + 1])
            yield ready


def _save_chunk(chunk: _PreparedChunk, user: AbstractBaseUser | None, report: ImportReport) -> None:
    """Save one chunk in one transaction: first all at once, then record by record if that fails.

    The fast pass inserts every new article of the chunk in multi-row INSERTs
    (:func:`_insert_articles`) with no savepoint of its own: an INSERT per article cost a round
    trip each, and on PostgreSQL a wait for the index trigger each (the client idle meanwhile).
    If the insert fails (another import saved the same URL meanwhile) the whole pass is rolled
    back and the chunk is saved again through ``Article.save`` with a savepoint per article,
    so the report names exactly the records that failed and every other one is saved.
    """
    articles = [record for record in chunk.records if isinstance(record, ParsedArticle)]
    staged = ImportReport()
    known = _KnownArticles.around(articles)
    try:
        with transaction.atomic():
            _insert_records(chunk, known, staged)
    except IntegrityError:
        staged = ImportReport()  # nothing of the rolled-back pass is kept, in the report either
        known = _KnownArticles.around(articles)
        with transaction.atomic():
            _save_records(chunk.records, known, user, staged)
    report.created += staged.created
    report.skipped += staged.skipped
    report.failed += staged.failed


def _insert_records(chunk: _PreparedChunk, known: _KnownArticles, report: ImportReport) -> None:
    """The fast pass of :func:`_save_chunk`: the chunk's new articles in multi-row INSERTs.

    Duplicates within the chunk are decided before anything is inserted (each new article is
    known at once), and reported once the article they duplicate has its id.
    """
    new: list[tuple[ParsedArticle, Article]] = []
    duplicates: list[tuple[ParsedArticle, Article]] = []
    for record, checked in zip(chunk.records, chunk.checked, strict=True):
        if isinstance(record, ParseError):
            report.failed.append((record.origin, record.message))
        elif (duplicate := known.duplicate_of(record)) is not None:
            duplicates.append((record, duplicate))
        elif isinstance(checked, str):
            report.failed.append((record.origin, checked))
        elif checked is not None:
            new.append((record, checked))
            known.add(checked)  # the same URL or text again later in the file is a duplicate
    _insert_articles([article for _record, article in new])  # an IntegrityError rolls back the pass
    report.created += [(record.origin, article.pk, article.title) for record, article in new]
    for record, duplicate in duplicates:
        _skip_duplicate(record, duplicate, report)


def _insert_articles(articles: list[Article]) -> None:
    """INSERT ``articles`` (canonicalised by ``Article.canonicalize``) in as few statements as allowed.

    Batches hold at most :data:`CHUNK_SIZE` articles and :data:`INSERT_CHARS` characters.
    Each article gets its id (``RETURNING``); a database that cannot return them from a
    multi-row INSERT gets one ``Article.save`` per article.
    """
    if not articles:
        return
    if not connection.features.can_return_rows_from_bulk_insert:
        for article in articles:
            article.save()
        return
    batch: list[Article] = []
    size = 0
    for article in articles:
        length = len(article.body) + len(article.title)
        if batch and (len(batch) >= CHUNK_SIZE or size + length > INSERT_CHARS):
            Article.objects.bulk_create(batch)
            batch, size = [], 0
        batch.append(article)
        size += length
    Article.objects.bulk_create(batch)


def _save_records(
    chunk: list[Record], known: _KnownArticles, user: AbstractBaseUser | None, report: ImportReport
) -> None:
    """The slow pass of :func:`_save_chunk`: each new article through ``Article.save`` in its own savepoint."""
    for record in chunk:
        if isinstance(record, ParseError):
            report.failed.append((record.origin, record.message))
        elif (duplicate := known.duplicate_of(record)) is not None:
            _skip_duplicate(record, duplicate, report)
        elif (article := _save_new(record, user, report)) is not None:
            known.add(article)  # the same URL or text again later in the file is a duplicate


class _KnownArticles:
    """The existing articles a chunk of parsed articles could duplicate, found in two queries.

    Keyed as :func:`find_duplicate` looks: by URL first, then by the body's content hash.
    """

    def __init__(self, articles: Iterable[Article], hashes: dict[str, str]) -> None:
        self.by_url: dict[str, Article] = {}
        self.by_hash: dict[str, Article] = {}
        self.hashes = hashes  # body -> content hash, computed once per body
        for article in articles:
            self.add(article)

    @classmethod
    def around(cls, records: list[ParsedArticle]) -> _KnownArticles:
        articles = Article.objects.only("id", "title", "url", "content_hash").order_by("id")
        urls = sorted({record.url for record in records if record.url})
        # exclude(url="") repeats the unique index's condition so SQLite can use that partial index.
        found = list(articles.filter(url__in=urls).exclude(url="")) if urls else []
        hashes = {record.body: content_hash(record.body) for record in records}
        found += list(articles.filter(content_hash__in=sorted(set(hashes.values())))) if hashes else []
        return cls(found, hashes)

    def add(self, article: Article) -> None:
        if article.url:
            self.by_url.setdefault(article.url, article)
        self.by_hash.setdefault(article.content_hash, article)

    def duplicate_of(self, parsed: ParsedArticle) -> Article | None:
        if parsed.url and parsed.url in self.by_url:
            return self.by_url[parsed.url]
        digest = self.hashes.get(parsed.body) or content_hash(parsed.body)
        return self.by_hash.get(digest)


def import_upload(
    name: str, data: bytes, user: AbstractBaseUser | None, progress: ProgressCallback | None = None
) -> ImportReport:
    """Import one uploaded file (browser form, admin page, background task)."""
    outcome = parse_file(name, data, configured_limits(), guess_language=False)  # guessed while saving
    return save_outcome(outcome, user, progress=progress)


def iter_import_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Expand files and folders (recursively, sorted) into the files an import reads.

    Folders contribute only files with a supported extension; a file named explicitly is
    always passed on, so an unsupported type gets its own clear error in the report.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in PARSERS and not child.name.startswith("."):
                    yield child
        else:
            yield path


def import_files(
    paths: Iterable[str | Path],
    user: AbstractBaseUser | None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import files and folders from disk (the ``import_articles`` command)."""
    report = ImportReport()
    limits = configured_limits()
    for path in iter_import_files(paths):
        try:
            data = path.read_bytes()
        except OSError as error:
            reason = _("cannot read file: %(error)s") % {"error": error.strerror or error}
            report.failed.append((printable(str(path)), printable(reason)))
            continue
        # The languages are guessed while saving, a chunk ahead (see save_outcome).
        save_outcome(parse_file(path.name, data, limits, guess_language=False), user, report, progress)
    return report

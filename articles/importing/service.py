"""Saving imported articles: the database half of import (parsing lives in ``parsers``).

Every article is saved in its own transaction, so a bad row never stops or half-writes
the others, and an article counts as a duplicate when an article with the same URL or the
same canonical body (``content_hash``) exists: re-running an import creates nothing new.
The management command, the admin upload page and the background task all call
:func:`import_files` / :func:`import_upload`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from articles.importing.formats import ImportLimits, ParsedArticle, ParseError, ParseOutcome, printable
from articles.importing.parsers import PARSERS, parse_file
from articles.models import Article
from articles.text import content_hash

#: Called after each record with (records done, records known so far).
ProgressCallback = Callable[[int, int], None]


@dataclass
class ImportReport:
    """What an import did, per record: the summary shown by the command and the admin page."""

    created: list[tuple[str, int, str]] = field(default_factory=list)  # origin, article id, title
    skipped: list[tuple[str, str]] = field(default_factory=list)  # origin, reason
    failed: list[tuple[str, str]] = field(default_factory=list)  # origin, reason
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.created)} created, {len(self.skipped)} skipped as duplicates, {len(self.failed)} failed"

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


def save_article(parsed: ParsedArticle, user: AbstractBaseUser | None, report: ImportReport) -> Article | None:
    """Save one parsed article in its own transaction and record the outcome in ``report``."""
    duplicate = find_duplicate(parsed)
    if duplicate is not None:
        same = "URL" if parsed.url and duplicate.url == parsed.url else "text"
        report.skipped.append((parsed.origin, f"duplicate of article {duplicate.pk} (same {same})"))
        return None
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
        with transaction.atomic():
            article.save()
    except ValidationError as error:
        messages = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in error.message_dict.items())
        report.failed.append((parsed.origin, messages))
        return None
    except IntegrityError:
        # Another import saved the same URL between our check and our insert.
        report.skipped.append((parsed.origin, "duplicate (saved concurrently by another import)"))
        return None
    report.created.append((parsed.origin, article.pk, article.title))
    return article


def save_outcome(
    outcome: ParseOutcome,
    user: AbstractBaseUser | None,
    report: ImportReport | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Save every parsed article of ``outcome`` and report parse errors as failures."""
    report = report or ImportReport()
    report.notes.extend(outcome.notes)
    total = len(outcome.records)
    for done, record in enumerate(outcome.records, start=1):
        if isinstance(record, ParseError):
            report.failed.append((record.origin, record.message))
        else:
            save_article(record, user, report)
        if progress is not None:
            progress(done, total)
    return report


def import_upload(
    name: str, data: bytes, user: AbstractBaseUser | None, progress: ProgressCallback | None = None
) -> ImportReport:
    """Import one uploaded file (browser form, admin page, background task)."""
    return save_outcome(parse_file(name, data, configured_limits()), user, progress=progress)


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
            report.failed.append((printable(str(path)), printable(f"cannot read file: {error.strerror or error}")))
            continue
        save_outcome(parse_file(path.name, data, limits), user, report, progress)
    return report

"""``manage.py import_articles PATH [PATH ...]``: bulk import from files and folders.

Reads .txt (plain or aggregator pages), .md, .html, .json, JSON Lines and CSV files and
saves each article in its own transaction through ``articles.importing.service``, the same
code as the admin upload page. Re-running is safe: articles with the same URL or the same
text are skipped as duplicates, so nothing is created twice.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from articles.importing import service
from articles.importing.parsers import SUPPORTED_EXTENSIONS_TEXT


class RecordProgress:
    """Adapts the service's per-file ``(done, total)`` callback to one bar over all records.

    The total grows as each file is parsed (a file's first callback has ``done == 1``),
    because how many articles a file holds is only known once it has been read.
    """

    def __init__(self, bar: tqdm) -> None:
        self.bar = bar

    def __call__(self, done: int, total: int) -> None:
        if done == 1:
            self.bar.total = (self.bar.total or 0) + total
            self.bar.refresh()
        self.bar.update(1)


class Command(BaseCommand):
    help = (
        "Import articles from files or folders (searched recursively) of "
        f"{SUPPORTED_EXTENSIONS_TEXT} files. Prints a summary: created, skipped as duplicates "
        "(same URL or same text) and failed, with the reason for each file or row."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Files or folders to import.")
        parser.add_argument("--user", metavar="USERNAME", help="Record this user as the one who added the articles.")

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity: int = options["verbosity"]
        user = self._user(options["user"])
        paths = [Path(raw) for raw in options["paths"]]
        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            raise CommandError(f"Path not found: {', '.join(missing)}")
        files = list(service.iter_import_files(paths))
        if not files:
            raise CommandError(
                f"No files to import in {', '.join(map(str, paths))} (looked for {SUPPORTED_EXTENSIONS_TEXT} files)."
            )
        if not any(os.access(path, os.R_OK) for path in files):
            raise CommandError("None of the files can be read: check their permissions.")

        show_bar = verbosity > 0 and self.stdout.isatty()
        with tqdm(total=0, unit="article", desc="Importing", disable=not show_bar, file=sys.stderr) as bar:
            report = service.import_files(files, user, progress=RecordProgress(bar))

        self._print_report(report, len(files), verbosity)

    def _user(self, username: str | None) -> Any:
        if not username:
            return None
        try:
            return get_user_model()._default_manager.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None

    def _print_report(self, report: service.ImportReport, file_count: int, verbosity: int) -> None:
        if verbosity == 0:
            return
        files = "file" if file_count == 1 else "files"
        self.stdout.write(f"Read {file_count} {files}.")
        self.stdout.write(self.style.SUCCESS(f"Created: {len(report.created)}"))
        self.stdout.write(f"Skipped as duplicates: {len(report.skipped)}")
        failed = f"Failed: {len(report.failed)}"
        self.stdout.write(self.style.ERROR(failed) if report.failed else failed)
        if verbosity > 1 and report.created:
            self.stdout.write("\nCreated:")
            for origin, pk, title in report.created:
                self.stdout.write(f"  {origin}: article {pk} \u201c{title}\u201d")
        if report.failed:
            self.stdout.write("\nFailed:")
            for origin, reason in report.failed:
                self.stdout.write(self.style.ERROR(f"  {origin}: {reason}"))
        if report.skipped:
            self.stdout.write("\nSkipped:")
            for origin, reason in report.skipped:
                self.stdout.write(f"  {origin}: {reason}")
        if report.notes:
            self.stdout.write("\nNotes:")
            for note in report.notes:
                self.stdout.write(f"  {note}")

"""``manage.py import_articles PATH [PATH ...]`` / ``--url URL [URL ...]``: bulk import.

Reads .txt (plain or aggregator pages), .md, .html, .json, JSON Lines and CSV files and
saves each article in its own transaction through ``articles.importing.service``, the same
code as the admin upload page. Re-running is safe: articles with the same URL or the same
text are skipped as duplicates, so nothing is created twice.

With ``--url`` the pages are fetched from the web (safely, see ``articles.fetching``) and
read like saved pages, each fetch kept as a snapshot (``articles.web_import``); ``--watch``
also watches them for silent edits, ``--background`` hands the list to the worker as a job.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from articles import web_import
from articles.importing import service
from articles.importing.parsers import SUPPORTED_EXTENSIONS_TEXT
from articles.tasks import enqueue_url_import


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
        parser.add_argument("paths", nargs="*", metavar="PATH", help="Files or folders to import.")
        parser.add_argument("--user", metavar="USERNAME", help="Record this user as the one who added the articles.")
        parser.add_argument(
            "--url", dest="urls", nargs="+", action="extend", default=[], metavar="URL",
            help="Fetch these web pages and import their articles (instead of, or as well as, files).",
        )
        parser.add_argument("--watch", action="store_true", help="With --url: watch the pages for silent edits.")
        parser.add_argument(
            "--background", action="store_true", help="With --url: queue the fetches as a job for the worker."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity: int = options["verbosity"]
        user = self._user(options["user"])
        if not options["paths"] and not options["urls"]:
            raise CommandError("Give files or folders to import, or --url with web addresses.")
        if options["urls"]:
            self._import_urls(options["urls"], user, options, verbosity)
        if options["paths"]:
            self._import_paths(options["paths"], user, verbosity)

    def _import_urls(self, urls: list[str], user: Any, options: dict[str, Any], verbosity: int) -> None:
        if options["background"]:
            job = enqueue_url_import(urls, user, watch=options["watch"])
            if verbosity:
                self.stdout.write(f"Queued job {job.pk}: {job.title} (status: {job.status}).")
            return
        show_bar = verbosity > 0 and self.stdout.isatty()
        with tqdm(total=len(urls), unit="page", desc="Fetching", disable=not show_bar, file=sys.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.update(done - bar.n)

            # Whoever runs manage.py administers the server: no role check, as for files.
            report = web_import.import_urls(
                urls, user, watch=options["watch"], progress=progress, check_permission=False
            )
        self._print_report(report, len(urls), verbosity, noun="page")

    def _import_paths(self, raw_paths: list[str], user: Any, verbosity: int) -> None:
        paths = [Path(raw) for raw in raw_paths]
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

    def _print_report(self, report: service.ImportReport, file_count: int, verbosity: int, noun: str = "file") -> None:
        if verbosity == 0:
            return
        files = noun if file_count == 1 else f"{noun}s"
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

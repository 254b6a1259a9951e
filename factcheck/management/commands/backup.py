"""``manage.py backup FILE``: write a logical backup of the desk (see factcheck.backup)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from factcheck.backup import write_backup


class Command(BaseCommand):
    help = (
        "Write every user, article, claim, source, comment and history entry to FILE as JSON "
        "(gzip-compressed when FILE ends in .gz). Restore it with `manage.py restore FILE`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Where to write the backup, e.g. factdesk-2025-01-31.json.gz")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias to back up.")

    def handle(self, *args: object, **options: object) -> None:
        try:
            summary = write_backup(str(options["file"]), using=str(options["database"]))
        except OSError as error:
            raise CommandError(f"Cannot write {options['file']}: {error.strerror or error}") from error
        if options["verbosity"] >= 2:
            for line in summary.lines():
                self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS(f"Backed up {summary.total} rows to {options['file']}."))

"""``manage.py restore FILE``: load a backup into an empty, migrated database (see factcheck.backup)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from factcheck.backup import RestoreError, restore_backup


class Command(BaseCommand):
    help = (
        "Load a backup written by `manage.py backup` into an empty database on which "
        "`manage.py migrate` has run. All or nothing: on any error the database is left unchanged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The backup file (.json or .json.gz).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias to restore into.")

    def handle(self, *args: object, **options: object) -> None:
        try:
            summary = restore_backup(str(options["file"]), using=str(options["database"]))
        except FileNotFoundError as error:
            raise CommandError(f"No backup file at {options['file']}.") from error
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror or error}") from error
        except RestoreError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] >= 2:
            for line in summary.lines():
                self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS(f"Restored {summary.total} rows from {options['file']}."))

"""``manage.py cleanup_jobs``: remove finished background jobs past retention, and their files.

Run it daily (cron, a systemd timer): every import keeps its upload and every export its
ZIP in the file storage until the job is removed. Pending and running jobs are never
removed. See :func:`factcheck.jobs.cleanup`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from factcheck import jobs


class Command(BaseCommand):
    help = "Delete done and failed background jobs older than the retention period, with their stored files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=None,
            help=f"Remove jobs finished more than this many days ago (default: FACTDESK_JOB_RETENTION_DAYS, "
            f"now {settings.FACTDESK_JOB_RETENTION_DAYS}).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List what would be removed; remove nothing.")

    def handle(self, *args: Any, older_than_days: int | None, dry_run: bool, **options: Any) -> None:
        days = settings.FACTDESK_JOB_RETENTION_DAYS if older_than_days is None else older_than_days
        if days < 0:
            raise CommandError("--older-than-days cannot be negative.")
        removed = jobs.cleanup(timedelta(days=days), dry_run=dry_run)
        verb = "Would remove" if dry_run else "Removed"
        for job in removed:
            finished = timezone.localtime(job.finished_at).strftime("%Y-%m-%d %H:%M")
            files = f"; files: {', '.join(job.files)}" if job.files else ""
            self.stdout.write(f"{verb} job {job.pk} ({job.kind}, {job.status} {finished}): {job.title}{files}")
        file_count = sum(len(job.files) for job in removed)
        summary = (
            f"{verb} {len(removed)} job{'s' if len(removed) != 1 else ''} and {file_count} "
            f"file{'s' if file_count != 1 else ''} finished more than {days} day{'s' if days != 1 else ''} ago."
        )
        self.stdout.write(self.style.SUCCESS(summary) if not dry_run else summary)
        if dry_run:
            self.stdout.write("Dry run: nothing was removed.")

"""``manage.py poll_watches``: one round of watching outlets, or a round every N seconds.

django-tasks has no periodic scheduler, so this command is the clock. Each round polls the
feeds and re-checks the watched articles that are due (``articles.watching``):

* by default it queues the round as a job for the worker (``manage.py db_worker``) and
  returns; the job's progress and report show in the admin's job list;
* ``--inline`` runs the round in this process and prints what it did;
* ``--loop SECONDS`` keeps going, starting a round every SECONDS (skipping a beat while the
  previous round's job is still pending or running), until stopped with Ctrl+C.
  ``scripts/demo.sh`` can start ``poll_watches --loop 60`` beside the worker.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles import watching
from articles.tasks import SOURCE_WATCH_CYCLE, enqueue_watch_cycle
from factcheck.models import Job


def round_in_progress() -> bool:
    """Whether a queued round has not finished yet (rounds never overlap)."""
    return Job.objects.filter(
        kind=Job.Kind.IMPORT, params__source=SOURCE_WATCH_CYCLE, status__in=[Job.Status.PENDING, Job.Status.RUNNING]
    ).exists()


class Command(BaseCommand):
    help = "Poll the due feeds and re-check the due watched articles: once, or every SECONDS with --loop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--inline", action="store_true", help="Run the round here instead of queueing a job.")
        parser.add_argument(
            "--loop", type=float, metavar="SECONDS", help="Start a round every SECONDS until interrupted."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["loop"]
        if interval is not None and interval <= 0:
            raise CommandError("--loop needs a number of seconds greater than 0.")
        try:
            while True:
                started = time.monotonic()
                self._one_round(options["inline"], options["verbosity"])
                if interval is None:
                    return
                time.sleep(max(0.0, interval - (time.monotonic() - started)))
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def _one_round(self, inline: bool, verbosity: int) -> None:
        if inline:
            report = watching.run_cycle()
            if verbosity:
                self.stdout.write(report.summary() + ".")
                for url, reason in report.failed:
                    self.stdout.write(self.style.ERROR(f"  {url}: {reason}"))
            return
        if round_in_progress():
            if verbosity > 1:
                self.stdout.write("The previous round is still running; skipped.")
            return
        job = enqueue_watch_cycle()
        if verbosity:
            self.stdout.write(f"Queued job {job.pk}: {job.title} ({job.get_status_display().lower()}).")

"""``manage.py retry_webhooks``: queue the webhook deliveries that are due (run it from cron every minute).

The worker is given each retry with ``run_after`` when its backend can defer tasks; this
command is the safety net for the rest (a backend that cannot, a queueing failure, an
attempt a killed worker left "sending"). Sending the same delivery twice is harmless: one
worker takes it, the other finds it taken.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from api import webhooks


class Command(BaseCommand):
    help = "Queue the webhook deliveries whose next attempt is due."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=500, help="Queue at most this many (default 500).")

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        count = webhooks.retry_due(limit=limit)
        self.stdout.write(f"{count} webhook delivery(ies) queued.")

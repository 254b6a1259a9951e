"""``manage.py export_report ARTICLE_ID --format html|pdf|md|csv|w3c|claimreview``.

Writes exactly the bytes the download buttons serve, to ``-o FILE`` or standard output.
The command line is trusted (it has the database), so the internal version is the default;
``--published-only`` gives the public one.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.exports import FORMATS, render_export
from articles.models import Article


class Command(BaseCommand):
    help = "Export one article's fact-checks as a report or data file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("article_id", type=int, help="The article's id.")
        parser.add_argument("--format", "-f", dest="fmt", choices=sorted(FORMATS), default="html")
        parser.add_argument(
            "--published-only", action="store_true", help="Only published claims (the public version)."
        )
        parser.add_argument("-o", "--output", help="Write to this file instead of standard output.")

    def handle(self, *args: Any, article_id: int, fmt: str, published_only: bool, output: str | None,
               **options: Any) -> None:
        article = Article.objects.filter(pk=article_id).first()
        if article is None:
            raise CommandError(f"No article with id {article_id}.")
        chunks = render_export(article, fmt, published_only=published_only)
        if output:
            with open(output, "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
            self.stderr.write(f"Wrote {output}")
            return
        stream = getattr(self.stdout._out, "buffer", None)
        if stream is None and self.stdout._out is sys.stdout:  # pragma: no cover - real stdout always has one
            stream = sys.stdout.buffer
        if stream is None:
            if fmt == "pdf":
                raise CommandError("PDF is binary: use -o FILE.")
            for chunk in chunks:
                self.stdout.write(chunk.decode("utf-8"), ending="")
            return
        for chunk in chunks:
            stream.write(chunk)
        stream.flush()

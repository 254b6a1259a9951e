"""Many articles' exports in one ZIP (the admin action and its background task).

Each article gets a folder ``<id>-<slug>/`` with every format; a ``claims.csv`` at the top
holds all selected articles' claims in one table. Files are written into the archive one
at a time (the CSVs streamed), so memory depends on the largest single article, not on
the number of articles or claims.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Sequence
from typing import IO

from django.utils.text import slugify

from annotations.exports import FORMATS, ExportFormat, render_export
from annotations.exports.csv_export import claims_queryset, stream_csv
from articles.models import Article

#: Formats put in the archive for each article.
ZIP_FORMATS: tuple[str, ...] = ("html", "pdf", "md", "csv", "w3c", "claimreview")

#: Up to this many articles the admin builds the ZIP during the request; more go to a task.
INLINE_LIMIT = 20

ProgressCallback = Callable[[int, int], None]

_FILE_NAMES = {
    "html": "report.html",
    "pdf": "report.pdf",
    "md": "report.md",
    "csv": "claims.csv",
    "w3c": "annotations.jsonld",
    "claimreview": "claimreview.jsonld",
}


def article_folder(article: Article) -> str:
    slug = slugify(article.title)[:50].strip("-") or "article"
    return f"{article.pk}-{slug}"


def _write_stream(archive: zipfile.ZipFile, name: str, chunks: Iterable[bytes]) -> None:
    with archive.open(name, "w", force_zip64=True) as entry:
        for chunk in chunks:
            entry.write(chunk)


def write_zip(
    article_ids: Sequence[int],
    fileobj: IO[bytes],
    *,
    published_only: bool,
    formats: Sequence[str] = ZIP_FORMATS,
    progress: ProgressCallback | None = None,
) -> int:
    """Write the exports of ``article_ids`` into ``fileobj`` as a ZIP; returns the article count.

    ``progress(done, total)`` is called after each article so a background job can report.
    Articles are loaded one at a time (ids first), never all bodies at once.
    """
    chosen: list[ExportFormat] = [FORMATS[name] for name in formats]
    ids = list(Article.objects.filter(pk__in=article_ids).order_by("pk").values_list("pk", flat=True))
    total = len(ids)
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _write_stream(archive, "claims.csv", stream_csv(claims_queryset(articles=ids, published_only=published_only)))
        for done, article_id in enumerate(ids, start=1):
            article = Article.objects.filter(pk=article_id).first()
            if article is not None:
                folder = article_folder(article)
                for fmt in chosen:
                    name = f"{folder}/{_FILE_NAMES[fmt.name]}"
                    _write_stream(archive, name, render_export(article, fmt, published_only=published_only))
            if progress is not None:
                progress(done, total)
    return total

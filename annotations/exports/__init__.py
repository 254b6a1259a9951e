"""Reports and data exports of an article's fact-checks: one module per format.

Every door (the article page's download menu, ``manage.py export_report``, the admin's
ZIP action) calls :func:`render_export` or :func:`write_zip`, so a format looks the same
wherever it is downloaded from. PDFs and ZIPs are made by background jobs
(:mod:`annotations.tasks`, :mod:`annotations.exports.jobs`), never inside a request.

==============  =====================  ==========================================
format          module                 what
==============  =====================  ==========================================
``html``        :mod:`.html`           standalone annotated report (inline CSS)
``pdf``         :mod:`.pdf`            the same report through WeasyPrint
``md``          :mod:`.markdown`       the report in Markdown, claims as footnotes
``csv``         :mod:`.csv_export`     one row per claim, streamed, UTF-8 with BOM
``w3c``         :mod:`.w3c`            W3C Web Annotation JSON-LD (importable back)
``claimreview`` :mod:`.claimreview`    schema.org ClaimReview, published claims only
==============  =====================  ==========================================

Data loading for all of them is :func:`annotations.exports.data.report_claims`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.text import slugify

from articles.models import Article


@dataclass(frozen=True)
class ExportFormat:
    """A download format: its name in URLs and on the command line, file suffix, MIME type."""

    name: str
    label: str
    extension: str
    content_type: str
    #: False for formats that only ever contain published claims (ClaimReview).
    has_internal_version: bool = True


FORMATS: dict[str, ExportFormat] = {
    fmt.name: fmt
    for fmt in (
        ExportFormat("html", "Report (HTML)", "html", "text/html; charset=utf-8"),
        ExportFormat("pdf", "Report (PDF)", "pdf", "application/pdf"),
        ExportFormat("md", "Report (Markdown)", "md", "text/markdown; charset=utf-8"),
        ExportFormat("csv", "Claims (CSV)", "csv", "text/csv; charset=utf-8"),
        ExportFormat(
            "w3c", "Web Annotations (JSON-LD)", "annotations.jsonld",
            'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
        ),
        ExportFormat(
            "claimreview", "ClaimReview (JSON-LD)", "claimreview.jsonld", "application/ld+json",
            has_internal_version=False,
        ),
    )
}


def export_filename(article: Article, fmt: ExportFormat, *, published_only: bool) -> str:
    """``<slug>-factcheck[-published].<ext>``: the slug keeps the name ASCII and shell-safe."""
    slug = slugify(article.title)[:60].strip("-") or f"article-{article.pk}"
    suffix = "-published" if published_only and fmt.has_internal_version else ""
    return f"{slug}-factcheck{suffix}.{fmt.extension}"


def _json_bytes(data: Any) -> bytes:
    """Pretty JSON, with ``<``, ``>`` and ``&`` as ``\\u`` escapes (still the same JSON values).

    ClaimReview is usually pasted into a page inside ``<script type="application/ld+json">``;
    escaped this way, a claim containing ``</script>`` cannot end that element early.
    """
    text = json.dumps(data, ensure_ascii=False, indent=2)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (text + "\n").encode("utf-8")


def render_export(article: Article, fmt: ExportFormat | str, *, published_only: bool) -> Iterator[bytes]:
    """The export of ``article`` in ``fmt`` as a stream of byte chunks.

    CSV streams row chunks; the other formats are built per article and yielded whole.
    Imports are local so that loading the package (URL conf, admin) does not load WeasyPrint.
    """
    fmt = FORMATS[fmt] if isinstance(fmt, str) else fmt
    if fmt.name == "csv":
        from annotations.exports.csv_export import article_csv

        yield from article_csv(article, published_only=published_only)
    elif fmt.name == "html":
        from annotations.exports.html import render_report_html

        yield render_report_html(article, published_only=published_only).encode("utf-8")
    elif fmt.name == "pdf":
        from annotations.exports.pdf import render_report_pdf

        yield render_report_pdf(article, published_only=published_only)
    elif fmt.name == "md":
        from annotations.exports.markdown import render_report_markdown

        yield render_report_markdown(article, published_only=published_only).encode("utf-8")
    elif fmt.name == "w3c":
        from annotations.exports.w3c import article_annotations

        yield _json_bytes(article_annotations(article, published_only=published_only))
    elif fmt.name == "claimreview":
        from annotations.exports.claimreview import article_claim_reviews

        yield _json_bytes(article_claim_reviews(article))
    else:  # pragma: no cover - FORMATS and this function change together
        raise KeyError(fmt.name)


def render_export_bytes(article: Article, fmt: ExportFormat | str, *, published_only: bool) -> bytes:
    """The whole export in memory (for one article: the command line, tests, the ZIP)."""
    return b"".join(render_export(article, fmt, published_only=published_only))

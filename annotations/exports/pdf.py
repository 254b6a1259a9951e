"""The annotated report as PDF: WeasyPrint renders exactly the HTML report.

WeasyPrint needs Pango at the system level (Debian: ``libpango-1.0-0 libpangoft2-1.0-0``;
see ``scripts/system-deps.sh``). The report is self-contained, and rendering must never
reach the network or the file system on behalf of user text, so every URL fetch is refused.
"""

from __future__ import annotations

from weasyprint import HTML
from weasyprint.urls import URLFetcher

from annotations.exports.data import ReportClaim
from annotations.exports.html import render_report_html
from articles.models import Article


class NoFetching(URLFetcher):
    """A URL fetcher that refuses everything: no stylesheets, images or fonts from anywhere."""

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> None:  # type: ignore[override]
        raise ValueError(f"Factdesk reports do not load external resources ({url[:80]}).")


def html_to_pdf(html: str) -> bytes:
    """Render a report's HTML to PDF bytes without fetching anything."""
    return HTML(string=html, base_url=None, url_fetcher=NoFetching()).write_pdf()


def render_report_pdf(article: Article, *, published_only: bool, notes: list[ReportClaim] | None = None) -> bytes:
    """The annotated report for ``article`` as PDF bytes."""
    return html_to_pdf(render_report_html(article, published_only=published_only, notes=notes))

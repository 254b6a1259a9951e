"""The annotated report: one standalone HTML page per article (also the source of the PDF).

The page must open anywhere, offline, years later, and print cleanly: so all CSS is inline,
nothing is fetched (no stylesheets, scripts, fonts or images), and the only links are to
the article and to the sources' own http(s) URLs. All user text goes through Django's
autoescaping; nothing here marks user text safe.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from annotations.exports.data import ReportClaim, http_url, report_claims
from annotations.highlight import ClaimSpan, highlight
from articles.models import Article


@dataclass(frozen=True)
class HighlightRun:
    """A segment ready for the template: text, covering claim numbers, colour, markers after it."""

    text: str
    claims: tuple[int, ...]
    markers: tuple[int, ...]
    colour: str

    @property
    def overlap(self) -> bool:
        return len(self.claims) > 1

    @property
    def label(self) -> str:
        return ", ".join(f"#{number}" for number in self.claims)


def report_spans(notes: list[ReportClaim]) -> list[ClaimSpan]:
    """Highlight spans for the report's claims, numbered as in the notes; orphans are left out."""
    return [
        ClaimSpan(
            id=note.claim.pk, start=note.claim.start, end=note.claim.end, number=note.number,
            status=note.claim.status, verdict_id=note.claim.verdict_id,
        )
        for note in notes
        if note.highlighted
    ]


def highlight_paragraphs(body: str, notes: list[ReportClaim]) -> list[list[HighlightRun]]:
    """The body as paragraphs of runs (cut by :func:`annotations.highlight.highlight`)."""
    by_number = {note.number: note for note in notes}
    return [
        [
            HighlightRun(
                text=segment.text,
                claims=tuple(span.number for span in segment.claims),
                markers=tuple(sorted(span.number for span in segment.ending)),
                # The innermost claim's verdict colours the run.
                colour=by_number[segment.top.number].verdict_colour if segment.top else "",
            )
            for segment in paragraph.segments
        ]
        for paragraph in highlight(body, report_spans(notes))
    ]


def report_context(article: Article, notes: list[ReportClaim], *, published_only: bool) -> dict[str, object]:
    """Everything the report template reads (shared by HTML and PDF)."""
    return {
        "article": article,
        "article_url": http_url(article.url),
        "paragraphs": highlight_paragraphs(article.body, notes),
        "notes": notes,
        "published_only": published_only,
        "organization_name": settings.FACTDESK_ORGANIZATION_NAME,
        "organization_url": http_url(settings.FACTDESK_ORGANIZATION_URL),
    }


def render_report_html(article: Article, *, published_only: bool, notes: list[ReportClaim] | None = None) -> str:
    """The standalone annotated report for ``article`` as an HTML string."""
    if notes is None:
        notes = report_claims(article, published_only=published_only)
    return render_to_string("exports/report.html", report_context(article, notes, published_only=published_only))

"""The annotated report: one standalone HTML page per article (also the source of the PDF).

The page must open anywhere, offline, years later, and print cleanly: so all CSS is inline,
nothing is fetched (no stylesheets, scripts, fonts or images), and the only links are to
the article, to the sources' own http(s) URLs and to each published claim's public page
(:func:`annotations.public_links.public_claim_url`). All user text goes through Django's
autoescaping; nothing here marks user text safe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from annotations.exports.data import NO_VERDICT_COLOUR, ReportClaim, http_url, report_claims
from annotations.highlight import ClaimSpan, highlight
from annotations.verdict_palette import symbol_for
from articles.models import Article

#: How many lines of a fact-check card fit on one A4 page of the report (11 pt, 1.55 line
#: height, 2 cm margins: about 42); cards estimated above this may break across pages.
#: On the low side on purpose: a card kept whole that does not fit is pushed to a new page
#: *and* broken, leaving the previous page half empty.
CARD_LINES_PER_PAGE = 32
#: Characters per line in the card's value column (the wide quote gets more).
_CHARS_PER_LINE = 62


@dataclass(frozen=True)
class HighlightRun:
    """A segment ready for the template: text, covering claim numbers, colour, markers after it."""

    text: str
    claims: tuple[int, ...]
    markers: tuple[int, ...]
    colour: str
    #: (number, verdict symbol) for each marker: the symbol repeats the verdict after ``[#12]``.
    marker_symbols: tuple[tuple[int, str], ...] = ()

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
                marker_symbols=tuple(
                    (number, symbol_for(by_number[number].claim.verdict))
                    for number in sorted(span.number for span in segment.ending)
                ),
            )
            for segment in paragraph.segments
        ]
        for paragraph in highlight(body, report_spans(notes))
    ]


def _lines(text: str | None, width: int = _CHARS_PER_LINE) -> int:
    """Printed lines ``text`` takes at ``width`` characters a line (each paragraph at least one)."""
    return sum(max(1, math.ceil(len(part) / width)) for part in (text or "").split("\n") if part.strip()) or 1


def card_lines(note: ReportClaim) -> int:
    """A rough count of the printed lines of a fact-check card, generous rather than short."""
    claim = note.claim
    lines = 3 + _lines(claim.exact, 80)  # heading, quote, padding
    lines += _lines(claim.statement or claim.exact) + _lines(claim.claimant) + 1  # claim, claimant, status
    if claim.verdict and claim.verdict.description:
        lines += _lines(f"{claim.verdict.name}: {claim.verdict.description}")
    lines += _lines(claim.rationale) + (claim.rationale or "").count("\n\n")
    lines += 4  # checked by, reviewed by, dates, assigned/corrected
    lines += 2 + sum(
        _lines(f"{link.label} {link.source.publisher}", 70) + (1 if link.url and link.source.title else 0)
        + (_lines(link.source.excerpt, 80) if link.source.excerpt else 0)
        for link in note.source_links
    )
    if note.corrections:
        lines += 2 + sum(2 + _lines(c.note) + len(c.changes) for c in note.corrections)
    if note.linked_articles:
        lines += 2 + len(note.linked_articles)
    return lines


def fits_on_a_page(note: ReportClaim) -> bool:
    """Whether a card is short enough to keep whole (``break-inside: avoid``) in the PDF.

    Keeping a short card whole is right: it moves to the next page only when the rest of
    this one cannot hold it. A card longer than a page cannot be kept whole, and asking for
    it makes the renderer start it on a fresh page anyway, so long cards flow and break.
    """
    return card_lines(note) <= CARD_LINES_PER_PAGE


def report_context(article: Article, notes: list[ReportClaim], *, published_only: bool) -> dict[str, object]:
    """Everything the report template reads (shared by HTML and PDF)."""
    return {
        "keep_whole": {note.number for note in notes if fits_on_a_page(note)},
        "no_verdict_colour": NO_VERDICT_COLOUR,
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

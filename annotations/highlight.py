"""Claim highlights: cutting an article body into flat segments, and mapping selections back.

HTML cannot express two spans that overlap without one nesting inside the other, and
nested ``<mark>`` elements make both styling and hit-testing ambiguous. So the body is cut
at *every* claim boundary into a flat run of :class:`Segment` pieces; each knows which
claims cover it. A span inside another, two spans sharing a part, and identical spans all
become a sequence of sibling elements with different ``claims`` tuples.

Each segment also carries its offset into the canonical body twice: in code points
(Python's ``str`` indices, what ``Claim.start``/``end`` store) and in UTF-16 code units
(what JavaScript counts). The page puts both on every element, so the browser turns a DOM
selection into body offsets by adding the length of the text before the selection point
inside its segment: no re-searching the text, no guessing about emoji.
:func:`selection_to_range` is the inverse step on the server: it converts those UTF-16
offsets back, checks the quote, and trims.

Pure functions, no Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from annotations.anchoring import index_to_utf16, trim_to_text, utf16_length, utf16_to_index, validate_anchor
from articles.text import split_paragraphs

__all__ = [
    "STATUS_SYMBOLS",
    "ClaimSpan",
    "Paragraph",
    "Segment",
    "claim_spans",
    "highlight",
    "selection_to_range",
    "utf16_length",
]

#: A symbol per review status, shown next to every highlight so that status never
#: depends on colour alone (the page prints a legend; the status pills use the same ones).
STATUS_SYMBOLS: dict[str, str] = {
    "new": "○",
    "researching": "◔",
    "in_review": "◑",
    "published": "✓",
    "dismissed": "✕",
}


@dataclass(frozen=True)
class ClaimSpan:
    """A claim's place in the body plus what a highlight needs to display it.

    ``number`` is the claim's position in the page's claim list (1-based), so the marker
    after a highlight and the list agree; ``verdict_id`` picks the verdict colour (None
    while unrated).
    """

    id: int
    start: int
    end: int
    number: int = 0
    status: str = "new"
    verdict_id: int | None = None

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def marker(self) -> str:
        """Short text after the claim's last character: its number and status symbol."""
        return f"{self.number}{STATUS_SYMBOLS.get(self.status, '')}"


def _innermost_last(span: ClaimSpan) -> tuple[int, int, int]:
    # Longest first, so the last claim is the innermost (shortest); among equal lengths
    # the later-starting, then the newer claim is drawn on top.
    return (-span.length, span.start, span.id)


@dataclass(frozen=True)
class Segment:
    """A run of a paragraph covered by the same claims.

    ``claims`` are ordered outermost first, so ``claims[-1]`` is the one whose colour is
    drawn. ``starting`` are the claims that begin here (the segment a keyboard user tabs
    to for them) and ``ending`` those whose last character is in this segment (their
    status marker goes after it).
    """

    text: str
    start: int
    start16: int
    claims: tuple[ClaimSpan, ...] = ()
    starting: tuple[ClaimSpan, ...] = ()
    ending: tuple[ClaimSpan, ...] = ()

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def claim_ids(self) -> tuple[int, ...]:
        return tuple(span.id for span in self.claims)

    @property
    def data_claims(self) -> str:
        """Space-separated claim ids, for the ``data-claims`` attribute."""
        return " ".join(str(span.id) for span in self.claims)

    @property
    def top(self) -> ClaimSpan | None:
        """The innermost claim, whose verdict colours the segment."""
        return self.claims[-1] if self.claims else None

    @property
    def depth(self) -> int:
        return len(self.claims)

    @property
    def marker(self) -> str:
        """Markers of the claims ending here, in list order (e.g. ``"2◔ 3○"``)."""
        return " ".join(span.marker for span in sorted(self.ending, key=lambda s: (s.number, s.id)))


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the body: its offsets and its segments, in order."""

    start: int
    start16: int
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        return "".join(segment.text for segment in self.segments)


def highlight(body: str, spans: Iterable[ClaimSpan]) -> list[Paragraph]:
    """Cut ``body`` into paragraphs of segments at every claim boundary.

    Spans that do not fit the body (empty, negative, past the end: a stale anchor) are
    left out rather than breaking the page. A span across a paragraph break covers the
    end of one paragraph and the start of the next; the break itself is not rendered.
    """
    valid = sorted(
        (span for span in spans if 0 <= span.start < span.end <= len(body)),
        key=lambda span: (span.start, span.end, span.id),
    )
    raw: list[tuple[int, list[tuple[int, int, list[ClaimSpan]]]]] = []
    pending = 0  # index into ``valid`` of the next span not yet seen
    active: list[ClaimSpan] = []
    for paragraph_start, text in split_paragraphs(body):
        paragraph_end = paragraph_start + len(text)
        while pending < len(valid) and valid[pending].start < paragraph_end:
            active.append(valid[pending])
            pending += 1
        active = [span for span in active if span.end > paragraph_start]
        inside = [span for span in active if span.start < paragraph_end]
        cuts = {paragraph_start, paragraph_end}
        for span in inside:
            cuts.add(max(span.start, paragraph_start))
            cuts.add(min(span.end, paragraph_end))
        points = sorted(cuts)
        pieces = []
        for left, right in pairwise(points):
            covering = sorted((s for s in inside if s.start < right and s.end > left), key=_innermost_last)
            pieces.append((left, right, covering))
        raw.append((paragraph_start, pieces))

    last_piece: dict[int, tuple[int, int]] = {}
    for p_index, (_, pieces) in enumerate(raw):
        for s_index, (_, _, covering) in enumerate(pieces):
            for span in covering:
                last_piece[span.id] = (p_index, s_index)

    paragraphs: list[Paragraph] = []
    for p_index, (paragraph_start, pieces) in enumerate(raw):
        paragraph_start16 = index_to_utf16(body, paragraph_start)
        segments = []
        for s_index, (left, right, covering) in enumerate(pieces):
            segments.append(
                Segment(
                    text=body[left:right],
                    start=left,
                    start16=index_to_utf16(body, left),
                    claims=tuple(covering),
                    starting=tuple(span for span in covering if span.start == left),
                    ending=tuple(span for span in covering if last_piece[span.id] == (p_index, s_index)),
                )
            )
        paragraphs.append(Paragraph(paragraph_start, paragraph_start16, tuple(segments)))
    return paragraphs


def selection_to_range(body: str, start16: int, end16: int, quote: str) -> tuple[int, int]:
    """Turn a browser selection into the code point range a claim is stored with.

    The browser sends UTF-16 offsets into the body and the text it saw between them.
    Offsets are converted (an emoji is two units there, one character here), a backwards
    range is put in order, the quote must equal the body slice exactly (a stale page or a
    miscounted offset must not anchor a claim on the wrong words), and finally spaces and
    line breaks at either end are trimmed off. Raises ``AnchorError`` with a message for
    the user.
    """
    start = utf16_to_index(body, start16)
    end = utf16_to_index(body, end16)
    if start > end:
        start, end = end, start
    validate_anchor(body, start, end, quote)
    return trim_to_text(body, start, end)


def claim_spans(claims: Sequence[object], *, skip_states: frozenset[str] = frozenset({"orphaned"})) -> list[ClaimSpan]:
    """Spans for claims in list order (numbered from 1); orphaned claims are not drawn.

    Accepts anything with the Claim attributes (``pk``, ``start``, ``end``, ``status``,
    ``verdict_id``, ``anchor_state``) so it stays free of Django imports.
    """
    spans = []
    for number, claim in enumerate(claims, start=1):
        if getattr(claim, "anchor_state", "anchored") in skip_states:
            continue
        spans.append(
            ClaimSpan(
                id=claim.pk,  # type: ignore[attr-defined]
                start=claim.start,  # type: ignore[attr-defined]
                end=claim.end,  # type: ignore[attr-defined]
                number=number,
                status=claim.status,  # type: ignore[attr-defined]
                verdict_id=claim.verdict_id,  # type: ignore[attr-defined]
            )
        )
    return spans

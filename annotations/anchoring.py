"""Claim anchors: describing a selection and finding it again after the article changes.

A claim points at a span of the canonical article body (see ``articles.text``) in two
redundant ways, following the W3C Web Annotation selectors that Hypothesis uses:

* a *position* (``TextPositionSelector``): code point offsets ``start``/``end``;
* a *quote* (``TextQuoteSelector``): the ``exact`` text plus up to
  :data:`CONTEXT_LENGTH` characters of ``prefix`` and ``suffix``.

Offsets are cheap and precise but break as soon as anything earlier in the body is
edited; the quote survives edits and lets us find the claim again. :func:`reanchor`
combines both, in the spirit of Hypothesis' ``match-quote.ts``: try the old position,
then every exact occurrence of the quote, and only if the quote no longer appears
verbatim, approximate matches that tolerate small edits inside it (near the old position
first, then anywhere). Candidates are ranked by quote similarity (weighted most), prefix
and suffix similarity, and a little by distance from the old position (a tie-breaker).
A claim that lands anywhere but its old offsets, or on changed wording, is "moved" so
that a person takes a second look; one that cannot be found is "orphaned".

Browsers count string offsets in UTF-16 code units while Python counts code points, so
:func:`utf16_to_index` / :func:`index_to_utf16` convert at the boundary (and
:func:`utf16_length` measures); they are the only UTF-16 arithmetic on the server.

A caller that must bound the work (an import of thousands of annotations) passes a
``deadline`` (a :func:`time.monotonic` value) to :func:`reanchor`; the approximate search
checks it as it goes and raises :class:`AnchorTimeout` once it has passed.

Everything here is pure Python (no Django) so that views, admin actions, importers and
tests all share the same rules.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import LCSseq, Levenshtein

from factcheck.display import truncate

__all__ = [
    "CONTEXT_LENGTH",
    "MIN_QUOTE_SIMILARITY",
    "Anchor",
    "AnchorError",
    "AnchorResult",
    "AnchorState",
    "AnchorTimeout",
    "TextPosition",
    "TextQuote",
    "describe",
    "index_to_utf16",
    "reanchor",
    "reanchor_all",
    "trim_to_text",
    "utf16_length",
    "utf16_to_index",
    "validate_anchor",
]

#: Characters of context stored before and after a quote (same as Hypothesis).
CONTEXT_LENGTH = 32

#: An approximate match must keep at least this share of the quote (1 - errors/length);
#: below it the wording has changed too much to attach the claim without a human.
MIN_QUOTE_SIMILARITY = 0.75

#: Hypothesis never lets the approximate search allow more errors than this; long quotes
#: would otherwise make the search slow and permissive.
MAX_ERRORS = 256

# Candidate ranking weights, as in Hypothesis' match-quote.ts.
QUOTE_WEIGHT = 50.0  # similarity of the matched text to the quote
PREFIX_WEIGHT = 20.0  # similarity of the text before the match to the prefix
SUFFIX_WEIGHT = 20.0  # similarity of the text after the match to the suffix
POSITION_WEIGHT = 2.0  # closeness to the expected position, a tie-breaker
_MAX_SCORE = QUOTE_WEIGHT + PREFIX_WEIGHT + SUFFIX_WEIGHT + POSITION_WEIGHT

#: A candidate scoring at least this is trusted without searching further afield (a
#: quote that is at least 75% intact with both context strings intact scores ~0.86).
CONFIDENT_SCORE = 0.85

#: An approximate match must also score at least this overall. A quote that is 75%
#: intact next to unrelated context scores ~0.55; one that is 90% intact scores ~0.6
#: even in a new paragraph. Short quotes match *something* by chance, and this is what
#: keeps those chance matches out.
MIN_APPROXIMATE_SCORE = 0.6

#: Quotes shorter than this are only searched approximately near their old position:
#: elsewhere in a long article a short phrase with a few edits is more likely a
#: coincidence than the claim, and the whole-body search is the expensive part.
GLOBAL_SEARCH_MIN_LENGTH = 32

#: How far (in characters) around the expected position the cheap local search looks,
#: beyond the quote's own length.
LOCAL_SEARCH_MARGIN = 256

#: Characters that are blank for trimming purposes: everything ``str.isspace`` knows
#: (spaces, tabs, newlines, NBSP, thin spaces...) plus invisible zero-width characters
#: that browsers happily include in a selection.
_INVISIBLE = frozenset("\u200b\u2060\ufeff")

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")

#: Characters of a quote shown in an error message: long quotes would bury the reason.
QUOTE_IN_MESSAGE = 60

#: Offset ranges in messages use an en dash, as an editor would write them.
_DASH = "\u2013"

AnchorState = Literal["anchored", "moved", "orphaned"]


class AnchorError(ValueError):
    """A selection or anchor that cannot be stored; the message is shown to the user."""


class AnchorTimeout(TimeoutError):
    """The search for a quote passed the caller's deadline before it finished (see :func:`reanchor`)."""


#: The bit-parallel scan checks the deadline after each stretch of this many characters.
_DEADLINE_STRIDE = 8192


def _check_deadline(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise AnchorTimeout("The search for the quote ran out of time.")


@dataclass(frozen=True)
class TextQuote:
    """W3C ``TextQuoteSelector``: the quoted text and its surrounding context."""

    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class TextPosition:
    """W3C ``TextPositionSelector``: code point offsets into the canonical body."""

    start: int
    end: int


@dataclass(frozen=True)
class Anchor:
    """Everything stored for a claim's location: the position and the quote together."""

    start: int
    end: int
    exact: str
    prefix: str = ""
    suffix: str = ""

    @property
    def position(self) -> TextPosition:
        return TextPosition(self.start, self.end)

    @property
    def quote(self) -> TextQuote:
        return TextQuote(self.exact, self.prefix, self.suffix)


@dataclass(frozen=True)
class AnchorResult:
    """Where an anchor landed in a (possibly edited) body.

    ``state`` is ``"anchored"`` when the same text sits at the same offsets, ``"moved"``
    when it was found elsewhere or with changed wording (worth a second look), and
    ``"orphaned"`` when it could not be found; then ``start``/``end``/``exact`` are None.
    ``score`` is the 0..1 confidence of the chosen match (1.0 for an untouched anchor).
    """

    state: AnchorState
    start: int | None
    end: int | None
    exact: str | None
    score: float


# --------------------------------------------------------------------------- validation


def _is_blank(char: str) -> bool:
    return char.isspace() or char in _INVISIBLE


def _is_blank_text(text: str) -> bool:
    return all(_is_blank(char) for char in text)


def _is_offset(value: object) -> bool:
    # bool is a subclass of int, but True/False as offsets is always a bug upstream.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_range(body: str, start: object, end: object) -> None:
    """Raise AnchorError unless ``start``/``end`` are a non-empty range inside ``body``."""
    if not (_is_offset(start) and _is_offset(end)):
        raise AnchorError(f"Offsets must be whole numbers, got {start!r} and {end!r}.")
    assert isinstance(start, int) and isinstance(end, int)  # for type checkers
    if start < 0 or end < 0 or start > len(body) or end > len(body):
        raise AnchorError(f"Offsets {start}{_DASH}{end} are outside the article (length {len(body)}).")
    if start >= end:
        raise AnchorError("The selection is empty.")


def validate_anchor(body: str, start: int, end: int, exact: str) -> None:
    """Check that a submitted anchor really points at ``exact`` in ``body``.

    The browser sends offsets *and* the text it saw; if they disagree the page was
    stale or the client is buggy, and storing the claim would attach it to the wrong
    words. Raises :class:`AnchorError` with a message fit for the user; the "expected"
    text in it is what the article holds at those offsets, "got" is the submitted quote.
    """
    _check_range(body, start, end)
    actual = body[start:end]
    if exact != actual:
        raise AnchorError(
            f"The quote does not match the article text at {start}{_DASH}{end}: "
            f"expected '{truncate(actual, QUOTE_IN_MESSAGE)}', got '{truncate(str(exact), QUOTE_IN_MESSAGE)}'."
        )
    if _is_blank_text(actual):
        raise AnchorError("The selection contains only whitespace.")


def describe(body: str, start: int, end: int) -> Anchor:
    """Build the stored anchor for ``body[start:end]``: quote plus 32 chars of context.

    The context is what lets :func:`reanchor` tell repeated phrases apart after edits.
    """
    _check_range(body, start, end)
    validate_anchor(body, start, end, body[start:end])
    return Anchor(
        start=start,
        end=end,
        exact=body[start:end],
        prefix=body[max(0, start - CONTEXT_LENGTH) : start],
        suffix=body[end : end + CONTEXT_LENGTH],
    )


def trim_to_text(body: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a selection so it starts and ends on visible text.

    Double-clicks and drags routinely grab the space or newline next to a word; a claim
    that begins with a paragraph break renders oddly and anchors less reliably.
    A backwards selection (dragged right to left, so ``start > end``) is put in order.
    Raises :class:`AnchorError` if nothing but whitespace is selected.
    """
    if _is_offset(start) and _is_offset(end) and start > end:
        start, end = end, start
    _check_range(body, start, end)
    while start < end and _is_blank(body[start]):
        start += 1
    while end > start and _is_blank(body[end - 1]):
        end -= 1
    if start == end:
        raise AnchorError("The selection contains only whitespace.")
    return start, end


# ------------------------------------------------------------------------------ UTF-16


@lru_cache(maxsize=16)
def _astral_indices(text: str) -> tuple[int, ...]:
    """Code point indices of the characters that take two UTF-16 units (outside the BMP).

    Cached because a request converts several offsets of the same body; str caches its
    own hash, so a repeat lookup is O(1). ASCII is answered without scanning, and one C
    encode pass rules out astral characters for most other text before the regex runs.
    Lone surrogates count as one unit on both sides, as in JavaScript.
    """
    if text.isascii() or len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text):
        return ()
    return tuple(match.start() for match in _ASTRAL.finditer(text))


def utf16_length(text: str) -> int:
    """Length of ``text`` as JavaScript counts it: characters beyond the BMP count twice.

    Not cached (unlike :func:`index_to_utf16`): it is called on short quotes and pieces,
    which would push the article bodies out of the cache.
    """
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf16_to_index(text: str, utf16_offset: int) -> int:
    """Convert a browser (UTF-16 code unit) offset into a Python code point index.

    JavaScript counts an emoji as two units; Python counts it as one character, so the
    same selection has different numbers on each side. An offset that lands between the
    two halves of a surrogate pair cannot be represented and is rejected. O(n) the first
    time a text is seen, O(log n) after that.
    """
    if not _is_offset(utf16_offset):
        raise AnchorError(f"Offsets must be whole numbers, got {utf16_offset!r}.")
    astral = _astral_indices(text)
    units = len(text) + len(astral)
    if utf16_offset < 0 or utf16_offset > units:
        raise AnchorError(f"Offset {utf16_offset} is outside the article (length {units} in UTF-16 units).")
    # The k-th astral character (code point index p) starts at UTF-16 offset p + k, an
    # increasing sequence: count the astral characters that start before the offset.
    before = bisect_left(range(len(astral)), utf16_offset, key=lambda k: astral[k] + k)
    if before and astral[before - 1] + before == utf16_offset:
        raise AnchorError(f"Offset {utf16_offset} falls inside a character that takes two UTF-16 units.")
    return utf16_offset - before


def index_to_utf16(text: str, index: int) -> int:
    """Convert a Python code point index into a browser (UTF-16 code unit) offset.

    The inverse of :func:`utf16_to_index`, used when sending anchors to the browser.
    O(n) the first time a text is seen, O(log n) after that.
    """
    if not _is_offset(index):
        raise AnchorError(f"Offsets must be whole numbers, got {index!r}.")
    if index < 0 or index > len(text):
        raise AnchorError(f"Offset {index} is outside the article (length {len(text)}).")
    return index + bisect_left(_astral_indices(text), index)


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    errors: int


def _find_exact(body: str, quote: str) -> list[_Candidate]:
    """Every occurrence of ``quote`` (overlapping ones included) with zero errors."""
    candidates: list[_Candidate] = []
    position = body.find(quote)
    while position != -1:
        candidates.append(_Candidate(position, position + len(quote), 0))
        position = body.find(quote, position + 1)
    return candidates


def _context_similarity(expected: str, actual: str, window: int) -> float:
    """0..1 similarity of a stored context string to the text now in its place.

    Differences are counted against the width of the context ``window`` rather than the
    two strings' lengths, so "nothing before the quote" versus "8 new characters before
    it" costs 8/32 rather than everything.
    """
    if not expected and not window:
        return 1.0  # no context was recorded, so nothing can disagree
    return 1.0 - Levenshtein.distance(expected, actual) / max(window, len(expected), len(actual), 1)


@dataclass(frozen=True)
class _Query:
    """What we are looking for: the quote, its context, and where the context ends.

    A prefix shorter than :data:`CONTEXT_LENGTH` that covers everything before the old
    start means the quote sat at the very beginning of the body; then "no text before
    the match" is evidence, and we compare a full window (same for a short suffix, which
    :func:`describe` only produces at the end of the body). Without this, an empty prefix
    would agree with any candidate and a near-copy later in the text could win.
    """

    exact: str
    prefix: str
    suffix: str
    prefix_window: int
    suffix_window: int

    @classmethod
    def for_anchor(cls, anchor: Anchor) -> _Query:
        prefix_at_edge = len(anchor.prefix) < CONTEXT_LENGTH and anchor.start == len(anchor.prefix)
        suffix_at_edge = len(anchor.suffix) < CONTEXT_LENGTH
        return cls(
            exact=anchor.exact,
            prefix=anchor.prefix,
            suffix=anchor.suffix,
            prefix_window=CONTEXT_LENGTH if prefix_at_edge else len(anchor.prefix),
            suffix_window=CONTEXT_LENGTH if suffix_at_edge else len(anchor.suffix),
        )

    def prefix_score(self, body: str, start: int) -> float:
        actual = body[max(0, start - self.prefix_window) : start]
        return _context_similarity(self.prefix, actual, self.prefix_window)

    def suffix_score(self, body: str, end: int) -> float:
        return _context_similarity(self.suffix, body[end : end + self.suffix_window], self.suffix_window)


def _score(body: str, query: _Query, candidate: _Candidate, hint: int) -> float:
    """Rank a candidate like Hypothesis does: quote, then context, then position."""
    quote_score = 1.0 - candidate.errors / len(query.exact)
    prefix_score = query.prefix_score(body, candidate.start)
    suffix_score = query.suffix_score(body, candidate.end)
    position_score = 1.0 - abs(candidate.start - hint) / max(1, len(body))
    raw = (
        QUOTE_WEIGHT * quote_score
        + PREFIX_WEIGHT * prefix_score
        + SUFFIX_WEIGHT * suffix_score
        + POSITION_WEIGHT * position_score
    )
    return raw / _MAX_SCORE


def _error_budget(quote: str) -> int:
    """Most edits an approximate match may contain and still count as the same quote."""
    return min(MAX_ERRORS, int(len(quote) * (1.0 - MIN_QUOTE_SIMILARITY) + 1e-9))


def _match_end_errors(pattern: str, text: str, deadline: float | None = None) -> list[int]:
    """For each end position in ``text``, the fewest edits turning some substring
    ending there into ``pattern``.

    Myers' bit-parallel algorithm (Hyyrö's formulation, as in the ``approx-string-match``
    library Hypothesis uses), with Python's unbounded ints standing in for the bit
    vectors so quotes of any length fit in one "word". O(len(text)) big-int steps,
    checking ``deadline`` between stretches of :data:`_DEADLINE_STRIDE` characters.
    """
    length = len(pattern)
    peq: dict[str, int] = {}
    for i, char in enumerate(pattern):
        peq[char] = peq.get(char, 0) | (1 << i)
    mask = (1 << length) - 1
    high_bit = 1 << (length - 1)
    pv, mv, score = mask, 0, length
    errors = [0] * len(text)
    get = peq.get
    for stretch in range(0, len(text), _DEADLINE_STRIDE):
        _check_deadline(deadline)
        for j, char in enumerate(text[stretch : stretch + _DEADLINE_STRIDE], start=stretch):
            eq = get(char, 0)
            xv = eq | mv
            xh = (((eq & pv) + pv) ^ pv) | eq
            ph = mv | (~(xh | pv) & mask)
            mh = pv & xh
            if ph & high_bit:
                score += 1
            elif mh & high_bit:
                score -= 1
            ph = (ph << 1) & mask
            mh = (mh << 1) & mask
            pv = mh | (~(xv | ph) & mask)
            mv = ph & xv
            errors[j] = score
    return errors


def _approximate_in_region(
    body: str, query: _Query, region_start: int, region_end: int, max_errors: int, deadline: float | None = None
) -> list[_Candidate]:
    """Approximate matches of the quote inside ``body[region_start:region_end]``.

    Myers gives, per end position, the fewest edits of any match ending there. Each run
    of end positions within budget is one place in the text; the fewest-edit boundaries
    are not always the right ones (after "a really big" became "a big", dropping a few
    quote characters can be cheaper than matching the inserted word), so, like the final
    ranking, boundaries are chosen by quote similarity together with the context on that
    side: the end by errors + suffix, then the start by exact distance + prefix.
    """
    text = body[region_start:region_end]
    if not text:
        return []
    exact = query.exact
    length = len(exact)
    errors = _match_end_errors(exact, text, deadline)

    def end_fit(j: int) -> float:
        suffix_score = query.suffix_score(body, region_start + j + 1)
        return QUOTE_WEIGHT * (1.0 - errors[j] / length) + SUFFIX_WEIGHT * suffix_score

    candidates: list[_Candidate] = []
    run: list[int] = []
    for j, value in enumerate([*errors, max_errors + 1]):
        if value <= max_errors:
            run.append(j)
            continue
        if not run:
            continue
        _check_deadline(deadline)
        end = 1 + region_start + max(run, key=lambda j: (end_fit(j), -errors[j]))
        run = []
        best: tuple[float, int, int] | None = None  # (score, start, distance)
        for start in range(max(0, end - length - max_errors), end - length + max_errors + 1):
            if start >= end:
                break
            distance = Levenshtein.distance(exact, body[start:end], score_cutoff=max_errors)
            if distance > max_errors:
                continue
            score = QUOTE_WEIGHT * (1.0 - distance / length) + PREFIX_WEIGHT * query.prefix_score(body, start)
            if best is None or score > best[0]:
                best = (score, start, distance)
        if best is not None:
            candidates.append(_Candidate(best[1], end, best[2]))
    return candidates


def _regions_possibly_matching(body: str, quote: str, max_errors: int) -> list[tuple[int, int]]:
    """Cheaply narrow a whole-body search to the few stretches that could hold a match.

    A substring within ``max_errors`` edits of the quote shares a common subsequence of
    at least ``len(quote) - max_errors`` characters with it, and so does any window that
    contains it. Overlapping windows (stride S, width len + errors + S) contain every
    possible match; rapidfuzz scores them all in C and only the survivors get the exact
    (pure Python) search.
    """
    length = len(quote)
    stride = max(length, 64)
    width = length + max_errors + stride
    starts = range(0, max(1, len(body) - length + max_errors + 1), stride)
    windows = [body[s : s + width] for s in starts]
    hits = process.extract(
        quote,
        windows,
        scorer=LCSseq.similarity,
        score_cutoff=length - max_errors,
        limit=None,
    )
    regions: list[tuple[int, int]] = []
    for index in sorted(hit[2] for hit in hits):
        start = starts[index]
        end = min(len(body), start + width)
        if regions and start <= regions[-1][1]:
            regions[-1] = (regions[-1][0], end)
        else:
            regions.append((start, end))
    return regions


def _best(body: str, query: _Query, candidates: Sequence[_Candidate], hint: int) -> tuple[_Candidate, float] | None:
    best: tuple[_Candidate, float] | None = None
    for candidate in candidates:
        score = _score(body, query, candidate, hint)
        if best is None or score > best[1]:
            best = (candidate, score)
    return best


def _locate(
    body: str, query: _Query, hint: int, deadline: float | None = None
) -> tuple[_Candidate, float] | None:
    """Find the best place for the quote in ``body`` near ``hint``, or None.

    Cheapest first: exact occurrences anywhere; if there are none, approximate matches
    near ``hint``, then (only for quotes long enough to be distinctive, and only if
    nothing convincing turned up nearby) approximate matches anywhere. The approximate
    search raises :class:`AnchorTimeout` once ``deadline`` has passed.
    """
    exact = query.exact
    exact_candidates = _find_exact(body, exact)
    if exact_candidates:
        # Verbatim text always beats an approximate match (as in Hypothesis): context
        # and position only choose between copies. A claim that jumps to a copy after
        # its original was reworded is still reported as "moved", i.e. reviewed.
        return _best(body, query, exact_candidates, hint)

    # The quote is gone verbatim: look for it with small edits, first around where it
    # should be, then (if needed and worthwhile) everywhere.
    max_errors = _error_budget(exact)
    if max_errors < 1:
        return None
    length = len(exact)
    local_start = max(0, hint - length - max_errors - LOCAL_SEARCH_MARGIN)
    local_end = min(len(body), hint + 2 * length + max_errors + LOCAL_SEARCH_MARGIN)
    best = _best_approximate(body, query, local_start, local_end, max_errors, hint, deadline)
    if (best is not None and best[1] >= CONFIDENT_SCORE) or length < GLOBAL_SEARCH_MIN_LENGTH:
        return best
    _check_deadline(deadline)
    for region_start, region_end in _regions_possibly_matching(body, exact, max_errors):
        if local_start <= region_start and region_end <= local_end:
            continue  # already searched
        _check_deadline(deadline)
        found = _best_approximate(body, query, region_start, region_end, max_errors, hint, deadline)
        if found is not None and (best is None or found[1] > best[1]):
            best = found
    return best


def _best_approximate(
    body: str,
    query: _Query,
    region_start: int,
    region_end: int,
    max_errors: int,
    hint: int,
    deadline: float | None = None,
) -> tuple[_Candidate, float] | None:
    """The best acceptable approximate match in a region (see MIN_APPROXIMATE_SCORE)."""
    found = _approximate_in_region(body, query, region_start, region_end, max_errors, deadline)
    best = _best(body, query, found, hint)
    if best is None or best[1] < MIN_APPROXIMATE_SCORE:
        return None
    return best


_ORPHANED = AnchorResult(state="orphaned", start=None, end=None, exact=None, score=0.0)


def reanchor(
    body: str, anchor: Anchor, *, hint: int | None = None, deadline: float | None = None
) -> AnchorResult:
    """Find ``anchor`` again in ``body`` (usually a newer revision of the article).

    First the stored offsets are tried as they are (same quote and context there:
    "anchored"); then every exact occurrence of the quote, ranked by how well its
    prefix/suffix agree and how close it is to ``hint`` (default: the old start); if there
    is none, approximate matches that tolerate small edits inside the quote (at most a
    quarter of its characters changed). See the module docstring for why.

    ``deadline`` (a :func:`time.monotonic` value) bounds the approximate search: past it,
    :class:`AnchorTimeout` is raised instead of a result. Without one the search runs to
    the end, as re-anchoring after a correction needs.
    """
    exact = anchor.exact
    if not exact or not body:
        return _ORPHANED
    start, end = anchor.start, anchor.end
    if (
        0 <= start < end <= len(body)
        and body[start:end] == exact
        and body[max(0, start - len(anchor.prefix)) : start].endswith(anchor.prefix)
        and body[end : end + len(anchor.suffix)] == anchor.suffix
    ):
        return AnchorResult(state="anchored", start=start, end=end, exact=exact, score=1.0)

    if hint is None:
        hint = start
    hint = min(max(0, hint), len(body))
    found = _locate(body, _Query.for_anchor(anchor), hint, deadline)
    if found is None:
        return _ORPHANED
    candidate, score = found
    new_exact = body[candidate.start : candidate.end]
    unchanged = (candidate.start, candidate.end, new_exact) == (start, end, exact)
    return AnchorResult(
        state="anchored" if unchanged else "moved",
        start=candidate.start,
        end=candidate.end,
        exact=new_exact,
        score=round(score, 4),
    )


def reanchor_all(body: str, anchors: Sequence[Anchor]) -> list[AnchorResult]:
    """Re-anchor many claims against one body; results are in the order given.

    Claims are visited in document order so that each search can use the shift observed
    for the previous claim as its position hint: an edit near the top moves everything
    after it by the same amount, which keeps approximate searches local and cheap.
    """
    results = [_ORPHANED] * len(anchors)
    shift = 0
    for index in sorted(range(len(anchors)), key=lambda i: anchors[i].start):
        anchor = anchors[index]
        result = reanchor(body, anchor, hint=anchor.start + shift)
        if result.start is not None:
            shift = result.start - anchor.start
        results[index] = result
    return results

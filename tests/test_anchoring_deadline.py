"""A deadline bounds the approximate search of ``reanchor`` (W3C import budgets build on it)."""

from __future__ import annotations

import time

import pytest

from annotations.anchoring import Anchor, AnchorTimeout, describe, reanchor

BODY = (
    "The harbour council met on Tuesday evening to discuss the dredging budget for next year. "
    "The port authority admitted that the cost had risen to forty million pounds since the spring survey."
)


def edited_anchor() -> Anchor:
    """An anchor whose quote is no longer in the body verbatim: only the approximate search finds it."""
    start = BODY.index("the cost had risen")
    anchor = describe(BODY, start, start + len("the cost had risen to forty million pounds"))
    return Anchor(0, len(anchor.exact), anchor.exact.replace("forty", "fourty"), anchor.prefix, anchor.suffix)


def test_a_deadline_already_past_stops_the_approximate_search():
    with pytest.raises(AnchorTimeout):
        reanchor(BODY, edited_anchor(), deadline=time.monotonic() - 1)


def test_a_deadline_in_time_changes_nothing():
    anchor = edited_anchor()

    assert reanchor(BODY, anchor, deadline=time.monotonic() + 60) == reanchor(BODY, anchor)
    assert reanchor(BODY, anchor).exact == "the cost had risen to forty million pounds"


def test_exact_quotes_are_found_whatever_the_deadline():
    start = BODY.index("dredging budget")
    anchor = Anchor(0, 15, "dredging budget")

    assert reanchor(BODY, anchor, deadline=time.monotonic() - 1).start == start


def test_the_bit_parallel_scan_checks_the_deadline_on_long_texts():
    from annotations.anchoring import _match_end_errors

    with pytest.raises(AnchorTimeout):
        _match_end_errors("pattern", "x" * 100_000, time.monotonic() - 1)
    assert len(_match_end_errors("pattern", "x" * 100_000, None)) == 100_000

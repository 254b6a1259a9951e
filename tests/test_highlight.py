"""The highlight renderer (body → flat segments) and the selection → offsets conversion."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotations.anchoring import AnchorError, index_to_utf16
from annotations.highlight import (
    ClaimSpan,
    Paragraph,
    claim_spans,
    highlight,
    selection_to_range,
    utf16_length,
)
from articles.text import canonicalize_body, split_paragraphs

BODY = "Alpha beta gamma delta.\n\nEpsilon zeta eta theta."


def span(claim_id: int, body: str, phrase: str, *, occurrence: int = 0, **kwargs) -> ClaimSpan:
    start = -1
    for _ in range(occurrence + 1):
        start = body.index(phrase, start + 1)
    return ClaimSpan(claim_id, start, start + len(phrase), number=kwargs.pop("number", claim_id), **kwargs)


def pieces(paragraph: Paragraph) -> list[tuple[str, tuple[int, ...]]]:
    return [(segment.text, segment.claim_ids) for segment in paragraph.segments]


# --- segmenting ------------------------------------------------------------------------


def test_without_claims_each_paragraph_is_one_plain_segment_at_its_offset():
    paragraphs = highlight(BODY, [])
    assert [(p.start, p.text) for p in paragraphs] == split_paragraphs(BODY)
    assert [pieces(p) for p in paragraphs] == [[("Alpha beta gamma delta.", ())], [("Epsilon zeta eta theta.", ())]]


def test_a_span_inside_another_splits_the_outer_one_around_it():
    outer = span(1, BODY, "beta gamma delta")
    inner = span(2, BODY, "gamma")
    [first, _] = highlight(BODY, [outer, inner])
    assert pieces(first) == [("Alpha ", ()), ("beta ", (1,)), ("gamma", (1, 2)), (" delta", (1,)), (".", ())]
    # The innermost claim is drawn on top.
    assert first.segments[2].top == inner


def test_two_spans_sharing_a_part_give_three_segments():
    left = span(1, BODY, "beta gamma")
    right = span(2, BODY, "gamma delta")
    [first, _] = highlight(BODY, [left, right])
    # Outermost (longest) first: the shorter claim is drawn on top of the shared part.
    assert pieces(first) == [("Alpha ", ()), ("beta ", (1,)), ("gamma", (2, 1)), (" delta", (2,)), (".", ())]
    assert first.segments[2].top == left


def test_identical_spans_share_one_segment_and_both_markers():
    a = span(1, BODY, "gamma", status="new")
    b = span(2, BODY, "gamma", status="published")
    [first, _] = highlight(BODY, [b, a])
    segment = first.segments[1]
    assert (segment.text, set(segment.claim_ids)) == ("gamma", {1, 2})
    assert segment.top == b  # same length and start: the newer claim is on top
    assert segment.marker == "1○ 2✓"
    assert {s.id for s in segment.starting} == {1, 2}


def test_adjacent_spans_do_not_overlap():
    [first, _] = highlight(BODY, [span(1, BODY, "beta"), span(2, BODY, " gamma")])
    assert pieces(first) == [("Alpha ", ()), ("beta", (1,)), (" gamma", (2,)), (" delta.", ())]


def test_a_span_covering_a_whole_paragraph_is_one_segment():
    [first, second] = highlight(BODY, [span(1, BODY, "Epsilon zeta eta theta.")])
    assert pieces(second) == [("Epsilon zeta eta theta.", (1,))]
    assert pieces(first) == [("Alpha beta gamma delta.", ())]


def test_a_span_across_a_paragraph_break_starts_in_one_and_ends_in_the_next():
    crossing = span(1, BODY, "delta.\n\nEpsilon")
    [first, second] = highlight(BODY, [crossing])
    assert pieces(first)[-1] == ("delta.", (1,))
    assert pieces(second)[0] == ("Epsilon", (1,))
    assert first.segments[-1].starting == (crossing,) and first.segments[-1].ending == ()
    assert second.segments[0].starting == () and second.segments[0].ending == (crossing,)


def test_the_marker_goes_after_the_last_segment_of_a_claim():
    outer = span(1, BODY, "beta gamma delta", number=1, status="researching")
    inner = span(2, BODY, "beta gamma", number=2, status="in_review")
    [first, _] = highlight(BODY, [outer, inner])
    markers = {segment.text: segment.marker for segment in first.segments}
    assert markers == {"Alpha ": "", "beta gamma": "2◑", " delta": "1◔", ".": ""}


def test_spans_that_do_not_fit_the_body_are_left_out():
    bogus = [ClaimSpan(1, 5, 5), ClaimSpan(2, 9, 3), ClaimSpan(3, -1, 4), ClaimSpan(4, 40, len(BODY) + 1)]
    assert [pieces(p) for p in highlight(BODY, bogus)] == [pieces(p) for p in highlight(BODY, [])]


def test_a_span_on_the_paragraph_break_alone_draws_nothing():
    gap = BODY.index("\n\n")
    paragraphs = highlight(BODY, [ClaimSpan(1, gap, gap + 2)])
    assert all(not segment.claims for p in paragraphs for segment in p.segments)


def test_single_newlines_stay_inside_the_segment_text():
    body = "Roses are red,\nviolets are blue.\n\nSecond."
    [first, _] = highlight(body, [span(1, body, "red,\nviolets")])
    assert pieces(first) == [("Roses are ", ()), ("red,\nviolets", (1,)), (" are blue.", ())]


def test_segments_carry_code_point_and_utf16_offsets_past_emoji():
    body = "The 🏥 clinic 🎉 opened.\n\nIt 👩‍⚕️ works."
    paragraphs = highlight(body, [span(1, body, "clinic"), span(2, body, "works")])
    for paragraph in paragraphs:
        assert paragraph.start16 == index_to_utf16(body, paragraph.start)
        for segment in paragraph.segments:
            assert body[segment.start:segment.end] == segment.text
            assert segment.start16 == index_to_utf16(body, segment.start)
    clinic = paragraphs[0].segments[1]
    assert (clinic.text, clinic.start, clinic.start16) == ("clinic", 6, 7)


def test_text_with_markup_characters_is_kept_verbatim_for_the_template_to_escape():
    body = "Say <script>alert('x')</script> & more."
    [only] = highlight(body, [span(1, body, "<script>")])
    assert only.text == body


def test_claim_spans_number_claims_in_list_order_and_skip_orphans():
    class FakeClaim:
        def __init__(self, pk, start, end, state="anchored", verdict_id=None):
            self.pk, self.start, self.end, self.anchor_state = pk, start, end, state
            self.status, self.verdict_id = "new", verdict_id

    spans = claim_spans([FakeClaim(7, 0, 5), FakeClaim(3, 2, 8, "orphaned"), FakeClaim(9, 4, 6, "moved", 2)])
    assert [(s.id, s.number, s.verdict_id) for s in spans] == [(7, 1, None), (9, 3, 2)]


paragraph_text = st.lists(
    st.sampled_from([*"ab c\n", "é", "🏥", "👩\u200d⚕️"]), min_size=1, max_size=25
).map("".join)


@given(
    paragraphs=st.lists(paragraph_text, min_size=1, max_size=4),
    raw_spans=st.lists(st.tuples(st.integers(0, 120), st.integers(1, 30)), max_size=8),
)
def test_segments_always_rebuild_the_body_and_know_exactly_which_claims_cover_them(paragraphs, raw_spans):
    body = canonicalize_body("\n\n".join(paragraphs))
    if not body:
        return
    spans = [ClaimSpan(i + 1, s, min(s + n, len(body))) for i, (s, n) in enumerate(raw_spans) if s < len(body)]
    rendered = highlight(body, spans)
    assert [(p.start, p.text) for p in rendered] == split_paragraphs(body)
    ending_count: dict[int, int] = {}
    for paragraph in rendered:
        for segment in paragraph.segments:
            assert segment.text
            assert body[segment.start:segment.end] == segment.text
            assert segment.start16 == index_to_utf16(body, segment.start)
            covering = {s.id for s in spans if s.start < segment.end and s.end > segment.start}
            assert set(segment.claim_ids) == covering
            assert len(segment.claim_ids) == len(covering)
            for ended in segment.ending:
                ending_count[ended.id] = ending_count.get(ended.id, 0) + 1
    drawn = {claim_id for p in rendered for seg in p.segments for claim_id in seg.claim_ids}
    assert ending_count == dict.fromkeys(drawn, 1)


# --- selection → stored offsets ----------------------------------------------------------


def test_utf16_length_counts_astral_characters_twice():
    assert utf16_length("abc") == 3
    assert utf16_length("a🏥b") == 4
    assert utf16_length("👩\u200d⚕️") == 5  # woman + ZWJ + medical symbol + VS16


def test_ascii_selection_keeps_its_offsets():
    start = BODY.index("gamma")
    assert selection_to_range(BODY, start, start + 5, "gamma") == (start, start + 5)


def test_offsets_after_an_emoji_are_converted_from_utf16_to_code_points():
    body = "The 🏥 clinic reported 9 days."
    start16 = body.index("clinic") + 1  # the browser counts the emoji twice
    assert selection_to_range(body, start16, start16 + 6, "clinic") == (6, 12)


def test_a_selection_containing_an_emoji_is_converted_at_both_ends():
    body = "The 🏥 clinic 🎉 opened."
    quote = "🏥 clinic 🎉"
    start = body.index(quote)
    assert selection_to_range(body, start, start + utf16_length(quote), quote) == (start, start + len(quote))


def test_a_backwards_selection_is_put_in_order():
    start = BODY.index("gamma")
    assert selection_to_range(BODY, start + 5, start, "gamma") == (start, start + 5)


def test_whitespace_and_paragraph_breaks_at_the_ends_are_trimmed():
    quote = " delta.\n\nEpsilon "
    start = BODY.index(quote)
    trimmed = selection_to_range(BODY, start, start + len(quote), quote)
    assert BODY[trimmed[0]:trimmed[1]] == "delta.\n\nEpsilon"


def test_a_quote_that_differs_from_the_body_is_refused_with_both_texts():
    start = BODY.index("gamma")
    with pytest.raises(AnchorError, match=r"does not match the article text.*expected 'gamma', got 'gamme'"):
        selection_to_range(BODY, start, start + 5, "gamme")


def test_an_offset_inside_an_emoji_is_refused():
    body = "a🏥b"
    with pytest.raises(AnchorError, match="two UTF-16 units"):
        selection_to_range(body, 2, 4, "🏥b")


@pytest.mark.parametrize(
    ("start16", "end16", "quote", "message"),
    [
        (5, 5, "", "empty"),
        (5, 6, " ", "only whitespace"),
        (0, 999, BODY, "outside the article"),
        (-1, 3, "Alp", "outside the article"),
    ],
)
def test_unusable_selections_are_refused_with_a_reason(start16, end16, quote, message):
    with pytest.raises(AnchorError, match=message):
        selection_to_range(BODY, start16, end16, quote)

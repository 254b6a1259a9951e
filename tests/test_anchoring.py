"""Tests for annotations.anchoring: describing, validating, converting and re-finding claims."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from annotations.anchoring import (
    CONTEXT_LENGTH,
    Anchor,
    AnchorError,
    AnchorResult,
    TextPosition,
    TextQuote,
    describe,
    index_to_utf16,
    reanchor,
    reanchor_all,
    trim_to_text,
    utf16_to_index,
    validate_anchor,
)

# Our own fixture article (canonical form: paragraphs separated by one blank line).
ARTICLE = (
    "The city council met on Tuesday to discuss the budget for next year.\n\n"
    "According to the mayor, unemployment fell by 3% last year, the largest drop in a decade. "
    "Opposition members disputed the figure during the session.\n\n"
    "The council also approved a new bus line connecting the harbour with the university campus.\n\n"
    "Final remarks were made by the chair before the meeting closed."
)
CLAIM = "unemployment fell by 3% last year"


def anchor_for(body: str, quote: str, occurrence: int = 0) -> Anchor:
    start = -1
    for _ in range(occurrence + 1):
        start = body.index(quote, start + 1)
    return describe(body, start, start + len(quote))


# ----------------------------------------------------------------------------- describe


def test_describe_records_quote_and_32_characters_of_context():
    anchor = anchor_for(ARTICLE, CLAIM)

    assert anchor.exact == CLAIM
    assert ARTICLE[anchor.start : anchor.end] == CLAIM
    assert len(anchor.prefix) == CONTEXT_LENGTH == 32
    assert len(anchor.suffix) == CONTEXT_LENGTH
    assert ARTICLE[anchor.start - 32 : anchor.start] == anchor.prefix
    assert ARTICLE[anchor.end : anchor.end + 32] == anchor.suffix


def test_describe_shortens_context_at_the_edges_of_the_body():
    body = "Short start. Middle. Short end."

    first = describe(body, 0, 5)
    last = describe(body, len(body) - 4, len(body))

    assert first.prefix == ""
    assert first.suffix == body[5:]  # the body is shorter than 32 characters after it
    assert last.suffix == ""
    assert last.prefix == body[: len(body) - 4]


def test_anchor_exposes_w3c_position_and_quote_selectors():
    anchor = Anchor(start=3, end=6, exact="abc", prefix="xyz", suffix="uvw")

    assert anchor.position == TextPosition(start=3, end=6)
    assert anchor.quote == TextQuote(exact="abc", prefix="xyz", suffix="uvw")


def test_describe_rejects_an_empty_selection():
    with pytest.raises(AnchorError, match="The selection is empty"):
        describe(ARTICLE, 10, 10)


def test_describe_rejects_a_whitespace_only_selection():
    paragraph_break = ARTICLE.index("\n\n")
    with pytest.raises(AnchorError, match="only whitespace"):
        describe(ARTICLE, paragraph_break, paragraph_break + 2)


# ----------------------------------------------------------------------------- validate


def test_validate_accepts_a_matching_anchor():
    start = ARTICLE.index(CLAIM)
    assert validate_anchor(ARTICLE, start, start + len(CLAIM), CLAIM) is None


@pytest.mark.parametrize(
    ("start", "end"),
    [("5", 10), (5, 10.0), (None, 3), (True, 5), (0, False)],
)
def test_validate_rejects_offsets_that_are_not_whole_numbers(start, end):
    with pytest.raises(AnchorError, match="Offsets must be whole numbers"):
        validate_anchor(ARTICLE, start, end, "x")


def test_validate_rejects_negative_offsets():
    with pytest.raises(AnchorError) as error:
        validate_anchor("x" * 120, -1, 5, "xxxxxx")
    assert str(error.value) == "Offsets -1\u20135 are outside the article (length 120)."


def test_validate_rejects_offsets_past_the_end_of_the_article():
    with pytest.raises(AnchorError) as error:
        validate_anchor("x" * 120, 5, 900, "x")
    assert str(error.value) == "Offsets 5\u2013900 are outside the article (length 120)."


@pytest.mark.parametrize(("start", "end"), [(7, 7), (9, 4)])
def test_validate_rejects_empty_and_reversed_ranges(start, end):
    with pytest.raises(AnchorError) as error:
        validate_anchor(ARTICLE, start, end, "")
    assert str(error.value) == "The selection is empty."


def test_validate_names_both_texts_when_the_quote_does_not_match():
    body = "0123456789bar and more text here"
    with pytest.raises(AnchorError) as error:
        validate_anchor(body, 10, 13, "foo")
    assert str(error.value) == ("The quote does not match the article text at 10\u201313: expected 'bar', got 'foo'.")


def test_validate_shortens_long_quotes_in_the_error_message():
    body = "a" * 500
    with pytest.raises(AnchorError) as error:
        validate_anchor(body, 0, 200, "b" * 200)
    message = str(error.value)
    assert len(message) < 220
    assert "…" in message


def test_validate_rejects_a_quote_of_only_whitespace():
    body = "Word.\n\n \u00a0Next."
    with pytest.raises(AnchorError) as error:
        validate_anchor(body, 5, 9, "\n\n \u00a0")
    assert str(error.value) == "The selection contains only whitespace."


def test_anchor_error_is_a_value_error_so_generic_handlers_catch_it():
    assert issubclass(AnchorError, ValueError)


# ----------------------------------------------------------------------------- trimming


def test_trim_removes_leading_and_trailing_spaces():
    body = "one  two  three"
    assert trim_to_text(body, 3, 10) == (5, 8)


def test_trim_removes_newlines_tabs_nbsp_and_zero_width_spaces():
    body = "First.\n\n\t\u00a0\u200bSecond paragraph.\u00a0\n\nThird."
    start, end = trim_to_text(body, 6, body.index("Third"))
    assert body[start:end] == "Second paragraph."


def test_trim_keeps_a_selection_that_is_already_tight():
    assert trim_to_text(ARTICLE, 4, 8) == (4, 8)


def test_trim_puts_a_backwards_selection_in_order():
    body = "  backwards  "
    assert trim_to_text(body, 13, 0) == (2, 11)


def test_trim_rejects_a_whitespace_only_selection():
    with pytest.raises(AnchorError, match="only whitespace"):
        trim_to_text("a \n\n b", 1, 5)


def test_trim_rejects_offsets_outside_the_body():
    with pytest.raises(AnchorError, match="outside the article"):
        trim_to_text("short", 0, 50)


# ------------------------------------------------------------------------------- UTF-16


def test_utf16_offset_after_an_emoji_maps_to_the_next_code_point():
    text = "a😀b"
    assert utf16_to_index(text, 0) == 0
    assert utf16_to_index(text, 1) == 1
    assert utf16_to_index(text, 3) == 2
    assert utf16_to_index(text, 4) == 3


def test_index_to_utf16_counts_emoji_as_two_units():
    text = "a😀b"
    assert [index_to_utf16(text, i) for i in range(4)] == [0, 1, 3, 4]


def test_utf16_offset_inside_a_surrogate_pair_is_rejected():
    with pytest.raises(AnchorError, match="inside a character that takes two UTF-16 units"):
        utf16_to_index("a😀b", 2)


def test_several_astral_characters_accumulate():
    text = "😀😀x🇫🇷y"  # the French flag is two regional indicators, each astral
    assert utf16_to_index(text, 4) == 2
    assert utf16_to_index(text, 5) == 3
    assert utf16_to_index(text, 9) == 5
    assert utf16_to_index(text, 7) == 4  # between the two regional indicators
    assert index_to_utf16(text, 5) == 9
    for inside_a_pair in (1, 3, 6, 8):
        with pytest.raises(AnchorError):
            utf16_to_index(text, inside_a_pair)


def test_combining_characters_count_the_same_in_both_encodings():
    text = "cafe\u0301 \u0915\u093f"  # decomposed é and a Devanagari consonant + vowel sign
    assert [utf16_to_index(text, i) for i in range(len(text) + 1)] == list(range(len(text) + 1))
    assert index_to_utf16(text, len(text)) == len(text)


def test_a_lone_surrogate_counts_as_one_unit_like_in_javascript():
    text = "a\ud800b😀"
    assert utf16_to_index(text, 2) == 2
    assert index_to_utf16(text, 4) == 5


def test_ascii_text_offsets_are_unchanged():
    assert utf16_to_index(ARTICLE, 100) == 100
    assert index_to_utf16(ARTICLE, 100) == 100


@pytest.mark.parametrize("offset", [-1, 5, 100])
def test_utf16_offsets_outside_the_text_are_rejected(offset):
    with pytest.raises(AnchorError, match="outside the article"):
        utf16_to_index("a😀b", offset)


@pytest.mark.parametrize("index", [-1, 4])
def test_code_point_indices_outside_the_text_are_rejected(index):
    with pytest.raises(AnchorError, match="outside the article"):
        index_to_utf16("a😀b", index)


def test_utf16_conversion_rejects_non_integers():
    with pytest.raises(AnchorError, match="whole numbers"):
        utf16_to_index("abc", "1")  # type: ignore[arg-type]
    with pytest.raises(AnchorError, match="whole numbers"):
        index_to_utf16("abc", 1.0)  # type: ignore[arg-type]


unicode_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)


@given(unicode_text)
def test_utf16_round_trip_for_any_text(text):
    for index in range(len(text) + 1):
        utf16 = index_to_utf16(text, index)
        assert utf16 == len(text[:index].encode("utf-16-le")) // 2
        assert utf16_to_index(text, utf16) == index


@given(unicode_text)
def test_every_utf16_offset_either_converts_exactly_or_is_rejected(text):
    encoded = text.encode("utf-16-le")
    for offset in range(len(encoded) // 2 + 1):
        try:
            index = utf16_to_index(text, offset)
        except AnchorError:
            # Only the second half of a surrogate pair is refused.
            assert 0xDC00 <= int.from_bytes(encoded[2 * offset : 2 * offset + 2], "little") <= 0xDFFF
        else:
            assert text[:index].encode("utf-16-le") == encoded[: 2 * offset]


# ----------------------------------------------------------------------------- reanchor


@settings(max_examples=200, deadline=None)
@given(st.text("abc", min_size=1, max_size=8), st.text("abc", max_size=20))
def test_bit_parallel_search_agrees_with_brute_force_edit_distance(pattern, text):
    from rapidfuzz.distance import Levenshtein

    from annotations.anchoring import _match_end_errors

    expected = [min(Levenshtein.distance(pattern, text[i : j + 1]) for i in range(j + 2)) for j in range(len(text))]
    assert _match_end_errors(pattern, text) == expected


def test_unchanged_body_keeps_the_anchor():
    anchor = anchor_for(ARTICLE, CLAIM)

    result = reanchor(ARTICLE, anchor)

    assert result == AnchorResult("anchored", anchor.start, anchor.end, CLAIM, 1.0)


def test_edit_after_the_quote_keeps_the_anchor():
    anchor = anchor_for(ARTICLE, CLAIM)
    edited = ARTICLE.replace("Final remarks", "Closing remarks")

    result = reanchor(edited, anchor)

    assert result.state == "anchored"
    assert (result.start, result.end) == (anchor.start, anchor.end)


def test_edit_before_the_quote_moves_the_offsets():
    anchor = anchor_for(ARTICLE, CLAIM)
    edited = ARTICLE.replace("on Tuesday", "on a rainy Tuesday evening")
    shift = len("on a rainy Tuesday evening") - len("on Tuesday")

    result = reanchor(edited, anchor)

    assert result.state == "moved"
    assert (result.start, result.end) == (anchor.start + shift, anchor.end + shift)
    assert result.exact == CLAIM == edited[result.start : result.end]
    assert result.score > 0.95


def test_edit_inside_the_quote_moves_with_the_new_wording():
    anchor = anchor_for(ARTICLE, CLAIM)
    edited = ARTICLE.replace("fell by 3%", "fell by 3.4%")

    result = reanchor(edited, anchor)

    assert result.state == "moved"
    assert result.start == anchor.start
    assert result.exact == "unemployment fell by 3.4% last year"
    assert edited[result.start : result.end] == result.exact
    assert 0.75 < result.score < 1.0


def test_inserted_word_inside_the_quote_is_included_in_the_new_quote():
    anchor = anchor_for(ARTICLE, CLAIM)
    edited = ARTICLE.replace("unemployment fell", "unemployment really fell")

    result = reanchor(edited, anchor)

    assert result.state == "moved"
    assert result.exact == "unemployment really fell by 3% last year"


def test_deleted_quote_is_orphaned():
    anchor = anchor_for(ARTICLE, CLAIM)
    edited = ARTICLE.replace(CLAIM + ", ", "")

    result = reanchor(edited, anchor)

    assert result == AnchorResult("orphaned", None, None, None, 0.0)


def test_quote_rewritten_beyond_tolerance_is_orphaned():
    anchor = anchor_for(ARTICLE, CLAIM)
    edited = ARTICLE.replace(CLAIM, "joblessness rose sharply over the period")

    assert reanchor(edited, anchor).state == "orphaned"


def test_quote_moved_to_another_paragraph_is_found_there():
    sentence = "Opposition members disputed the figure during the session."
    anchor = anchor_for(ARTICLE, sentence)
    edited = ARTICLE.replace(" " + sentence, "").replace("Final remarks", sentence + " Final remarks")
    assert edited.count(sentence) == 1

    result = reanchor(edited, anchor)

    assert result.state == "moved"
    assert result.start == edited.index(sentence) > anchor.start
    assert result.exact == sentence


def test_reworded_quote_moved_with_its_paragraph_is_found():
    paragraph = ARTICLE.split("\n\n")[1]
    anchor = anchor_for(ARTICLE, CLAIM)
    reworded = paragraph.replace("fell by 3%", "fell by 3.1%")
    edited = ARTICLE.replace(paragraph + "\n\n", "") + "\n\n" + reworded

    result = reanchor(edited, anchor)

    assert result.state == "moved"
    assert result.exact == "unemployment fell by 3.1% last year"
    assert result.start == edited.index(result.exact)


REPEATED = (
    "In 2019 the minister said the tax rate is too high for small firms.\n\n"
    "Critics replied that the tax rate is too high only for the largest companies.\n\n"
    "A closing paragraph follows."
)


def test_context_picks_the_right_copy_of_a_repeated_phrase():
    anchor = anchor_for(REPEATED, "the tax rate is too high", occurrence=1)
    # Shift everything so the *first* copy is now nearest the old offsets.
    edited = REPEATED.replace("In 2019 the minister", "Back in 2019, the then minister of finance")

    result = reanchor(edited, anchor)

    assert result.state == "moved"
    assert result.start == edited.index("the tax rate is too high only")
    assert edited[result.end : result.end + 9] == " only for"


def test_position_hint_breaks_ties_between_identical_passages():
    block = (
        "Identical context surrounds this repeated sentence about taxes, "
        "word for word, for more than thirty-two characters.\n\n"
    )
    body = "Opening.\n\n" + block + "Middle paragraph.\n\n" + block + "End."
    second = anchor_for(body, "repeated sentence about taxes", occurrence=1)
    first = anchor_for(body, "repeated sentence about taxes")
    assert (first.prefix, first.suffix) == (second.prefix, second.suffix)
    edited = "New opening line.\n" + body
    shift = len("New opening line.\n")

    result = reanchor(edited, second)

    assert result.start == second.start + shift
    assert reanchor(edited, second, hint=0).start == edited.index("repeated sentence")


def test_verbatim_copy_elsewhere_wins_over_a_reworded_original_and_is_flagged_moved():
    body = ARTICLE + "\n\nAn old press release once claimed unemployment fell by 3% last year, wrongly."
    anchor = anchor_for(body, CLAIM)
    edited = body.replace("mayor, unemployment fell by 3%", "mayor, unemployment fell by 2%")

    result = reanchor(edited, anchor)

    # Like Hypothesis, verbatim text beats approximate matches; "moved" sends it to review.
    assert result.state == "moved"
    assert result.exact == CLAIM
    assert result.start == edited.index(CLAIM)
    assert result.score < 0.8  # the context did not agree


def test_approximate_match_prefers_the_place_with_matching_context():
    body = ARTICLE + "\n\nAn old press release once claimed unemployment fell by 3.5% last year, wrongly."
    anchor = anchor_for(body, CLAIM)
    edited = body.replace("mayor, unemployment fell by 3%", "mayor, unemployment fell by 2.5%")

    result = reanchor(edited, anchor)

    assert result.start == anchor.start
    assert result.exact == "unemployment fell by 2.5% last year"


def test_quote_at_the_very_start_of_the_body():
    anchor = describe(ARTICLE, 0, len("The city council"))

    assert reanchor(ARTICLE.replace("Tuesday", "Monday"), anchor).state == "anchored"
    moved = reanchor("Update: " + ARTICLE, anchor)
    assert (moved.state, moved.start, moved.exact) == ("moved", 8, "The city council")


def test_quote_at_the_very_end_of_the_body():
    quote = "before the meeting closed."
    anchor = anchor_for(ARTICLE, quote)
    edited = ARTICLE.replace("The city council", "The council")

    result = reanchor(edited, anchor)

    assert result.state == "moved"
    assert result.end == len(edited)
    assert result.exact == quote


def test_empty_body_orphans_every_anchor():
    anchor = anchor_for(ARTICLE, CLAIM)
    assert reanchor("", anchor).state == "orphaned"


def test_anchor_without_a_quote_is_orphaned():
    assert reanchor(ARTICLE, Anchor(0, 0, "")).state == "orphaned"


def test_old_offsets_past_the_end_of_a_shorter_body_are_harmless():
    anchor = Anchor(5000, 5010, "the budget", prefix="to discuss ", suffix=" for next")

    result = reanchor(ARTICLE, anchor)

    assert result.state == "moved"
    assert result.start == ARTICLE.index("the budget")


def test_short_quote_is_not_matched_approximately_far_away():
    # "fell by 3%" deleted; "fell by 5%" elsewhere is a different statement, not the claim.
    body = "Alpha fell by 3% today.\n\n" + "Filler sentence. " * 40 + "\n\nBeta fell by 5% in May."
    anchor = anchor_for(body, "fell by 3%")
    edited = body.replace("Alpha fell by 3% today.", "Alpha was unchanged.")

    assert reanchor(edited, anchor).state == "orphaned"


# ------------------------------------------------------------------------- reanchor_all


def test_reanchor_all_returns_results_in_the_given_order():
    quotes = ["Final remarks", CLAIM, "The city council", "bus line"]
    anchors = [anchor_for(ARTICLE, quote) for quote in quotes]
    edited = "Correction appended.\n\n" + ARTICLE.replace("bus line", "tram line")

    results = reanchor_all(edited, anchors)

    assert [r.exact for r in results] == ["Final remarks", CLAIM, "The city council", None]
    assert [r.state for r in results] == ["moved", "moved", "moved", "orphaned"]
    one_by_one = [reanchor(edited, anchor) for anchor in anchors]
    assert [(r.state, r.start, r.end) for r in results] == [(r.state, r.start, r.end) for r in one_by_one]


def test_reanchor_all_uses_the_shift_of_earlier_claims_as_a_hint():
    block = "Identical context surrounds this repeated sentence about taxes, word for word.\n\n"
    body = "Opening.\n\n" + block + "Middle.\n\n" + block + "End."
    first_marker = anchor_for(body, "Middle.")
    second = anchor_for(body, "repeated sentence about taxes", occurrence=1)
    # A long insertion puts the first copy exactly where the second used to be.
    inserted = "x" * (second.start - body.index("repeated sentence"))
    edited = inserted + body

    results = reanchor_all(edited, [second, first_marker])

    assert results[1].start == first_marker.start + len(inserted)
    assert results[0].start == second.start + len(inserted)


def test_reanchor_all_of_nothing_is_nothing():
    assert reanchor_all(ARTICLE, []) == []


# ---------------------------------------------------------------------- property tests

# Text around the quote comes from a small alphabet so repeats are common; the quote
# carries one marker character that never appears elsewhere, so it occurs exactly once
# and "the right answer" is unambiguous.
SURROUNDING = st.sampled_from(list("abc de\n\u00e9\u00df😀."))
MARKER = "§"


@st.composite
def edited_text(draw: st.DrawFn, text: str) -> str:
    """Apply a few random inserts, deletions and replacements to ``text``."""
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 10)))
        text = text[:i] + draw(st.text(SURROUNDING, max_size=12)) + text[j:]
    return text


@st.composite
def document_with_outside_edits(draw: st.DrawFn) -> tuple[Anchor, str, int]:
    before = draw(st.text(SURROUNDING, max_size=80))
    core = draw(st.text(SURROUNDING, max_size=24))
    at = draw(st.integers(0, len(core)))
    quote = core[:at] + MARKER + core[at:]
    after = draw(st.text(SURROUNDING, max_size=80))
    anchor = describe(before + quote + after, len(before), len(before) + len(quote))
    new_before = draw(edited_text(before))
    new_after = draw(edited_text(after))
    return anchor, new_before + quote + new_after, len(new_before)


@settings(max_examples=300, deadline=None)
@given(document_with_outside_edits())
def test_edits_outside_the_quote_never_lose_it(case):
    anchor, body, expected_start = case

    result = reanchor(body, anchor)

    assert result.state in ("anchored", "moved")
    assert (result.start, result.end) == (expected_start, expected_start + len(anchor.exact))
    assert result.exact == anchor.exact == body[result.start : result.end]
    assert (result.state == "anchored") == (expected_start == anchor.start)


WORDS = st.sampled_from(
    ["the", "a", "tax", "rate", "council", "budget", "fell", "rose", "by", "per", "cent", "year", "mayor", "said"]
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(WORDS, min_size=5, max_size=40),
    st.lists(WORDS, min_size=5, max_size=12),
    st.lists(WORDS, min_size=5, max_size=40),
    st.data(),
)
def test_one_changed_character_inside_a_long_quote_is_found_in_place(before, quote, after, data):
    quote_text = "Q " + " ".join(quote) + " Z"
    body = " ".join(before) + " " + quote_text + " " + " ".join(after)
    start = body.index(quote_text)
    anchor = describe(body, start, start + len(quote_text))
    position = data.draw(st.integers(0, len(quote_text) - 1))
    replacement = data.draw(st.sampled_from("xyz0"))
    assume(quote_text[position] != replacement)
    changed = quote_text[:position] + replacement + quote_text[position + 1 :]
    edited = body[:start] + changed + body[anchor.end :]

    result = reanchor(edited, anchor)

    assert result.state == "moved"
    assert (result.start, result.end) == (anchor.start, anchor.end)
    assert result.exact == changed

"""Property-based fuzzing of the code that handles untrusted text without a database.

The importer, the highlight renderer and the anchoring functions see whatever people
upload or select. Whatever they get, they must either answer or refuse with their own
clear error (``ParseError`` records, ``AnchorError``), and what they answer must keep the
invariants the rest of the desk relies on (offsets point at the quoted text, bodies are
canonical, UTF-16 offsets agree with what a browser counts).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from annotations.anchoring import Anchor, AnchorError, describe, reanchor, reanchor_all, validate_anchor
from annotations.highlight import ClaimSpan, highlight, selection_to_range, utf16_length
from articles.importing.formats import ImportLimits, ParsedArticle, ParseError, ParseOutcome
from articles.importing.parsers import PARSERS, parse_file
from articles.text import canonicalize_body, split_paragraphs

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Characters that have broken text handling somewhere: astral (two UTF-16 units), combining
#: marks, direction overrides, zero-width joiners, NUL and other controls, CR/LF mixes, markup.
TRICKY = [
    *"aé ", "\u0301", "😀", "👍🏽", "\u202e", "\u202d", "\u2066", "\u200d", "\ufeff", "\x00", "\x07", "\r", "\n",
    "\r\n", "\t", "\u2028", "<", ">", "&", '"', "'", "<script>", "javascript:", "{{", "}}", "=", ",", ";", "#",
]
tricky_text = st.lists(st.sampled_from(TRICKY) | st.text(max_size=3), max_size=60).map("".join)
words = st.text(alphabet=st.sampled_from([*"abcdefgh éü", "😀", "\u0301", "\u202e", ".", ","]), min_size=1, max_size=20)
canonical_body = st.lists(words, min_size=1, max_size=6).map(lambda ps: canonicalize_body("\n\n".join(ps))).filter(bool)


# --- Importer ---------------------------------------------------------------------------


def assert_valid_outcome(outcome: ParseOutcome, limits: ImportLimits) -> None:
    assert isinstance(outcome, ParseOutcome)
    assert outcome.records, "every upload yields at least one record or error"
    for record in outcome.records:
        assert isinstance(record, ParsedArticle | ParseError)
        if isinstance(record, ParseError):
            assert record.message.strip()
            continue
        assert record.title.strip()
        assert record.body and record.body == canonicalize_body(record.body)
        assert "\x00" not in record.body and "\x00" not in record.title
        assert len(record.body) <= limits.max_body_chars
        assert record.url == "" or record.url.startswith(("http://", "https://"))


@FUZZ
@given(
    data=st.binary(max_size=600) | tricky_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    stem=st.text(max_size=12),
    extension=st.sampled_from([*sorted(PARSERS), ".exe", "", ".JSON", ".tar.gz", "."]),
)
def test_the_importer_answers_any_bytes_under_any_name(data, stem, extension):
    limits = ImportLimits(max_file_bytes=10_000, max_body_chars=2_000)
    assert_valid_outcome(parse_file(stem + extension, data, limits), limits)


@FUZZ
@given(
    rows=st.lists(st.dictionaries(st.sampled_from(["title", "body", "url", "published", "outlet", "x"]), tricky_text),
                  max_size=4),
    extension=st.sampled_from([".json", ".jsonl", ".csv"]),
)
def test_the_importer_answers_any_structured_records(rows, extension):
    import csv
    import io
    import json

    if extension == ".json":
        data = json.dumps(rows).encode()
    elif extension == ".jsonl":
        data = "\n".join(json.dumps(row) for row in rows).encode()
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=["title", "body", "url", "published", "outlet", "x"])
        writer.writeheader()
        writer.writerows(rows)
        data = buffer.getvalue().encode()
    # A CSV whose rows are all blank is a header-only file: see test_a_csv_with_only_a_header_is_reported.
    assume(extension != ".csv" or any(str(value).strip() for row in rows for value in row.values()))
    limits = ImportLimits(max_file_bytes=50_000, max_body_chars=5_000)
    assert_valid_outcome(parse_file(f"feed{extension}", data, limits), limits)


def test_a_csv_with_only_a_header_is_reported():
    outcome = parse_file("feed.csv", b"title,body\n")
    assert [type(record) for record in outcome.records] == [ParseError]


def test_an_oversized_upload_is_refused_with_a_message():
    outcome = parse_file("big.txt", b"Title\n\n" + b"x" * 5000, ImportLimits(max_file_bytes=1000, max_body_chars=10))
    assert len(outcome.records) == 1 and isinstance(outcome.records[0], ParseError)


# --- Highlight renderer ------------------------------------------------------------------


@st.composite
def body_and_spans(draw):
    body = draw(canonical_body)
    n = len(body)
    spans = draw(
        st.lists(
            st.builds(
                lambda i, s, length, status: ClaimSpan(id=i, start=s, end=s + length, number=i, status=status),
                st.integers(1, 10_000), st.integers(-3, n + 3), st.integers(-2, n + 3),
                st.sampled_from(["new", "researching", "in_review", "published", "dismissed", "bogus"]),
            ),
            max_size=8,
            unique_by=lambda span: span.id,
        )
    )
    return body, spans


@FUZZ
@given(body_and_spans())
def test_highlighting_covers_the_body_exactly_whatever_the_spans(case):
    body, spans = case
    paragraphs = highlight(body, spans)
    assert [(p.start, p.text) for p in paragraphs] == list(split_paragraphs(body))
    valid = [s for s in spans if 0 <= s.start < s.end <= len(body)]
    ended = []
    for paragraph in paragraphs:
        assert paragraph.start16 == utf16_length(body[: paragraph.start])
        for segment in paragraph.segments:
            assert segment.text == body[segment.start : segment.end]
            assert segment.start16 == utf16_length(body[: segment.start])
            covering = {s.id for s in valid if s.start < segment.end and s.end > segment.start}
            assert set(segment.claim_ids) == covering
            if segment.claims:
                assert segment.top.length == min(s.length for s in segment.claims)
            ended.extend(s.id for s in segment.ending)
    shown = {s.id for p in paragraphs for seg in p.segments for s in seg.claims}
    assert sorted(ended) == sorted(shown), "every drawn claim ends (gets its marker) exactly once"


@FUZZ
@given(canonical_body, st.integers(-5, 400), st.integers(-5, 400), tricky_text)
def test_a_browser_selection_is_stored_exactly_or_refused(body, start16, end16, quote):
    for candidate in (quote, body.encode("utf-16-le")[2 * max(0, min(start16, end16)):2 * max(0, max(start16, end16))]
                      .decode("utf-16-le", errors="replace")):
        try:
            start, end = selection_to_range(body, start16, end16, candidate)
        except AnchorError as error:
            assert str(error)
            continue
        assert 0 <= start < end <= len(body)
        assert body[start:end].strip() == body[start:end]
        assert body[start:end] in candidate


# --- Anchoring ---------------------------------------------------------------------------


@st.composite
def body_and_range(draw):
    body = draw(canonical_body)
    start = draw(st.integers(0, len(body) - 1))
    end = draw(st.integers(start + 1, len(body)))
    assume(body[start:end].strip())  # a claim covers words, not only spaces (describe refuses those)
    return body, start, end


@FUZZ
@given(body_and_range())
def test_an_anchor_on_an_unchanged_body_stays_put(case):
    body, start, end = case
    anchor = describe(body, start, end)
    assert anchor.exact == body[start:end]
    assert len(anchor.prefix) <= 32 and len(anchor.suffix) <= 32
    result = reanchor(body, anchor)
    assert (result.state, result.start, result.end, result.exact) == ("anchored", start, end, body[start:end])


@FUZZ
@given(
    canonical_body,
    st.builds(Anchor, st.integers(-5, 300), st.integers(-5, 300), tricky_text, tricky_text, tricky_text),
    st.none() | st.integers(-50, 500),
)
def test_reanchoring_any_anchor_in_any_body_lands_on_real_text_or_orphans(body, anchor, hint):
    result = reanchor(body, anchor, hint=hint)
    assert result.state in {"anchored", "moved", "orphaned"}
    assert 0.0 <= result.score <= 1.0
    if result.state == "orphaned":
        assert (result.start, result.end, result.exact) == (None, None, None)
    else:
        assert 0 <= result.start < result.end <= len(body)
        assert body[result.start : result.end] == result.exact


@FUZZ
@given(body_and_range(), tricky_text, tricky_text)
def test_a_quote_survives_text_added_around_it(case, before, after):
    body, start, end = case
    anchor = describe(body, start, end)
    edited = canonicalize_body(before + "\n\n" + body + "\n\n" + after)
    result = reanchor(edited, anchor)
    if result.state != "orphaned":
        assert edited[result.start : result.end] == result.exact
    if anchor.exact.strip() and anchor.exact in edited:
        assert result.state != "orphaned"


@FUZZ
@given(st.lists(body_and_range(), min_size=1, max_size=3), canonical_body)
def test_reanchor_all_answers_once_per_anchor(cases, new_body):
    anchors = [describe(body, start, end) for body, start, end in cases]
    results = reanchor_all(new_body, anchors)
    assert len(results) == len(anchors)
    for result in results:
        assert result.state == "orphaned" or new_body[result.start : result.end] == result.exact


@FUZZ
@given(tricky_text, st.integers(-3, 100), st.integers(-3, 100), tricky_text)
def test_validate_anchor_refuses_with_a_message_or_accepts_an_exact_slice(body, start, end, exact):
    try:
        validate_anchor(body, start, end, exact)
    except AnchorError as error:
        assert str(error)
    else:
        assert body[start:end] == exact and exact


@pytest.mark.parametrize("bad", [None, "3", 2.5, True])
def test_validate_anchor_refuses_offsets_that_are_not_integers(bad):
    with pytest.raises(AnchorError):
        validate_anchor("Some body text.", bad, 5, "Some ")

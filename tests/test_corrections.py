"""Corrections: editing an article keeps its history and re-anchors every claim.

Service-level tests with real claims (created through ``annotations.services``), the pure
re-anchoring rules (``articles.reanchoring.relocate``) under Hypothesis, and the diff
helpers the revision page uses.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from annotations import reanchoring
from annotations.anchoring import Anchor, AnchorError, describe
from annotations.models import AnchorState, Claim, ClaimEvent
from annotations.services import create_claim
from articles import corrections
from articles.models import Article, ArticleRevision
from articles.textdiff import align, diff_bodies, map_span
from tests import factories

# Our own fixture text: distinct sentences, one phrase ("the harbour fund") used twice.
BODY = (
    "The harbour board approved a new ferry timetable on Monday, its chair said.\n\n"
    "Officials claimed that passenger numbers rose by 12 percent last year, the highest since 2015. "
    "The increase was paid for by the harbour fund, according to the treasurer.\n\n"
    "Critics said the harbour fund had been emptied twice before and asked for an audit.\n\n"
    "The next board meeting is scheduled for the first week of June."
)


def make_article(body: str = BODY) -> Article:
    return factories.ArticleFactory(body=body)


def claim_on(article: Article, phrase: str, occurrence: int = 0, user=None) -> Claim:
    """A claim created the way the browser creates one (validated, with prefix/suffix)."""
    start = -1
    for _ in range(occurrence + 1):
        start = article.body.index(phrase, start + 1)
    return create_claim(article, start, start + len(phrase), phrase, user=user, check_permission=False)


def edit(article: Article, user, body: str, **kwargs) -> corrections.CorrectionReport:
    article.refresh_from_db()
    return corrections.edit_article(
        article, user=user, title=kwargs.pop("title", article.title), body=body,
        expected_version=kwargs.pop("expected_version", article.version), **kwargs,
    )


def at_its_place(claim: Claim) -> str:
    claim.refresh_from_db()
    return claim.article.body[claim.start : claim.end]


# ------------------------------------------------------------------ the six cases


@pytest.mark.django_db
def test_edit_before_the_quote_keeps_the_claim_anchored_on_the_same_words(editor):
    article = make_article()
    claim = claim_on(article, "passenger numbers rose by 12 percent")
    version = claim.version
    report = edit(article, editor, "Updated on Tuesday. " + BODY)
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.ANCHORED
    assert at_its_place(claim) == "passenger numbers rose by 12 percent"
    assert claim.start == BODY.index("passenger numbers") + len("Updated on Tuesday. ")
    assert claim.prefix == describe(claim.article.body, claim.start, claim.end).prefix
    assert reanchoring.claims_report(report).anchored == [claim]
    # A claim that only shifted with the text is not news: no history entry, no version bump.
    assert claim.version == version
    assert not ClaimEvent.objects.filter(claim=claim, kind=ClaimEvent.Kind.REANCHORED).exists()


@pytest.mark.django_db
def test_edit_inside_the_quote_moves_the_claim_onto_the_new_wording_and_logs_it(editor):
    article = make_article()
    claim = claim_on(article, "passenger numbers rose by 12 percent last year")
    version = claim.version
    report = edit(article, editor, BODY.replace("rose by 12 percent", "rose by 11.5 percent"))
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.MOVED
    assert claim.exact == "passenger numbers rose by 11.5 percent last year"
    assert at_its_place(claim) == claim.exact
    assert reanchoring.claims_report(report).moved == [claim]
    assert claim.version == version + 1
    event = ClaimEvent.objects.get(claim=claim, kind=ClaimEvent.Kind.REANCHORED)
    assert event.old_value == "passenger numbers rose by 12 percent last year"
    assert event.new_value == claim.exact
    assert event.actor == editor
    assert "wording changed" in event.note


@pytest.mark.django_db
def test_deleting_the_quoted_words_orphans_the_claim_but_keeps_it_and_its_old_quote(editor):
    article = make_article()
    claim = claim_on(article, "asked for an audit")
    old = (claim.start, claim.end, claim.exact, claim.prefix, claim.suffix)
    paragraph = "Critics said the harbour fund had been emptied twice before and asked for an audit.\n\n"
    new_body = BODY.replace(paragraph, "")
    report = edit(article, editor, new_body)
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.ORPHANED
    assert (claim.start, claim.end, claim.exact, claim.prefix, claim.suffix) == old
    assert reanchoring.claims_report(report).orphaned == [claim]
    event = ClaimEvent.objects.get(claim=claim, kind=ClaimEvent.Kind.REANCHORED)
    assert event.old_value == "asked for an audit"
    assert event.new_value == ""
    assert "Orphaned" in event.note


@pytest.mark.django_db
def test_moving_the_quoted_sentence_to_another_paragraph_flags_the_claim_at_its_new_place(editor):
    article = make_article()
    sentence = "The increase was paid for by the harbour fund, according to the treasurer."
    claim = claim_on(article, "paid for by the harbour fund")
    # Moved past two paragraphs: the text it jumped over is longer than the sentence, so the
    # sentence is what moved (swapping two equal stretches would be ambiguous).
    new_body = BODY.replace(" " + sentence, "") + " " + sentence
    report = edit(article, editor, new_body)
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.MOVED
    assert at_its_place(claim) == "paid for by the harbour fund"
    assert claim.start == new_body.index("paid for by the harbour fund")
    assert reanchoring.claims_report(report).moved == [claim]
    assert "new place" in ClaimEvent.objects.get(claim=claim, kind=ClaimEvent.Kind.REANCHORED).note


@pytest.mark.django_db
def test_claim_on_a_repeated_phrase_stays_on_its_own_occurrence(editor):
    article = make_article()
    second = claim_on(article, "the harbour fund", occurrence=1)
    first = claim_on(article, "the harbour fund", occurrence=0)
    new_body = BODY.replace("on Monday", "on Monday morning after a long debate")
    edit(article, editor, new_body)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.anchor_state, second.anchor_state) == (AnchorState.ANCHORED, AnchorState.ANCHORED)
    occurrences = [i for i in range(len(new_body)) if new_body.startswith("the harbour fund", i)]
    assert [first.start, second.start] == occurrences


@pytest.mark.django_db
def test_repeated_phrase_whose_own_occurrence_is_deleted_is_not_silently_moved_to_the_other(editor):
    article = make_article()
    claim = claim_on(article, "the harbour fund", occurrence=1)
    new_body = BODY.replace("Critics said the harbour fund had been emptied", "Critics said reserves had been emptied")
    edit(article, editor, new_body)
    claim.refresh_from_db()
    # It may land on the other copy, but only flagged for a second look, never as "anchored".
    assert claim.anchor_state in (AnchorState.MOVED, AnchorState.ORPHANED)
    assert claim.anchor_state != AnchorState.ANCHORED


@pytest.mark.django_db
@pytest.mark.parametrize(
    "new_body",
    [
        pytest.param(BODY.replace("June.", "June, the chair added."), id="edit-at-end"),
        pytest.param(BODY.replace("on Monday", "on Sunday"), id="edit-elsewhere"),
        pytest.param("Correction appended below.\n\n" + BODY, id="insert-at-start"),
    ],
)
def test_quotes_at_the_very_start_and_very_end_survive_edits_elsewhere(editor, new_body):
    article = make_article()
    head = claim_on(article, "The harbour board approved")
    tail = claim_on(article, "scheduled for the first week of")
    edit(article, editor, new_body)
    for claim, phrase in ((head, "The harbour board approved"), (tail, "scheduled for the first week of")):
        claim.refresh_from_db()
        assert claim.anchor_state == AnchorState.ANCHORED
        assert at_its_place(claim) == phrase


@pytest.mark.django_db
def test_quote_ending_at_the_very_end_survives_an_edit_at_the_start(editor):
    article = make_article()
    last = claim_on(article, "first week of June.")
    first = claim_on(article, "The harbour board")
    edit(article, editor, BODY.replace("The harbour board approved", "The harbour board finally approved"))
    last.refresh_from_db()
    first.refresh_from_db()
    assert last.anchor_state == AnchorState.ANCHORED
    assert at_its_place(last) == "first week of June."
    assert first.anchor_state == AnchorState.ANCHORED
    assert (first.start, at_its_place(first)) == (0, "The harbour board")


# ------------------------------------------------------------------ history, locking, limits


@pytest.mark.django_db
def test_each_edit_keeps_the_previous_text_as_a_numbered_revision_with_who_and_why(editor):
    article = make_article()
    original_title = article.title
    edit(article, editor, BODY + "\n\nFirst addition.", note="Outlet added a paragraph")
    edit(article, editor, BODY + "\n\nSecond addition.", title="New headline")
    article.refresh_from_db()
    revisions = list(article.revisions.order_by("number"))
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[0].body == BODY and revisions[0].title == original_title
    assert revisions[0].note == "Outlet added a paragraph" and revisions[0].edited_by == editor
    assert revisions[1].body == BODY + "\n\nFirst addition."
    assert article.version == 3
    assert article.title == "New headline"
    assert article.body.endswith("Second addition.")


@pytest.mark.django_db
def test_edit_based_on_a_stale_version_raises_a_conflict_and_writes_nothing(editor):
    article = make_article()
    claim_on(article, "passenger numbers")
    edit(article, editor, BODY + "\n\nSomeone else's edit.")
    with pytest.raises(corrections.ArticleEditConflict) as raised:
        corrections.edit_article(article, user=editor, title=article.title, body="Mine.", expected_version=1)
    assert raised.value.current.version == 2
    assert "changed by someone else" in str(raised.value)
    article.refresh_from_db()
    assert article.body.endswith("Someone else's edit.")
    assert article.revisions.count() == 1


@pytest.mark.django_db
def test_edit_that_only_changes_line_endings_and_trailing_spaces_is_no_change(editor):
    article = make_article()
    report = edit(article, editor, BODY.replace("\n", "  \r\n"))
    article.refresh_from_db()
    assert not report.changed
    assert report.summary().startswith("No changes")
    assert article.version == 1
    assert not article.revisions.exists()


@pytest.mark.django_db
def test_edited_body_is_stored_canonical(editor):
    article = make_article()
    edit(article, editor, "First paragraph.   \r\n\r\n\r\n\r\nSecond paragraph.\r\n")
    article.refresh_from_db()
    assert article.body == "First paragraph.\n\nSecond paragraph."


@pytest.mark.django_db
def test_fact_checkers_cannot_correct_article_text(fact_checker):
    article = make_article()
    with pytest.raises(PermissionDenied):
        edit(article, fact_checker, BODY + " More.")
    assert not ArticleRevision.objects.exists()


@pytest.mark.django_db
def test_empty_body_is_refused_with_a_message_for_the_body_field(editor):
    article = make_article()
    with pytest.raises(ValidationError) as raised:
        edit(article, editor, "  \n\n  ")
    assert "body" in raised.value.message_dict
    assert "empty" in raised.value.message_dict["body"][0]


@pytest.mark.django_db
@override_settings(FACTDESK_MAX_BODY_CHARS=100)
def test_body_over_the_configured_limit_is_refused_with_the_limit_in_the_message(editor):
    article = factories.ArticleFactory(body="Short body.")
    with pytest.raises(ValidationError) as raised:
        edit(article, editor, "x" * 101)
    assert raised.value.message_dict["body"] == ["The body is 101 characters; the limit is 100."]


@pytest.mark.django_db
def test_summary_counts_anchored_moved_and_orphaned_claims(editor):
    article = make_article()
    claim_on(article, "its chair said")
    claim_on(article, "The next board meeting")
    claim_on(article, "rose by 12 percent")
    claim_on(article, "asked for an audit")
    new_body = BODY.replace("rose by 12 percent", "rose by 14 percent").replace(" and asked for an audit", "")
    report = edit(article, editor, new_body)
    assert report.summary() == "Saved version 2. 2 claims anchored, 1 moved, 1 orphaned."


# ------------------------------------------------------------------ flags: moved stays until checked


@pytest.mark.django_db
def test_moved_flag_survives_a_later_edit_until_an_editor_marks_it_checked(editor):
    article = make_article()
    claim = claim_on(article, "passenger numbers rose by 12 percent")
    edit(article, editor, BODY.replace("rose by 12 percent", "rose by 13 percent"))
    article.refresh_from_db()
    edit(article, editor, "Preface. " + article.body)
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.MOVED
    assert at_its_place(claim) == "passenger numbers rose by 13 percent"

    checked = reanchoring.mark_checked(claim, user=editor)
    assert checked.anchor_state == AnchorState.ANCHORED
    assert ClaimEvent.objects.filter(claim=claim, field="anchor_state", new_value="anchored").exists()
    with pytest.raises(ValidationError, match="Only moved claims"):
        reanchoring.mark_checked(checked, user=editor)


@pytest.mark.django_db
def test_orphan_whose_words_come_back_is_found_again_but_flagged(editor):
    article = make_article()
    claim = claim_on(article, "asked for an audit")
    edit(article, editor, BODY.replace(" and asked for an audit", ""))
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.ORPHANED
    edit(article, editor, BODY)
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.MOVED
    assert at_its_place(claim) == "asked for an audit"
    assert "found again" in ClaimEvent.objects.filter(claim=claim).order_by("-id").first().note


@pytest.mark.django_db
def test_orphan_that_stays_orphaned_gets_no_second_history_entry(editor):
    article = make_article()
    claim = claim_on(article, "asked for an audit")
    edit(article, editor, BODY.replace(" and asked for an audit", ""))
    article.refresh_from_db()
    edit(article, editor, "Preface. " + article.body)
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.ORPHANED
    assert ClaimEvent.objects.filter(claim=claim, kind=ClaimEvent.Kind.REANCHORED).count() == 1


# ------------------------------------------------------------------ re-attaching


@pytest.mark.django_db
def test_reattach_anchors_an_orphan_on_the_new_selection_and_logs_it(editor):
    article = make_article()
    claim = claim_on(article, "asked for an audit")
    new_body = BODY.replace("asked for an audit", "demanded an independent review")
    edit(article, editor, new_body.replace("demanded an independent review", "called for scrutiny"))
    claim.refresh_from_db()
    assert claim.anchor_state == AnchorState.ORPHANED
    article.refresh_from_db()
    start = article.body.index("called for scrutiny")
    claim = reanchoring.reattach_claim(claim, user=editor, start=start, end=start + 19, exact="called for scrutiny")
    assert claim.anchor_state == AnchorState.ANCHORED
    assert (claim.exact, claim.prefix) == ("called for scrutiny", article.body[start - 32 : start])
    event = ClaimEvent.objects.filter(claim=claim).order_by("-id").first()
    assert (event.kind, event.old_value, event.new_value) == (
        ClaimEvent.Kind.REANCHORED, "asked for an audit", "called for scrutiny",
    )
    assert "was orphaned" in event.note


@pytest.mark.django_db
def test_reattach_refuses_a_quote_that_does_not_match_the_text(editor):
    article = make_article()
    claim = claim_on(article, "asked for an audit")
    with pytest.raises(AnchorError, match="does not match"):
        reanchoring.reattach_claim(claim, user=editor, start=0, end=5, exact="Stale")
    claim.refresh_from_db()
    assert claim.exact == "asked for an audit"


@pytest.mark.django_db
def test_fact_checkers_cannot_reattach_or_clear_flags(fact_checker):
    article = make_article()
    claim = claim_on(article, "asked for an audit")
    with pytest.raises(PermissionDenied):
        reanchoring.reattach_claim(claim, user=fact_checker, start=0, end=3, exact="The")
    with pytest.raises(PermissionDenied):
        reanchoring.mark_checked(claim, user=fact_checker)


# ------------------------------------------------------------------ cost


@pytest.mark.django_db
def test_correction_costs_the_same_number_of_queries_however_many_claims(editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(claim_count: int) -> int:
        paragraphs = [f"Paragraph {i} says the figure rose by {i} percent in region {i}." for i in range(claim_count)]
        article = factories.ArticleFactory(body="\n\n".join(paragraphs))
        for i in range(claim_count):
            claim_on(article, f"rose by {i} percent in region {i}")
        new_body = "Intro. " + article.body.replace("rose by 0 percent", "rose by 0.5 percent")
        with CaptureQueriesContext(connection) as captured:
            edit(article, editor, new_body)
        return len(captured)

    queries_for(2)  # the editor's permissions are loaded (and cached) once
    small, large = queries_for(5), queries_for(90)
    assert large == small
    # bulk_update splits very large batches (SQLite: about 99 rows per statement), nothing more.
    assert queries_for(150) <= small + 1


@pytest.mark.django_db
def test_long_article_with_many_claims_is_corrected_with_all_claims_kept(editor):
    """Performance sanity (no timing assert: see benchmarks/): 300 claims on ~60k characters."""
    paragraphs = [f"Section {i}: the council reported {i * 7} new homes and {i * 3} closed shops." for i in range(900)]
    article = factories.ArticleFactory(body="\n\n".join(paragraphs))
    claims = [claim_on(article, f"reported {i * 7} new homes") for i in range(0, 900, 3)]
    new_body = article.body.replace("Section 450:", "Section 450 (corrected):").replace("Section 1:", "Part 1:")
    report = edit(article, editor, new_body)
    assert len(reanchoring.claims_report(report).anchored) == len(claims)
    for i, claim in zip(range(0, 900, 3), claims, strict=True):
        assert at_its_place(claim) == f"reported {i * 7} new homes"


# ------------------------------------------------------------------ pure rules (Hypothesis)


PROPERTY_BODY = (
    "Alpha council members voted on Monday to expand the northern bus line.\n\n"
    "The mayor said ticket prices would stay at two euros until the end of next year.\n\n"
    "Opposition leaders argued that the plan lacked funding and would delay road repairs.\n\n"
    "A final decision on the southern extension is expected in the autumn."
)
PROPERTY_QUOTES = [
    (PROPERTY_BODY.index(phrase), PROPERTY_BODY.index(phrase) + len(phrase))
    for phrase in ("Alpha council", "expand the northern bus line", "two euros", "lacked funding", "in the autumn.")
]


@st.composite
def edits_outside_quotes(draw: st.DrawFn, alphabet: str) -> tuple[str, list[tuple[int, int]]]:
    """Random insertions, deletions and replacements that never touch a quote.

    Returns the new body and where each quote's text should now start/end.
    """
    gaps: list[tuple[int, int]] = []  # editable stretches between quotes
    position = 0
    for start, end in PROPERTY_QUOTES:
        gaps.append((position, start))
        position = end
    gaps.append((position, len(PROPERTY_BODY)))
    # Each gap gets at most one edit: (cut from, cut to, inserted text) within the gap.
    pieces: list[str] = []
    new_spans: list[tuple[int, int]] = []
    cursor_new = 0
    for index, (gap_start, gap_end) in enumerate(gaps):
        text = PROPERTY_BODY[gap_start:gap_end]
        if draw(st.booleans()):
            cut_from = draw(st.integers(0, len(text)))
            cut_to = draw(st.integers(cut_from, min(len(text), cut_from + 20)))
            inserted = draw(st.text(alphabet=alphabet, max_size=15))
            text = text[:cut_from] + inserted + text[cut_to:]
        pieces.append(text)
        cursor_new += len(text)
        if index < len(PROPERTY_QUOTES):
            quote_start, quote_end = PROPERTY_QUOTES[index]
            quote = PROPERTY_BODY[quote_start:quote_end]
            pieces.append(quote)
            new_spans.append((cursor_new, cursor_new + len(quote)))
            cursor_new += len(quote)
    return "".join(pieces), new_spans


def property_anchors() -> list[Anchor]:
    return [describe(PROPERTY_BODY, start, end) for start, end in PROPERTY_QUOTES]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits_outside_quotes(alphabet="abcdefghij klmnopqrstuvwxyz.,\n"))
def test_random_edits_outside_every_quote_keep_all_claims_on_the_same_text(edited):
    new_body, _expected = edited
    placements = reanchoring.relocate(PROPERTY_BODY, new_body, property_anchors())
    for anchor, placement in zip(property_anchors(), placements, strict=True):
        assert placement.state != AnchorState.ORPHANED
        assert placement.anchor is not None
        assert new_body[placement.anchor.start : placement.anchor.end] == anchor.exact


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits_outside_quotes(alphabet="0123456789#@ "))
@example(  # a deletion that can be read as taking the quote's last letter: "line.\n\nThe" -> "line"
    (
        "0" + PROPERTY_BODY.replace("bus line.\n\nThe mayor", "bus line mayor"),
        [(1, 14), (42, 70), (110, 119), (189, 203), (290, 304)],
    )
)
def test_random_edits_with_new_characters_outside_quotes_leave_every_claim_anchored_in_place(edited):
    """With inserted text that cannot be mistaken for the article's, "same place" is unambiguous."""
    new_body, expected = edited
    placements = reanchoring.relocate(PROPERTY_BODY, new_body, property_anchors())
    assert [p.state for p in placements] == [AnchorState.ANCHORED] * len(expected)
    assert [(p.anchor.start, p.anchor.end) for p in placements] == expected


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="ab \n", max_size=40), st.text(alphabet="ab \n", max_size=40))
def test_aligned_blocks_always_hold_identical_text(old, new):
    for block in align(old, new):
        assert old[block.old_start : block.old_end] == new[block.new_start : block.new_end]
        assert block.size > 0


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["ab", "ba", "a b", "", "b\nb"]), max_size=12),
       st.lists(st.sampled_from(["ab", "ba", "a b", "", "b\nb"]), max_size=12))
def test_aligned_blocks_hold_identical_text_when_long_texts_are_compared_by_paragraph(old_parts, new_parts):
    from unittest import mock

    old, new = "\n\n".join(old_parts), "\n\n".join(new_parts)
    with mock.patch("articles.textdiff.CHAR_ALIGN_LIMIT", 2):
        blocks = align(old, new)
    for block in blocks:
        assert old[block.old_start : block.old_end] == new[block.new_start : block.new_end]


def test_long_article_with_a_moved_paragraph_flags_only_the_claims_in_it():
    paragraphs = [f"Paragraph {i} reports that the figure for district {i} was {i * 11} units." for i in range(80)]
    old = "\n\n".join(paragraphs)
    moved = paragraphs.pop(10)
    paragraphs.insert(70, moved)
    paragraphs[40] = paragraphs[40].replace("reports", "says")  # and an unrelated edit far away
    new = "\n\n".join(paragraphs)
    anchors = [describe(old, old.index(f"district {i} was"), old.index(f"district {i} was") + len(f"district {i} was"))
               for i in range(80)]
    placements = reanchoring.relocate(old, new, anchors)
    assert [i for i, p in enumerate(placements) if p.state != AnchorState.ANCHORED] == [10]
    assert placements[10].state == AnchorState.MOVED
    for anchor, placement in zip(anchors, placements, strict=True):
        assert new[placement.anchor.start : placement.anchor.end] == anchor.exact


def test_span_next_to_an_ambiguous_insertion_maps_either_way():
    old, new = "say ab and more", "say abab and more"
    blocks = align(old, new)
    # "ab and" at 4..10 can be read as shifted (the insertion came before it) ...
    assert (6, 12) in map_span(blocks, 4, 10)
    # ... and "say ab" as unmoved (the insertion came after it).
    assert (0, 6) in map_span(blocks, 0, 6)


def test_relocate_keeps_previous_flags_and_requires_one_state_per_anchor():
    anchor = describe(PROPERTY_BODY, *PROPERTY_QUOTES[1])
    [placement] = reanchoring.relocate(PROPERTY_BODY, "Intro. " + PROPERTY_BODY, [anchor], [AnchorState.MOVED])
    assert placement.state == AnchorState.MOVED
    assert placement.via == "position"
    with pytest.raises(ValueError, match="one entry per anchor"):
        reanchoring.relocate(PROPERTY_BODY, PROPERTY_BODY, [anchor], [])


# ------------------------------------------------------------------ diff for the revision page


def test_diff_marks_changed_words_and_collapses_unchanged_paragraphs():
    old = "\n\n".join(f"Paragraph {i} stays." for i in range(6)) + "\n\nThe rate was 12 percent."
    new = "\n\n".join(f"Paragraph {i} stays." for i in range(6)) + "\n\nThe rate was 11 percent."
    diff = diff_bodies(old, new)
    assert diff[0].skipped == 5
    changed = diff[-1]
    assert changed.kind == "replace"
    assert [(s.kind, s.text) for s in changed.segments if s.kind != "equal"] == [("delete", "12"), ("insert", "11")]


def test_diff_shows_added_and_removed_paragraphs():
    diff = diff_bodies("One.\n\nTwo.", "One.\n\nTwo.\n\nThree.\n\nFour.")
    assert [(p.kind, p.segments[0].text) for p in diff if p.kind != "equal"] == [
        ("insert", "Three."), ("insert", "Four."),
    ]
    removed = diff_bodies("One.\n\nTwo.\n\nThree.", "One.")
    assert [p.kind for p in removed] == ["equal", "delete", "delete"]

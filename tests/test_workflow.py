"""The review workflow (annotations.workflow): every transition, every rule and its message."""

from __future__ import annotations

import pytest

from annotations import claim_corrections, services, workflow
from annotations.models import Claim, ClaimEvent, ClaimStatus, Notification
from annotations.workflow import TransitionRefused
from tests import factories
from tests.factories import rating

pytestmark = pytest.mark.django_db

S = ClaimStatus


def make_claim(
    status: str = S.NEW, *, assignee=None, verdict_by=None, ready: bool = True, **fields
) -> Claim:
    """A claim in ``status``; ``ready`` gives it a verdict, a rationale and one source."""
    if ready or status == S.PUBLISHED:
        fields.setdefault("verdict", rating("false"))
        fields.setdefault("rationale", "The statistics office reports 7.1 percent.")
    claim = factories.ClaimFactory(status=status, assignee=assignee, verdict_by=verdict_by, **fields)
    if ready:
        factories.SourceFactory(claim=claim)
    return claim


def refusal(claim, user, name, **kwargs) -> TransitionRefused:
    with pytest.raises(TransitionRefused) as caught:
        workflow.apply(claim, user, name, **kwargs)
    return caught.value


def review_events(claim) -> list[ClaimEvent]:
    return list(
        ClaimEvent.objects.filter(claim_ref=claim.pk, kind__in=["transition", "assigned", "corrected"]).order_by("id")
    )


@pytest.fixture
def other_checker(db):
    return factories.FactCheckerFactory()


@pytest.fixture
def reader(db):
    return factories.UserFactory()


# --- take ---------------------------------------------------------------------------------


def test_take_assigns_the_claim_to_me_and_starts_research(fact_checker):
    claim = make_claim(S.NEW, ready=False)
    updated = workflow.apply(claim, fact_checker, "take")
    assert updated.status == S.RESEARCHING
    assert updated.assignee == fact_checker
    assert updated.version == claim.version + 1
    kinds = [(e.kind, e.from_status, e.to_status, e.actor) for e in review_events(claim)]
    assert ("assigned", "", "", fact_checker) in kinds
    assert ("transition", S.NEW, S.RESEARCHING, fact_checker) in kinds


def test_taking_a_claim_does_not_notify_yourself(fact_checker):
    workflow.apply(make_claim(S.NEW), fact_checker, "take")
    assert not Notification.objects.exists()


def test_cannot_take_a_claim_assigned_to_someone_else(fact_checker, other_checker):
    claim = make_claim(S.RESEARCHING, assignee=other_checker)
    refused = refusal(claim, fact_checker, "take")
    assert refused.forbidden
    assert refused.reasons == [f"This claim is assigned to {other_checker.username}: ask an editor to reassign it."]


def test_an_unassigned_researching_claim_can_be_taken(fact_checker):
    claim = make_claim(S.RESEARCHING, ready=False)
    assert workflow.apply(claim, fact_checker, "take").assignee == fact_checker


def test_readers_cannot_take_claims(reader):
    refused = refusal(make_claim(S.NEW), reader, "take")
    assert refused.forbidden and refused.status_code == 403
    assert refused.reasons == ["Only fact-checkers and editors can take claims."]


# --- assign -------------------------------------------------------------------------------


def test_editor_assigns_a_new_claim_which_moves_to_researching_and_notifies_the_assignee(
    editor, fact_checker, mailoutbox, django_capture_on_commit_callbacks
):
    claim = make_claim(S.NEW)
    with django_capture_on_commit_callbacks(execute=True):
        updated = workflow.apply(claim, editor, "assign", assignee=fact_checker, note="Please check the ministry data.")
    assert updated.status == S.RESEARCHING and updated.assignee == fact_checker
    assigned = ClaimEvent.objects.get(claim_ref=claim.pk, kind="assigned")
    assert (assigned.new_value, assigned.note, assigned.actor) == (
        fact_checker.username, "Please check the ministry data.", editor,
    )
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (fact_checker, Notification.Kind.ASSIGNED)
    assert [m.to for m in mailoutbox] == [[fact_checker.email]]


def test_reassigning_a_researching_claim_logs_only_the_assignment(editor, fact_checker, other_checker):
    claim = make_claim(S.RESEARCHING, assignee=fact_checker)
    updated = workflow.apply(claim, editor, "assign", assignee=other_checker)
    assert updated.assignee == other_checker and updated.status == S.RESEARCHING
    events = review_events(claim)
    assert [e.kind for e in events] == ["assigned"]
    assert (events[0].old_value, events[0].new_value) == (fact_checker.username, other_checker.username)


def test_fact_checkers_cannot_assign_claims_to_others(fact_checker, other_checker):
    refused = refusal(make_claim(S.NEW), fact_checker, "assign", assignee=other_checker)
    assert refused.forbidden
    assert refused.reasons == ["Only editors can assign claims to someone else."]


def test_assign_needs_someone_with_a_desk_role(editor, reader):
    refused = refusal(make_claim(S.NEW), editor, "assign", assignee=reader)
    assert not refused.forbidden
    assert refused.reasons == [f"{reader.username} is not a fact-checker or editor, so they cannot be assigned claims."]
    assert refusal(make_claim(S.NEW), editor, "assign", assignee=None).reasons == [
        "Choose who to assign this claim to."
    ]


def test_assigning_the_current_assignee_again_is_refused(editor, fact_checker):
    claim = make_claim(S.RESEARCHING, assignee=fact_checker)
    assert refusal(claim, editor, "assign", assignee=fact_checker).reasons == [
        f"This claim is already assigned to {fact_checker.username}."
    ]


def test_an_editor_assigning_themselves_gets_no_notification(editor):
    workflow.apply(make_claim(S.NEW), editor, "assign", assignee=editor)
    assert not Notification.objects.exists()


# --- submit -------------------------------------------------------------------------------


def test_submit_moves_a_complete_claim_into_review(fact_checker):
    claim = make_claim(S.RESEARCHING, assignee=fact_checker, verdict_by=fact_checker)
    updated = workflow.apply(claim, fact_checker, "submit", note="Ready.")
    assert updated.status == S.IN_REVIEW
    assert updated.submitted_at is not None
    event = review_events(claim)[-1]
    assert (event.kind, event.from_status, event.to_status, event.note, event.actor) == (
        "transition", S.RESEARCHING, S.IN_REVIEW, "Ready.", fact_checker,
    )


def test_submit_lists_everything_missing_at_once(fact_checker):
    claim = make_claim(S.RESEARCHING, assignee=fact_checker, ready=False)
    refused = refusal(claim, fact_checker, "submit")
    assert not refused.forbidden and refused.status_code == 400
    assert refused.reasons == [
        "Choose a verdict before submitting for review.",
        "Write a rationale before submitting for review.",
        "Add at least one source before submitting for review.",
    ]


def test_submit_needs_a_source_even_with_verdict_and_rationale(fact_checker):
    claim = make_claim(
        S.RESEARCHING, assignee=fact_checker, ready=False, verdict=rating("true"), rationale="Matches the report."
    )
    assert refusal(claim, fact_checker, "submit").reasons == ["Add at least one source before submitting for review."]


def test_a_blank_rationale_does_not_count(fact_checker):
    claim = make_claim(S.RESEARCHING, assignee=fact_checker, rationale="   \n ")
    assert refusal(claim, fact_checker, "submit").reasons == ["Write a rationale before submitting for review."]


def test_another_fact_checker_cannot_submit_my_claim(fact_checker, other_checker):
    claim = make_claim(S.RESEARCHING, assignee=fact_checker)
    refused = refusal(claim, other_checker, "submit")
    assert refused.forbidden
    assert refused.reasons == [
        f"This claim is assigned to {fact_checker.username}: only they or an editor can submit it for review."
    ]


def test_an_editor_may_submit_someone_elses_claim(editor, fact_checker):
    claim = make_claim(S.RESEARCHING, assignee=fact_checker, verdict_by=fact_checker)
    assert workflow.apply(claim, editor, "submit").status == S.IN_REVIEW


def test_submitting_tells_the_editors_who_could_publish_in_the_app_only(
    fact_checker, editor, mailoutbox, django_capture_on_commit_callbacks
):
    editor_who_set_verdict = factories.EditorFactory()
    claim = make_claim(S.RESEARCHING, assignee=fact_checker, verdict_by=editor_who_set_verdict)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.apply(claim, fact_checker, "submit")
    notifications = list(Notification.objects.all())
    assert [(n.recipient, n.kind) for n in notifications] == [(editor, Notification.Kind.SUBMITTED)]
    assert mailoutbox == []


def test_submitting_a_verdict_with_no_recorded_author_makes_the_submitter_its_author(fact_checker):
    claim = make_claim(S.RESEARCHING, assignee=fact_checker, verdict_by=None)
    assert workflow.apply(claim, fact_checker, "submit").verdict_by == fact_checker


def test_submit_only_from_researching(fact_checker):
    claim = make_claim(S.NEW, assignee=fact_checker)
    assert refusal(claim, fact_checker, "submit").reasons == [
        "This claim is New: “Submit for review” is only possible for claims that are Researching."
    ]


# --- request changes ----------------------------------------------------------------------


def test_request_changes_sends_the_claim_back_with_a_note_and_tells_the_fact_checker(
    editor, fact_checker, mailoutbox, django_capture_on_commit_callbacks
):
    claim = make_claim(S.IN_REVIEW, assignee=fact_checker, verdict_by=fact_checker)
    with django_capture_on_commit_callbacks(execute=True):
        updated = workflow.apply(claim, editor, "request_changes", note="Cite the Q3 table, not Q2.")
    assert updated.status == S.RESEARCHING
    event = review_events(claim)[-1]
    assert (event.from_status, event.to_status) == (S.IN_REVIEW, S.RESEARCHING)
    assert event.note == "Cite the Q3 table, not Q2."
    notification = Notification.objects.get()
    assert notification.recipient == fact_checker
    assert notification.kind == Notification.Kind.CHANGES_REQUESTED
    assert "Cite the Q3 table, not Q2." in notification.message
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [fact_checker.email]


def test_request_changes_requires_a_note(editor, fact_checker):
    claim = make_claim(S.IN_REVIEW, assignee=fact_checker, verdict_by=fact_checker)
    assert refusal(claim, editor, "request_changes", note="  ").reasons == ["Write a note saying what needs to change."]


def test_fact_checkers_cannot_request_changes(fact_checker, other_checker):
    claim = make_claim(S.IN_REVIEW, assignee=other_checker, verdict_by=other_checker)
    refused = refusal(claim, fact_checker, "request_changes", note="Looks wrong.")
    assert refused.forbidden and refused.reasons == ["Only editors can request changes."]


# --- publish ------------------------------------------------------------------------------


def test_an_editor_publishes_a_verdict_set_by_someone_else(
    editor, fact_checker, mailoutbox, django_capture_on_commit_callbacks
):
    claim = make_claim(S.IN_REVIEW, assignee=fact_checker, verdict_by=fact_checker)
    with django_capture_on_commit_callbacks(execute=True):
        updated = workflow.apply(claim, editor, "publish")
    assert updated.status == S.PUBLISHED
    assert updated.reviewed_by == editor and updated.published_at is not None
    event = review_events(claim)[-1]
    assert (event.from_status, event.to_status, event.actor) == (S.IN_REVIEW, S.PUBLISHED, editor)
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (fact_checker, Notification.Kind.PUBLISHED)
    assert [m.to for m in mailoutbox] == [[fact_checker.email]]


def test_two_person_rule_an_editor_cannot_publish_their_own_verdict(editor):
    claim = make_claim(S.IN_REVIEW, verdict_by=editor)
    refused = refusal(claim, editor, "publish")
    assert refused.forbidden
    assert refused.reasons == ["You set this verdict yourself: another editor must publish it (two-person rule)."]
    claim.refresh_from_db()
    assert claim.status == S.IN_REVIEW


def test_two_person_rule_also_binds_admins(admin_user):
    claim = make_claim(S.IN_REVIEW, verdict_by=admin_user)
    assert refusal(claim, admin_user, "publish").forbidden


def test_changing_the_verdict_during_review_makes_the_editor_its_author(editor, fact_checker):
    claim = make_claim(S.IN_REVIEW, assignee=fact_checker, verdict_by=fact_checker)
    services.update_claim(claim, user=editor, expected_version=claim.version, changes={"verdict": rating("true")})
    assert refusal(claim, editor, "publish").reasons == [
        "You set this verdict yourself: another editor must publish it (two-person rule)."
    ]


def test_fact_checkers_cannot_publish(fact_checker, other_checker):
    claim = make_claim(S.IN_REVIEW, verdict_by=other_checker)
    refused = refusal(claim, fact_checker, "publish")
    assert refused.forbidden
    assert refused.reasons == ["Only editors can publish claims; fact-checkers submit them for review."]


def test_publish_rechecks_that_the_research_is_complete(editor, fact_checker):
    claim = make_claim(S.IN_REVIEW, verdict_by=fact_checker, ready=False, verdict=rating("true"), rationale="Yes.")
    assert refusal(claim, editor, "publish").reasons == ["Add at least one source before publishing."]


def test_publish_refuses_a_verdict_nobody_is_on_record_for(editor):
    claim = make_claim(S.IN_REVIEW, verdict_by=None)
    reasons = refusal(claim, editor, "publish").reasons
    assert len(reasons) == 1 and "two-person rule cannot be checked" in reasons[0]


def test_publish_only_from_in_review(editor, fact_checker):
    claim = make_claim(S.RESEARCHING, verdict_by=fact_checker)
    assert refusal(claim, editor, "publish").reasons == [
        "This claim is Researching: “Publish” is only possible for claims that are In review."
    ]


# --- dismiss and reopen -------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.NEW, S.RESEARCHING])
def test_editor_dismisses_with_a_reason(editor, status):
    claim = make_claim(status)
    updated = workflow.apply(claim, editor, "dismiss", note="Opinion, not a checkable fact.")
    assert updated.status == S.DISMISSED
    assert updated.dismissal_reason == "Opinion, not a checkable fact."
    assert review_events(claim)[-1].note == "Opinion, not a checkable fact."


def test_dismiss_requires_a_reason(editor):
    assert refusal(make_claim(S.NEW), editor, "dismiss").reasons == [
        "Give a reason for dismissing this claim (for example: opinion, not check-worthy, duplicate)."
    ]


def test_dismiss_reason_must_fit(editor):
    reasons = refusal(make_claim(S.NEW), editor, "dismiss", note="x" * 501).reasons
    assert reasons == ["Keep the reason to 500 characters (it has 501)."]


def test_claims_in_review_cannot_be_dismissed(editor):
    refused = refusal(make_claim(S.IN_REVIEW), editor, "dismiss", note="No.")
    assert not refused.forbidden
    assert refused.reasons == [
        "This claim is In review: “Dismiss” is only possible for claims that are New or Researching."
    ]


def test_fact_checkers_cannot_dismiss(fact_checker):
    refused = refusal(make_claim(S.NEW), fact_checker, "dismiss", note="Opinion.")
    assert refused.forbidden and refused.reasons == ["Only editors can dismiss claims."]


def test_reopen_an_unassigned_dismissed_claim_as_new(editor):
    claim = make_claim(S.DISMISSED, dismissal_reason="Duplicate.")
    updated = workflow.apply(claim, editor, "reopen")
    assert updated.status == S.NEW and updated.dismissal_reason == ""
    event = review_events(claim)[-1]
    assert (event.from_status, event.to_status) == (S.DISMISSED, S.NEW)


def test_reopen_an_assigned_claim_into_research(editor, fact_checker):
    claim = make_claim(S.DISMISSED, assignee=fact_checker)
    assert workflow.apply(claim, editor, "reopen").status == S.RESEARCHING


def test_reopen_into_research_needs_an_assignee(editor):
    claim = make_claim(S.DISMISSED)
    assert refusal(claim, editor, "reopen", status=S.RESEARCHING).reasons == [
        "Assign someone before reopening this claim into Researching, or reopen it as New."
    ]


def test_fact_checkers_cannot_reopen(fact_checker):
    assert refusal(make_claim(S.DISMISSED), fact_checker, "reopen").forbidden


# --- withdraw -----------------------------------------------------------------------------


def submitted(claim, user) -> Claim:
    """``claim`` submitted by ``user`` through the workflow (so the editors are told)."""
    return workflow.apply(claim, user, "submit")


def test_the_assignee_withdraws_a_claim_from_review_and_the_editors_told_of_it_hear_so(
    fact_checker, editor, mailoutbox, django_capture_on_commit_callbacks
):
    claim = submitted(make_claim(S.RESEARCHING, assignee=fact_checker, verdict_by=fact_checker), fact_checker)
    with django_capture_on_commit_callbacks(execute=True):
        updated = workflow.apply(claim, fact_checker, "withdraw", note="The office revised the table.")
    assert updated.status == S.RESEARCHING
    event = review_events(claim)[-1]
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        S.IN_REVIEW, S.RESEARCHING, fact_checker, "The office revised the table.",
    )
    notification = Notification.objects.exclude(kind=Notification.Kind.SUBMITTED).get()
    assert (notification.recipient, notification.kind) == (editor, Notification.Kind.WITHDRAWN)
    assert "The office revised the table." in notification.message
    assert mailoutbox == []


def test_after_withdrawing_the_fact_checker_may_edit_again(fact_checker):
    claim = submitted(make_claim(S.RESEARCHING, assignee=fact_checker, verdict_by=fact_checker), fact_checker)
    with pytest.raises(services.ClaimLocked):
        services.update_claim(claim, user=fact_checker, expected_version=claim.version, changes={"claimant": "X"})
    claim = workflow.apply(claim, fact_checker, "withdraw")
    claim = services.update_claim(claim, user=fact_checker, expected_version=claim.version, changes={"claimant": "X"})
    assert claim.claimant == "X"


def test_a_submitter_who_is_not_the_assignee_may_withdraw(fact_checker):
    claim = submitted(make_claim(S.RESEARCHING, verdict_by=fact_checker), fact_checker)
    assert workflow.apply(claim, fact_checker, "withdraw").status == S.RESEARCHING


def test_another_fact_checker_cannot_withdraw(fact_checker, other_checker):
    claim = submitted(make_claim(S.RESEARCHING, assignee=fact_checker, verdict_by=fact_checker), fact_checker)
    refused = refusal(claim, other_checker, "withdraw")
    assert refused.forbidden
    assert refused.reasons == [
        "Only the fact-checker who submitted this claim, its assignee or an editor can withdraw it from review."
    ]
    claim.refresh_from_db()
    assert claim.status == S.IN_REVIEW


def test_an_editor_may_withdraw_and_readers_may_not(editor, fact_checker, reader):
    claim = submitted(make_claim(S.RESEARCHING, assignee=fact_checker, verdict_by=fact_checker), fact_checker)
    assert refusal(claim, reader, "withdraw").forbidden
    assert workflow.apply(claim, editor, "withdraw").status == S.RESEARCHING


def test_withdraw_only_from_in_review(fact_checker):
    claim = make_claim(S.RESEARCHING, assignee=fact_checker)
    assert refusal(claim, fact_checker, "withdraw").reasons == [
        "This claim is Researching: “Withdraw from review” is only possible for claims that are In review."
    ]


# --- the two-person rule covers the whole verdict -------------------------------------------


REVIEW_CHANGES = {
    "rationale": lambda claim, user: services.update_claim(
        claim, user=user, expected_version=claim.version, changes={"rationale": "Rewritten by the editor."}
    ),
    "statement": lambda claim, user: services.update_claim(
        claim, user=user, expected_version=claim.version, changes={"statement": "Reworded by the editor."}
    ),
    "source added": lambda claim, user: services.add_source(claim, user=user, url="https://stats.example.org/ed"),
    "source removed": lambda claim, user: services.remove_source(claim.sources.first(), user=user),
}


@pytest.mark.parametrize("change", list(REVIEW_CHANGES))
def test_an_editor_who_changed_any_part_of_a_submitted_verdict_cannot_publish_it(editor, fact_checker, change):
    claim = submitted(make_claim(S.RESEARCHING, assignee=fact_checker, verdict_by=fact_checker), fact_checker)
    factories.SourceFactory(claim=claim)  # a second source, so one is left after a removal
    REVIEW_CHANGES[change](Claim.objects.get(pk=claim.pk), editor)
    refused = refusal(claim, editor, "publish")
    assert refused.forbidden and "two-person rule" in refused.reasons[0]
    claim.refresh_from_db()
    assert claim.status == S.IN_REVIEW and claim.verdict_by == fact_checker
    assert workflow.apply(claim, factories.EditorFactory(), "publish").status == S.PUBLISHED


def test_an_editor_who_submitted_someone_elses_claim_cannot_publish_it(editor, fact_checker):
    claim = submitted(make_claim(S.RESEARCHING, assignee=fact_checker, verdict_by=fact_checker), editor)
    assert refusal(claim, editor, "publish").forbidden


def test_researchers_of_an_earlier_round_do_not_count_after_publication(editor, fact_checker):
    """The rule looks at the round since the claim was created or last published."""
    claim = make_claim(S.RESEARCHING, assignee=fact_checker, verdict_by=fact_checker)
    services.update_claim(claim, user=editor, expected_version=claim.version, changes={"claimant": "The mayor"})
    claim = submitted(Claim.objects.get(pk=claim.pk), fact_checker)
    assert refusal(claim, editor, "publish").forbidden
    assert workflow.check(claim, factories.EditorFactory(), "publish") == []


def test_submission_is_not_announced_to_editors_who_researched_the_claim(editor, fact_checker):
    researching_editor = factories.EditorFactory()
    claim = make_claim(S.RESEARCHING, assignee=fact_checker, verdict_by=fact_checker)
    services.update_claim(claim, user=researching_editor, expected_version=claim.version,
                          changes={"rationale": "Also checked the Q3 table."})
    submitted(Claim.objects.get(pk=claim.pk), fact_checker)
    assert [n.recipient for n in Notification.objects.filter(kind=Notification.Kind.SUBMITTED)] == [editor]


def test_an_editors_change_during_review_tells_the_editors_told_of_the_submission(editor, fact_checker):
    other_editor = factories.EditorFactory()
    claim = submitted(make_claim(S.RESEARCHING, assignee=fact_checker, verdict_by=fact_checker), fact_checker)
    services.update_claim(claim, user=editor, expected_version=claim.version, changes={"rationale": "Sharper."})
    changed = Notification.objects.filter(kind=Notification.Kind.CHANGED_IN_REVIEW)
    assert [n.recipient for n in changed] == [other_editor]  # not the editor who made the change
    assert "rationale" in changed.get().message


def test_a_published_claim_is_locked_for_everyone(editor, admin_user):
    claim = make_claim(S.PUBLISHED)
    for user in (editor, admin_user):
        with pytest.raises(services.ClaimLocked, match=r"This claim is published: propose a correction\."):
            services.update_claim(claim, user=user, expected_version=claim.version, changes={"verdict": rating("true")})
    claim.refresh_from_db()
    assert claim.verdict == rating("false") and claim.version == 1


# --- general guarantees -------------------------------------------------------------------


def test_check_lists_forbidden_and_missing_reasons_without_writing(fact_checker):
    claim = make_claim(S.RESEARCHING, assignee=factories.FactCheckerFactory(), ready=False)
    reasons = workflow.check(claim, fact_checker, "submit")
    assert reasons[0].startswith("This claim is assigned to")
    assert "Add at least one source before submitting for review." in reasons
    assert not review_events(claim)


def test_check_is_empty_when_the_step_is_allowed(editor, fact_checker):
    claim = make_claim(S.IN_REVIEW, verdict_by=fact_checker)
    assert workflow.check(claim, editor, "publish") == []


def test_a_refused_transition_changes_nothing(fact_checker):
    claim = make_claim(S.RESEARCHING, assignee=fact_checker, ready=False)
    refusal(claim, fact_checker, "submit")
    claim.refresh_from_db()
    assert claim.status == S.RESEARCHING and claim.version == 1
    assert not review_events(claim)


def test_a_stale_version_is_an_edit_conflict(fact_checker):
    claim = make_claim(S.RESEARCHING, assignee=fact_checker, verdict_by=fact_checker)
    with pytest.raises(services.EditConflict) as caught:
        workflow.apply(claim, fact_checker, "submit", expected_version=claim.version + 5)
    assert caught.value.current.status == S.RESEARCHING


def test_forbidden_wins_over_a_stale_version(reader):
    refused = refusal(make_claim(S.NEW), reader, "take", expected_version=99)
    assert refused.forbidden


def test_matching_version_is_accepted(fact_checker):
    claim = make_claim(S.NEW)
    assert workflow.apply(claim, fact_checker, "take", expected_version=claim.version).status == S.RESEARCHING


def test_unknown_step_is_refused(editor):
    assert refusal(make_claim(), editor, "launch").reasons == ["There is no workflow step called “launch”."]


def test_every_step_of_a_claims_life_is_in_its_history(editor, fact_checker):
    other_editor = factories.EditorFactory()
    claim = make_claim(S.NEW, verdict_by=fact_checker)
    claim = workflow.apply(claim, editor, "assign", assignee=fact_checker)
    claim = workflow.apply(claim, fact_checker, "submit")
    claim = workflow.apply(claim, editor, "request_changes", note="Add the Q3 source.")
    claim = workflow.apply(claim, fact_checker, "submit")
    claim = workflow.apply(claim, other_editor, "publish")
    correction = claim_corrections.propose_correction(
        claim, user=fact_checker, changes={"verdict": rating("true")}, note="Revised data.",
        expected_version=claim.version,
    )
    claim = claim_corrections.publish_correction(correction, user=editor)
    steps = [(e.kind, e.from_status, e.to_status, e.actor) for e in review_events(claim)]
    assert steps == [
        ("assigned", "", "", editor),
        ("transition", S.NEW, S.RESEARCHING, editor),
        ("transition", S.RESEARCHING, S.IN_REVIEW, fact_checker),
        ("transition", S.IN_REVIEW, S.RESEARCHING, editor),
        ("transition", S.RESEARCHING, S.IN_REVIEW, fact_checker),
        ("transition", S.IN_REVIEW, S.PUBLISHED, other_editor),
        ("corrected", S.PUBLISHED, S.PUBLISHED, editor),
    ]


# --- what the buttons offer ---------------------------------------------------------------


def names(claim, user) -> set[str]:
    return {t.name for t in workflow.available_transitions(claim, user)}


def test_buttons_offered_to_a_fact_checker_follow_the_status(fact_checker):
    assert names(make_claim(S.NEW), fact_checker) == {"take"}
    assert names(make_claim(S.RESEARCHING, assignee=fact_checker), fact_checker) == {"submit"}
    assert names(make_claim(S.IN_REVIEW, assignee=fact_checker), fact_checker) == {"withdraw"}
    assert names(make_claim(S.PUBLISHED, assignee=fact_checker), fact_checker) == set()
    assert names(make_claim(S.DISMISSED), fact_checker) == set()


def test_buttons_offered_to_an_editor_follow_the_status(editor, fact_checker):
    assert names(make_claim(S.NEW), editor) == {"take", "assign", "dismiss"}
    assert names(make_claim(S.RESEARCHING, assignee=fact_checker), editor) == {"assign", "submit", "dismiss"}
    assert names(make_claim(S.IN_REVIEW, verdict_by=fact_checker), editor) == {"request_changes", "publish", "withdraw"}
    assert names(make_claim(S.PUBLISHED), editor) == set()  # published claims change through corrections
    assert names(make_claim(S.DISMISSED), editor) == {"reopen"}


def test_publish_is_not_offered_to_the_editor_who_set_the_verdict_and_the_rule_is_explained(editor):
    claim = make_claim(S.IN_REVIEW, verdict_by=editor)
    assert names(claim, editor) == {"request_changes", "withdraw"}
    assert workflow.blocked_explanations(claim, editor) == [
        "You set this verdict yourself: another editor must publish it (two-person rule)."
    ]


def test_submit_stays_offered_while_something_is_missing_and_says_what(fact_checker):
    claim = make_claim(S.RESEARCHING, assignee=fact_checker, ready=False)
    assert "submit" in names(claim, fact_checker)
    assert "Add at least one source before submitting for review." in workflow.next_step_problems(claim, fact_checker)


def test_readers_are_offered_nothing(reader):
    for status in S.values:
        assert names(make_claim(status), reader) == set()


# --- moving to a state (admin bulk action) ------------------------------------------------


@pytest.mark.parametrize(
    ("status", "target", "step"),
    [
        (S.RESEARCHING, S.IN_REVIEW, "submit"),
        (S.IN_REVIEW, S.PUBLISHED, "publish"),
        (S.IN_REVIEW, S.RESEARCHING, "request_changes"),  # not withdraw: the admin moves with a note
        (S.NEW, S.DISMISSED, "dismiss"),
        (S.DISMISSED, S.NEW, "reopen"),
    ],
)
def test_step_towards_finds_the_workflow_step(status, target, step):
    transition, _ = workflow.step_towards(make_claim(status), target)
    assert transition.name == step


def test_step_towards_explains_when_no_step_leads_there():
    with pytest.raises(TransitionRefused) as caught:
        workflow.step_towards(make_claim(S.PUBLISHED), S.NEW)
    assert caught.value.reasons == ["No workflow step leads from Published to New."]
    with pytest.raises(TransitionRefused) as caught:
        workflow.step_towards(make_claim(S.NEW), S.RESEARCHING)
    assert "Assign to a user" in caught.value.reasons[0]

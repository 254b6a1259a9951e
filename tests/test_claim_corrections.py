"""Corrections of published claims (annotations.claim_corrections): proposed by the desk, published by a second person.

The service itself (what a proposal records, what publishing writes, who is told, every
refusal leaving no trace), then the same rules at the other doors: the admin (its proposal
form and its publish/reject/withdraw actions), ``manage.py claim`` and the claim panel.
"""

from __future__ import annotations

import io

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotations import claim_corrections, services, workflow
from annotations.claim_corrections import (
    propose_correction,
    publish_correction,
    reject_correction,
    withdraw_correction,
)
from annotations.models import Claim, ClaimCorrection, ClaimEvent, ClaimStatus, Notification, Source
from annotations.permissions import correction_policy
from tests import factories
from tests.factories import rating

pytestmark = pytest.mark.django_db

S = ClaimStatus
NOTE = "The statistics office revised its figure on 3 May."
HTMX = {"HX-Request": "true"}


@pytest.fixture
def checker(db):
    return factories.FactCheckerFactory(is_staff=True)


@pytest.fixture
def second_editor(db):
    return factories.EditorFactory(is_staff=True)


def published(checker, editor) -> Claim:
    """A claim researched by ``checker`` and published by ``editor`` through the workflow."""
    claim = factories.ClaimFactory(status=S.NEW, statement="Unemployment fell to 6 percent.")
    claim = workflow.apply(claim, checker, "take")
    claim = services.update_claim(claim, user=checker, expected_version=claim.version, changes={
        "verdict": rating("mostly-true"), "rationale": "The office reports 6.1 percent.",
    })
    services.add_source(claim, user=checker, url="https://stats.example.org/q2", title="Q2 report")
    claim = workflow.apply(Claim.objects.get(pk=claim.pk), checker, "submit")
    return workflow.apply(claim, editor, "publish")


def propose(claim, user, **changes) -> ClaimCorrection:
    changes = changes or {"verdict": rating("false")}
    return propose_correction(claim, user=user, changes=changes, note=NOTE, expected_version=claim.version)


def trace(claim: Claim) -> tuple:
    stored = Claim.objects.get(pk=claim.pk)
    return (
        stored.statement, stored.claimant, stored.verdict_id, stored.rationale, stored.version,
        sorted(Source.objects.filter(claim=claim).values_list("url", flat=True)),
        ClaimEvent.objects.filter(claim_ref=claim.pk).count(),
        list(ClaimCorrection.objects.values_list("pk", "status")),
    )


# --- proposing ---------------------------------------------------------------------------------


def test_anyone_on_the_desk_proposes_and_the_proposal_records_old_and_new_values(checker, editor, second_editor):
    claim = published(checker, editor)
    old_source = claim.sources.get()
    before = trace(claim)
    correction = propose(
        claim, checker, statement="Unemployment fell to 7 percent.", verdict=rating("false"),
        rationale="The office revised its figure to 7.1 percent.",
        sources_added=[{"url": "https://stats.example.org/revised", "title": "Revised table", "stance": "refutes"}],
        sources_removed=[old_source.pk],
    )
    assert correction.status == ClaimCorrection.Status.PROPOSED
    assert (correction.proposed_by, correction.base_version, correction.note) == (checker, claim.version, NOTE)
    assert correction.changes == {
        "statement": {"old": "Unemployment fell to 6 percent.", "new": "Unemployment fell to 7 percent."},
        "verdict": {"old": "Mostly true", "new": "False", "old_id": rating("mostly-true").pk,
                    "new_id": rating("false").pk},
        "rationale": {"old": "The office reports 6.1 percent.", "new": "The office revised its figure to 7.1 percent."},
        "sources_added": [{"url": "https://stats.example.org/revised", "title": "Revised table", "stance": "refutes"}],
        "sources_removed": [{"id": old_source.pk, "url": old_source.url, "title": "Q2 report"}],
    }
    # The claim itself does not change until a second person publishes the correction.
    assert trace(claim)[:6] == before[:6]
    [event] = ClaimEvent.objects.filter(claim_ref=claim.pk, kind=ClaimEvent.Kind.CORRECTION_PROPOSED)
    assert (event.actor, event.note, event.is_public) == (checker, NOTE, False)
    told = Notification.objects.filter(kind=Notification.Kind.CORRECTION_PROPOSED)
    assert {n.recipient for n in told} == {editor, second_editor}


def test_an_editor_proposing_is_not_told_of_their_own_proposal(checker, editor, second_editor):
    propose(published(checker, editor), editor)
    told = Notification.objects.filter(kind=Notification.Kind.CORRECTION_PROPOSED)
    assert [n.recipient for n in told] == [second_editor]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({}, "A correction has to change something"),
        ({"verdict": "mostly-true"}, "Choose a verdict from the rating scale"),
        ({"rationale": "   "}, "A published claim needs a rationale"),
        ({"statement": ""}, "A published claim needs a statement"),
        ({"sources_removed": [999999]}, "is not one of this claim's sources"),
        ({"sources_added": [{"url": "javascript:alert(1)"}]}, "New source 1:"),
        ({"sources_added": [{"url": "https://stats.example.org/q2"}]}, "is already a source of this claim"),
        ({"published_at": "yesterday"}, "These cannot be corrected: published_at."),
    ],
)
def test_a_proposal_with_a_bad_change_is_refused_and_leaves_no_trace(checker, editor, changes, problem):
    claim = published(checker, editor)
    before = trace(claim)
    with pytest.raises(ValidationError) as refused:
        propose_correction(claim, user=checker, changes=changes, note=NOTE, expected_version=claim.version)
    assert any(problem in message for message in refused.value.messages)
    assert trace(claim) == before


def test_removing_the_last_source_needs_a_new_one_in_the_same_correction(checker, editor):
    claim = published(checker, editor)
    only = claim.sources.get()
    with pytest.raises(ValidationError, match="needs at least one source"):
        propose(claim, checker, sources_removed=[only.pk])
    correction = propose(claim, checker, sources_removed=[only.pk],
                         sources_added=[{"url": "https://stats.example.org/better"}])
    assert correction.changes["sources_added"] == [{"url": "https://stats.example.org/better", "stance": "context"}]


def test_a_proposal_lists_every_problem_at_once(checker, editor):
    claim = published(checker, editor)
    with pytest.raises(ValidationError) as refused:
        propose_correction(claim, user=checker, changes={"rationale": ""}, note=" ", expected_version=claim.version)
    assert refused.value.messages == [
        "A published claim needs a rationale: write the corrected rationale.",
        "Write a public correction note that tells readers what changed and why.",
    ]


@pytest.mark.parametrize("status", [S.NEW, S.RESEARCHING, S.IN_REVIEW, S.DISMISSED])
def test_only_published_claims_are_corrected(checker, status):
    claim = factories.ClaimFactory(status=status, verdict=rating("false"))
    with pytest.raises(ValidationError) as refused:
        propose(claim, checker)
    expected = "reopen it" if status == S.DISMISSED else "change it directly"
    assert expected in refused.value.messages[0]
    assert not ClaimCorrection.objects.exists()


def test_a_proposal_against_a_stale_version_is_an_edit_conflict(checker, editor):
    claim = published(checker, editor)
    seen = claim.version
    services.link_claims(claim, factories.ClaimFactory(article=factories.ArticleFactory()), user=editor)
    with pytest.raises(services.EditConflict):
        propose_correction(claim, user=checker, changes={"verdict": rating("false")}, note=NOTE, expected_version=seen)
    assert not ClaimCorrection.objects.exists()


def test_one_open_proposal_per_claim(checker, editor):
    claim = published(checker, editor)
    first = propose(claim, checker)
    with pytest.raises(ValidationError, match="already has a correction waiting for review"):
        propose(claim, editor, rationale="Another take.")
    withdraw_correction(first, user=checker)
    assert propose(claim, editor, rationale="Another take.").status == ClaimCorrection.Status.PROPOSED


def test_readers_cannot_propose(checker, editor):
    claim = published(checker, editor)
    with pytest.raises(PermissionDenied, match=r"Only fact-checkers and editors can propose corrections\."):
        propose(claim, factories.UserFactory())


# --- publishing ----------------------------------------------------------------------------------


def test_publishing_applies_every_change_in_public_and_tells_the_checkers_and_the_proposer(
    checker, editor, second_editor, mailoutbox, django_capture_on_commit_callbacks
):
    claim = published(checker, editor)
    old_source = claim.sources.get()
    proposer = factories.FactCheckerFactory()
    correction = propose(
        claim, proposer, verdict=rating("false"), rationale="Revised to 7.1 percent.",
        sources_added=[{"url": "https://stats.example.org/revised", "title": "Revised"}],
        sources_removed=[old_source.pk],
    )
    with django_capture_on_commit_callbacks(execute=True):
        corrected = publish_correction(correction, user=second_editor, note="Checked the revision.")

    assert corrected.status == S.PUBLISHED
    assert (corrected.verdict, corrected.rationale) == (rating("false"), "Revised to 7.1 percent.")
    assert corrected.version == claim.version + 1
    assert list(corrected.sources.values_list("url", flat=True)) == ["https://stats.example.org/revised"]
    assert corrected.sources.get().added_by == proposer
    assert (corrected.reviewed_by, corrected.verdict_by) == (editor, proposer)  # the publication's reviewer stays

    events = ClaimEvent.objects.filter(claim_ref=claim.pk, kind=ClaimEvent.Kind.CORRECTED).order_by("id")
    assert [(e.field, e.old_value, e.new_value) for e in events] == [
        ("verdict", "Mostly true", "False"),
        ("rationale", "The office reports 6.1 percent.", "Revised to 7.1 percent."),
        ("source", old_source.url, ""),
        ("source", "", "https://stats.example.org/revised"),
    ]
    assert all((e.is_public, e.note, e.actor) == (True, NOTE, second_editor) for e in events)

    correction.refresh_from_db()
    assert (correction.status, correction.reviewed_by, correction.review_note) == (
        ClaimCorrection.Status.PUBLISHED, second_editor, "Checked the revision.",
    )
    assert correction.reviewed_at is not None
    told = Notification.objects.filter(kind=Notification.Kind.CORRECTED)
    assert {n.recipient for n in told} == {checker, proposer}
    assert "verdict now False, was Mostly true" in told.first().message
    assert {tuple(m.to) for m in mailoutbox} >= {(checker.email,), (proposer.email,)}


@pytest.mark.parametrize("who", ["proposer", "fact-checker", "admin proposer"])
def test_a_correction_needs_a_second_person_who_is_an_editor(checker, editor, who):
    claim = published(checker, editor)
    proposer = factories.AdminFactory() if who == "admin proposer" else editor
    correction = propose(claim, proposer)
    publisher = checker if who == "fact-checker" else proposer
    before = trace(claim)
    with pytest.raises(PermissionDenied) as refused:
        publish_correction(correction, user=publisher)
    expected = "Only editors can publish or reject corrections." if who == "fact-checker" else "two-person rule"
    assert expected in str(refused.value)
    with pytest.raises(PermissionDenied):
        reject_correction(correction, user=publisher, note="No.")
    assert trace(claim) == before


def test_a_correction_that_no_longer_applies_is_refused(checker, editor, second_editor):
    claim = published(checker, editor)
    first = propose(claim, checker, rationale="First rewrite.")
    publish_correction(first, user=second_editor)
    stale = ClaimCorrection.objects.create(
        claim=claim, changes=first.changes, note="Proposed on the old text.", base_version=claim.version,
        proposed_by=checker,
    )
    before = trace(claim)
    with pytest.raises(services.EditConflict, match="changed since this correction was proposed"):
        publish_correction(stale, user=second_editor)
    assert trace(claim) == before


def test_a_correction_is_reviewed_once(checker, editor, second_editor):
    correction = propose(published(checker, editor), checker)
    publish_correction(correction, user=second_editor)
    for attempt in (
        lambda: publish_correction(correction, user=second_editor),
        lambda: reject_correction(correction, user=second_editor, note="Late."),
        lambda: withdraw_correction(correction, user=checker),
    ):
        with pytest.raises(ValidationError, match="already published"):
            attempt()


# --- rejecting and withdrawing ---------------------------------------------------------------------


def test_rejecting_needs_a_reason_and_changes_nothing_but_the_proposal(checker, editor, second_editor):
    claim = published(checker, editor)
    correction = propose(claim, checker)
    with pytest.raises(ValidationError, match="Say why"):
        reject_correction(correction, user=second_editor, note=" ")
    before = trace(claim)
    reject_correction(correction, user=second_editor, note="The revision is not official yet.")
    correction.refresh_from_db()
    assert (correction.status, correction.reviewed_by) == (ClaimCorrection.Status.REJECTED, second_editor)
    stored = Claim.objects.get(pk=claim.pk)
    assert (stored.verdict_id, stored.version) == (before[2], before[4])
    [event] = ClaimEvent.objects.filter(claim_ref=claim.pk, kind=ClaimEvent.Kind.CORRECTION_REJECTED)
    assert (event.actor, event.note, event.is_public) == (second_editor, "The revision is not official yet.", False)


def test_only_the_proposer_withdraws(checker, editor):
    correction = propose(published(checker, editor), checker)
    with pytest.raises(PermissionDenied, match=r"Only the person who proposed a correction can withdraw it\."):
        withdraw_correction(correction, user=editor)
    assert withdraw_correction(correction, user=checker).status == ClaimCorrection.Status.WITHDRAWN


def test_the_correction_policy_answers_the_three_questions(checker, editor, second_editor):
    correction = propose(published(checker, editor), editor)
    assert not correction_policy.user_has_permission_for_instance(editor, "review", correction)
    assert correction_policy.user_has_permission_for_instance(second_editor, "review", correction)
    assert not correction_policy.user_has_permission_for_instance(checker, "review", correction)
    assert set(correction_policy.users_with_permission_for_instance("review", correction)) == {second_editor}
    assert list(correction_policy.instances_user_has_permission_for(editor, "review")) == []
    assert list(correction_policy.instances_user_has_permission_for(second_editor, "review")) == [correction]
    assert list(correction_policy.instances_user_has_permission_for(editor, "withdraw")) == [correction]
    assert correction_policy.refusal_for(checker, "review", correction) == (
        "Only editors can publish or reject corrections."
    )


# --- the other doors ---------------------------------------------------------------------------------


def messages_of(response) -> list[str]:
    return [message.message for message in get_messages(response.wsgi_request)]


def act(client, action: str, corrections: list[ClaimCorrection], **data):
    return client.post(reverse("admin:annotations_claimcorrection_changelist"), {
        "action": action, "_selected_action": [c.pk for c in corrections], "index": "0", **data,
    })


def test_admin_actions_publish_what_they_may_and_report_each_refusal(client, checker, editor, second_editor):
    editor.is_staff = True
    editor.save()
    own = propose(published(checker, editor), editor)
    others = propose(published(checker, editor), checker)
    client.force_login(editor)
    response = act(client, "publish_selected", [own, others])
    assert response.status_code == 302
    statuses = dict(ClaimCorrection.objects.values_list("pk", "status"))
    assert statuses == {own.pk: "proposed", others.pk: "published"}
    found = messages_of(response)
    assert any(text.startswith(f"Skipped correction #{own.pk}") and "two-person rule" in text for text in found)
    assert f"Published 1 correction: #{others.pk}." in found
    [event] = ClaimEvent.objects.filter(claim_ref=others.claim_id, kind=ClaimEvent.Kind.CORRECTED)
    assert (event.via, event.actor) == ("admin", editor)


def test_admin_reject_action_asks_for_the_reason_first(client, checker, editor, second_editor):
    correction = propose(published(checker, editor), checker)
    client.force_login(second_editor)
    page = act(client, "reject_selected", [correction])
    assert page.status_code == 200 and "Reject corrections" in page.content.decode()
    assert ClaimCorrection.objects.get().status == "proposed"
    act(client, "reject_selected", [correction], apply="Apply", note="Not official yet.")
    assert ClaimCorrection.objects.get().status == "rejected"


def test_a_fact_checker_in_the_admin_gets_no_review_actions(client, checker, editor):
    correction = propose(published(checker, editor), editor)
    client.force_login(checker)
    page = client.get(reverse("admin:annotations_claimcorrection_changelist"))
    assert page.status_code == 200
    assert "publish_selected" not in page.content.decode()
    act(client, "publish_selected", [correction])
    assert ClaimCorrection.objects.get().status == "proposed"


def test_the_admin_proposal_form_goes_through_the_service(client, checker, editor):
    claim = published(checker, editor)
    client.force_login(checker)
    url = reverse("admin:annotations_claimcorrection_add")
    assert client.get(f"{url}?claim={claim.pk}").status_code == 200
    refused = client.post(url, {"claim": claim.pk, "note": NOTE})
    assert refused.status_code == 200
    assert "A correction has to change something" in refused.content.decode()
    response = client.post(url, {"claim": claim.pk, "note": NOTE, "verdict": rating("false").pk,
                                 "source_url": "https://stats.example.org/new", "source_title": "New table"})
    assert response.status_code == 302
    correction = ClaimCorrection.objects.get()
    assert correction.proposed_by == checker
    assert correction.changes["sources_added"] == [
        {"url": "https://stats.example.org/new", "title": "New table", "stance": "context"}
    ]
    assert ClaimEvent.objects.get(kind=ClaimEvent.Kind.CORRECTION_PROPOSED).via == "admin"


def test_the_admin_shows_a_correction_read_only(admin_client, checker, editor):
    correction = propose(published(checker, editor), checker)
    url = reverse("admin:annotations_claimcorrection_change", args=[correction.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "Verdict: “Mostly true” → “False”" in page.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert admin_client.post(url, {"note": "Rewritten."}).status_code == 403
    assert ClaimCorrection.objects.get().note == NOTE


def test_the_command_proposes_and_a_second_editor_publishes(checker, editor, second_editor):
    claim = published(checker, editor)
    out = io.StringIO()
    call_command("claim", "propose-correction", str(claim.pk), "--user", editor.username, "--note", NOTE,
                 "--verdict", "false", "--rationale", "Revised.", stdout=out)
    correction = ClaimCorrection.objects.get()
    assert f"Correction #{correction.pk} of claim #{claim.pk} proposed" in out.getvalue()
    for user, reason in ((editor, "two-person rule"), (checker, "Only editors can publish or reject corrections.")):
        with pytest.raises(CommandError, match=reason):
            call_command("claim", "publish-correction", str(correction.pk), "--user", user.username)
    call_command("claim", "publish-correction", str(correction.pk), "--user", second_editor.username,
                 stdout=io.StringIO())
    stored = Claim.objects.get(pk=claim.pk)
    assert (stored.verdict, stored.rationale) == (rating("false"), "Revised.")
    assert set(ClaimEvent.objects.filter(claim_ref=claim.pk, kind__in=["corrected", "correction_proposed"])
               .values_list("via", flat=True)) == {"command"}


def test_the_command_explains_bad_arguments(checker, editor):
    claim = published(checker, editor)
    for args, message in (
        (["edit", "999999", "--user", checker.username, "--statement", "X"], "There is no claim #999999."),
        (["edit", str(claim.pk), "--user", "nobody", "--statement", "X"], "There is no user called “nobody”."),
        (["edit", str(claim.pk), "--user", checker.username, "--verdict", "maybe"], "There is no verdict “maybe”."),
        (["edit", str(claim.pk), "--user", checker.username], "Nothing to change"),
        (["publish-correction", "999999", "--user", editor.username], "There is no correction #999999."),
        (["transition", str(claim.pk), "launch", "--user", editor.username], "There is no workflow step called"),
        (["propose-correction", str(claim.pk), "--user", checker.username, "--note", NOTE, "--remove-source", "1",
          "--expected-version", "1"], "changed by someone else"),
    ):
        with pytest.raises(CommandError, match=message):
            call_command("claim", *args, stdout=io.StringIO())
    assert not ClaimCorrection.objects.exists()


def test_in_the_claim_panel_the_proposer_cannot_publish_and_another_editor_can(client, checker, editor, second_editor):
    claim = published(checker, editor)
    correction = propose(claim, editor)
    url = reverse("annotations:correction_publish", args=[claim.pk, correction.pk])
    for user in (editor, checker):
        client.force_login(user)
        assert client.post(url, {}, headers=HTMX).status_code == 403
    assert ClaimCorrection.objects.get().status == "proposed"
    client.force_login(second_editor)
    assert client.post(url, {"version": claim.version}, headers=HTMX).status_code == 200
    assert ClaimCorrection.objects.get().status == "published"
    assert Claim.objects.get(pk=claim.pk).verdict == rating("false")


def test_proposal_problems_reports_without_writing(checker, editor):
    claim = published(checker, editor)
    changes = {"verdict": rating("false")}
    assert claim_corrections.proposal_problems(claim, user=checker, changes=changes, note=NOTE) == []
    assert claim_corrections.proposal_problems(claim, user=factories.UserFactory(), changes={}, note="") == [
        "Only fact-checkers and editors can propose corrections."
    ]
    assert not ClaimCorrection.objects.exists()

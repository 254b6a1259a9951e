"""Notifications: an in-app row now, an email once the transaction commits."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from annotations import notifications, workflow
from annotations.models import ClaimStatus, Notification
from annotations.notification_texts import notice
from tests import factories
from tests.factories import rating

pytestmark = pytest.mark.django_db

ASSIGN = notice("assigned", actor="Ana", claim="A claim for you")
CORRECTED = notice("corrected", actor="Ana", claim="x", note="typo")
WITHDRAWN = notice("withdrawn", actor="Ana", claim="x")


def test_notify_creates_a_notification_and_emails_a_link_after_commit(
    fact_checker, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.FACTDESK_SITE_URL = "https://desk.example.org/"
    claim = factories.ClaimFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notifications.notify(fact_checker, claim, Notification.Kind.ASSIGNED, ASSIGN)
    assert notification.recipient == fact_checker and notification.read_at is None
    assert mailoutbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    [mail] = mailoutbox
    assert mail.to == [fact_checker.email]
    assert "Assigned to you" in mail.subject
    # The link opens the claim through the notification, which marks it read.
    assert f"https://desk.example.org/review/notifications/{notification.pk}/open/" in mail.body
    assert "https://desk.example.org/review/notifications/settings/" in mail.body


def test_no_email_for_a_user_without_an_address(mailoutbox, django_capture_on_commit_callbacks):
    user = factories.FactCheckerFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(user, factories.ClaimFactory(), Notification.Kind.ASSIGNED, ASSIGN)
    assert Notification.objects.filter(recipient=user).count() == 1
    assert mailoutbox == []


def test_inactive_users_are_not_notified(mailoutbox, django_capture_on_commit_callbacks):
    user = factories.FactCheckerFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.notify(user, factories.ClaimFactory(), Notification.Kind.ASSIGNED, ASSIGN) is None
    assert not Notification.objects.exists() and mailoutbox == []


def test_a_rolled_back_transition_sends_nothing(fact_checker, mailoutbox, django_capture_on_commit_callbacks):
    claim = factories.ClaimFactory()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notifications.notify(fact_checker, claim, Notification.Kind.ASSIGNED, ASSIGN)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_email_subject_is_one_line_even_for_multiline_claims(
    fact_checker, mailoutbox, django_capture_on_commit_callbacks
):
    claim = factories.ClaimFactory(statement="First line\nSecond line\r\nInjected: header")
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            fact_checker, claim, Notification.Kind.ASSIGNED, notice("assigned", actor="Ana", claim=claim.statement)
        )
    [mail] = mailoutbox
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert len(mail.subject) <= notifications.MAX_SUBJECT_LENGTH


def test_a_mail_server_failure_is_logged_not_raised(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(notifications, "send_mail", broken)
    with caplog.at_level(logging.ERROR, logger="annotations.notifications"):
        assert notifications.send_notification_email("a@example.org", "Subject", "Body") is False
    assert "Could not send the notification email" in caplog.text


def test_long_messages_are_cut_to_fit(fact_checker):
    notification = notifications.notify(
        fact_checker, factories.ClaimFactory(), Notification.Kind.CHANGES_REQUESTED,
        notice("changes_requested", actor="Ana", claim="x", note="word " * 300), email=False,
    )
    assert len(notification.message) <= notifications.MAX_MESSAGE_LENGTH
    assert notification.message.endswith("…")


def test_mark_read_only_marks_the_users_own(fact_checker):
    mine = factories.NotificationFactory(recipient=fact_checker)
    theirs = factories.NotificationFactory()
    assert notifications.mark_read(fact_checker, [mine.pk, theirs.pk]) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert notifications.unread(fact_checker).count() == 0


# --- who is told what, through the workflow ---------------------------------------------------


def test_publication_emails_the_fact_checker_with_the_verdict(editor, fact_checker, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    claim = factories.ClaimFactory(
        status=ClaimStatus.IN_REVIEW, assignee=fact_checker, verdict_by=fact_checker,
        verdict=rating("mostly-false"), rationale="Off by a factor of two.",
    )
    factories.SourceFactory(claim=claim)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.apply(claim, editor, "publish")
    [mail] = mailoutbox
    assert mail.to == [fact_checker.email]
    assert "Published" in mail.subject
    assert "(Mostly false)" in mail.body


def test_verdict_setter_and_assignee_are_both_told_when_they_differ(editor, fact_checker,
                                                                   django_capture_on_commit_callbacks, mailoutbox):
    researcher = factories.FactCheckerFactory()
    claim = factories.ClaimFactory(
        status=ClaimStatus.IN_REVIEW, assignee=researcher, verdict_by=fact_checker, verdict=rating("true"),
        rationale="R.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.apply(claim, editor, "request_changes", note="More sources.")
    assert set(Notification.objects.values_list("recipient", flat=True)) == {researcher.pk, fact_checker.pk}
    assert sorted(m.to[0] for m in mailoutbox) == sorted([researcher.email, fact_checker.email])


def test_a_refused_step_notifies_nobody(fact_checker, mailoutbox, django_capture_on_commit_callbacks):
    claim = factories.ClaimFactory(status=ClaimStatus.IN_REVIEW, verdict=rating("true"), verdict_by=fact_checker)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(workflow.TransitionRefused):
        workflow.apply(claim, fact_checker, "publish")
    assert not Notification.objects.exists() and mailoutbox == []


# --- email preferences ------------------------------------------------------------------------------


def test_without_a_choice_only_the_kinds_that_ask_to_act_are_mailed(fact_checker, mailoutbox,
                                                                   django_capture_on_commit_callbacks):
    claim = factories.ClaimFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(fact_checker, claim, Notification.Kind.CORRECTED, CORRECTED)
        notifications.notify(fact_checker, claim, Notification.Kind.WITHDRAWN, WITHDRAWN)
    assert [m.subject.split(": ")[0] for m in mailoutbox] == [f"[Factdesk] Verdict corrected #{claim.pk}"]
    assert Notification.objects.filter(recipient=fact_checker).count() == 2  # both shown in the app


def test_a_users_choice_decides_which_notifications_are_mailed(fact_checker, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    notifications.set_email_kinds(fact_checker, [Notification.Kind.WITHDRAWN, "not-a-kind"])
    assert notifications.email_kinds(fact_checker) == {Notification.Kind.WITHDRAWN}
    claim = factories.ClaimFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(fact_checker, claim, Notification.Kind.ASSIGNED, ASSIGN)
        notifications.notify(fact_checker, claim, Notification.Kind.WITHDRAWN, WITHDRAWN)
    assert len(mailoutbox) == 1 and "Withdrawn from review" in mailoutbox[0].subject


def test_choosing_no_email_at_all_sends_none(fact_checker, mailoutbox, django_capture_on_commit_callbacks):
    notifications.set_email_kinds(fact_checker, [])
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(fact_checker, factories.ClaimFactory(), Notification.Kind.ASSIGNED, ASSIGN)
    assert mailoutbox == []
    assert Notification.objects.filter(recipient=fact_checker).count() == 1


# --- read state -----------------------------------------------------------------------------------


def test_mark_claim_read_marks_only_that_users_notifications_about_that_claim(fact_checker):
    claim = factories.ClaimFactory()
    mine = factories.NotificationFactory.create_batch(2, recipient=fact_checker, claim=claim)
    elsewhere = factories.NotificationFactory(recipient=fact_checker)
    theirs = factories.NotificationFactory(claim=claim)
    assert notifications.mark_claim_read(fact_checker, claim.pk) == 2
    assert all(n.read_at for n in Notification.objects.filter(pk__in=[n.pk for n in mine]))
    assert Notification.objects.filter(pk__in=[elsewhere.pk, theirs.pk], read_at__isnull=True).count() == 2


def test_mark_claim_read_is_one_update(fact_checker, django_assert_num_queries):
    claim = factories.ClaimFactory()
    factories.NotificationFactory.create_batch(3, recipient=fact_checker, claim=claim)
    with django_assert_num_queries(1):
        notifications.mark_claim_read(fact_checker, claim.pk)


# --- a bulk assignment: one summary per person ------------------------------------------------------


def test_a_bulk_assignment_gives_each_person_one_summary(editor, fact_checker, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    other = factories.FactCheckerFactory()
    claims = [factories.ClaimFactory() for _ in range(3)]
    single = factories.ClaimFactory()
    with django_capture_on_commit_callbacks(execute=True), notifications.summarise_assignments(editor):
        for claim in claims:
            workflow.apply(claim, editor, "assign", assignee=fact_checker)
        workflow.apply(single, editor, "assign", assignee=other)
    [summary] = Notification.objects.filter(recipient=fact_checker)
    assert summary.kind == Notification.Kind.ASSIGNED_SUMMARY and summary.claim is None
    assert all(f"#{claim.pk}" in summary.message for claim in claims)
    assert "assigned you 3 claims" in summary.message
    [notice] = Notification.objects.filter(recipient=other)  # one claim: the usual notice, with its claim
    assert (notice.kind, notice.claim_id) == (Notification.Kind.ASSIGNED, single.pk)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([fact_checker.email, other.email])


def test_outside_a_bulk_action_each_assignment_is_told_on_its_own(editor, fact_checker):
    for _ in range(2):
        workflow.apply(factories.ClaimFactory(), editor, "assign", assignee=fact_checker)
    assert Notification.objects.filter(recipient=fact_checker, kind=Notification.Kind.ASSIGNED).count() == 2


def test_a_long_summary_lists_the_first_numbers_and_counts_the_rest(editor, fact_checker):
    claims = [factories.ClaimFactory() for _ in range(notifications.SUMMARY_NUMBERS + 2)]
    with notifications.summarise_assignments(editor):
        for claim in claims:
            workflow.apply(claim, editor, "assign", assignee=fact_checker)
    summary = Notification.objects.get(recipient=fact_checker)
    assert summary.message.endswith("and 2 more.")
    assert f"#{claims[-1].pk}" not in summary.message


# --- who is told of corrections and mentions ---------------------------------------------------------


def test_a_checker_is_told_when_their_published_verdict_is_corrected(editor, fact_checker):
    from annotations import claim_corrections

    claim = factories.ClaimFactory(status=ClaimStatus.RESEARCHING, assignee=fact_checker, verdict=rating("false"),
                                   rationale="R.", verdict_by=fact_checker)
    factories.SourceFactory(claim=claim)
    claim = workflow.apply(claim, fact_checker, "submit")  # the history credits the checker
    claim = workflow.apply(claim, editor, "publish")
    proposer = factories.EditorFactory()
    correction = claim_corrections.propose_correction(
        claim, user=proposer, changes={"verdict": rating("half-true")}, note="Revised.", expected_version=claim.version,
    )
    claim_corrections.publish_correction(correction, user=editor)
    told = Notification.objects.get(recipient=fact_checker, kind=Notification.Kind.CORRECTED)
    assert told.claim_id == claim.pk and "Half true" in told.message


@pytest.mark.parametrize(("text", "names"), [
    ("@erin please look", ["erin"]),
    ("thanks @erin.", ["erin.", "erin"]),
    ("mail erin@example.org, not a mention", []),
    ("(@sam) and @sam again, @j.doe-2", ["sam", "j.doe-2"]),
    ("@@double", []),
])
def test_mentions_are_found_at_word_starts(text, names):
    from annotations.mentions import mentioned_usernames

    assert mentioned_usernames(text) == names


def test_claim_numbers_are_found_but_not_inside_words_or_urls():
    from annotations.mentions import claim_references

    assert claim_references(["See #12 and (#7).", "page#3 https://x.org/#4 &#39; ##5 #6a"]) == {12, 7}


def test_a_mention_with_a_full_stop_notifies_the_person_once(fact_checker):
    from annotations.mentions import mentioned_users

    erin = factories.EditorFactory(username="erin")
    assert mentioned_users("Over to @erin. And @erin again.") == [erin]
    assert mentioned_users("@nobody here") == []
    assert mentioned_users("no mention at all") == []

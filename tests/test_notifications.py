"""Notifications: an in-app row now, an email once the transaction commits."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from annotations import notifications, workflow
from annotations.models import ClaimStatus, Notification
from tests import factories
from tests.factories import rating

pytestmark = pytest.mark.django_db


def test_notify_creates_a_notification_and_emails_a_link_after_commit(
    fact_checker, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.FACTDESK_SITE_URL = "https://desk.example.org/"
    claim = factories.ClaimFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notifications.notify(fact_checker, claim, Notification.Kind.ASSIGNED, "A claim for you.")
    assert notification.recipient == fact_checker and notification.read_at is None
    assert mailoutbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    [mail] = mailoutbox
    assert mail.to == [fact_checker.email]
    assert "Assigned to you" in mail.subject
    assert f"https://desk.example.org/articles/{claim.article_id}/?claim={claim.pk}#claim-{claim.pk}" in mail.body


def test_no_email_for_a_user_without_an_address(mailoutbox, django_capture_on_commit_callbacks):
    user = factories.FactCheckerFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(user, factories.ClaimFactory(), Notification.Kind.ASSIGNED, "Hi")
    assert Notification.objects.filter(recipient=user).count() == 1
    assert mailoutbox == []


def test_inactive_users_are_not_notified(mailoutbox, django_capture_on_commit_callbacks):
    user = factories.FactCheckerFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.notify(user, factories.ClaimFactory(), Notification.Kind.ASSIGNED, "Hi") is None
    assert not Notification.objects.exists() and mailoutbox == []


def test_a_rolled_back_transition_sends_nothing(fact_checker, mailoutbox, django_capture_on_commit_callbacks):
    claim = factories.ClaimFactory()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notifications.notify(fact_checker, claim, Notification.Kind.ASSIGNED, "Hi")
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
        notifications.notify(fact_checker, claim, Notification.Kind.ASSIGNED, f"About {claim.statement}")
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
        fact_checker, factories.ClaimFactory(), Notification.Kind.ASSIGNED, "word " * 300, email=False
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

"""Telling people about claims that need them: an in-app notification, and an email if they want it.

The notification row is written inside the caller's transaction, so a refused or rolled
back transition leaves no trace; the email leaves only after the transaction commits, so
nobody is mailed about a change that never happened. Mail goes through Django's email
framework: the console backend by default, SMTP when EMAIL_HOST is set (see settings).

The loop closes three ways:

* each user chooses which kinds also come by email (:class:`NotificationPreference`;
  without a choice, the kinds that ask them to act: ``DEFAULT_EMAIL_KINDS``);
* opening a claim from its notification, or acting on the claim, marks that user's
  notifications about it read (:func:`mark_claim_read`, one UPDATE);
* a bulk assignment tells each person once: inside :func:`summarise_assignments`, the
  per-claim "assigned to you" notices are collected and each assignee gets one summary.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from annotations.models import Claim, Notification, NotificationPreference
from annotations.notification_texts import NoticeText, notice
from annotations.permissions import claim_policy
from factcheck.display import display_name, one_line
from factcheck.i18n import saved_language

logger = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = Notification._meta.get_field("message").max_length
MAX_SUBJECT_LENGTH = 150
#: How many claim numbers a summary notification lists before "and N more".
SUMMARY_NUMBERS = 20


def claim_path(claim: Claim) -> str:
    """Where a claim lives in the app: its article page with the claim's panel open."""
    return f"{reverse('articles:detail', args=[claim.article_id])}?claim={claim.pk}#claim-{claim.pk}"


def claim_url(claim: Claim) -> str:
    """The absolute link to a claim (FACTDESK_SITE_URL + the claim's path)."""
    return _absolute(claim_path(claim))


def _absolute(path: str) -> str:
    return settings.FACTDESK_SITE_URL.rstrip("/") + path


# --- email preferences ------------------------------------------------------------------


def email_kinds(user: AbstractBaseUser) -> frozenset[str]:
    """The notification kinds ``user`` also receives by email (their choice, else the defaults)."""
    chosen = NotificationPreference.objects.filter(user_id=user.pk).values_list("email_kinds", flat=True).first()
    if chosen is None:
        return frozenset(NotificationPreference.DEFAULT_EMAIL_KINDS)
    return frozenset(kind for kind in chosen if kind in Notification.Kind.values)


def set_email_kinds(user: AbstractBaseUser, kinds: Iterable[str]) -> NotificationPreference:
    """Store which kinds ``user`` wants by email (unknown kinds are dropped); an empty choice means none."""
    chosen = [kind for kind in Notification.Kind.values if kind in set(kinds)]
    preference, _ = NotificationPreference.objects.update_or_create(user=user, defaults={"email_kinds": chosen})
    return preference


# --- sending ----------------------------------------------------------------------------


def notify(
    recipient: AbstractBaseUser | None, claim: Claim, kind: str, text: NoticeText, *, email: bool = True
) -> Notification | None:
    """Record a notification for ``recipient`` and, after commit, email it if they want that kind by email.

    Only someone who may see the claim is told (None is returned otherwise): a deactivated
    account collects no messages or mail, and a user without a desk role (say, an assignee
    whose role was taken away) hears nothing about work that is not published. ``email=False``
    keeps a notice in the app whatever the preferences say (it is not worth a mail).
    ``text`` is kept as a template and its parameters, so each reader sees it in their own
    language (:mod:`annotations.notification_texts`).
    Inside :func:`summarise_assignments`, "assigned to you" notices are held back for the summary.
    """
    if recipient is None or not claim_policy.user_has_permission_for_instance(recipient, "view", claim):
        return None
    batch = _assignment_batch.get()
    if batch is not None and kind == Notification.Kind.ASSIGNED:
        batch.add(recipient, claim, text)
        return None
    notification = _record(recipient, claim, kind, text)
    if email:
        _mail(notification, recipient)
    return notification


def _record(recipient: AbstractBaseUser, claim: Claim | None, kind: str, text: NoticeText) -> Notification:
    return Notification.objects.create(
        recipient=recipient, claim=claim, kind=kind, template=text.key, params=dict(text.params),
        message=one_line(text.english(), MAX_MESSAGE_LENGTH),
    )


def _mail(notification: Notification, recipient: AbstractBaseUser) -> None:
    """Email the notification after commit, if the recipient has an address and wants this kind by email."""
    address = getattr(recipient, "email", "")
    if not address or notification.kind not in email_kinds(recipient):
        return
    number = f" #{notification.claim_id}" if notification.claim_id else ""
    link = _absolute(reverse("review:notification_open", args=[notification.pk]))
    # The recipient's saved language, else the desk's (FACTDESK_LANGUAGE): never the actor's by accident.
    with translation.override(saved_language(recipient) or settings.LANGUAGE_CODE):
        text = notification.text
        subject = one_line(
            _("[%(organization)s] %(kind)s%(number)s: %(message)s") % {
                "organization": settings.FACTDESK_ORGANIZATION_NAME, "kind": notification.get_kind_display(),
                "number": number, "message": text,
            },
            MAX_SUBJECT_LENGTH,
        )
        body = _(
            "%(message)s\n\nOpen it: %(link)s\n\n"
            "Choose which notifications you receive by email: %(settings)s\n\n"
            "— %(organization)s\n"
        ) % {
            "message": text, "link": link,
            "settings": _absolute(reverse("review:notification_settings")),
            "organization": settings.FACTDESK_ORGANIZATION_NAME,
        }
    transaction.on_commit(lambda: send_notification_email(address, subject, body))


def send_notification_email(address: str, subject: str, body: str) -> bool:
    """Send one notification email; a mail server failure is logged, never raised.

    The transition is already committed when this runs, so raising would turn a
    successful action into an error page for the user.
    """
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    except Exception:
        logger.exception("Could not send the notification email to %s", address)
        return False
    return True


# --- one summary per person for a bulk assignment ----------------------------------------


@dataclass
class _AssignmentBatch:
    """Assignments collected during a bulk action: per recipient, the claims and each claim's text."""

    actor: AbstractBaseUser | AnonymousUser | None
    assigned: dict[int, tuple[AbstractBaseUser, list[tuple[Claim, NoticeText]]]] = field(default_factory=dict)

    def add(self, recipient: AbstractBaseUser, claim: Claim, text: NoticeText) -> None:
        self.assigned.setdefault(recipient.pk, (recipient, []))[1].append((claim, text))


_assignment_batch: contextvars.ContextVar[_AssignmentBatch | None] = contextvars.ContextVar(
    "factdesk_assignment_batch", default=None
)


@contextmanager
def summarise_assignments(actor: AbstractBaseUser | AnonymousUser | None) -> Iterator[None]:
    """Within the block, tell each assignee once: one summary notification instead of one per claim.

    Wrap a bulk assignment in it (the admin's "Assign to a user…"); the workflow still
    decides who is told of each claim, this only changes how. Someone assigned a single
    claim gets the usual notice for that claim (it links to it).
    """
    batch = _AssignmentBatch(actor)
    token = _assignment_batch.set(batch)
    try:
        yield
    finally:
        _assignment_batch.reset(token)
        for recipient, items in batch.assigned.values():
            _send_summary(recipient, items, actor)


def _send_summary(
    recipient: AbstractBaseUser, items: list[tuple[Claim, NoticeText]], actor: AbstractBaseUser | AnonymousUser | None
) -> Notification | None:
    if len(items) == 1:
        claim, text = items[0]
        return notify(recipient, claim, Notification.Kind.ASSIGNED, text)
    numbers = ", ".join(f"#{claim.pk}" for claim, _ in items[:SUMMARY_NUMBERS])
    more = len(items) - SUMMARY_NUMBERS
    summary = (
        notice("assigned_summary_more", actor=display_name(actor), count=len(items), numbers=numbers, more=more)
        if more > 0
        else notice("assigned_summary", actor=display_name(actor), count=len(items), numbers=numbers)
    )
    notification = _record(recipient, None, Notification.Kind.ASSIGNED_SUMMARY, summary)
    _mail(notification, recipient)
    return notification


# --- read state ----------------------------------------------------------------------------


def unread(user: AbstractBaseUser) -> QuerySet[Notification]:
    """The user's unread notifications."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


def mark_read(user: AbstractBaseUser, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications as read (all of them, or only ``ids``); returns how many.

    Filtering on the recipient means one user can never mark another's notifications.
    """
    notifications = unread(user)
    if ids is not None:
        notifications = notifications.filter(pk__in=list(ids))
    return notifications.update(read_at=timezone.now())


def mark_claim_read(user: AbstractBaseUser | AnonymousUser, claim_id: int) -> int:
    """Mark everything ``user`` was told about claim ``claim_id`` as read (one UPDATE); returns how many.

    Called when they open the claim from a notification or act on it (a review step, a
    correction): whatever the notifications asked of them is now in hand.
    """
    if not getattr(user, "is_authenticated", False):
        return 0
    return unread(user).filter(claim_id=claim_id).update(read_at=timezone.now())

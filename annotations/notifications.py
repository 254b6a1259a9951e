"""Telling people about claims that need them: an in-app notification, and usually an email.

The notification row is written inside the caller's transaction, so a refused or rolled
back transition leaves no trace; the email leaves only after the transaction commits, so
nobody is mailed about a change that never happened. Mail goes through Django's email
framework: the console backend by default, SMTP when EMAIL_HOST is set (see settings).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from annotations.models import Claim, Notification
from annotations.permissions import claim_policy
from factcheck.display import one_line

logger = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = Notification._meta.get_field("message").max_length
MAX_SUBJECT_LENGTH = 150


def claim_path(claim: Claim) -> str:
    """Where a claim lives in the app: its article page with the claim's panel open."""
    return f"{reverse('articles:detail', args=[claim.article_id])}?claim={claim.pk}#claim-{claim.pk}"


def claim_url(claim: Claim) -> str:
    """The absolute link used in emails (FACTDESK_SITE_URL + the claim's path)."""
    return settings.FACTDESK_SITE_URL.rstrip("/") + claim_path(claim)


def notify(
    recipient: AbstractBaseUser | None, claim: Claim, kind: str, message: str, *, email: bool = True
) -> Notification | None:
    """Record a notification for ``recipient`` and, after commit, email it if they have an address.

    Only someone who may see the claim is told (None is returned otherwise): a deactivated
    account collects no messages or mail, and a user without a desk role (say, an assignee
    whose role was taken away) hears nothing about work that is not published.
    """
    if recipient is None or not claim_policy.user_has_permission_for_instance(recipient, "view", claim):
        return None
    notification = Notification.objects.create(
        recipient=recipient, claim=claim, kind=kind, message=one_line(message, MAX_MESSAGE_LENGTH)
    )
    address = getattr(recipient, "email", "")
    if email and address:
        subject = one_line(
            f"[{settings.FACTDESK_ORGANIZATION_NAME}] {notification.get_kind_display()}: {notification.message}",
            MAX_SUBJECT_LENGTH,
        )
        signature = settings.FACTDESK_ORGANIZATION_NAME
        body = f"{notification.message}\n\nOpen the claim: {claim_url(claim)}\n\n— {signature}\n"
        transaction.on_commit(lambda: send_notification_email(address, subject, body))
    return notification


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

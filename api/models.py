"""Per-user API tokens (only a SHA-256 hash of the key is stored; the key is shown once), and webhooks.

Webhook endpoints are registered by admins; every event sent to one is a delivery with its
attempts and the endpoint's answers (api/webhooks.py sends them, docs/webhooks.md).
"""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from factcheck.validators import http_url_validator

#: What a key starts with, so a leaked key is recognisable (secret scanners, logs).
KEY_PREFIX = "fd_"


def hash_key(key: str) -> str:
    """The stored form of a key: a SHA-256 hex digest (keys are random, so no salt or slow hash is needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)

    def revoke(self) -> int:
        """Revoke every token in the queryset that is still active; returns how many were revoked."""
        return self.active().update(revoked_at=timezone.now())


class ApiToken(models.Model):
    """A named key a user sends as ``Authorization: Token <key>`` (or ``Bearer``) instead of a session."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for (a script, an integration).")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    #: The first characters of the key, so its owner can tell tokens apart (not enough to guess it).
    key_hint = models.CharField(max_length=12, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.key_hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def issue(cls, user: object, name: str) -> tuple[ApiToken, str]:
        """Create a token for ``user``; returns it with the plain key (never stored, shown once)."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=hash_key(key), key_hint=key[:10])
        return token, key


# --- webhooks ------------------------------------------------------------------------------------

#: What a webhook secret starts with (like an API key's prefix: recognisable when leaked).
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


class WebhookEvent(models.TextChoices):
    """The events an endpoint may subscribe to (``api.webhooks`` sends them; docs/webhooks.md)."""

    CLAIM_PUBLISHED = "claim.published", "Claim published"
    CLAIM_CORRECTED = "claim.corrected", "Claim corrected"
    CLAIM_DISMISSED = "claim.dismissed", "Claim dismissed"
    ARTICLE_CORRECTED = "article.corrected", "Article corrected by the desk"
    ARTICLE_CHANGED_BY_OUTLET = "article.changed_by_outlet", "Article changed by its outlet"


def new_webhook_secret() -> str:
    """A random signing secret; shown to admins so the receiver can verify signatures."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def validate_webhook_url(value: str) -> None:
    """http(s) only (the shared rule), and no user name or password in the address (they would leak in logs)."""
    http_url_validator(value)
    if urlsplit(value).username is not None:
        raise ValidationError("Put no user name or password in the address: the signature proves who is sending.")


def validate_webhook_events(value: object) -> None:
    """``events`` is a non-empty list of known event names (the admin form offers only those)."""
    if not isinstance(value, list) or not value:
        raise ValidationError("Choose at least one event.")
    unknown = [str(name) for name in value if name not in WebhookEvent.values]
    if unknown:
        raise ValidationError(f"Unknown event(s): {', '.join(unknown)}.")


class WebhookEndpoint(models.Model):
    """An address outside Factdesk told about events, registered by an admin.

    Deliveries are signed with ``secret`` (HMAC-SHA256, docs/webhooks.md). An endpoint that
    fails ``FACTDESK_WEBHOOK_DISABLE_AFTER`` deliveries in a row is switched off
    (``active=False`` with ``disabled_at`` and ``disabled_reason``) and the admins are told.
    """

    name = models.CharField(max_length=100, help_text="Who receives these events (a partner, a newsroom system).")
    url = models.URLField(
        max_length=500, validators=[validate_webhook_url],
        help_text="An http(s) address. Private and loopback addresses are refused when sending.",
    )
    events = models.JSONField(default=list, validators=[validate_webhook_events],
                              help_text="The events sent to this address.")
    secret = models.CharField(max_length=80, default=new_webhook_secret, editable=False)
    active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(
        default=0, editable=False, help_text="Failed deliveries since the last successful one."
    )
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=500, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"

    def wants(self, event: str) -> bool:
        """Whether this endpoint is switched on and subscribed to ``event``."""
        return self.active and event in (self.events or [])


class WebhookDelivery(models.Model):
    """One event for one endpoint, and every attempt to send it (the admin's delivery log)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Sending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    #: The longest stored excerpt of an answer's body (the rest is never kept).
    RESPONSE_EXCERPT_CHARS = 2000

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="The start of the last answer's body.")
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhookdelivery_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.get_status_display()})"

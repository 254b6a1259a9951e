"""Per-user API tokens: only a SHA-256 hash of the key is stored; the key is shown once."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

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

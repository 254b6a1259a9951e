"""Webhooks: telling systems outside Factdesk that a claim or an article changed.

The lower layers only *announce* (``annotations.signals``: a claim published, corrected or
dismissed; ``articles.signals``: an article corrected on the desk or changed by its
outlet). This module, in the top layer, listens. For each endpoint an admin registered for
the event (``api.WebhookEndpoint``, in the Django admin) it writes a
:class:`~api.models.WebhookDelivery` *inside the transaction that made the change* (a
rolled-back change is never announced) and queues the delivery task once it commits.

The background worker (``manage.py db_worker``) sends each delivery:

* **signed**: ``Factdesk-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``
  with the endpoint's secret (the scheme of Stripe's webhooks; docs/webhooks.md shows a
  receiver verifying it, and :func:`verify_signature` is the reference);
* **safely**: http(s) only, every address the host resolves to checked with the fetcher's
  rule (:func:`articles.fetching.refused_address`: no loopback, private, link-local...),
  connecting to the checked address; redirects are never followed; connect and read
  timeouts; at most ``FACTDESK_WEBHOOK_RESPONSE_MAX_BYTES`` of the answer are read and an
  excerpt is kept in the delivery log;
* **again, later**: a failed attempt (not 2xx) is retried after
  ``FACTDESK_WEBHOOK_BACKOFF_BASE * 2^(attempt-1)`` seconds (capped), up to
  ``FACTDESK_WEBHOOK_MAX_ATTEMPTS`` attempts. A backend that can defer tasks (the database
  backend) is given the retry with ``run_after``; ``manage.py retry_webhooks`` (cron) sends
  whatever is due in any case, and picks up attempts a killed worker left behind;
* **not for ever**: ``FACTDESK_WEBHOOK_DISABLE_AFTER`` failed deliveries in a row switch
  the endpoint off; every admin is emailed (the webhook policy's "who may change
  endpoints") and the admin's endpoint list says so until someone switches it on again.

Every state change of a delivery is a conditional ``UPDATE … WHERE status = …``, so two
workers given the same delivery send it once.

Payloads (docs/webhooks.md) carry the event name, a timestamp and the *public*
representation: a published or corrected claim as its public page shows it (its public
address from :mod:`annotations.public_links`, no assignee or desk notes); a dismissed claim,
which never was public, only by its number, its article and the quoted words.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from rest_framework import serializers
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError, ReadTimeoutError, SSLError

from annotations.models import Claim
from annotations.notifications import send_notification_email
from annotations.public_links import is_public, public_article_path, public_claim_url, site_url
from annotations.signals import claim_corrected, claim_dismissed, claim_published
from api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, new_webhook_secret
from api.serializers import ArticleSerializer, ClaimSerializer, SourceSerializer
from articles.fetching import (  # the fetcher's address rule, reused
    FetchError,
    FetchPolicy,
    InvalidUrl,
    RefusedAddress,
    checked_address,
    host_header,
    pinned_pool,
    split_url,
    user_agent,
)
from articles.models import Article, ArticleRevision
from articles.signals import article_changed_by_outlet, article_corrected
from articles.text import strip_control_chars
from factcheck.permissions import AdminOnlyPolicy, register

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status

#: Endpoints and their delivery log are the admins' (the admin obeys this; so does "who to tell").
webhook_policy: AdminOnlyPolicy[WebhookEndpoint] = AdminOnlyPolicy(WebhookEndpoint)
register(webhook_policy, WebhookEndpoint, WebhookDelivery)

SIGNATURE_HEADER = "Factdesk-Signature"
EVENT_HEADER = "Factdesk-Event"
DELIVERY_HEADER = "Factdesk-Delivery"
#: Receivers should refuse signatures older than this (seconds): a replayed request is stale.
SIGNATURE_TOLERANCE = 300
#: An attempt still "sending" after this long belongs to a worker that died: it is tried again.
STALE_SENDING = timedelta(minutes=15)


# --- settings ----------------------------------------------------------------------------------


def max_attempts() -> int:
    """``FACTDESK_WEBHOOK_MAX_ATTEMPTS`` (default 8): attempts per delivery, the first included."""
    return max(1, int(getattr(settings, "FACTDESK_WEBHOOK_MAX_ATTEMPTS", 8)))


def disable_after() -> int:
    """``FACTDESK_WEBHOOK_DISABLE_AFTER`` (default 5): failed deliveries in a row that switch an endpoint off."""
    return max(1, int(getattr(settings, "FACTDESK_WEBHOOK_DISABLE_AFTER", 5)))


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: doubling from the base, capped.

    Exponential back-off gives a receiver that is down for maintenance room to come back
    without Factdesk hammering it, and the cap keeps the last retries within hours.
    """
    base = float(getattr(settings, "FACTDESK_WEBHOOK_BACKOFF_BASE", 60))
    cap = float(getattr(settings, "FACTDESK_WEBHOOK_BACKOFF_MAX", 6 * 3600))
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def sending_policy() -> FetchPolicy:
    """The fetcher's policy, with the webhook settings: allowed intranet hosts and timeouts."""
    return FetchPolicy(
        allowed_hosts=frozenset(host.lower() for host in getattr(settings, "FACTDESK_WEBHOOK_ALLOWED_HOSTS", [])),
        connect_timeout=float(getattr(settings, "FACTDESK_WEBHOOK_CONNECT_TIMEOUT", 5)),
        read_timeout=float(getattr(settings, "FACTDESK_WEBHOOK_READ_TIMEOUT", 10)),
        max_bytes=int(getattr(settings, "FACTDESK_WEBHOOK_RESPONSE_MAX_BYTES", 64 * 1024)),
        deadline=float(getattr(settings, "FACTDESK_WEBHOOK_CONNECT_TIMEOUT", 5))
        + float(getattr(settings, "FACTDESK_WEBHOOK_READ_TIMEOUT", 10)),
        max_redirects=0,
        user_agent=user_agent(getattr(settings, "FACTDESK_SITE_URL", "")),
    )


# --- signatures --------------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under ``secret`` (the ``v1`` value)."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The ``Factdesk-Signature`` value: ``t=<timestamp>,v1=<signature>``.

    The timestamp is signed with the body so a captured request cannot be replayed later
    (receivers refuse old timestamps), and the scheme leaves room for ``v2`` signatures
    beside ``v1`` when the secret is rotated or the algorithm changes.
    """
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify_signature(
    secret: str, header: str, body: bytes, *, tolerance: int = SIGNATURE_TOLERANCE, now: float | None = None
) -> bool:
    """What a receiver does (docs/webhooks.md): a ``v1`` signature matches and the timestamp is recent."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _sep, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts.get("t", [""])[0])
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", []))


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact JSON, keys sorted, UTF-8."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


# --- payloads ----------------------------------------------------------------------------------


class WebhookClaimSerializer(ClaimSerializer):
    """A claim as its public page shows it: no assignee, offsets or anchoring state."""

    url = serializers.SerializerMethodField()
    verdict_name = serializers.SerializerMethodField()
    sources = SourceSerializer(many=True, read_only=True)

    class Meta(ClaimSerializer.Meta):
        fields = ["id", "url", "status", "statement", "claimant", "exact", "verdict", "verdict_name", "rationale",
                  "sources", "published_at", "updated_at", "version"]

    def get_url(self, claim: Claim) -> str | None:
        return public_claim_url(claim)

    def get_verdict_name(self, claim: Claim) -> str | None:
        return claim.verdict.name if claim.verdict_id else None


def article_data(article: Article, revision: ArticleRevision | None = None) -> dict[str, Any]:
    """The article's public facts (the API's article fields), its public page and published fact-checks."""
    published = [claim for claim in Claim.objects.filter(article=article).only("pk", "statement", "exact", "status")
                 if is_public(claim)]
    data: dict[str, Any] = dict(ArticleSerializer(article).data)
    data["public_url"] = site_url(public_article_path(article)) if published else None
    data["fact_checks"] = [public_claim_url(claim) for claim in published]
    if revision is not None:
        data["revision"] = {"number": revision.number, "created_at": revision.created_at.isoformat()}
    return data


def published_claim_data(claim: Claim) -> dict[str, Any]:
    """A published (or corrected) claim, as public as its page, with its article."""
    data: dict[str, Any] = dict(WebhookClaimSerializer(claim).data)
    data["article"] = article_data(claim.article)
    return data


def dismissed_claim_data(claim: Claim) -> dict[str, Any]:
    """A dismissed claim was never public: its number, the outlet's quoted words and the article only."""
    article = dict(ArticleSerializer(claim.article).data)
    return {"id": claim.pk, "status": claim.status, "exact": claim.exact, "article": article}


def envelope(event: str, data: dict[str, Any]) -> dict[str, Any]:
    """What every delivery's body holds: an event id (the same for every endpoint), its name, when, the data."""
    return {"id": uuid.uuid4().hex, "event": event, "timestamp": timezone.now().isoformat(), "data": data}


# --- queueing ----------------------------------------------------------------------------------


def subscribed(event: str) -> list[WebhookEndpoint]:
    """The switched-on endpoints that asked for ``event`` (few rows: filtered here, portably)."""
    return [endpoint for endpoint in WebhookEndpoint.objects.filter(active=True) if endpoint.wants(event)]


def queue_event(event: str, build: Callable[[], dict[str, Any]]) -> list[WebhookDelivery]:
    """Record a delivery of ``event`` for every subscribed endpoint; queue them once the transaction commits.

    ``build`` makes the data only when someone listens, so an event nobody subscribed to
    costs one query. Called inside the change's transaction: the deliveries roll back with it.
    """
    endpoints = subscribed(event)
    if not endpoints:
        return []
    payload = envelope(event, build())
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=e, event=event, payload=payload, next_attempt_at=now) for e in endpoints]
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: [enqueue(pk) for pk in ids])
    return deliveries


def enqueue(delivery_id: int, when: datetime | None = None) -> bool:
    """Hand a delivery to the worker (at ``when`` if the backend can defer); False if left for ``retry_due``."""
    deliver = deliver_webhook
    if when is not None and when > timezone.now():
        if not deliver.get_backend().supports_defer:
            return False  # manage.py retry_webhooks sends it when it is due
        deliver = deliver.using(run_after=when)
    try:
        deliver.enqueue(delivery_id)
    except Exception:  # a task backend outage must not undo the change that was announced
        logger.exception("Could not queue webhook delivery %s; retry_webhooks will send it", delivery_id)
        return False
    return True


# --- the receivers -----------------------------------------------------------------------------


@receiver(claim_published, dispatch_uid="api.webhooks.claim_published")
def _on_claim_published(sender: Any, claim: Claim, **kwargs: Any) -> None:
    queue_event(WebhookEvent.CLAIM_PUBLISHED, lambda: published_claim_data(claim))


@receiver(claim_corrected, dispatch_uid="api.webhooks.claim_corrected")
def _on_claim_corrected(sender: Any, claim: Claim, correction: Any, **kwargs: Any) -> None:
    def build() -> dict[str, Any]:
        data = published_claim_data(claim)
        reviewed = correction.reviewed_at or timezone.now()
        data["correction"] = {"id": correction.pk, "note": correction.note, "published_at": reviewed.isoformat()}
        return data

    queue_event(WebhookEvent.CLAIM_CORRECTED, build)


@receiver(claim_dismissed, dispatch_uid="api.webhooks.claim_dismissed")
def _on_claim_dismissed(sender: Any, claim: Claim, **kwargs: Any) -> None:
    queue_event(WebhookEvent.CLAIM_DISMISSED, lambda: dismissed_claim_data(claim))


@receiver(article_corrected, dispatch_uid="api.webhooks.article_corrected")
def _on_article_corrected(sender: Any, article: Article, revision: ArticleRevision | None = None,
                          **kwargs: Any) -> None:
    queue_event(WebhookEvent.ARTICLE_CORRECTED, lambda: article_data(article, revision))


@receiver(article_changed_by_outlet, dispatch_uid="api.webhooks.article_changed_by_outlet")
def _on_article_changed_by_outlet(sender: Any, article: Article, revision: ArticleRevision | None = None,
                                  **kwargs: Any) -> None:
    queue_event(WebhookEvent.ARTICLE_CHANGED_BY_OUTLET, lambda: article_data(article, revision))


# --- sending -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """How one attempt went: the status code and the start of the body, or why there was none."""

    status: int | None = None
    body: str = ""
    error: str = ""
    #: The address itself is refused (not http(s), private): trying again cannot help.
    permanent: bool = False

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _read_capped(response: urllib3.BaseHTTPResponse, policy: FetchPolicy) -> bytes:
    """At most ``policy.max_bytes`` of the answer, within ``policy.deadline``: the rest is never read.

    The body is only kept as an excerpt for the log, so a huge or endless answer is cut, not
    an error; a receiver dripping bytes cannot hold a worker beyond the deadline either.
    """
    started = time.monotonic()
    chunks: list[bytes] = []
    size = 0
    while size < policy.max_bytes and time.monotonic() - started < policy.deadline:
        chunk = response.read1(min(64 * 1024, policy.max_bytes - size), decode_content=False)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def post(url: str, body: bytes, headers: dict[str, str], policy: FetchPolicy | None = None) -> Answer:
    """POST ``body`` to ``url`` under the fetcher's address rule; never raises, never follows a redirect.

    The host is resolved and every address checked before connecting, and the connection
    goes to the checked address (no DNS rebinding between check and connect); https keeps
    the real host name for SNI and certificate checks.
    """
    policy = policy or sending_policy()
    try:
        scheme, host, port, target = split_url(url)
        address = checked_address(host, port, policy, url)
    except (InvalidUrl, RefusedAddress) as error:
        return Answer(error=str(error)[:500], permanent=True)
    except FetchError as error:  # DNS: may come back
        return Answer(error=str(error)[:500])
    timeout = urllib3.Timeout(connect=policy.connect_timeout, read=policy.read_timeout)
    pool = pinned_pool(scheme, address, port, host, timeout)
    headers = {"Host": host_header(host, port, scheme), "User-Agent": policy.user_agent, **headers}
    try:
        response = pool.urlopen("POST", target, body=body, headers=headers, redirect=False,
                                preload_content=False, assert_same_host=False)
        try:
            content = _read_capped(response, policy)
        finally:
            response.close()
    except (ConnectTimeoutError, ReadTimeoutError):
        return Answer(error=_("%(host)s did not answer within the timeout (%(connect)s s to connect, "
                              "%(read)s s to answer).")
                      % {"host": host, "connect": f"{policy.connect_timeout:g}", "read": f"{policy.read_timeout:g}"})
    except NewConnectionError:
        return Answer(error=_("Could not connect to %(host)s: the server is down or refuses connections.")
                      % {"host": host})
    except SSLError as error:
        return Answer(error=(_("The secure connection to %(host)s failed: %(error)s")
                             % {"host": host, "error": error})[:500])
    except (HTTPError, OSError) as error:
        return Answer(error=(_("The request to %(host)s failed: %(error)s") % {"host": host, "error": error})[:500])
    finally:
        pool.close()
    excerpt = strip_control_chars(content.decode("utf-8", "replace"))[: WebhookDelivery.RESPONSE_EXCERPT_CHARS]
    error = ""
    if 300 <= response.status < 400:
        error = _("The endpoint answered %(status)s (a redirect); webhooks do not follow redirects.") % {
            "status": response.status
        }
    elif not 200 <= response.status < 300:
        error = _("The endpoint answered %(status)s.") % {"status": response.status}
    return Answer(status=response.status, body=excerpt, error=error)


def send(delivery: WebhookDelivery) -> Answer:
    """One attempt: the signed POST of the delivery's payload to its endpoint."""
    body = body_bytes(delivery.payload)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature_header(delivery.endpoint.secret, body),
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.pk),
    }
    return post(delivery.endpoint.url, body, headers)


def _claim(delivery_id: int, now: datetime) -> bool:
    """Take a due, waiting delivery for this attempt (one conditional UPDATE: one worker wins)."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return bool(
        WebhookDelivery.objects.filter(due, pk=delivery_id, status=Status.PENDING).update(
            status=Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=now, next_attempt_at=None
        )
    )


def _record(delivery: WebhookDelivery, answer: Answer, **fields: Any) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
        response_code=answer.status, response_body=answer.body, error=answer.error[:500], **fields
    )


def attempt(delivery_id: int) -> str:
    """Send one delivery once if it is due; record the answer; retry, give up or succeed. Returns the status."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:  # its endpoint was deleted meanwhile (the log goes with it)
        return "skipped"
    if not delivery.endpoint.active:
        _record(delivery, Answer(error=_("Not sent: the endpoint is switched off.")), status=Status.CANCELLED)
        return Status.CANCELLED
    answer = send(delivery)
    finished = timezone.now()
    if answer.ok:
        _record(delivery, answer, status=Status.SUCCEEDED, delivered_at=finished)
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(consecutive_failures=0,
                                                                       last_success_at=finished)
        return Status.SUCCEEDED
    if answer.permanent or delivery.attempts >= max_attempts():
        _record(delivery, answer, status=Status.FAILED)
        _count_failure(delivery.endpoint_id, answer.error)
        return Status.FAILED
    when = finished + retry_delay(delivery.attempts)
    _record(delivery, answer, status=Status.PENDING, next_attempt_at=when)
    enqueue(delivery.pk, when)
    return Status.PENDING


def _count_failure(endpoint_id: int, error: str) -> None:
    """One more failed delivery in a row; at ``disable_after()`` the endpoint is switched off."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        endpoint.consecutive_failures += 1
        fields = ["consecutive_failures"]
        if endpoint.active and endpoint.consecutive_failures >= disable_after():
            endpoint.active = False
            endpoint.disabled_at = timezone.now()
            endpoint.disabled_reason = (
                _("Switched off after %(failures)s failed deliveries in a row. Last error: %(error)s")
                % {"failures": endpoint.consecutive_failures, "error": error}
            )[:500]
            fields += ["active", "disabled_at", "disabled_reason"]
            endpoint.deliveries.filter(status=Status.PENDING).update(
                status=Status.CANCELLED, next_attempt_at=None, error=_("Not sent: the endpoint was switched off.")
            )
            transaction.on_commit(lambda: tell_admins_switched_off(endpoint))
        endpoint.save(update_fields=fields)


def tell_admins_switched_off(endpoint: WebhookEndpoint) -> int:
    """Email every admin (who may change endpoints) that ``endpoint`` was switched off; returns how many."""
    logger.error("Webhook endpoint %s (%s) switched off: %s", endpoint.pk, endpoint.url, endpoint.disabled_reason)
    link = site_url(reverse("admin:api_webhookendpoint_change", args=[endpoint.pk]))
    subject = f"[{settings.FACTDESK_ORGANIZATION_NAME}] Webhook switched off: {endpoint.name}"[:150]
    body = (
        f"The webhook endpoint “{endpoint.name}” ({endpoint.url}) was switched off: nothing more is sent to it.\n\n"
        f"{endpoint.disabled_reason}\n\nThe delivery log, and the action to switch it on again: {link}\n"
    )
    told = 0
    for admin in webhook_policy.users_with_permission("change"):
        if admin.email and send_notification_email(admin.email, subject, body):
            told += 1
    return told


# --- the admin's levers and the safety net ------------------------------------------------------


def switch_on(endpoints: QuerySet[WebhookEndpoint]) -> int:
    """Switch endpoints on again with a clean failure count; returns how many were off."""
    return endpoints.filter(active=False).update(active=True, consecutive_failures=0, disabled_at=None,
                                                 disabled_reason="")


def rotate_secret(endpoint: WebhookEndpoint) -> str:
    """Give ``endpoint`` a new signing secret (the receiver must be told it); returns it."""
    endpoint.secret = new_webhook_secret()
    endpoint.save(update_fields=["secret"])
    return endpoint.secret


def redeliver(deliveries: Iterable[WebhookDelivery]) -> list[WebhookDelivery]:
    """Queue the same payloads again as new deliveries (an admin's "send again"), switched-on endpoints only."""
    now = timezone.now()
    copies = [
        WebhookDelivery(endpoint_id=delivery.endpoint_id, event=delivery.event, payload=delivery.payload,
                        next_attempt_at=now)
        for delivery in deliveries if delivery.endpoint.active
    ]
    created = WebhookDelivery.objects.bulk_create(copies)
    ids = [delivery.pk for delivery in created]
    transaction.on_commit(lambda: [enqueue(pk) for pk in ids])
    return created


def retry_due(now: datetime | None = None, limit: int = 500) -> int:
    """Queue every waiting delivery that is due (``manage.py retry_webhooks``); returns how many.

    Attempts "sending" for longer than :data:`STALE_SENDING` belonged to a worker that died:
    they wait again (the lost attempt counts).
    """
    now = now or timezone.now()
    WebhookDelivery.objects.filter(status=Status.SENDING, last_attempt_at__lt=now - STALE_SENDING).update(
        status=Status.PENDING, next_attempt_at=now, error=_("The attempt was interrupted (the worker stopped).")
    )
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    ids = list(WebhookDelivery.objects.filter(due, status=Status.PENDING).order_by("next_attempt_at", "pk")
               .values_list("pk", flat=True)[:limit])
    return sum(1 for pk in ids if enqueue(pk))


@task()
def deliver_webhook(delivery_id: int) -> str:
    """django-tasks entry point: one attempt of one delivery (see :func:`attempt`)."""
    return attempt(delivery_id)

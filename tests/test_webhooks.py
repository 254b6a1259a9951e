"""Webhooks (api/webhooks.py): events become signed deliveries, retried, and a failing endpoint is switched off.

A local pytest-httpserver plays the receiver. It serves on 127.0.0.1, which the sender
refuses like the fetcher does (loopback) unless the host is allowed, so the ``local``
fixture allows it as ``FACTDESK_WEBHOOK_ALLOWED_HOSTS`` would allow an intranet host.
The test settings run tasks immediately (django-tasks' ImmediateBackend): a delivery is
sent as soon as the change's transaction commits (``django_capture_on_commit_callbacks``).
That backend cannot defer, so retries wait for ``retry_due`` (``manage.py retry_webhooks``);
the tests move a delivery's ``next_attempt_at`` into the past to let time pass.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from pytest_httpserver import HTTPServer
from werkzeug import Response

from annotations import workflow
from annotations.claim_corrections import propose_correction, publish_correction
from annotations.models import Claim, ClaimStatus
from api import webhooks
from api.admin import WebhookEndpointForm
from api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from articles.corrections import edit_article
from tests import factories
from tests.factories import rating
from tests.test_public_pages import publish_through_the_workflow

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status
ALL_EVENTS = list(WebhookEvent.values)
BASE = 60.0


@pytest.fixture
def local(settings):
    """Let the sender reach the local test server, with short timeouts and fixed back-off settings."""
    settings.FACTDESK_WEBHOOK_ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    settings.FACTDESK_WEBHOOK_CONNECT_TIMEOUT = 2
    settings.FACTDESK_WEBHOOK_READ_TIMEOUT = 2
    settings.FACTDESK_WEBHOOK_BACKOFF_BASE = BASE
    settings.FACTDESK_WEBHOOK_BACKOFF_MAX = 3600
    settings.FACTDESK_WEBHOOK_MAX_ATTEMPTS = 4
    settings.FACTDESK_WEBHOOK_DISABLE_AFTER = 3
    return settings


def register(httpserver: HTTPServer, events: list[str] | None = None, path: str = "/hook", **fields) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        name="Newsroom CMS", url=httpserver.url_for(path), events=ALL_EVENTS if events is None else events, **fields
    )


def receiver_verifies(secret: str, headers, body: bytes, tolerance: int = 300) -> bool:
    """What a receiver written from docs/webhooks.md does, independently of api.webhooks."""
    fields = dict(item.split("=", 1) for item in headers["Factdesk-Signature"].split(","))
    timestamp = int(fields["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


def dismissable(editor) -> Claim:
    return factories.ClaimFactory(status=ClaimStatus.NEW)


def publish(editor) -> Claim:
    return publish_through_the_workflow(factories.ArticleFactory(), factories.FactCheckerFactory(), editor)


def due_now(delivery: WebhookDelivery) -> None:
    """Let the back-off pass: the delivery's next attempt is due."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


# --- signatures and payloads ---------------------------------------------------------------------


def test_a_published_claim_is_posted_signed_and_the_receiver_verifies_the_hmac(
    local, httpserver: HTTPServer, editor, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("thanks")
    endpoint = register(httpserver)
    with django_capture_on_commit_callbacks(execute=True):
        claim = publish(editor)
    [(request, _response)] = httpserver.log
    body = request.get_data()
    assert receiver_verifies(endpoint.secret, request.headers, body)
    assert webhooks.verify_signature(endpoint.secret, request.headers["Factdesk-Signature"], body)
    assert not receiver_verifies("whsec_someone-else", request.headers, body)
    assert not webhooks.verify_signature(endpoint.secret, request.headers["Factdesk-Signature"], body + b" ")
    assert request.headers["Factdesk-Event"] == "claim.published"
    assert request.headers["Content-Type"] == "application/json"
    delivery = WebhookDelivery.objects.get()
    assert request.headers["Factdesk-Delivery"] == str(delivery.pk)
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.response_body) == (
        Status.SUCCEEDED, 1, 200, "thanks"
    )
    payload = json.loads(body)
    assert payload["event"] == "claim.published" and payload["timestamp"] and payload["id"]
    assert payload["data"]["id"] == claim.pk
    assert payload["data"]["url"].endswith(f"/fact-checks/{claim.pk}-unemployment-fell-to-6-percent/")


def test_an_old_or_malformed_signature_is_refused_by_the_reference_check():
    body = b'{"event":"claim.published"}'
    old = webhooks.signature_header("whsec_x", body, timestamp=int(time.time()) - 3600)
    assert not webhooks.verify_signature("whsec_x", old, body)
    assert not webhooks.verify_signature("whsec_x", "t=soon,v1=abc", body)
    fresh = webhooks.signature_header("whsec_x", body)
    assert webhooks.verify_signature("whsec_x", f"{fresh},v1=deadbeef", body)  # any v1 may match (rotation)


def test_the_published_payload_is_the_public_fact_check_without_desk_internals(
    local, httpserver: HTTPServer, editor, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    register(httpserver)
    with django_capture_on_commit_callbacks(execute=True):
        claim = publish(editor)
    data = WebhookDelivery.objects.get().payload["data"]
    assert data["verdict"] == "false" and data["verdict_name"] == claim.verdict.name
    assert data["rationale"] == "The office reports 7.1 percent."
    assert [source["url"] for source in data["sources"]] == ["https://stats.example.org/labour"]
    assert data["article"]["id"] == claim.article_id
    assert data["article"]["fact_checks"] == [data["url"]]
    assert "body" not in data["article"]
    for internal in ("assignee", "start", "end", "anchor_state", "dismissal_reason"):
        assert internal not in data


def test_a_dismissed_claim_is_announced_by_number_and_quote_only(
    local, httpserver: HTTPServer, editor, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    register(httpserver)
    claim = factories.ClaimFactory(status=ClaimStatus.NEW, statement="A statement the desk drafted")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.apply(claim, editor, "dismiss", note="Opinion, not checkable")
    payload = WebhookDelivery.objects.get().payload
    assert payload["event"] == "claim.dismissed"
    assert payload["data"]["id"] == claim.pk and payload["data"]["status"] == "dismissed"
    assert payload["data"]["exact"] == claim.exact
    text = json.dumps(payload)
    assert "A statement the desk drafted" not in text and "Opinion" not in text


# --- each event becomes a delivery ---------------------------------------------------------------


def _publish(editor):
    publish(editor)


def _correct_claim(editor):
    claim = publish(editor)
    proposer = factories.FactCheckerFactory()
    correction = propose_correction(claim, user=proposer, changes={"verdict": rating("mostly-true")},
                                    note="The office revised its figure.", expected_version=claim.version)
    publish_correction(correction, user=factories.EditorFactory())


def _dismiss(editor):
    workflow.apply(factories.ClaimFactory(status=ClaimStatus.NEW), editor, "dismiss", note="Duplicate")


def _correct_article(editor):
    article = factories.ArticleFactory()
    edit_article(article, user=editor, title=article.title, body=article.body + "\n\nCorrection: a typo.",
                 expected_version=article.version, note="Typo")


def _outlet_change(editor):
    article = factories.ArticleFactory()
    edit_article(article, user=None, title=article.title + " (updated)", body=article.body,
                 expected_version=article.version, check_permission=False, source="outlet")


TRIGGERS = {
    "claim.published": _publish,
    "claim.corrected": _correct_claim,
    "claim.dismissed": _dismiss,
    "article.corrected": _correct_article,
    "article.changed_by_outlet": _outlet_change,
}


@pytest.mark.parametrize("event", list(TRIGGERS))
def test_each_event_is_delivered_to_an_endpoint_subscribed_to_it(
    event, local, httpserver: HTTPServer, editor, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    endpoint = register(httpserver, events=[event])
    with django_capture_on_commit_callbacks(execute=True):
        TRIGGERS[event](editor)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.event, delivery.status) == (endpoint, event, Status.SUCCEEDED)
    [(request, _response)] = httpserver.log
    assert request.headers["Factdesk-Event"] == event
    assert json.loads(request.get_data())["event"] == event


def test_article_events_name_the_revision_and_the_published_fact_checks(
    local, httpserver: HTTPServer, editor, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    claim = publish(editor)
    register(httpserver, events=["article.corrected"])
    article = claim.article
    article.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        edit_article(article, user=editor, title=article.title, body=article.body + "\n\nAddendum.",
                     expected_version=article.version)
    data = WebhookDelivery.objects.get().payload["data"]
    assert data["id"] == article.pk and data["version"] == article.version + 1
    assert data["revision"]["number"] == 1
    assert data["public_url"] and len(data["fact_checks"]) == 1


def test_no_delivery_for_an_event_the_endpoint_did_not_choose_or_when_it_is_off(
    local, httpserver: HTTPServer, editor, django_capture_on_commit_callbacks
):
    register(httpserver, events=["article.corrected"])
    register(httpserver, events=ALL_EVENTS, active=False)
    with django_capture_on_commit_callbacks(execute=True):
        publish(editor)
    assert WebhookDelivery.objects.count() == 0
    assert httpserver.log == []


def test_an_event_nobody_listens_to_costs_one_query_and_builds_no_payload(django_assert_num_queries):
    def build() -> dict:
        raise AssertionError("no payload should be built")

    with django_assert_num_queries(1):
        assert webhooks.queue_event("claim.published", build) == []


def test_a_rolled_back_change_is_never_announced(local, httpserver: HTTPServer, editor,
                                                 django_capture_on_commit_callbacks):
    register(httpserver)
    claim = factories.ClaimFactory(status=ClaimStatus.NEW)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        workflow.apply(claim, editor, "dismiss", note="Duplicate")
        raise RuntimeError("something later in the request failed")
    assert WebhookDelivery.objects.count() == 0
    assert httpserver.log == []


# --- retries with back-off -----------------------------------------------------------------------


def test_a_500_is_retried_with_exponential_back_off_until_it_succeeds(
    local, httpserver: HTTPServer, editor, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("down for maintenance", status=500)
    endpoint = register(httpserver)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.apply(factories.ClaimFactory(status=ClaimStatus.NEW), editor, "dismiss", note="Duplicate")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (Status.PENDING, 1, 500)
    assert delivery.response_body == "down for maintenance" and "500" in delivery.error
    first_wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert timedelta(seconds=BASE - 1) <= first_wait <= timedelta(seconds=BASE + 1)

    assert webhooks.retry_due() == 0  # not due yet: nothing sent
    assert len(httpserver.log) == 1

    due_now(delivery)
    assert webhooks.retry_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 2)
    second_wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert timedelta(seconds=2 * BASE - 1) <= second_wait <= timedelta(seconds=2 * BASE + 1)

    httpserver.clear()
    httpserver.expect_request("/hook").respond_with_data("ok")
    due_now(delivery)
    call_command("retry_webhooks", stdout=io.StringIO())
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (Status.SUCCEEDED, 3, 200)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.last_success_at is not None


def test_the_worker_writes_a_failure_in_the_desks_language(
    local, settings, httpserver: HTTPServer, editor, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "es"  # FACTDESK_LANGUAGE=es: a worker has no request, so the desk's language
    translation.deactivate()
    httpserver.expect_request("/hook").respond_with_data("down", status=503)
    register(httpserver)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.apply(factories.ClaimFactory(status=ClaimStatus.NEW), editor, "dismiss", note="Duplicate")
    assert WebhookDelivery.objects.get().error == "El punto de destino respondió 503."


def test_the_back_off_doubles_and_is_capped(settings):
    settings.FACTDESK_WEBHOOK_BACKOFF_BASE = 30
    settings.FACTDESK_WEBHOOK_BACKOFF_MAX = 300
    assert [webhooks.retry_delay(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]


def test_a_delivery_gives_up_after_the_last_attempt(local, httpserver: HTTPServer, editor,
                                                    django_capture_on_commit_callbacks):
    local.FACTDESK_WEBHOOK_MAX_ATTEMPTS = 2
    httpserver.expect_request("/hook").respond_with_data("no", status=503)
    endpoint = register(httpserver)
    with django_capture_on_commit_callbacks(execute=True):
        _dismiss(editor)
    delivery = WebhookDelivery.objects.get()
    due_now(delivery)
    webhooks.retry_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (Status.FAILED, 2, None)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1 and endpoint.active
    assert len(httpserver.log) == 2


def test_two_workers_given_the_same_delivery_send_it_once(local, httpserver: HTTPServer):
    httpserver.expect_request("/hook").respond_with_data("ok")
    endpoint = register(httpserver)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="claim.published", payload={"x": 1},
                                              next_attempt_at=timezone.now())
    assert webhooks.attempt(delivery.pk) == Status.SUCCEEDED
    assert webhooks.attempt(delivery.pk) == "skipped"
    assert len(httpserver.log) == 1


def test_an_attempt_a_dead_worker_left_sending_is_tried_again(local, httpserver: HTTPServer):
    httpserver.expect_request("/hook").respond_with_data("ok")
    endpoint = register(httpserver)
    long_ago = timezone.now() - timedelta(hours=1)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="claim.published", payload={"x": 1},
                                              status=Status.SENDING, attempts=1, last_attempt_at=long_ago)
    assert webhooks.retry_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.SUCCEEDED, 2)


# --- switching a failing endpoint off ------------------------------------------------------------


def test_an_endpoint_failing_again_and_again_is_switched_off_and_the_admins_are_told(
    local, httpserver: HTTPServer, editor, admin_user, admin_client, django_capture_on_commit_callbacks
):
    local.FACTDESK_WEBHOOK_MAX_ATTEMPTS = 1  # each delivery fails at once: three deliveries, three failures
    httpserver.expect_request("/hook").respond_with_data("gone", status=500)
    endpoint = register(httpserver)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            _dismiss(editor)
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 2
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        _dismiss(editor)
    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.disabled_at is not None
    assert "3 failed deliveries in a row" in endpoint.disabled_reason and "500" in endpoint.disabled_reason
    [message] = mail.outbox
    assert message.to == [admin_user.email]  # admins only: not the editor
    assert "Newsroom CMS" in message.subject and endpoint.url in message.body

    with django_capture_on_commit_callbacks(execute=True):
        _dismiss(editor)
    assert WebhookDelivery.objects.count() == 3  # nothing more for a switched-off endpoint
    assert len(httpserver.log) == 3

    response = admin_client.get(reverse("admin:api_webhookendpoint_changelist"))
    assert response.status_code == 200
    assert "was switched off" in response.content.decode()

    admin_client.post(reverse("admin:api_webhookendpoint_changelist"),
                      {"action": "switch_on", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 0 and endpoint.disabled_at is None


def test_a_success_resets_the_count_of_failures_in_a_row(local, httpserver: HTTPServer):
    httpserver.expect_request("/hook").respond_with_data("ok")
    endpoint = register(httpserver, consecutive_failures=2)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="claim.published", payload={},
                                              next_attempt_at=timezone.now())
    webhooks.attempt(delivery.pk)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.active


def test_waiting_retries_are_cancelled_when_the_endpoint_is_switched_off(local, httpserver: HTTPServer):
    httpserver.expect_request("/hook").respond_with_data("ok")
    endpoint = register(httpserver)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="claim.published", payload={},
                                              next_attempt_at=timezone.now())
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    assert webhooks.attempt(delivery.pk) == Status.CANCELLED
    assert httpserver.log == []


# --- http(s) only, and never our own network -----------------------------------------------------


@pytest.mark.parametrize("url", ["ftp://example.org/hook", "javascript:alert(1)", "https://user:pw@example.org/hook"])
def test_only_http_and_https_addresses_are_accepted(url):
    form = WebhookEndpointForm(data={"name": "X", "url": url, "events": ["claim.published"], "active": True})
    assert not form.is_valid()
    assert "url" in form.errors
    with pytest.raises(ValidationError):
        WebhookEndpoint(name="X", url=url, events=["claim.published"]).full_clean()


def test_events_must_be_chosen_from_the_list():
    with pytest.raises(ValidationError):
        WebhookEndpoint(name="X", url="https://example.org/hook", events=["claim.deleted"]).full_clean()
    with pytest.raises(ValidationError):
        WebhookEndpoint(name="X", url="https://example.org/hook", events=[]).full_clean()


@pytest.mark.parametrize("url", ["http://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data/",
                                 "http://[::1]/hook", "http://192.168.1.20:8080/hook"])
def test_private_addresses_are_refused_at_delivery_time_without_a_connection(url, local):
    endpoint = WebhookEndpoint.objects.create(name="Internal", url=url, events=ALL_EVENTS)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="claim.published", payload={},
                                              next_attempt_at=timezone.now())
    assert webhooks.attempt(delivery.pk) == Status.FAILED  # no retries: the address will not become public
    delivery.refresh_from_db()
    assert "Refused" in delivery.error and delivery.response_code is None


def test_the_local_server_itself_is_refused_unless_its_host_is_allowed(local, httpserver: HTTPServer):
    local.FACTDESK_WEBHOOK_ALLOWED_HOSTS = []
    httpserver.expect_request("/hook").respond_with_data("ok")
    endpoint = register(httpserver)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="claim.published", payload={},
                                              next_attempt_at=timezone.now())
    assert webhooks.attempt(delivery.pk) == Status.FAILED
    delivery.refresh_from_db()
    assert "loopback" in delivery.error
    assert httpserver.log == []


def test_a_redirect_is_not_followed(local, httpserver: HTTPServer):
    httpserver.expect_request("/hook").respond_with_data("", status=302, headers={"Location": "http://10.0.0.1/admin"})
    endpoint = register(httpserver)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="claim.published", payload={},
                                              next_attempt_at=timezone.now())
    assert webhooks.attempt(delivery.pk) == Status.PENDING  # a failed attempt, retried later
    delivery.refresh_from_db()
    assert delivery.response_code == 302 and "redirect" in delivery.error
    assert len(httpserver.log) == 1


def test_only_the_first_bytes_of_a_large_answer_are_read_and_kept(local, httpserver: HTTPServer):
    local.FACTDESK_WEBHOOK_RESPONSE_MAX_BYTES = 1000
    httpserver.expect_request("/hook").respond_with_data("x" * 2_000_000)
    endpoint = register(httpserver)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="claim.published", payload={},
                                              next_attempt_at=timezone.now())
    assert webhooks.attempt(delivery.pk) == Status.SUCCEEDED
    delivery.refresh_from_db()
    assert delivery.response_body == "x" * 1000


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(local, httpserver: HTTPServer):
    local.FACTDESK_WEBHOOK_READ_TIMEOUT = 0.3

    def slow(request):
        time.sleep(0.8)
        return Response("late")

    httpserver.expect_request("/hook").respond_with_handler(slow)
    endpoint = register(httpserver)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="claim.published", payload={},
                                              next_attempt_at=timezone.now())
    assert webhooks.attempt(delivery.pk) == Status.PENDING
    delivery.refresh_from_db()
    assert "did not answer within the timeout" in delivery.error and delivery.response_code is None


def test_a_receiver_dripping_its_answer_cannot_hold_the_worker_past_the_deadline(local, httpserver: HTTPServer):
    local.FACTDESK_WEBHOOK_CONNECT_TIMEOUT = 0.2
    local.FACTDESK_WEBHOOK_READ_TIMEOUT = 1.5  # the whole answer within 1.7 s

    def drip(request):
        def chunks():
            for _ in range(20):  # four seconds of dripping
                yield b"x"
                time.sleep(0.2)

        return Response(chunks())

    httpserver.expect_request("/hook").respond_with_handler(drip)
    endpoint = register(httpserver)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="claim.published", payload={},
                                              next_attempt_at=timezone.now())
    started = time.monotonic()
    assert webhooks.attempt(delivery.pk) == Status.SUCCEEDED  # it did answer 200: the body is only an excerpt
    assert time.monotonic() - started < 3.5  # before the drip ends (generous for a busy machine)
    delivery.refresh_from_db()
    assert 1 <= len(delivery.response_body) < 20


# --- the admin -----------------------------------------------------------------------------------


def test_admins_add_endpoints_and_read_the_delivery_log(admin_client, admin_user):
    add = reverse("admin:api_webhookendpoint_add")
    assert admin_client.get(add).status_code == 200
    response = admin_client.post(add, {"name": "Partner", "url": "https://partner.example.org/hooks/factdesk",
                                       "events": ["claim.published", "claim.corrected"], "active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["claim.published", "claim.corrected"]
    assert endpoint.secret.startswith("whsec_") and endpoint.created_by == admin_user

    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="claim.published", payload={"event": "x"},
                                              status=Status.FAILED, attempts=8, response_code=500, error="boom")
    change = admin_client.get(reverse("admin:api_webhookendpoint_change", args=[endpoint.pk]))
    assert change.status_code == 200
    assert endpoint.secret in change.content.decode() and "boom" in change.content.decode()
    assert admin_client.get(reverse("admin:api_webhookendpoint_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:api_webhookdelivery_changelist")).status_code == 200
    view = admin_client.get(reverse("admin:api_webhookdelivery_change", args=[delivery.pk]))
    assert view.status_code == 200 and "boom" in view.content.decode()
    assert admin_client.get(reverse("admin:api_webhookdelivery_add")).status_code == 403


def test_the_admin_sends_a_failed_delivery_again_as_a_new_one(local, httpserver: HTTPServer, admin_client,
                                                              django_capture_on_commit_callbacks):
    httpserver.expect_request("/hook").respond_with_data("ok")
    endpoint = register(httpserver)
    failed = WebhookDelivery.objects.create(endpoint=endpoint, event="claim.published", payload={"event": "x"},
                                            status=Status.FAILED, attempts=4)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:api_webhookdelivery_changelist"),
                          {"action": "send_again", "_selected_action": [failed.pk]})
    again = WebhookDelivery.objects.exclude(pk=failed.pk).get()
    assert (again.status, again.payload) == (Status.SUCCEEDED, {"event": "x"})


def test_editors_cannot_see_webhooks_in_the_admin(client):
    client.force_login(factories.EditorFactory(is_staff=True))
    assert client.get(reverse("admin:api_webhookendpoint_changelist")).status_code == 403
    assert client.get(reverse("admin:api_webhookdelivery_changelist")).status_code == 403

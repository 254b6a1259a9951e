"""Many people changing the same claim at once, on PostgreSQL (row locks are real there).

Each test starts a fixed number of threads, each with its own database connection, lines
them up on a barrier so they really collide, and joins them with a timeout: the load is
bounded in count and time, uses only the local database and (for the HTTP test) the
loopback live server, and stops by itself.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from itertools import pairwise

import pytest
from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.test import Client

from annotations import services, workflow
from annotations.models import Claim, ClaimEvent, ClaimStatus, Comment, Source
from tests import factories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level locking is only real on PostgreSQL"),
]

THREADS = 8
JOIN_TIMEOUT = 60  # seconds; a hung thread fails the test instead of hanging the suite


@dataclass
class Outcomes:
    """What each thread ended with: a value, or the exception it raised."""

    values: list[object] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of_type(self, kind: type[BaseException]) -> list[BaseException]:
        return [error for error in self.errors if isinstance(error, kind)]


def run_together(count: int, work: Callable[[int], object]) -> Outcomes:
    """Run ``work(i)`` in ``count`` threads released at the same moment; collect results."""
    outcomes = Outcomes()
    barrier = threading.Barrier(count, timeout=JOIN_TIMEOUT)

    def runner(index: int) -> None:
        try:
            barrier.wait()
            value = work(index)
            with outcomes.lock:
                outcomes.values.append(value)
        except BaseException as error:  # every outcome is inspected by the test
            with outcomes.lock:
                outcomes.errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish in time"
    return outcomes


@pytest.fixture
def researched_claim():
    """A claim in Researching with a verdict, a rationale and a source: ready to submit."""
    checker = factories.FactCheckerFactory()
    claim = factories.ClaimFactory(created_by=checker)
    claim = workflow.apply(claim, checker, "take")
    services.add_source(claim, user=checker, url="https://stats.example.org/q2", title="Q2 report")
    claim.refresh_from_db()
    claim = services.update_claim(
        claim, user=checker, expected_version=claim.version,
        changes={"verdict": factories.rating("false"), "rationale": "The office says 7.1 percent."},
    )
    return claim


def edited_events(claim: Claim, name: str) -> list[ClaimEvent]:
    return list(ClaimEvent.objects.filter(claim_ref=claim.pk, kind=ClaimEvent.Kind.EDITED, field=name).order_by("id"))


def test_simultaneous_edits_of_the_same_version_let_exactly_one_through():
    claim = factories.ClaimFactory()
    users = [factories.FactCheckerFactory() for _ in range(THREADS)]
    start_version = claim.version

    def edit(index: int) -> Claim:
        return services.update_claim(
            Claim.objects.get(pk=claim.pk), user=users[index], expected_version=start_version,
            changes={"statement": f"Statement written by checker {index}"},
        )

    outcomes = run_together(THREADS, edit)

    assert len(outcomes.values) == 1
    conflicts = outcomes.of_type(services.EditConflict)
    assert len(conflicts) == THREADS - 1 == len(outcomes.errors)
    assert all("changed by someone else" in str(error) for error in conflicts)
    winner = outcomes.values[0]
    claim.refresh_from_db()
    assert claim.version == start_version + 1
    assert claim.statement == winner.statement
    events = edited_events(claim, "statement")
    assert [e.new_value for e in events] == [claim.statement]


def test_edits_that_retry_after_a_conflict_are_all_applied_in_order():
    claim = factories.ClaimFactory()
    users = [factories.FactCheckerFactory() for _ in range(THREADS)]
    start_version = claim.version

    def edit_with_retry(index: int) -> int:
        expected = start_version
        for attempt in range(THREADS * 3):
            try:
                services.update_claim(
                    Claim.objects.get(pk=claim.pk), user=users[index], expected_version=expected,
                    changes={"claimant": f"Claimant {index}"},
                )
                return attempt
            except services.EditConflict as conflict:
                expected = conflict.current.version
        raise AssertionError("never got through")

    outcomes = run_together(THREADS, edit_with_retry)

    assert outcomes.errors == []
    claim.refresh_from_db()
    assert claim.version == start_version + THREADS
    events = edited_events(claim, "claimant")
    assert len(events) == THREADS
    assert sorted(e.new_value for e in events) == sorted(f"Claimant {i}" for i in range(THREADS))
    # The history is a chain: each edit starts from the value the previous one left.
    for before, after in pairwise(events):
        assert after.old_value == before.new_value
    assert events[-1].new_value == claim.claimant


def test_simultaneous_submits_move_the_claim_once(researched_claim):
    claim = researched_claim
    editors = [factories.EditorFactory() for _ in range(THREADS)]

    def submit(index: int) -> Claim:
        return workflow.apply(Claim.objects.get(pk=claim.pk), editors[index], "submit")

    outcomes = run_together(THREADS, submit)

    assert len(outcomes.values) == 1
    refusals = outcomes.of_type(workflow.TransitionRefused)
    assert len(refusals) == THREADS - 1 == len(outcomes.errors)
    assert all("In review" in " ".join(r.reasons) for r in refusals)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW
    transitions = ClaimEvent.objects.filter(claim_ref=claim.pk, kind=ClaimEvent.Kind.TRANSITION, to_status="in_review")
    assert transitions.count() == 1


def test_simultaneous_publishes_publish_once_and_notify_once(researched_claim):
    checker = researched_claim.created_by
    claim = workflow.apply(researched_claim, checker, "submit")
    editors = [factories.EditorFactory() for _ in range(THREADS)]
    version = claim.version

    def publish(index: int) -> Claim:
        return workflow.apply(Claim.objects.get(pk=claim.pk), editors[index], "publish", expected_version=version)

    outcomes = run_together(THREADS, publish)

    assert len(outcomes.values) == 1
    assert len(outcomes.of_type(services.EditConflict)) == THREADS - 1 == len(outcomes.errors)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PUBLISHED
    assert claim.version == version + 1
    assert claim.reviewed_by == outcomes.values[0].reviewed_by
    published = ClaimEvent.objects.filter(claim_ref=claim.pk, kind=ClaimEvent.Kind.TRANSITION, to_status="published")
    assert published.count() == 1
    assert checker.notifications.filter(claim=claim, kind="published").count() == 1


def test_simultaneous_comments_and_sources_are_all_kept():
    claim = factories.ClaimFactory()
    users = [factories.FactCheckerFactory() for _ in range(THREADS)]
    start_version = claim.version

    def comment_and_source(index: int) -> None:
        target = Claim.objects.get(pk=claim.pk)
        services.add_comment(target, user=users[index], body=f"Comment number {index}")
        services.add_source(target, user=users[index], url=f"https://example.org/evidence/{index}")

    outcomes = run_together(THREADS, comment_and_source)

    assert outcomes.errors == []
    assert sorted(Comment.objects.filter(claim=claim).values_list("body", flat=True)) == sorted(
        f"Comment number {i}" for i in range(THREADS)
    )
    assert Source.objects.filter(claim=claim).count() == THREADS
    events = ClaimEvent.objects.filter(claim_ref=claim.pk)
    assert events.filter(kind=ClaimEvent.Kind.COMMENTED).count() == THREADS
    assert events.filter(kind=ClaimEvent.Kind.SOURCE_ADDED).count() == THREADS
    claim.refresh_from_db()
    assert claim.version == start_version + THREADS  # each source counts as one change


# --- Over HTTP, against the loopback live server ------------------------------------------


def session_cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def post(url: str, data: dict[str, str], session: str) -> int:
    """POST a form as a logged-in browser would (session + CSRF cookie and header)."""
    token = "a" * 32  # an unmasked CSRF secret; the cookie and the header must agree
    cookies = SimpleCookie()
    cookies[settings.SESSION_COOKIE_NAME] = session
    cookies[settings.CSRF_COOKIE_NAME] = token
    request = urllib.request.Request(  # noqa: S310 - the URL is the loopback live server
        url,
        data=urllib.parse.urlencode(data).encode(),
        headers={
            "Cookie": "; ".join(f"{k}={m.value}" for k, m in cookies.items()),
            "X-CSRFToken": token,
            "HX-Request": "true",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=JOIN_TIMEOUT) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_simultaneous_http_edits_get_one_success_and_clear_conflicts(live_server):
    assert live_server.url.startswith(("http://localhost", "http://127.0.0.1"))
    claim = factories.ClaimFactory()
    sessions = [session_cookie_for(factories.FactCheckerFactory()) for _ in range(THREADS)]
    close_old_connections()
    url = f"{live_server.url}/claims/{claim.pk}/edit/"

    outcomes = run_together(
        THREADS,
        lambda i: post(url, {"version": str(claim.version), "statement": f"Edited over HTTP by {i}"}, sessions[i]),
    )

    assert outcomes.errors == []
    assert sorted(outcomes.values) == [200] + [409] * (THREADS - 1)
    claim.refresh_from_db()
    assert claim.version == 2
    assert claim.statement.startswith("Edited over HTTP by ")
    assert [e.new_value for e in edited_events(claim, "statement")] == [claim.statement]

    comment_url = f"{live_server.url}/claims/{claim.pk}/comments/"
    # Comments carry the version too (428 without it) but do not bump it: they never conflict.
    comment = {"version": str(claim.version)}
    outcomes = run_together(
        THREADS, lambda i: post(comment_url, {**comment, "body": f"HTTP comment {i}"}, sessions[i])
    )
    assert outcomes.values == [200] * THREADS
    assert Comment.objects.filter(claim=claim).count() == THREADS
    assert ClaimEvent.objects.filter(claim_ref=claim.pk, kind=ClaimEvent.Kind.COMMENTED).count() == THREADS

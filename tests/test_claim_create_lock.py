"""Creating a claim while the article is being corrected never anchors it on the old text.

``services.create_claim`` locks the article row and reads the body again inside its
transaction. On PostgreSQL the race is real: one connection holds a correction open (the
article row locked by ``edit_article``) while another creates a claim with offsets taken
from the old text; the create must wait for the correction and then judge the offsets
against the corrected body. Threads join with a timeout, so a hang fails instead of
blocking the suite.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pytest
from django.db import connection, connections, transaction

from annotations import services
from annotations.anchoring import AnchorError
from annotations.models import Claim
from articles.corrections import edit_article
from articles.models import Article
from tests import factories

TIMEOUT = 30  # seconds for any single wait in the race

OLD_BODY = "Officials claimed that unemployment fell to 6 percent, the lowest level since 2009."
QUOTE = "unemployment fell to 6 percent"

ON_POSTGRES = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level locking is only real on PostgreSQL"),
]


@dataclass
class RaceOutcome:
    """What the claim-creating connection saw: whether it had to wait, and how it ended."""

    waited_for_lock: bool = False
    finished_after_the_correction: bool = False
    claim: Claim | None = None
    error: BaseException | None = None
    correction_error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


def _backend_waits_for_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def race_create_against_correction(article: Article, new_body: str, start: int, end: int, exact: str) -> RaceOutcome:
    """Hold a correction of ``article`` open in one connection while another creates a claim.

    The creating connection starts only once the correction has locked and rewritten the
    row; the test thread then watches ``pg_stat_activity`` until that connection waits on
    the lock, and only then lets the correction commit.
    """
    editor = factories.EditorFactory()
    checker = factories.FactCheckerFactory()
    stale = Article.objects.get(pk=article.pk)  # what the fact-checker's page was built from
    outcome = RaceOutcome()
    corrected = threading.Event()
    commit = threading.Event()
    creator_pid: list[int] = []

    def correct() -> None:
        try:
            with transaction.atomic():
                edit_article(
                    Article.objects.get(pk=article.pk), user=editor, title=article.title, body=new_body,
                    expected_version=article.version, note="Added the source of the figure",
                )
                corrected.set()
                assert commit.wait(TIMEOUT), "the test never let the correction commit"
        except BaseException as error:  # inspected by the test
            outcome.correction_error = error
            corrected.set()
        finally:
            connections.close_all()

    def create() -> None:
        try:
            assert corrected.wait(TIMEOUT)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                creator_pid.append(cursor.fetchone()[0])
            outcome.claim = services.create_claim(stale, start, end, exact, user=checker)
        except BaseException as error:  # inspected by the test
            outcome.error = error
        finally:
            # ``commit`` is set before the correction commits: a create that finished
            # without it did not wait for the correction.
            outcome.finished_after_the_correction = commit.is_set()
            outcome.done.set()
            connections.close_all()

    threads = [threading.Thread(target=correct, daemon=True), threading.Thread(target=create, daemon=True)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and not outcome.done.is_set():
        if creator_pid and _backend_waits_for_lock(creator_pid[0]):
            outcome.waited_for_lock = True
            break
        time.sleep(0.02)
    commit.set()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish in time"
    assert outcome.correction_error is None, outcome.correction_error
    return outcome


class TestCreateDuringAnOpenCorrection:
    """Two connections on PostgreSQL: a correction holds the article row, a create comes in."""

    pytestmark = ON_POSTGRES

    def test_create_waits_for_an_open_correction_and_refuses_offsets_of_the_old_text(self):
        article = factories.ArticleFactory(body=OLD_BODY)
        start = OLD_BODY.index(QUOTE)
        new_body = "According to the labour office, o" + OLD_BODY[1:]  # shifts the quote by 33 characters

        outcome = race_create_against_correction(article, new_body, start, start + len(QUOTE), QUOTE)

        assert outcome.waited_for_lock, "the create did not wait for the correction's row lock"
        assert outcome.finished_after_the_correction
        assert outcome.claim is None
        assert isinstance(outcome.error, AnchorError)
        assert "does not match the article text" in str(outcome.error)
        assert not Claim.objects.filter(article=article).exists()

    def test_create_that_waited_for_a_correction_stores_the_anchor_of_the_new_text(self):
        article = factories.ArticleFactory(body=OLD_BODY)
        start = OLD_BODY.index(QUOTE)
        new_body = OLD_BODY.replace("since 2009", "in fifteen years")  # the quote stays where it was

        outcome = race_create_against_correction(article, new_body, start, start + len(QUOTE), QUOTE)

        assert outcome.waited_for_lock
        assert outcome.finished_after_the_correction
        assert outcome.error is None, outcome.error
        claim = Claim.objects.get(pk=outcome.claim.pk)
        assert (claim.start, claim.end, claim.exact) == (start, start + len(QUOTE), QUOTE)
        assert claim.suffix == new_body[start + len(QUOTE) :][:32]
        assert "fifteen" in claim.suffix


@pytest.mark.django_db
def test_create_from_a_page_loaded_before_a_correction_is_refused():
    article = factories.ArticleFactory(body=OLD_BODY)
    stale = Article.objects.get(pk=article.pk)
    edit_article(
        article, user=None, title=article.title, body="Yesterday o" + OLD_BODY[1:],
        expected_version=article.version, check_permission=False,
    )
    start = OLD_BODY.index(QUOTE)

    with pytest.raises(AnchorError, match="does not match the article text"):
        services.create_claim(stale, start, start + len(QUOTE), QUOTE, user=factories.FactCheckerFactory())
    with pytest.raises(AnchorError, match="does not match the article text"):
        services.create_claim(stale, start, start + len(QUOTE), None, user=None, check_permission=False)
    assert not Claim.objects.filter(article=article).exists()

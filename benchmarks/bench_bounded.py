"""Bounded work under load (issue 15): expensive requests must not hold the server.

Through gunicorn as configured for production (``factcheck.gunicorn_conf``, 2 workers), at
the same time:

* 10 concurrent PDF export requests for a 500-claim article (the request only queues a
  background job and answers at once: 303 to the job page, or 429 when the user has too many
  jobs running);
* 10 heavy searches (three words) over 20 articles of about 490,000 characters each (bounded
  snippet windows and a time budget; 503 when the budget runs out);
* ``/healthz`` polled every 50 ms from another client.

Passes when ``/healthz`` p99 stays under 200 ms and nothing answers a 500 (or any 5xx other
than a search's deliberate 503). The run is measured, never asserted in the test suite.
"""

from __future__ import annotations

import http.client
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Articles created for the heavy searches are recognised (and reused) by this URL prefix.
BIG_URL_PREFIX = "https://bench.invalid/bounded/big-"
BIG_ARTICLES = 20
BIG_CHARS = 490_000
CONCURRENT_PDFS = 10
CONCURRENT_SEARCHES = 10
SEARCH_TERMS = "budget unemployment council"
HEALTHZ_INTERVAL = 0.02
HEALTHZ_P99_MS = 200.0

_WORDS = tuple(
    " ".join(
        [
            "the council budget approved minister said report percent unemployment growth million city",
            "government figures rose fell year election vote health school police housing transport energy",
            "prices wages tax spending deficit court ruling policy official data survey rate record",
        ]
    ).split(" ")
)


@dataclass
class BoundedRun:
    """What the concurrent run measured."""

    healthz_p50_ms: float
    healthz_p99_ms: float
    healthz_max_ms: float
    healthz_polls: int
    healthz_failures: int
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    slowest_ms: dict[str, float] = field(default_factory=dict)

    @property
    def server_errors(self) -> int:
        """5xx answers, except a search's deliberate 503 (its time budget ran out)."""
        count = 0
        for kind, statuses in self.statuses.items():
            for status, seen in statuses.items():
                if status >= 500 and not (kind == "search" and status == 503):
                    count += seen
        return count + sum(statuses.get(0, 0) for statuses in self.statuses.values())

    @property
    def passed(self) -> bool:
        return self.healthz_p99_ms < HEALTHZ_P99_MS and self.server_errors == 0 and self.healthz_failures == 0


def big_body(seed: int, chars: int = BIG_CHARS) -> str:
    """Deterministic prose-like text of about ``chars`` characters, in paragraphs."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    size = 0
    while size < chars:
        sentences = []
        for _ in range(rng.randint(3, 7)):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 20))]
            sentences.append(" ".join(words).capitalize() + ".")
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:chars].rstrip()


def ensure_big_articles(count: int = BIG_ARTICLES, chars: int = BIG_CHARS) -> list[int]:
    """Ids of ``count`` articles of about ``chars`` characters, created on first use."""
    from articles.models import Article

    ids = []
    for number in range(count):
        url = f"{BIG_URL_PREFIX}{number:02d}"
        article = Article.objects.filter(url=url).only("pk").first()
        if article is None:
            article = Article.objects.create(
                title=f"Long bounded-work article {number + 1}", url=url, body=big_body(number, chars)
            )
        ids.append(article.pk)
    return ids


def _get(port: int, path: str, cookie: str, timeout: float = 60.0) -> tuple[int, float]:
    """One GET on a new connection; (status, seconds). Status 0 when the connection failed."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    except (OSError, http.client.HTTPException):
        return 0, time.perf_counter() - started
    finally:
        connection.close()


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def warm_up(port: int, cookie: str, paths: list[str], *, rounds: int = 3, clients: int = 8) -> None:
    """Serve each path a few times from several clients first, so every worker thread has its
    database connection and compiled templates: the burst measures a running server, not one
    that started a second ago."""
    for _ in range(rounds):
        threads = [
            threading.Thread(target=_get, args=(port, path, cookie), daemon=True)
            for path in paths
            for _ in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)


def run(port: int, cookie: str, *, pdf_article_id: int, log: Callable[[str], None] = print) -> BoundedRun:
    """Fire the PDF exports and searches at once while polling ``/healthz``; see the module doc."""
    healthz: list[float] = []
    healthz_failures = 0
    stop = threading.Event()

    def poll() -> None:
        nonlocal healthz_failures
        while not stop.is_set():
            status, seconds = _get(port, "/healthz", "", timeout=10)
            healthz.append(seconds)
            if status != 200:
                healthz_failures += 1
            time.sleep(HEALTHZ_INTERVAL)

    results: dict[str, list[tuple[int, float]]] = {"pdf": [], "search": []}
    lock = threading.Lock()

    def request(kind: str, path: str) -> None:
        answer = _get(port, path, cookie)
        with lock:
            results[kind].append(answer)

    query = SEARCH_TERMS.replace(" ", "+")
    work = [("pdf", f"/exports/articles/{pdf_article_id}/pdf/")] * CONCURRENT_PDFS
    work += [("search", f"/search/?q={query}")] * CONCURRENT_SEARCHES
    warm_up(port, cookie, [f"/search/?q={query}", "/healthz", "/articles/"])
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    time.sleep(0.5)  # a baseline before the burst
    threads = [threading.Thread(target=request, args=pair, daemon=True) for pair in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    time.sleep(0.5)
    stop.set()
    poller.join(timeout=15)
    run = BoundedRun(
        healthz_p50_ms=statistics.median(healthz) * 1000 if healthz else 0.0,
        healthz_p99_ms=_percentile(healthz, 0.99) * 1000 if healthz else 0.0,
        healthz_max_ms=max(healthz) * 1000 if healthz else 0.0,
        healthz_polls=len(healthz),
        healthz_failures=healthz_failures,
        statuses={kind: Counter(status for status, _ in answers) for kind, answers in results.items()},
        slowest_ms={kind: max((s for _, s in answers), default=0.0) * 1000 for kind, answers in results.items()},
    )
    log(
        f"  /healthz p50 {run.healthz_p50_ms:.0f} ms, p99 {run.healthz_p99_ms:.0f} ms over {run.healthz_polls} polls; "
        f"PDF {dict(run.statuses['pdf'])}, search {dict(run.statuses['search'])}"
    )
    return run


def describe(run: BoundedRun) -> dict[str, Any]:
    """The run as plain data for the results JSON."""
    return {
        "healthz_p50_ms": round(run.healthz_p50_ms, 1),
        "healthz_p99_ms": round(run.healthz_p99_ms, 1),
        "healthz_max_ms": round(run.healthz_max_ms, 1),
        "healthz_polls": run.healthz_polls,
        "healthz_failures": run.healthz_failures,
        "statuses": {kind: dict(counter) for kind, counter in run.statuses.items()},
        "slowest_ms": {kind: round(ms, 1) for kind, ms in run.slowest_ms.items()},
        "server_errors": run.server_errors,
    }

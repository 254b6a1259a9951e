"""Issue 18's benchmarks: the public claim page under load, and the API's claim list at full size.

* **Public claim page**: ``wrk`` (or the runner's Python client) on ``/healthz`` and on the
  public page of a published claim, one after the other against the same gunicorn, so the
  page's throughput is read as a share of ``/healthz``'s in the same run (a ratio survives a
  busy machine far better than an absolute number does). Readers are anonymous, as on the web.
* **API claim list**: ``GET /api/claims/?page_size=100`` with an API token, through Django's
  test client (no network, so the number is the server's own work): median over the runs and
  the SQL queries of one request (target: median < 50 ms, at most 8 queries, at 100,000 claims).

The runner (``benchmarks/run.py``, group ``webout``) turns what these functions return into
rows of its table; this module holds no table logic of its own.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Issue 18's targets.
API_LIST_MEDIAN_MS = 50.0
API_LIST_MAX_QUERIES = 8
API_PAGE_SIZE = 100


@dataclass
class ApiListRun:
    """What one measurement of the API claim list gave."""

    median_ms: float
    p95_ms: float
    queries: int
    claims_on_page: int
    total_claims: int
    status: int


def published_claim_path() -> str | None:
    """The public page of some published claim in the data set (None when nothing is published)."""
    from annotations.models import Claim
    from annotations.public_links import public_claim_path

    claim = Claim.objects.filter(status=Claim.Status.PUBLISHED).select_related("article").order_by("pk").first()
    return public_claim_path(claim) if claim is not None else None


def api_token_for(user: Any) -> str:
    """A fresh API token for ``user`` (named so that repeated runs are easy to find and revoke)."""
    from api.models import ApiToken

    _token, key = ApiToken.issue(user, "benchmark")
    return key


def measure_api_claim_list(user: Any, *, repeat: int) -> ApiListRun:
    """Time ``GET /api/claims/?page_size=100`` as ``user`` (token auth) and count its queries."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    path = f"/api/claims/?page_size={API_PAGE_SIZE}"
    first = client.get(path)
    if first.status_code != 200:
        return ApiListRun(0.0, 0.0, 0, 0, 0, first.status_code)
    with CaptureQueriesContext(connection) as captured:
        counted = client.get(path)
    if counted.status_code != 200:
        return ApiListRun(0.0, 0.0, 0, 0, 0, counted.status_code)
    queries = len(captured.captured_queries)  # now: the next request clears Django's query log
    samples: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    body = first.json()
    return ApiListRun(
        median_ms=statistics.median(samples),
        p95_ms=samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))],
        queries=queries,
        claims_on_page=len(body.get("results", [])),
        total_claims=int(body.get("count") or 0),
        status=200,
    )


@dataclass
class ShareRun:
    """The public page's throughput against ``/healthz`` in the same run."""

    floor_rps: float
    page_rps: float
    page_p50_ms: float
    page_p99_ms: float
    errors: int
    tool: str

    @property
    def share(self) -> float:
        return self.page_rps / self.floor_rps if self.floor_rps else 0.0


def public_page_share(
    port: int, path: str, load_run: Callable[..., Any], *, connections: int, seconds: float
) -> ShareRun:
    """Load ``/healthz`` then the public page (each after a short warm-up) and compare their throughput."""
    runs = []
    for target in ("/healthz", path):
        load_run(port, target, "", connections=connections, seconds=min(2.0, seconds))  # warm-up
        runs.append(load_run(port, target, "", connections=connections, seconds=seconds))
    floor, page = runs
    return ShareRun(
        floor_rps=floor.requests_per_second, page_rps=page.requests_per_second,
        page_p50_ms=page.p50_ms, page_p99_ms=page.p99_ms, errors=floor.errors + page.errors, tool=page.tool,
    )

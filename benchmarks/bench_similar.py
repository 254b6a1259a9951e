"""Benchmark: full-text search and similar-claims look-up on a desk of 10,000 articles / 100,000 claims.

Targets (from the search issue): search results in under a second; listing similar claims
for a claim in under 200 ms (median). Nothing here is asserted in the test suite.

Run from the repository root::

    .venv/bin/python benchmarks/bench_similar.py                 # SQLite in /tmp (built once, reused)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_search .venv/bin/python benchmarks/bench_similar.py

The data set comes from ``manage.py generate_load_data`` (fixed seed), so numbers are
comparable between runs and databases. Build time is reported separately from timings.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

DEFAULT_SQLITE = "/tmp/factdesk-bench-search.sqlite3"  # noqa: S108 -- a scratch benchmark database
QUERIES = (
    "unemployment",
    "budget",
    "minister said",
    '"harbour bridge"',
    "hospital waiting times",
    "zzyzx",
)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


Samples = tuple[list[float], list[float]]  # wall-clock seconds, CPU seconds of this process


def run_once(action: Callable[[], object], wall: list[float], cpu: list[float]) -> None:
    started, started_cpu = time.perf_counter(), time.process_time()
    action()
    wall.append(time.perf_counter() - started)
    cpu.append(time.process_time() - started_cpu)


def timed(action: Callable[[], object], repeat: int) -> Samples:
    action()  # warm-up
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeat):
        run_once(action, wall, cpu)
    return wall, cpu


def report(name: str, samples: Samples, target_ms: float, extra: str = "") -> None:
    """One Markdown row. CPU time is shown too: on a shared machine wall-clock time also
    measures the neighbours (SQLite runs in this process, so its work is in the CPU time;
    a PostgreSQL server's is not)."""
    wall, cpu = samples
    median, p95 = statistics.median(wall) * 1000, percentile(wall, 0.95) * 1000
    verdict = "OK" if median < target_ms else "SLOW"
    print(f"| {name} | {median:.1f} | {p95:.1f} | {statistics.median(cpu) * 1000:.1f} | < {target_ms:g} | {verdict} "
          f"| {extra} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--claims-per-article", type=int, default=10)
    parser.add_argument("--samples", type=int, default=50, help="Claims timed for similar claims (default 50).")
    parser.add_argument("--repeat", type=int, default=10, help="Runs per search query (default 10).")
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from annotations.models import Claim
    from articles.models import Article
    from search.query import parse_query
    from search.results import search_articles, search_claims
    from search.similarity import similar_claims

    print(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command(
        "generate_load_data", articles=args.articles, claims_per_article=args.claims_per_article, verbosity=0
    )
    print(f"Data ready in {time.perf_counter() - started:.1f} s: "
          f"{Article.objects.count():,} articles, {Claim.objects.count():,} claims.\n")

    print(f"Load average before timing: {', '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)\n")
    print("| measurement | median ms | p95 ms | CPU median ms | target (median) | | notes |")
    print("|---|---:|---:|---:|---:|---|---|")
    for text in QUERIES:
        query = parse_query(text)

        def run(query=query) -> tuple[int, int]:
            articles, claims = search_articles(query), search_claims(query)
            articles[0:20]
            claims[0:20]
            return articles.count(), claims.count()

        n_articles, n_claims = run()
        report(f"search `{text}` (counts + first pages)", timed(run, args.repeat), 1000,
               f"{n_articles:,} articles, {n_claims:,} claims")

    from annotations.permissions import claim_policy

    editor = claim_policy.users_with_permission("review").filter(is_superuser=False).first()
    if editor is not None:
        client = Client()
        client.force_login(editor)
        for text in ("unemployment", "minister said"):
            def page(text=text) -> None:
                assert client.get("/search/", {"q": text}).status_code == 200

            report(f"search page `{text}` (test client)", timed(page, args.repeat), 1000)

    rng = random.Random(7)
    ids = list(Claim.objects.values_list("pk", flat=True))
    sample = Claim.objects.in_bulk(rng.sample(ids, min(args.samples, len(ids))))
    claims = list(sample.values())
    found: list[int] = []
    similar_claims(claims[0])  # warm-up
    wall: list[float] = []
    cpu: list[float] = []
    for claim in claims:
        run_once(lambda claim=claim: found.append(len(similar_claims(claim))), wall, cpu)
    report(f"similar claims, {len(claims)} random claims", (wall, cpu), 200,
           f"mean {statistics.mean(found):.1f} similar found, max {max(found)}")
    if editor is not None:
        def panel() -> None:
            assert client.get(f"/claims/{claims[0].pk}/similar/").status_code == 200

        report("similar claims panel (test client)", timed(panel, args.repeat), 200)


if __name__ == "__main__":
    main()

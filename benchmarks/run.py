"""Factdesk benchmark runner: ``make bench`` or ``python benchmarks/run.py --db sqlite|postgres``.

Builds (or reuses) a desk-sized data set with ``generate_load_data``, then measures the pages
and services that must stay fast at that size and prints a Markdown table (median and p95 over
repeated runs, SQL queries, the target and whether it was met). Results are also written to
``benchmarks/results/<db>.json``. See docs/benchmarks.md for the targets and the latest numbers.

Measured (each group can be chosen with ``--only``/``--skip``):

* ``pages``: the article view with 0, 50, 200 and 500 claims, the article list and every
  queue (first page and a filtered page), the claim panel -- through Django's test client,
  in process, so the time is the server's time without network;
* ``import``: importing 10,000 articles from JSON Lines files (articles per second);
* ``reanchor``: correcting a 100 KB article that carries 200 claims (``edit_article``);
* ``export``: the claims CSV export over 100,000 claims (rows per second, and peak Python
  memory for 10,000 versus 100,000 claims, which must not grow);
* ``search``: the search page and the similar-claims look-up;
* ``fetch``: web in (``benchmarks/bench_fetch.py``): 200 KB pages fetched and read per second
  from a local server, extraction time per page, and a watch cycle over 500 feeds x 20 items;
* ``load``: gunicorn with several workers, sequential requests through the real server, then
  32 concurrent clients for 30 s (``wrk`` if installed, else a bounded Python client) on the
  article view and on a trivial view (the floor). Loopback only; gunicorn is always stopped.
* ``bounded``: gunicorn as configured for production (``factcheck.gunicorn_conf``, 2 workers):
  10 concurrent PDF exports of a 500-claim article and 10 heavy searches over 20 articles of
  490,000 characters while ``/healthz`` is polled (``benchmarks/bench_bounded.py``); /healthz
  p99 must stay under 200 ms and nothing may answer 500.
* ``newsroom``: a locust scenario against two gunicorn servers, 50 users for 2 minutes (20 s
  with ``--quick``): 30 fact-checkers, 10 editors, 10 readers (``benchmarks/bench_newsroom.py``,
  ``benchmarks/locustfile.py``); p50/p95/p99 per action and the error count.
* ``webout``: the API claim list (100 per page, token) and the public claim page under load as
  a share of ``/healthz`` in the same run (``benchmarks/bench_web_out.py``).

Features that are not built yet are reported as "n/a (not implemented)", so the runner can be
re-run as the app grows. Timings are never asserted in the test suite: they live here.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

DATA_DIR = REPO_ROOT / "benchmarks" / "data"
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
POSTGRES_SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
NOT_IMPLEMENTED = "n/a (not implemented)"
GROUPS = ("pages", "import", "reanchor", "export", "search", "fetch", "load", "bounded", "newsroom", "webout")

# Targets from the performance issue (2-core machine, SQLite and PostgreSQL alike).
MAX_ARTICLE_QUERIES = 12
ARTICLE_200_MS = 40.0
ARTICLE_500_MS = 100.0
LIST_MS = 50.0
IMPORT_PER_SECOND = 500.0
REANCHOR_MS = 500.0
CSV_ROWS_PER_SECOND = 20_000.0
LOAD_RATIO_50 = 0.10
LOAD_RATIO_200 = 0.04
GENERATE_SECONDS = 120.0
#: Peak memory "does not grow": exporting 10x the claims may cost at most this much more.
CSV_MEMORY_GROWTH = 1.5


# --------------------------------------------------------------------------- results


@dataclass
class Result:
    """One row of the results table."""

    name: str
    group: str
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    cpu_ms: float | None = None  # median CPU time of this process (in-process measurements)
    value: str = ""  # the headline figure for rates and load runs ("812 articles/s")
    target: str = ""
    passed: bool | None = None  # None: no target, or not measured
    status: str = ""  # "n/a (not implemented)", "error: ..." -- overrides passed
    samples: list[float] = field(default_factory=list)  # seconds
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        if self.status:
            return self.status
        if self.passed is None:
            return "—"
        return "pass" if self.passed else "FAIL"


def percentile(samples: list[float], fraction: float) -> float:
    """Linear-interpolated percentile (``fraction`` 0..1) of a non-empty list."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(result: Result, samples: list[float], cpu: list[float] | None = None) -> Result:
    """Fill median/p95 (milliseconds) from wall-clock samples in seconds, and the CPU median."""
    result.samples = samples
    if samples:
        result.median_ms = statistics.median(samples) * 1000
        result.p95_ms = percentile(samples, 0.95) * 1000
    if cpu:
        result.cpu_ms = statistics.median(cpu) * 1000
    return result


def check(result: Result, *, max_ms: float | None = None, max_queries: int | None = None) -> Result:
    """Compare a timed result with its targets and describe them in ``target``."""
    targets: list[str] = []
    ok = True
    if max_ms is not None:
        targets.append(f"median < {max_ms:g} ms")
        ok = ok and result.median_ms is not None and result.median_ms < max_ms
    if max_queries is not None:
        targets.append(f"≤ {max_queries} queries")
        ok = ok and result.queries is not None and result.queries <= max_queries
    if targets:
        result.target = ", ".join(targets)
        result.passed = ok
    return result


def time_runs(
    action: Callable[[], object], *, repeat: int, warmup: int = 1, budget_seconds: float = 30.0, minimum: int = 3
) -> tuple[list[float], list[float]]:
    """Run ``action`` ``warmup`` times untimed, then up to ``repeat`` times timed.

    Returns wall-clock and CPU seconds (this process) per run. CPU time is the figure to
    trust on a busy machine: it does not count waiting for other processes (but neither does
    it count the database server's own work on PostgreSQL). A slow page stops early once
    ``budget_seconds`` are spent (after at least ``minimum`` runs), so one pathological page
    cannot hold the whole benchmark hostage.
    """
    for _ in range(warmup):
        action()
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        if sum(wall) > budget_seconds and len(wall) >= minimum:
            break
    return wall, cpu


def count_queries(action: Callable[[], object]) -> int:
    """SQL queries ``action`` runs on the default database (an untimed run)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        action()
    return len(context.captured_queries)


def route_exists(path: str) -> bool:
    """Whether the URLconf has a view for ``path`` (features still being built have none)."""
    from django.urls import Resolver404, resolve

    try:
        resolve(path.split("?", 1)[0])
    except Resolver404:
        return False
    return True


def measure_page(
    client: Any,
    path: str,
    *,
    name: str,
    group: str = "pages",
    repeat: int = 20,
    max_ms: float | None = None,
    max_queries: int | None = None,
    budget_seconds: float = 15.0,
) -> Result:
    """Median/p95 of ``client.get(path)`` plus its query count; the page must answer 200."""
    result = Result(name=name, group=group)
    if not route_exists(path):
        result.status = NOT_IMPLEMENTED
        return result
    try:
        response = client.get(path)
        if response.status_code != 200:
            result.status = f"error: HTTP {response.status_code}"
            return result
        result.extra["bytes"] = len(response.content)
        result.queries = count_queries(lambda: client.get(path))
        # The status check and the counted run were the warm-up.
        timed = time_runs(lambda: client.get(path), repeat=repeat, warmup=0, budget_seconds=budget_seconds)
        summarize(result, *timed)
    except Exception as error:  # a broken page must not stop the other measurements
        result.status = f"error: {type(error).__name__}: {error}"[:200]
        return result
    return check(result, max_ms=max_ms, max_queries=max_queries)


# --------------------------------------------------------------------------- setup


@dataclass
class Settings:
    """What this run measures and how hard (from the command line)."""

    db: str = "sqlite"
    quick: bool = False
    articles: int = 10_000
    claims_per_article: int = 10
    seed: int = 1
    repeat: int = 20
    duration: float = 30.0
    connections: int = 32
    workers: int = 2
    import_articles: int = 10_000
    export_claims: int = 100_000
    groups: tuple[str, ...] = GROUPS
    rebuild: bool = False
    json_path: Path | None = None

    @property
    def label(self) -> str:
        """Names the data set (database, results file): other sizes than the default get their own."""
        if self.quick:
            return f"{self.db}-quick"
        return self.db if self.articles == 10_000 else f"{self.db}-{self.articles}"


def parse_args(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default=os.environ.get("BENCH_DB", "sqlite"))
    parser.add_argument("--quick", action="store_true", help="Small data, few repetitions, 5 s load runs (smoke).")
    parser.add_argument("--articles", type=int, help="Articles in the data set (default 10,000; quick 1,000).")
    parser.add_argument("--claims-per-article", type=int, default=10, help="Mean claims per article (default 10).")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, help="Timed runs per measurement (default 20; quick 5).")
    parser.add_argument("--duration", type=float, help="Seconds per load run (default 30; quick 5).")
    parser.add_argument("--connections", type=int, default=32, help="Concurrent load clients (default 32).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2).")
    parser.add_argument("--import-articles", type=int, help="Articles in the import run (default 10,000; quick 1,000).")
    parser.add_argument("--only", help=f"Comma-separated groups to run ({', '.join(GROUPS)}).")
    parser.add_argument("--skip", help="Comma-separated groups to leave out.")
    parser.add_argument("--rebuild", action="store_true", help="Delete and regenerate the data set.")
    parser.add_argument("--json", type=Path, help="Where to write results (default benchmarks/results/<db>.json).")
    args = parser.parse_args(argv)
    groups = tuple(args.only.split(",")) if args.only else GROUPS
    if args.skip:
        groups = tuple(group for group in groups if group not in args.skip.split(","))
    unknown = set(groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown groups: {', '.join(sorted(unknown))}")
    quick = args.quick
    articles = args.articles or (1_000 if quick else 10_000)
    return Settings(
        db=args.db,
        quick=quick,
        articles=articles,
        claims_per_article=args.claims_per_article,
        seed=args.seed,
        repeat=args.repeat or (5 if quick else 20),
        duration=args.duration or (5.0 if quick else 30.0),
        connections=args.connections,
        workers=args.workers,
        import_articles=args.import_articles or (1_000 if quick else 10_000),
        export_claims=min(100_000, articles * args.claims_per_article),
        groups=groups,
        rebuild=args.rebuild,
        json_path=args.json,
    )


def database_url(settings: Settings) -> str:
    size = "" if settings.quick or settings.articles == 10_000 else f"_{settings.articles}"
    if settings.db == "postgres":
        name = "factdesk_bench_quick" if settings.quick else f"factdesk_bench{size}"
        return f"{POSTGRES_SERVER_URL}/{name}"
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    name = "bench-quick.sqlite3" if settings.quick else f"bench{size}.sqlite3"
    return f"sqlite:///{DATA_DIR / name}"


def create_postgres_database(url: str) -> None:
    """Create the benchmark database if it does not exist yet (never touches any other)."""
    import psycopg
    from psycopg import sql

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(settings: Settings) -> dict[str, str]:
    """Point Django at the benchmark database, migrate it, and return the environment for gunicorn."""
    url = database_url(settings)
    if settings.db == "postgres":
        create_postgres_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    os.chdir(REPO_ROOT)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    """The machine and software the numbers come from."""
    import django
    from django.db import connection

    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, IndexError, ValueError):
        kilobytes = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f"{kilobytes / 1024 / 1024:.1f} GiB"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]}"
        else:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": database,
        "load_tool": "wrk" if shutil.which("wrk") else "python client",
        "load_average_at_start": load_average(),
    }


def load_average() -> list[float] | None:
    """The 1/5/15-minute load averages: above the CPU count, other processes skewed the timings."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


# --------------------------------------------------------------------------- data set


@dataclass
class Desk:
    """The data set and the fixtures the measurements use."""

    articles: int
    claims: int
    generated_seconds: float | None
    generated_cpu_seconds: float | None
    generated_now: bool
    by_claims: dict[int, Any]  # claim count -> Article
    editor: Any
    checker: Any


def dataset_note(settings: Settings) -> Path:
    return DATA_DIR / f"{settings.label}-dataset.json"


def refresh_planner_statistics() -> None:
    """``VACUUM ANALYZE`` a data set just written in bulk, as autovacuum would soon after in production.

    Without statistics PostgreSQL plans a million-claim desk as if it were empty (nested loops
    over whole tables: seconds per page). Without the vacuum, the visibility map of freshly
    written tables is empty, so PostgreSQL costs every index-only scan as heap reads and picks
    worse plans (the assignee filter's count: 16 ms instead of 0.9 ms at 100,000 claims); a
    desk in production is vacuumed by autovacuum within minutes of a bulk write. SQLite's
    planner gets ``ANALYZE``.
    """
    from django.db import connection

    statement = "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
    log(f"Refreshing the planner's statistics ({statement})...")
    with connection.cursor() as cursor:
        cursor.execute(statement)


def ensure_desk(settings: Settings) -> Desk:
    """Generate the data set unless an identical one exists; add the fixed-size articles."""
    from django.contrib.auth.models import User

    from annotations.models import Claim
    from articles.models import Article
    from benchmarks.management.commands import generate_load_data as gen

    prefix = f"{gen.LOAD_URL_PREFIX}s{settings.seed}/"
    note = dataset_note(settings)
    existing = Article.objects.filter(url__startswith=prefix).count()
    generated_now = False
    seconds: float | None = None
    cpu_seconds: float | None = None
    if settings.rebuild or existing != settings.articles:
        if existing or settings.rebuild:
            log("Clearing the previous load data...")
            gen.clear_load_data()
        log(f"Generating {settings.articles:,} articles × {settings.claims_per_article} claims...")
        stats = gen.generate_load_data(
            articles=settings.articles, claims_per_article=settings.claims_per_article, seed=settings.seed
        )
        log(f"  {stats.summary()}")
        seconds, generated_now = stats.seconds, True
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        cpu_seconds = stats.cpu_seconds
        note.write_text(json.dumps({"seconds": stats.seconds, "stats": asdict(stats)}))
        refresh_planner_statistics()
    elif note.exists():
        saved = json.loads(note.read_text())
        seconds, cpu_seconds = saved.get("seconds"), saved.get("stats", {}).get("cpu_seconds")

    by_claims: dict[int, Any] = {}
    for count in (0, 50, 200, 500):
        url = f"{gen.LOAD_URL_PREFIX}bench/claims-{count}"
        article = Article.objects.filter(url=url).first()
        if article is None or article.claims.count() != count:
            if article is not None:
                article.delete()
            article = gen.create_article_with_claims(url=url, claims=count, seed=10_000 + count)
        by_claims[count] = article
    return Desk(
        articles=Article.objects.count(),
        claims=Claim.objects.count(),
        generated_seconds=seconds,
        generated_cpu_seconds=cpu_seconds,
        generated_now=generated_now,
        by_claims=by_claims,
        editor=User.objects.get(username=f"{gen.USERNAME_PREFIX}editor-01"),
        checker=User.objects.get(username=f"{gen.USERNAME_PREFIX}checker-001"),
    )


def generation_result(settings: Settings, desk: Desk) -> Result:
    result = Result(name=f"generate_load_data {settings.articles:,} × {settings.claims_per_article}", group="data")
    if desk.generated_seconds is None:
        result.status = "reused (time unknown)"
        return result
    result.median_ms = desk.generated_seconds * 1000
    if desk.generated_cpu_seconds is not None:
        result.cpu_ms = desk.generated_cpu_seconds * 1000
    result.value = f"{desk.generated_seconds:.1f} s" + ("" if desk.generated_now else " (earlier run)")
    if settings.articles * settings.claims_per_article >= 100_000:
        result.target = f"< {GENERATE_SECONDS:g} s"
        result.passed = desk.generated_seconds < GENERATE_SECONDS
    return result


# --------------------------------------------------------------------------- pages


def logged_in_client(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def page_results(settings: Settings, desk: Desk) -> list[Result]:
    """The article view at four sizes, the list, every queue, the claim panel."""
    from annotations.models import Claim

    editor = logged_in_client(desk.editor)
    checker = logged_in_client(desk.checker)
    repeat = settings.repeat
    results: list[Result] = []
    for count, article in desk.by_claims.items():
        max_ms = {200: ARTICLE_200_MS, 500: ARTICLE_500_MS}.get(count)
        results.append(
            measure_page(
                editor, f"/articles/{article.pk}/", name=f"article view, {count} claims (test client)",
                repeat=repeat, max_ms=max_ms, max_queries=MAX_ARTICLE_QUERIES,
            )
        )
    outlet = desk.by_claims[50].outlet
    busy_claim = Claim.objects.filter(article=desk.by_claims[50], status="published").first() or Claim.objects.filter(
        article=desk.by_claims[50]
    ).first()
    assigned = Claim.objects.filter(assignee=desk.checker).count()
    # "My claims" and the desk overview take no filters: each is one page whatever the desk's size.
    pages = [
        ("article list, first page", editor, "/articles/"),
        ("article list, filtered (status + outlet)", editor, f"/articles/?status=in_review&outlet={_quote(outlet)}"),
        ("article list, filtered (assigned to a fact-checker)", editor, f"/articles/?assignee={desk.checker.pk}"),
        ("article list, text filter (q=dredging)", editor, "/articles/?q=dredging"),
        ("article list, page 100", editor, "/articles/?page=100"),
        (f"my claims (fact-checker with {assigned:,} claims)", checker, "/review/my-claims/"),
        ("review queue (editor), first page", editor, "/review/queue/"),
        ("review queue, page 2", editor, "/review/queue/?page=2"),
        ("desk overview (editor)", editor, "/review/desk/"),
        ("notifications", checker, "/review/notifications/"),
    ]
    for name, client, path in pages:
        results.append(
            measure_page(client, path, name=name, repeat=repeat, max_ms=LIST_MS, max_queries=MAX_ARTICLE_QUERIES)
        )
    if busy_claim is not None:
        results.append(
            measure_page(
                editor, f"/claims/{busy_claim.pk}/panel/", name="claim panel", repeat=repeat,
                max_queries=MAX_ARTICLE_QUERIES,
            )
        )
    return results


def _quote(value: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(value)


# --------------------------------------------------------------------------- import


def write_import_files(directory: Path, count: int, *, run_id: str, seed: int = 7) -> int:
    """JSON Lines files of ``count`` generated articles, each file under the upload size limit."""
    import random

    from django.conf import settings as django_settings

    from benchmarks.management.commands.generate_load_data import LOAD_URL_PREFIX, OUTLETS, TextGenerator, _person

    rng = random.Random(seed)
    text = TextGenerator(rng)
    limit = int(django_settings.FACTDESK_MAX_UPLOAD_BYTES * 0.8)
    written = 0
    file_number = 0
    handle = None
    size = 0
    try:
        for number in range(count):
            body, _ = text.body()
            record = {
                "title": text.title(),
                "body": body,
                "outlet": rng.choice(OUTLETS),
                "byline": _person(rng),
                "url": f"{LOAD_URL_PREFIX}import/{run_id}/{number}",
                "published": f"20{rng.randint(15, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            }
            line = json.dumps(record, ensure_ascii=False) + "\n"
            encoded = len(line.encode("utf-8"))
            if handle is None or size + encoded > limit:
                if handle is not None:
                    handle.close()
                file_number += 1
                handle = (directory / f"import-{file_number:03d}.jsonl").open("w", encoding="utf-8")
                size = 0
            handle.write(line)
            size += encoded
            written += 1
    finally:
        if handle is not None:
            handle.close()
    return written


#: An import slower than this stops after the current file: the rate is known by then.
IMPORT_BUDGET_SECONDS = 180.0


def import_result(settings: Settings, desk: Desk) -> Result:
    """Time ``import_files`` over JSONL files of generated articles; they are removed afterwards.

    The files are imported one call per file (as ``import_files`` does for a folder) so that a
    slow importer can be stopped after :data:`IMPORT_BUDGET_SECONDS` with its rate measured.
    """
    from articles.models import Article
    from benchmarks.management.commands.generate_load_data import LOAD_URL_PREFIX

    count = settings.import_articles
    result = Result(name=f"import {count:,} articles (JSON Lines)", group="import")
    try:
        from articles.importing.service import import_files
    except ImportError:
        result.status = NOT_IMPLEMENTED
        return result
    run_id = f"{int(time.time())}"
    prefix = f"{LOAD_URL_PREFIX}import/"
    Article.objects.filter(url__startswith=prefix).delete()
    created = skipped = 0
    failures: list[Any] = []
    elapsed = cpu = 0.0
    # The language model loads once per process (0.2-2 s), as in a worker that has imported
    # before: load it first, so the rate is the import's steady state, not its first second.
    from articles.language import detect_language

    detect_language("The council approved the budget for next year after a long debate.")
    with tempfile.TemporaryDirectory(prefix="factdesk-import-") as directory:
        write_import_files(Path(directory), count, run_id=run_id)
        try:
            files = sorted(Path(directory).glob("*.jsonl"))
            for number, path in enumerate(files, start=1):
                started, started_cpu = time.perf_counter(), time.process_time()
                report = import_files([path], desk.editor)
                elapsed += time.perf_counter() - started
                cpu += time.process_time() - started_cpu
                created += len(report.created)
                skipped += len(report.skipped)
                failures += report.failed
                if elapsed > IMPORT_BUDGET_SECONDS and number < len(files):
                    result.extra["stopped"] = f"time budget reached after {created:,} articles"
                    break
        except Exception as error:
            result.status = f"error: {type(error).__name__}: {error}"[:200]
            return result
        finally:
            Article.objects.filter(url__startswith=prefix).delete()
    rate = created / elapsed if elapsed else 0.0
    summarize(result, [elapsed], [cpu])
    result.value = f"{rate:,.0f} articles/s ({created:,} created in {elapsed:.1f} s"
    result.value += f"; stopped at the {IMPORT_BUDGET_SECONDS:g} s budget)" if "stopped" in result.extra else ")"
    result.extra.update({"created": created, "skipped": skipped, "failed": len(failures), "rate": rate})
    if failures:
        result.extra["first_failure"] = failures[0]
    result.target = f"≥ {IMPORT_PER_SECOND:g} articles/s"
    complete = created == count or "stopped" in result.extra
    result.passed = complete and not failures and rate >= IMPORT_PER_SECOND
    return result


# --------------------------------------------------------------------------- re-anchoring


def reanchor_result(settings: Settings, desk: Desk) -> Result:
    """Correct a ~100 KB article carrying 200 claims: a sentence added near the top, then re-anchoring."""
    from articles.models import Article
    from benchmarks.management.commands import generate_load_data as gen

    result = Result(name="re-anchor 200 claims after editing a 100 KB article", group="reanchor")
    url = f"{gen.LOAD_URL_PREFIX}bench/reanchor-100k"
    Article.objects.filter(url=url).delete()
    article = gen.create_article_with_claims(url=url, claims=200, seed=4242, min_chars=100_000)
    article = Article.objects.get(pk=article.pk)
    result.extra["body_chars"] = len(article.body)
    try:
        from articles.corrections import edit_article
    except ImportError:
        edit_article = None

    edits = iter(range(10_000))

    def edited_body(body: str) -> str:
        cut = body.index("\n\n") + 2  # after the first paragraph
        return f"{body[:cut]}Correction {next(edits)}: an earlier version misspelled a name.\n\n{body[cut:]}"

    if edit_article is None:
        from annotations.anchoring import Anchor, reanchor_all

        anchors = [
            Anchor(c.start, c.end, c.exact, c.prefix, c.suffix)
            for c in article.claims.order_by("start")
        ]
        new_body = edited_body(article.body)
        summarize(result, *time_runs(lambda: reanchor_all(new_body, anchors), repeat=min(settings.repeat, 10)))
        result.status = "edit_article n/a: pure reanchor_all timed"
    else:
        state = {"article": article}

        def edit() -> object:
            current = state["article"]
            report = edit_article(
                current, user=desk.editor, title=current.title, body=edited_body(current.body),
                expected_version=current.version, note="benchmark correction",
            )
            state["article"] = Article.objects.get(pk=current.pk)
            return report

        try:
            result.queries = count_queries(edit)
            report = edit()
            result.extra["report"] = getattr(report, "summary", lambda: str(report))()
            summarize(result, *time_runs(edit, repeat=min(settings.repeat, 10), warmup=0))
        except Exception as error:
            result.status = f"error: {type(error).__name__}: {error}"[:200]
            return result
        finally:
            Article.objects.filter(url=url).delete()
    return check(result, max_ms=REANCHOR_MS)


# --------------------------------------------------------------------------- CSV export


class NullSink:
    """Counts bytes and throws them away (the network, for a streamed download)."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)


def export_claim_sets(settings: Settings) -> tuple[tuple[Any, int], tuple[Any, int]]:
    """The claims of the whole generated desk and of a part of it: ``(queryset, count)`` each.

    Whole articles are exported (as the ZIP of many articles does), so the sets are chosen by
    article: the generated desk holds exactly ``articles × claims_per_article`` claims. The
    part is a tenth of a full desk (10,000 of 100,000 claims); on a small desk it is a half, so
    that both exports span several of the exporter's chunks and the comparison is fair.
    """
    from annotations.exports.csv_export import claims_queryset
    from annotations.models import Claim
    from articles.models import Article
    from benchmarks.management.commands.generate_load_data import LOAD_URL_PREFIX

    desk_articles = Article.objects.filter(url__startswith=f"{LOAD_URL_PREFIX}s{settings.seed}/")
    part = 10 if settings.articles * settings.claims_per_article >= 50_000 else 2
    last = desk_articles.order_by("pk").values_list("pk", flat=True)[max(0, settings.articles // part - 1)]
    small_articles = desk_articles.filter(pk__lte=last)
    sets = []
    for articles in (small_articles, desk_articles):
        ids = articles.values("pk")
        count = Claim.objects.filter(article__in=ids).count()
        sets.append((claims_queryset(articles=ids, published_only=False), count))
    return sets[0], sets[1]


def export_results(settings: Settings, desk: Desk) -> list[Result]:
    """Stream the claims CSV for the desk: rows per second, and peak memory for part versus all of it."""
    speed = Result(name="CSV export, whole desk", group="export")
    memory = Result(name="CSV export peak memory, part vs the whole desk", group="export")
    try:
        from annotations.exports.csv_export import stream_csv
    except ImportError:
        speed.status = memory.status = NOT_IMPLEMENTED
        return [speed, memory]

    def export(claims: Any) -> int:
        sink = NullSink()
        for chunk in stream_csv(claims):
            sink.write(chunk)
        return sink.size

    try:
        (small, small_count), (full, total) = export_claim_sets(settings)
        speed.name = f"CSV export, {total:,} claims"
        memory.name = f"CSV export peak memory, {small_count:,} vs {total:,} claims"
        speed.queries = count_queries(lambda: export(full))
        wall, cpu = time_runs(lambda: export(full), repeat=2 if not settings.quick else 3, warmup=0)
        summarize(speed, wall, cpu)
        rate = total / statistics.median(wall)
        speed.value = f"{rate:,.0f} rows/s"
        speed.extra["rate"] = rate
        speed.target = f"≥ {CSV_ROWS_PER_SECOND:,.0f} rows/s"
        speed.passed = rate >= CSV_ROWS_PER_SECOND

        peaks = []
        for claims in (small, full):
            tracemalloc.start()
            try:
                export(claims)
                peaks.append(tracemalloc.get_traced_memory()[1])
            finally:
                tracemalloc.stop()
        memory.value = f"{peaks[0] / 2**20:.1f} MiB vs {peaks[1] / 2**20:.1f} MiB"
        memory.extra = {"peak_small": peaks[0], "peak_large": peaks[1], "claims": [small_count, total]}
        memory.target = f"peak ≤ {CSV_MEMORY_GROWTH}× the smaller export's"
        memory.passed = peaks[1] <= CSV_MEMORY_GROWTH * peaks[0]
    except Exception as error:
        speed.status = memory.status = f"error: {type(error).__name__}: {error}"[:200]
    return [speed, memory]


# --------------------------------------------------------------------------- search


def search_results(settings: Settings, desk: Desk) -> list[Result]:
    """The search page (a common and a rare query) and the similar-claims look-up."""
    from annotations.models import Claim

    editor = logged_in_client(desk.editor)
    results = [
        measure_page(editor, "/search/?q=unemployment", name="search page, common word", repeat=settings.repeat,
                     group="search", max_queries=MAX_ARTICLE_QUERIES),
        measure_page(editor, "/search/?q=harbour+dredging+tender", name="search page, rare words",
                     repeat=settings.repeat, group="search", max_queries=MAX_ARTICLE_QUERIES),
    ]
    similar = Result(name="similar claims look-up (service)", group="search")
    try:
        from search.similarity import similar_claims
    except ImportError:
        similar.status = NOT_IMPLEMENTED
        return [*results, similar]
    claims = list(Claim.objects.filter(article=desk.by_claims[50]).order_by("start")[:20])
    cycle = iter(claims * (settings.repeat + 5))
    try:
        similar.queries = count_queries(lambda: similar_claims(claims[0]))
        summarize(similar, *time_runs(lambda: similar_claims(next(cycle)), repeat=settings.repeat))
        found = similar_claims(claims[0])
        similar.extra["found"] = len(found)
    except Exception as error:
        similar.status = f"error: {type(error).__name__}: {error}"[:200]
    results.append(similar)
    if claims:
        results.append(
            measure_page(editor, f"/claims/{claims[0].pk}/similar/", name="similar claims panel",
                         repeat=settings.repeat, group="search", max_queries=MAX_ARTICLE_QUERIES)
        )
    return results


# --------------------------------------------------------------------------- load


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int, *, production_config: bool = False) -> Iterator[int]:
    """Run gunicorn on a free loopback port for the duration of the block; always stop it.

    ``production_config`` serves with ``factcheck.gunicorn_conf`` (threaded workers, its
    timeout) as ``make serve`` does; otherwise plain sync workers, as the older load runs.
    """
    port = free_port()
    executable = Path(sys.executable).with_name("gunicorn")
    command = [str(executable) if executable.exists() else "gunicorn", "benchmarks.wsgi:application"]
    if production_config:
        command += ["-c", "python:factcheck.gunicorn_conf"]
    else:
        command += ["--worker-class", "sync", "--backlog", "2048", "--timeout", "120"]
    command += [
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--log-level", "warning",
        "--chdir", str(REPO_ROOT),
    ]
    process = subprocess.Popen(command, env=env, cwd=REPO_ROOT, start_new_session=True)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {process.returncode}")
            try:
                status, _ = http_get(port, "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield port
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def http_get(port: int, path: str, cookie: str = "", timeout: float = 30.0) -> tuple[int, bytes]:
    """One GET on loopback (a new connection, as a browser's first request)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_until_idle(port: int, *, limit_seconds: float = 60.0) -> None:
    """Wait until gunicorn has worked off requests queued by a finished load run.

    A load client stops after its duration, but the requests it left in the listen queue are
    still served; the next run would otherwise start behind them. Idle means two quick
    answers in a row from ``/healthz``.
    """
    deadline = time.monotonic() + limit_seconds
    quick = 0
    while quick < 2 and time.monotonic() < deadline:
        started = time.perf_counter()
        with contextlib.suppress(OSError):
            http_get(port, "/healthz")
        quick = quick + 1 if time.perf_counter() - started < 0.05 else 0


@dataclass
class LoadRun:
    """What one load run measured."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    tool: str


_WRK_DURATION = re.compile(r"([\d.]+)(us|ms|s|m)\b")


def _wrk_ms(text: str) -> float:
    match = _WRK_DURATION.match(text.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def parse_wrk(output: str) -> LoadRun:
    """Read requests/s, p50/p99 latency and errors from ``wrk --latency`` output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _wrk_ms(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1))
    p99 = _wrk_ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(number) for number in socket_errors.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    return LoadRun(rps, p50, p99, requests, errors, "wrk")


def run_wrk(port: int, path: str, cookie: str, *, connections: int, seconds: float) -> LoadRun:
    command = [
        "wrk", "--latency", f"-t{min(2, connections)}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
        "--timeout", "10s", "-H", f"Cookie: {cookie}", f"http://127.0.0.1:{port}{path}",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60)  # noqa: S603
    return parse_wrk(completed.stdout)


def run_python_load(port: int, path: str, cookie: str, *, connections: int, seconds: float) -> LoadRun:
    """Fallback load client: ``connections`` threads with keep-alive connections, bounded in time."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Cookie": cookie})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    elapsed = time.perf_counter() - started
    if not latencies:
        return LoadRun(0.0, 0.0, 0.0, 0, errors, "python")
    return LoadRun(
        len(latencies) / elapsed,
        percentile(latencies, 0.50) * 1000,
        percentile(latencies, 0.99) * 1000,
        len(latencies),
        errors,
        "python",
    )


def load_run(port: int, path: str, cookie: str, *, connections: int, seconds: float) -> LoadRun:
    runner = run_wrk if shutil.which("wrk") else run_python_load
    return runner(port, path, cookie, connections=connections, seconds=seconds)


def session_cookie(user: Any) -> str:
    from django.conf import settings as django_settings

    client = logged_in_client(user)
    return f"{django_settings.SESSION_COOKIE_NAME}={client.cookies[django_settings.SESSION_COOKIE_NAME].value}"


def load_results(settings: Settings, desk: Desk, env: dict[str, str]) -> list[Result]:
    """Through gunicorn: sequential latency of the article view, then concurrent load vs the floor."""
    results: list[Result] = []
    cookie = session_cookie(desk.editor)
    try:
        with gunicorn(env, settings.workers) as port:
            for count, article in desk.by_claims.items():
                path = f"/articles/{article.pk}/"
                result = Result(name=f"article view, {count} claims (gunicorn, 1 client)", group="load")
                status, _ = http_get(port, path, cookie)
                if status != 200:
                    result.status = f"error: HTTP {status}"
                else:
                    wall, _ = time_runs(lambda path=path: http_get(port, path, cookie), repeat=settings.repeat)
                    summarize(result, wall)
                results.append(result)

            # The floor is the trivial view without a session: no database at all. With a session
            # cookie even a login-exempt view loads the session and the user (LoginRequiredMiddleware
            # asks who is logged in first), which is shown for information but not used as the floor.
            floor: LoadRun | None = None
            runs: list[tuple[str, str, str, float | None]] = [
                ("trivial view, anonymous (floor)", "/bench/trivial", "", None),
                ("trivial view, logged in", "/bench/trivial", cookie, None),
            ]
            runs += [
                (f"article view, {count} claims", f"/articles/{desk.by_claims[count].pk}/", cookie, ratio)
                for count, ratio in ((50, LOAD_RATIO_50), (200, LOAD_RATIO_200))
            ]
            for label, path, run_cookie, ratio in runs:
                result = Result(
                    name=f"load: {label}, {settings.connections} clients × {settings.duration:g} s", group="load"
                )
                status, _ = http_get(port, path, run_cookie)
                if status != 200:
                    result.status = f"error: HTTP {status}"
                    results.append(result)
                    continue
                warmup = min(2.0, settings.duration)
                load_run(port, path, run_cookie, connections=settings.connections, seconds=warmup)
                wait_until_idle(port)
                run = load_run(port, path, run_cookie, connections=settings.connections, seconds=settings.duration)
                wait_until_idle(port)
                result.median_ms = run.p50_ms
                result.value = (
                    f"{run.requests_per_second:,.0f} req/s, p50 {run.p50_ms:.0f} ms, p99 {run.p99_ms:.0f} ms, "
                    f"{run.errors} errors"
                )
                result.extra = asdict(run)
                if run.requests == 0:
                    result.status = "error: no request completed"
                    results.append(result)
                    continue
                result.target = "0 errors"
                result.passed = run.errors == 0
                if not run_cookie:
                    floor = run
                elif ratio is not None and floor is not None:
                    share = run.requests_per_second / floor.requests_per_second
                    result.value += f", {share:.1%} of the floor"
                    result.extra["share_of_floor"] = share
                    result.target = f"≥ {ratio:.0%} of the floor, 0 errors"
                    result.passed = run.errors == 0 and share >= ratio
                results.append(result)
    except Exception as error:
        results.append(Result(name="load test", group="load", status=f"error: {type(error).__name__}: {error}"[:200]))
    return results


def bounded_results(settings: Settings, desk: Desk, env: dict[str, str]) -> list[Result]:
    """Issue 15's load test: expensive requests at once must not hold the server (see bench_bounded)."""
    from benchmarks import bench_bounded
    from factcheck.models import Job

    result = Result(
        name=f"bounded work: {bench_bounded.CONCURRENT_PDFS} PDF exports (500 claims) + "
        f"{bench_bounded.CONCURRENT_SEARCHES} searches over {bench_bounded.BIG_ARTICLES} × 490k-character articles",
        group="bounded",
        target=f"/healthz p99 < {bench_bounded.HEALTHZ_P99_MS:g} ms, no 500",
    )
    log("  Making sure the long articles exist...")
    bench_bounded.ensure_big_articles()
    cookie = session_cookie(desk.editor)
    before = set(Job.objects.filter(owner=desk.editor).values_list("pk", flat=True))
    try:
        with gunicorn(env, settings.workers, production_config=True) as port:
            run = bench_bounded.run(port, cookie, pdf_article_id=desk.by_claims[500].pk, log=log)
    except Exception as error:
        result.status = f"error: {type(error).__name__}: {error}"[:200]
        return [result]
    finally:
        # No worker runs during the benchmark: its queued PDF jobs would count against the
        # editor's job limit in the next run.
        Job.objects.filter(owner=desk.editor, status__in=[Job.Status.PENDING, Job.Status.RUNNING]).exclude(
            pk__in=before
        ).delete()
    result.median_ms = run.healthz_p50_ms
    result.value = (
        f"/healthz p50 {run.healthz_p50_ms:.0f} ms, p99 {run.healthz_p99_ms:.0f} ms, max {run.healthz_max_ms:.0f} ms "
        f"({run.healthz_polls} polls); PDF answers {dict(sorted(run.statuses['pdf'].items()))}, "
        f"search answers {dict(sorted(run.statuses['search'].items()))}; {run.server_errors} server errors"
    )
    result.extra = bench_bounded.describe(run)
    result.passed = run.passed
    return [result]


def newsroom_results(settings: Settings, desk: Desk, env: dict[str, str]) -> list[Result]:
    """Issue 19's newsroom: locust with 50 people over two app servers; one row per action."""
    from benchmarks import bench_newsroom

    seconds = 20.0 if settings.quick else 120.0
    try:
        run = bench_newsroom.run(
            env, lambda server_env: gunicorn(server_env, settings.workers, production_config=True),
            seconds=seconds, quick=settings.quick, log=log,
        )
    except Exception as error:
        return [Result(name="newsroom", group="newsroom", status=f"error: {type(error).__name__}: {error}"[:200])]
    if not run.rows:
        return [Result(name="newsroom", group="newsroom",
                       status=f"error: locust wrote no statistics (exit {run.returncode}): {run.output_tail[-150:]}")]
    results = []
    for row in run.rows:
        aggregated = row.name == "Aggregated"
        result = Result(
            name=f"newsroom ({run.users} users × {seconds:g} s, 2 servers): {'all' if aggregated else row.name}",
            group="newsroom", median_ms=row.p50_ms, p95_ms=row.p95_ms,
            value=f"{row.requests:,} requests, p50 {row.p50_ms or 0:.0f} ms, p95 {row.p95_ms or 0:.0f} ms, "
            f"p99 {row.p99_ms or 0:.0f} ms, {row.failures} errors",
            target="0 errors", passed=row.failures == 0, extra=asdict(row),
        )
        if aggregated:
            result.extra.update(locust_exit=run.returncode, hosts=run.hosts, seconds=round(run.seconds, 1))
        results.append(result)
    return results


def web_out_results(settings: Settings, desk: Desk, env: dict[str, str]) -> list[Result]:
    """Issue 18: the API claim list at full size, and the public claim page's share of /healthz."""
    from benchmarks import bench_web_out

    api = bench_web_out.measure_api_claim_list(desk.editor, repeat=settings.repeat)
    listing = Result(
        name=f"API claim list, {bench_web_out.API_PAGE_SIZE} per page (token)", group="webout",
        target=f"median < {bench_web_out.API_LIST_MEDIAN_MS:g} ms, ≤ {bench_web_out.API_LIST_MAX_QUERIES} queries",
    )
    if api.status != 200:
        listing.status = f"error: HTTP {api.status}"
    else:
        listing.median_ms, listing.p95_ms, listing.queries = api.median_ms, api.p95_ms, api.queries
        listing.value = f"{api.claims_on_page} of {api.total_claims:,} claims"
        listing.passed = (api.median_ms < bench_web_out.API_LIST_MEDIAN_MS
                          and api.queries <= bench_web_out.API_LIST_MAX_QUERIES)
    results = [listing]
    path = bench_web_out.published_claim_path()
    page = Result(name=f"load: public claim page, {settings.connections} clients × {settings.duration:g} s",
                  group="webout", target="share of /healthz reported, 0 errors")
    if path is None:
        page.status = "error: no published claim in the data set"
        return [*results, page]
    try:
        with gunicorn(env, settings.workers, production_config=True) as port:
            status, _ = http_get(port, path)
            if status != 200:
                page.status = f"error: HTTP {status} for {path}"
                return [*results, page]
            run = bench_web_out.public_page_share(
                port, path, load_run, connections=settings.connections, seconds=settings.duration
            )
    except Exception as error:
        page.status = f"error: {type(error).__name__}: {error}"[:200]
        return [*results, page]
    page.median_ms = run.page_p50_ms
    page.value = (f"{run.page_rps:,.0f} req/s vs /healthz {run.floor_rps:,.0f} req/s: {run.share:.0%}; "
                  f"p99 {run.page_p99_ms:.0f} ms, {run.errors} errors ({run.tool})")
    page.extra = {"share_of_healthz": run.share, "floor_rps": run.floor_rps, "page_rps": run.page_rps}
    page.passed = run.errors == 0
    return [*results, page]


# --------------------------------------------------------------------------- report


def fetch_results(settings: Settings) -> list[Result]:
    """The web-in measurements of ``benchmarks/bench_fetch.py`` as rows of this table."""
    from benchmarks import bench_fetch

    rows = []
    for row in bench_fetch.run_all(quick=settings.quick):
        result = summarize(Result(name=row.name, group="fetch", value=row.value, extra=row.extra), row.samples)
        result.target, result.passed = row.target, row.passed
        rows.append(result)
    return rows


def markdown_table(results: list[Result]) -> str:
    """The results as a Markdown table (what docs/benchmarks.md shows)."""

    def number(value: float | None) -> str:
        if value is None:
            return ""
        return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"

    lines = [
        "| Benchmark | Median ms | p95 ms | CPU ms | Queries | Result | Target | Status |",
        "|---|---:|---:|---:|---:|---|---|---|",
    ]
    for result in results:
        queries = "" if result.queries is None else str(result.queries)
        lines.append(
            f"| {result.name} | {number(result.median_ms)} | {number(result.p95_ms)} | {number(result.cpu_ms)} | "
            f"{queries} | "
            f"{result.value} | {result.target} | {result.verdict} |"
        )
    return "\n".join(lines)


def write_json(settings: Settings, desk: Desk | None, results: list[Result], info: dict[str, Any]) -> Path:
    path = settings.json_path or RESULTS_DIR / f"{settings.label}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "settings": {key: str(value) if isinstance(value, Path) else value for key, value in asdict(settings).items()},
        "machine": info,
        "data": {"articles": desk.articles, "claims": desk.claims} if desk else {},
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "results": [asdict(result) for result in results],
    }
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path


def main(argv: list[str] | None = None) -> int:
    settings = parse_args(argv)
    started = time.perf_counter()
    env = setup_django(settings)
    info = machine()
    log(f"Factdesk benchmarks on {settings.db} ({info['database']}), {info['cpus']} CPUs, {info['cpu']}")
    desk = ensure_desk(settings)
    log(f"Data set: {desk.articles:,} articles, {desk.claims:,} claims")
    results = [generation_result(settings, desk)]
    steps: list[tuple[str, Callable[[], list[Result]]]] = [
        ("pages", lambda: page_results(settings, desk)),
        ("import", lambda: [import_result(settings, desk)]),
        ("reanchor", lambda: [reanchor_result(settings, desk)]),
        ("export", lambda: export_results(settings, desk)),
        ("search", lambda: search_results(settings, desk)),
        ("fetch", lambda: fetch_results(settings)),
        ("load", lambda: load_results(settings, desk, env)),
        ("bounded", lambda: bounded_results(settings, desk, env)),
        ("newsroom", lambda: newsroom_results(settings, desk, env)),
        ("webout", lambda: web_out_results(settings, desk, env)),
    ]
    for group, step in steps:
        if group not in settings.groups:
            continue
        log(f"Measuring {group}...")
        group_started = time.perf_counter()
        try:
            new = step()
        except Exception as error:  # keep going: the table shows what broke
            new = [Result(name=group, group=group, status=f"error: {type(error).__name__}: {error}"[:200])]
        results.extend(new)
        log(f"  {group} done in {time.perf_counter() - group_started:.0f} s")
    info["wall_seconds"] = round(time.perf_counter() - started, 1)
    info["load_average_at_end"] = load_average()
    path = write_json(settings, desk, results, info)
    shown = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
    print(f"\n## {info['database']} — {desk.articles:,} articles, {desk.claims:,} claims\n")
    print(markdown_table(results))
    print(
        f"\nWall time {info['wall_seconds']:.0f} s; load average {info['load_average_at_start']} at start, "
        f"{info['load_average_at_end']} at end ({info['cpus']} CPUs); results in {shown}"
    )
    failed = [result.name for result in results if result.passed is False]
    if failed:
        print(f"\nMissed targets: {'; '.join(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

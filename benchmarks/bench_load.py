"""The article page under load against ``/healthz`` in the same run (issue 19, item 2).

    .venv/bin/python benchmarks/bench_load.py --db sqlite --quick
    .venv/bin/python benchmarks/bench_load.py --db postgres --duration 20
    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python benchmarks/bench_load.py --db postgres

gunicorn serves the benchmark database (``--config sync``: 2 sync workers, as the ``load``
group of ``benchmarks/run.py``; ``--config production``: ``factcheck.gunicorn_conf``, 2 × 16
threads) and ``wrk`` (or the bounded Python client) sends ``--connections`` (32) concurrent
requests for ``--duration`` seconds to, in turn: ``/healthz`` without a cookie (the floor: a
load balancer's probe, one ``SELECT 1``), ``/healthz`` with the session cookie (the same plus the
session and the user), and the article page with 50 and 200 claims as a logged-in editor. Each
page gets a short warm-up run first, so every worker has rendered it once; the numbers are
requests/s, p50/p99 and errors, and each article row's share of the floor's requests/s. Each
row also gives the gunicorn processes' CPU time per request (from /proc, Linux): on a machine
other programs keep busy, requests/s swing from run to run, CPU per request much less, and
the floor's CPU per request over a page's is the share an idle server would reach (less what
the load client and Redis themselves cost). On PostgreSQL the row also gives the database
backends' CPU per request and ``wrk``'s own, and the share their sum implies: the database and
the load client run on the same cores as the app. ``workers recycled`` counts workers replaced
during a run (``max_requests``; a new worker starts with empty per-process caches).

The logged-in rows send the session cookie and the CSRF cookie, as a signed-in browser does
(the login form set it); ``--no-csrf-cookie`` sends the session cookie alone, as runs before
2026-12-03 18:00 UTC did (each answer then made a new CSRF secret and set its cookie).

Targets: the 200-claim page ≥ 50% of the floor, the 50-claim page ≥ 70%, zero errors, p99 <
250 ms. The machine's load average is printed with every row: relative numbers from one run
are what the targets are about, absolute ones depend on what else is running.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import run

#: Share of the floor's requests/s each article page must reach, and the latency bound.
TARGET_SHARE = {50: 0.70, 200: 0.50}
TARGET_P99_MS = 250.0
#: What one request costs the machine: the app's workers, the database's backends and the load client.
TOTAL_CPU_KEYS = ("cpu_ms_per_request", "database_cpu_ms_per_request", "client_cpu_ms_per_request")


def _processes(match: Callable[[bytes], bool]) -> dict[int, float]:
    """CPU seconds (user + system) so far of each process whose command line ``match`` accepts (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if not match((entry / "cmdline").read_bytes()):
                continue
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return found


def gunicorn_processes(port: int) -> dict[int, float]:
    """The gunicorn processes serving ``port`` (arbiter and workers) with their CPU seconds so far."""
    return _processes(lambda command: b"gunicorn" in command and f"127.0.0.1:{port}".encode() in command)


def server_cpu_seconds(port: int) -> float:
    """CPU time (user + system) used so far by the gunicorn processes serving ``port`` (Linux /proc).

    Unlike requests/s, CPU per request does not depend on what else the machine runs: the
    share of ``/healthz`` it implies is what an idle machine would show, less the load client.
    """
    return sum(gunicorn_processes(port).values())


def database_processes(database: str) -> dict[int, float]:
    """CPU time used so far by the PostgreSQL backends connected to ``database`` (0 for SQLite).

    PostgreSQL runs beside the app on the same two cores: a query's planning and execution
    cost requests/s as much as the worker's own CPU does. The backends are recognised by
    their process title (``postgres: <cluster>: <user> <database> <address> ...``).
    """
    if not database:
        return {}
    marker = f" {database} ".encode()
    return _processes(lambda command: command.startswith(b"postgres: ") and marker in command)


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds the processes used between two readings; one that exited in between takes its time
    with it (an underestimate: a connection closed by ``CONN_MAX_AGE`` is replaced by a new backend)."""
    return sum(max(seconds - before.get(pid, 0.0), 0.0) for pid, seconds in after.items())


def measure(
    port: int, label: str, path: str, cookie: str, *, connections: int, seconds: float, cpu: bool = True,
    database: str = "",
) -> dict[str, Any]:
    """One load run after a short warm-up; the row with the server's CPU per request and the load average.

    No CPU figure when a worker was recycled during the run (``max_requests`` of the production
    configuration): a worker that exits takes its CPU time with it. ``workers_recycled`` counts
    the workers that started during the measured run (a recycled worker starts with empty
    per-process caches).
    """
    status, _ = run.http_get(port, path, cookie)
    if status != 200:
        return {"label": label, "path": path, "error": f"HTTP {status}"}
    run.load_run(port, path, cookie, connections=connections, seconds=min(2.0, seconds))
    run.wait_until_idle(port)
    processes_before = gunicorn_processes(port)
    cpu_before = sum(processes_before.values())
    database_before = database_processes(database)
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run.load_run(port, path, cookie, connections=connections, seconds=seconds)
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run.wait_until_idle(port)
    processes_after = gunicorn_processes(port)
    used = sum(processes_after.values()) - cpu_before
    database_used = cpu_used(database_before, database_processes(database))
    client_used = (client_after.ru_utime + client_after.ru_stime) - (client_before.ru_utime + client_before.ru_stime)
    # wait_until_idle's own /healthz requests are a handful against thousands: not subtracted.
    per_request = 1000 / result.requests if result.requests else 0.0
    return {
        "label": label, "path": path, **asdict(result),
        # A worker that exits (max_requests) takes its CPU time with it: no figure then.
        "cpu_ms_per_request": used * per_request if cpu and set(processes_before) <= set(processes_after) else 0.0,
        "database_cpu_ms_per_request": database_used * per_request,
        "client_cpu_ms_per_request": client_used * per_request,
        "workers_recycled": len(set(processes_after) - set(processes_before)),
        "load_average": run.load_average(),
    }


def csrf_cookie(port: int, path: str, cookie: str) -> str:
    """The ``csrftoken`` cookie a page sets, as a browser keeps it after its first page ("" if none)."""
    from django.conf import settings as django_settings

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        response.read()
        name = django_settings.CSRF_COOKIE_NAME
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith(f"{name}="):
                return value.split(";", 1)[0]
    finally:
        connection.close()
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="Use the quick data set (1,000 articles).")
    parser.add_argument("--duration", type=float, default=15.0, help="Seconds per load run (default 15).")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--config", choices=("sync", "production"), default="sync")
    parser.add_argument(
        "--no-csrf-cookie", action="store_true",
        help="Send only the session cookie (before 2026-12-03 evening: every answer then makes a new CSRF secret).",
    )
    parser.add_argument("--json", type=Path, help="Also write the rows to this file.")
    parser.add_argument(
        "--data-dir", type=Path, help="Keep the SQLite benchmark database here (default benchmarks/data/)."
    )
    parser.add_argument(
        "--pg-name", help="PostgreSQL database name (default factdesk_bench_quick or factdesk_bench)."
    )
    args = parser.parse_args(argv)
    if args.data_dir:
        run.DATA_DIR = args.data_dir
    if args.pg_name:
        run.database_url = lambda settings: f"{run.POSTGRES_SERVER_URL}/{args.pg_name}"

    settings = run.Settings(db=args.db, quick=args.quick, articles=1_000 if args.quick else 10_000)
    env = run.setup_django(settings)
    desk = run.ensure_desk(settings)
    cookie = run.session_cookie(desk.editor)
    started_load = run.load_average()
    rows: list[dict[str, Any]] = []
    database = urlsplit(env["DATABASE_URL"]).path.lstrip("/") if args.db == "postgres" else ""
    with run.gunicorn(env, args.workers, production_config=args.config == "production") as port:
        article_paths = {count: f"/articles/{desk.by_claims[count].pk}/" for count in (50, 200)}
        if not args.no_csrf_cookie:
            # A signed-in reader's browser has the CSRF cookie from the login form on: send it too.
            token = csrf_cookie(port, article_paths[50], cookie)
            cookie = f"{cookie}; {token}" if token else cookie
        pages = [
            ("/healthz (floor)", "/healthz", ""),
            ("/healthz, logged in", "/healthz", cookie),
            *((f"article, {count} claims", path, cookie) for count, path in article_paths.items()),
        ]
        for label, path, page_cookie in pages:
            rows.append(measure(
                port, label, path, page_cookie, connections=args.connections, seconds=args.duration,
                database=database,
            ))
            run.log(f"  {rows[-1]}")
    floor = rows[0].get("requests_per_second") or 0.0
    floor_cpu = rows[0].get("cpu_ms_per_request") or 0.0
    redis = "Redis" if env.get("REDIS_URL") else "no Redis"
    print(
        f"\n{args.db}{' (quick data set)' if args.quick else ''}, {redis}, gunicorn {args.config} × {args.workers}, "
        f"{args.connections} connections × {args.duration:g} s; load average {started_load} at start\n"
    )
    print(
        "| Page | req/s | share of /healthz | p50 ms | p99 ms | errors | server CPU ms/request "
        "(share implied) | + database, + wrk ms/request (share implied) | workers recycled "
        "| load average after | target |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    floor_total = sum(rows[0].get(k) or 0.0 for k in TOTAL_CPU_KEYS) if "error" not in rows[0] else 0.0
    missed = []
    for row in rows:
        if "error" in row:
            print(f"| {row['label']} | {row['error']} | | | | | | | | | |")
            missed.append(row["label"])
            continue
        share = row["requests_per_second"] / floor if floor else 0.0
        count = next((c for c in TARGET_SHARE if row["label"] == f"article, {c} claims"), None)
        target = ""
        if count is not None:
            ok = share >= TARGET_SHARE[count] and row["errors"] == 0 and row["p99_ms"] < TARGET_P99_MS
            target = f"≥ {TARGET_SHARE[count]:.0%}, p99 < {TARGET_P99_MS:g} ms, 0 errors: {'pass' if ok else 'FAIL'}"
            if not ok:
                missed.append(row["label"])
        row["share_of_floor"] = share
        cpu_ms = row.get("cpu_ms_per_request") or 0.0
        cpu_text = f"{cpu_ms:.2f} ({floor_cpu / cpu_ms:.0%})" if cpu_ms > 0 and floor_cpu > 0 else "n/a"
        total = sum(row.get(k) or 0.0 for k in TOTAL_CPU_KEYS)
        total_text = (
            f"{row['database_cpu_ms_per_request']:.2f}, {row['client_cpu_ms_per_request']:.2f} "
            f"({floor_total / total:.0%})" if total > 0 and floor_total > 0 and cpu_ms > 0 else "n/a"
        )
        print(
            f"| {row['label']} | {row['requests_per_second']:,.0f} | {share:.0%} | {row['p50_ms']:.0f} | "
            f"{row['p99_ms']:.0f} | {row['errors']} | {cpu_text} | {total_text} | {row['workers_recycled']} | "
            f"{row['load_average']} | {target} |"
        )
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "rows": rows}, indent=2))
    if missed:
        print(f"\nMissed: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

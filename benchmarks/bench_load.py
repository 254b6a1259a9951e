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
the load client and Redis themselves cost).

Targets: the 200-claim page ≥ 50% of the floor, the 50-claim page ≥ 70%, zero errors, p99 <
250 ms. The machine's load average is printed with every row: relative numbers from one run
are what the targets are about, absolute ones depend on what else is running.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import run

#: Share of the floor's requests/s each article page must reach, and the latency bound.
TARGET_SHARE = {50: 0.70, 200: 0.50}
TARGET_P99_MS = 250.0


def server_cpu_seconds(port: int) -> float:
    """CPU time (user + system) used so far by the gunicorn processes serving ``port`` (Linux /proc).

    Unlike requests/s, CPU per request does not depend on what else the machine runs: the
    share of ``/healthz`` it implies is what an idle machine would show, less the load client.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            if b"gunicorn" not in command or f"127.0.0.1:{port}".encode() not in command:
                continue
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def measure(
    port: int, label: str, path: str, cookie: str, *, connections: int, seconds: float, cpu: bool = True
) -> dict[str, Any]:
    """One load run after a short warm-up; the row with the server's CPU per request and the load average.

    ``cpu=False`` when workers may be recycled during the run (``max_requests`` of the production
    configuration): a worker that exits takes its CPU time with it.
    """
    status, _ = run.http_get(port, path, cookie)
    if status != 200:
        return {"label": label, "path": path, "error": f"HTTP {status}"}
    run.load_run(port, path, cookie, connections=connections, seconds=min(2.0, seconds))
    run.wait_until_idle(port)
    cpu_before = server_cpu_seconds(port)
    result = run.load_run(port, path, cookie, connections=connections, seconds=seconds)
    run.wait_until_idle(port)
    used = server_cpu_seconds(port) - cpu_before
    # wait_until_idle's own /healthz requests are a handful against thousands: not subtracted.
    cpu_ms = used * 1000 / result.requests if result.requests and cpu else 0.0
    return {"label": label, "path": path, **asdict(result), "cpu_ms_per_request": cpu_ms,
            "load_average": run.load_average()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="Use the quick data set (1,000 articles).")
    parser.add_argument("--duration", type=float, default=15.0, help="Seconds per load run (default 15).")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--config", choices=("sync", "production"), default="sync")
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
    with run.gunicorn(env, args.workers, production_config=args.config == "production") as port:
        pages = [
            ("/healthz (floor)", "/healthz", ""),
            ("/healthz, logged in", "/healthz", cookie),
            *((f"article, {count} claims", f"/articles/{desk.by_claims[count].pk}/", cookie) for count in (50, 200)),
        ]
        for label, path, page_cookie in pages:
            rows.append(measure(
                port, label, path, page_cookie, connections=args.connections, seconds=args.duration,
                cpu=args.config == "sync",
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
        "(share implied) | load average after | target |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
    missed = []
    for row in rows:
        if "error" in row:
            print(f"| {row['label']} | {row['error']} | | | | | | | |")
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
        print(
            f"| {row['label']} | {row['requests_per_second']:,.0f} | {share:.0%} | {row['p50_ms']:.0f} | "
            f"{row['p99_ms']:.0f} | {row['errors']} | {cpu_text} | {row['load_average']} | {target} |"
        )
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "rows": rows}, indent=2))
    if missed:
        print(f"\nMissed: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

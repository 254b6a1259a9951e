"""Profile one page of the benchmark desk with cProfile (where does the time go?).

Uses the data set ``benchmarks/run.py`` built (run that first)::

    .venv/bin/python benchmarks/profile_page.py --db sqlite article:200
    .venv/bin/python benchmarks/profile_page.py /review/queue/ --user editor --sort tottime

``article:N`` is the benchmark article with N claims (0, 50, 200 or 500). The page is requested
through Django's test client ``--runs`` times under the profiler, after one warm-up, and the
SQL queries of one request are listed with their time (``--queries``).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", help="A path such as /articles/ or article:200")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="Use the --quick data set.")
    parser.add_argument("--user", choices=("editor", "checker"), default="editor")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime...)")
    parser.add_argument("--limit", type=int, default=40, help="Rows of the profile to print.")
    parser.add_argument("--queries", action="store_true", help="List the SQL queries of one request.")
    parser.add_argument(
        "--data-dir", type=Path, help="The SQLite benchmark database's folder (default benchmarks/data/)."
    )
    parser.add_argument(
        "--pg-name", help="PostgreSQL database name (default factdesk_bench_quick or factdesk_bench)."
    )
    args = parser.parse_args(argv)
    if args.data_dir:
        run.DATA_DIR = args.data_dir
    if args.pg_name:
        run.database_url = lambda settings: f"{run.POSTGRES_SERVER_URL}/{args.pg_name}"

    settings = run.Settings(db=args.db, quick=args.quick)
    run.setup_django(settings)
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article
    from benchmarks.management.commands.generate_load_data import LOAD_URL_PREFIX, USERNAME_PREFIX

    path = args.page
    if path.startswith("article:"):
        article = Article.objects.get(url=f"{LOAD_URL_PREFIX}bench/claims-{path.split(':', 1)[1]}")
        path = f"/articles/{article.pk}/"
    username = f"{USERNAME_PREFIX}editor-01" if args.user == "editor" else f"{USERNAME_PREFIX}checker-001"
    client = run.logged_in_client(User.objects.get(username=username))
    response = client.get(path)
    print(f"GET {path} -> {response.status_code}, {len(response.content):,} bytes")
    if args.queries:
        with CaptureQueriesContext(connection) as context:
            client.get(path)
        for query in context.captured_queries:
            print(f"{float(query['time']) * 1000:8.1f} ms  {query['sql'][:300]}")
        print(f"{len(context.captured_queries)} queries")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(args.runs):
        client.get(path)
    profiler.disable()
    print(f"{args.runs} requests in {time.perf_counter() - started:.2f} s under the profiler")
    pstats.Stats(profiler).strip_dirs().sort_stats(args.sort).print_stats(args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Gunicorn settings for serving Factdesk: ``gunicorn -c python:factcheck.gunicorn_conf factcheck.wsgi``.

Why threads: a sync worker serves one request at a time, so two slow requests (a search over
very long articles, say) would hold both workers of a small server and leave ``/healthz`` and
every other reader waiting behind them. Each worker here runs 16 threads, so a quick request
always finds a free thread instead of queueing behind slow ones; expensive work (PDF and ZIP
exports, imports) runs in the background worker, and what stays in a request is bounded
(search budget, length caps), so a thread is never held for long. Measured with
``make bench`` (group ``bounded``: 10 PDF exports and 10 heavy searches at once): /healthz p99
was 300-345 ms with 4 threads, 174 ms with 8 and 86 ms with 16. Each thread may hold a
database connection: 2 workers x 16 threads stays well under PostgreSQL's default 100.

The timeout is a last resort for a stuck process, not how jobs end: nothing a request does is
meant to reach it (issue 15).

Every value can be set from the environment, so one file serves the demo, the benchmarks and
production alike.
"""

from __future__ import annotations

import os
import sys

bind = os.environ.get("GUNICORN_BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
backlog = 2048
#: Recycle workers now and then so a slow leak in a library cannot grow without bound. Each
#: recycled worker starts with empty per-process caches (the local copy of article pages, compiled
#: templates and SQL, the URL resolver) and pays Python's start-up again, so not too often: with
#: 2,000 a worker serving 500 requests/s (measured under wrk, issue 19) was replaced every 4 s and
#: spent its short life warming up. 50,000 (±10%) is minutes at that rate and days at a newsroom's
#: usual one, still a bound; everything Factdesk keeps per process is bounded in bytes or entries.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

#: How often (seconds) a thread holding the GIL hands it over. Python's default, 5 ms, lets a
#: few CPU-bound threads (a long search, a big page) make a quick request such as /healthz
#: wait 5 ms for each of its many turns; 1 ms keeps quick requests quick beside them.
SWITCH_INTERVAL = float(os.environ.get("GUNICORN_SWITCH_INTERVAL", "0.001"))


def post_worker_init(worker: object) -> None:
    """Runs in each worker process after it starts: apply :data:`SWITCH_INTERVAL`."""
    sys.setswitchinterval(SWITCH_INTERVAL)

"""Gunicorn settings for serving Factdesk: ``gunicorn -c python:factcheck.gunicorn_conf factcheck.wsgi``.

Why threads: a sync worker serves one request at a time, so two slow requests (a search over
very long articles, say) would hold both workers of a small server and leave ``/healthz`` and
every other reader waiting behind them. Each worker here runs a few threads; expensive work
(PDF and ZIP exports, imports) runs in the background worker, and what stays in a request is
bounded (search budget, length caps), so a thread is never held for long.

The timeout is a last resort for a stuck process, not how jobs end: nothing a request does is
meant to reach it (issue 15).

Every value can be set from the environment, so one file serves the demo, the benchmarks and
production alike.
"""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
backlog = 2048
#: Recycle workers now and then so a slow leak in a library cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

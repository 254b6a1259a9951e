#!/usr/bin/env bash
# `make demo`: migrate, load the demo desk, then run the web server, the background worker
# (imports, exports) and the watch poller together. Ctrl+C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export DEBUG=${DEBUG:-1}
# Exports and emails link to the address the demo really serves.
export FACTDESK_SITE_URL=${FACTDESK_SITE_URL:-http://$HOST:$PORT}

"$BIN/python" manage.py migrate --no-input -v0
"$BIN/python" manage.py load_demo

worker_pid=""
poll_pid=""
stop() {
  trap - INT TERM EXIT
  for pid in $worker_pid $poll_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  echo "Factdesk demo stopped (server, worker and watch poller)."
}
trap stop INT TERM EXIT

"$BIN/python" manage.py db_worker --no-reload >/dev/null &
worker_pid=$!
# Watched outlets and articles are polled every minute (conditional GET, polite per host).
"$BIN/python" manage.py poll_watches --loop 60 >/dev/null &
poll_pid=$!

echo
echo "Factdesk demo: http://$HOST:$PORT/  (background worker and watch poller running; Ctrl+C stops them all)"
echo
"$BIN/python" manage.py runserver --noreload "$HOST:$PORT"

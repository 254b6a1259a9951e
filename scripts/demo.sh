#!/usr/bin/env bash
# `make demo`: migrate, load the demo desk, then run the web server *and* the background
# worker (imports, exports) together. Ctrl+C stops both.
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
stop() {
  trap - INT TERM EXIT
  if [ -n "$worker_pid" ] && kill -0 "$worker_pid" 2>/dev/null; then
    kill "$worker_pid" 2>/dev/null || true
    wait "$worker_pid" 2>/dev/null || true
  fi
  echo "Factdesk demo stopped (server and worker)."
}
trap stop INT TERM EXIT

"$BIN/python" manage.py db_worker --no-reload >/dev/null &
worker_pid=$!

echo
echo "Factdesk demo: http://$HOST:$PORT/  (background worker running, pid $worker_pid; Ctrl+C stops both)"
echo
"$BIN/python" manage.py runserver --noreload "$HOST:$PORT"

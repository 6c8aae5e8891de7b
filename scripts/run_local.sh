#!/usr/bin/env bash
# Start the backend (gunicorn) and the Streamlit frontend together on loopback; Ctrl-C stops both.
# HOST and PORT move the backend (gunicorn.conf.py reads them); FRONTEND_PORT moves the UI.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
FRONTEND_PORT=${FRONTEND_PORT:-8501}
export HOST PORT
export BACKEND_URL=${BACKEND_URL:-http://$HOST:$PORT}
export STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

pids=()
stop_all() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

"$BIN/gunicorn" "backend.app:create_app()" &
pids+=($!)
"$BIN/streamlit" run frontend/app.py --server.address 127.0.0.1 --server.port "$FRONTEND_PORT" \
    --server.headless true --browser.gatherUsageStats false &
pids+=($!)

urls() {
    echo "backend:  http://$HOST:$PORT  (health: http://$HOST:$PORT/health)"
    echo "frontend: http://127.0.0.1:$FRONTEND_PORT  (open this in a browser)"
    echo "Press Ctrl-C to stop both."
}
urls
# Say it again once the model has loaded: TensorFlow's start-up log pushes the lines above away.
for _ in $(seq 360); do
    kill -0 "${pids[@]}" 2>/dev/null || break
    if "$BIN/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
        "http://$HOST:$PORT/health" 2>/dev/null; then
        echo "Ready."
        urls
        break
    fi
    sleep 0.5
done

# Return as soon as either server exits, so one failing does not leave the other running.
wait -n

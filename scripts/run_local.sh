#!/usr/bin/env bash
# `make run`: the API (gunicorn) and the Streamlit page together on loopback; Ctrl-C stops both.
# Settings: HOST and PORT place the API (gunicorn.conf.py reads them with the backend's other
# settings); FRONTEND_PORT places the page; BACKEND_URL is where the page looks for the API.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
FRONTEND_PORT=${FRONTEND_PORT:-8501}
export HOST PORT
export BACKEND_URL=${BACKEND_URL:-http://$HOST:$PORT}
export STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

say() { echo "make run: $*" >&2; }

# Print one line and fail when HOST:PORT cannot be listened on, naming the setting that moves it.
check_port() {
    "$BIN/python" - "$@" <<'EOF'
import socket, sys

host, port, setting, what = sys.argv[1:]
if not port.isdigit() or not 0 < int(port) < 65536:
    sys.exit(f"make run: {setting}={port!r} is not a port number (1-65535).")
try:
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    with socket.socket(family) as sock:
        # As gunicorn and Streamlit do, so a port left in TIME_WAIT does not count as busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, int(port)))
except OSError as exc:
    reason = "is already in use" if "in use" in str(exc) else f"cannot be used ({exc.strerror or exc})"
    sys.exit(
        f"make run: port {port} on {host} ({what}) {reason}; stop what holds it or "
        f"choose another port, e.g. `{setting}={int(port) + 10} make run`."
    )
EOF
}
[[ "$PORT" != "$FRONTEND_PORT" ]] ||
    { say "PORT and FRONTEND_PORT are both $PORT; give the API and the page different ports."; exit 1; }
check_port "$HOST" "$PORT" PORT "the API" || exit 1
check_port 127.0.0.1 "$FRONTEND_PORT" FRONTEND_PORT "the page" || exit 1

api=
page=
stop_all() {
    trap - INT TERM EXIT
    for pid in $api $page; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM

"$BIN/gunicorn" "backend.app:create_app()" &
api=$!
"$BIN/streamlit" run frontend/app.py --server.address 127.0.0.1 --server.port "$FRONTEND_PORT" \
    --server.headless true --browser.gatherUsageStats false &
page=$!

urls() {
    echo "API:  http://$HOST:$PORT  (health: http://$HOST:$PORT/health)"
    echo "page: http://127.0.0.1:$FRONTEND_PORT  (open this in a browser)"
    echo "Press Ctrl-C to stop both."
}
answers() {
    "$BIN/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
        "$1" 2>/dev/null
}
# The exit status of a server that has stopped.
status_of() {
    local status=0
    wait "$1" || status=$?
    echo "$status"
}

urls
# Until both answer, either one stopping stops the other: nothing is left running half-started.
api_up=false
page_up=false
until $api_up && $page_up; do
    if ! kill -0 "$api" 2>/dev/null; then
        say "the API (gunicorn) stopped with status $(status_of "$api") before it was ready" \
            "(its log above says why); stopping the page too."
        exit 1
    fi
    if ! kill -0 "$page" 2>/dev/null; then
        say "the page (Streamlit) stopped with status $(status_of "$page") before it was ready" \
            "(its log above says why); stopping the API too."
        exit 1
    fi
    $api_up || { answers "http://$HOST:$PORT/health" && api_up=true; } || true
    $page_up || { answers "http://127.0.0.1:$FRONTEND_PORT/_stcore/health" && page_up=true; } || true
    $api_up && $page_up || sleep 0.5
done
# Say it again now that both answer: the servers' start-up logs push the lines above away.
echo "Ready."
urls

wait -n || true
if ! kill -0 "$page" 2>/dev/null; then
    status=$(status_of "$page")
    say "the page (Streamlit) stopped with status $status; stopping the API too."
    exit "$((status == 0 ? 1 : status))"
fi
# The page outlives the API: it tells its users that the service is gone.
say "the API (gunicorn) stopped with status $(status_of "$api"). The page stays up and says the" \
    "service is gone; press Ctrl-C to stop it."
wait "$page" || exit
exit 1

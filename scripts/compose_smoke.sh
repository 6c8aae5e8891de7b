#!/usr/bin/env bash
# Build both images, start the compose stack, check it end to end, and tear it all down.
#
#   scripts/compose_smoke.sh            # or: make compose-smoke
#
# Environment: BACKEND_PORT, FRONTEND_PORT (host ports, default 8000 and 8501), SMOKE_TIMEOUT
# (seconds to wait for both containers to be healthy, default 300), SMOKE_SAMPLE (the JPEG to POST).
# Exits non-zero and names the failing step on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

export BACKEND_PORT=${BACKEND_PORT:-8000}
export FRONTEND_PORT=${FRONTEND_PORT:-8501}
timeout_s=${SMOKE_TIMEOUT:-300}
sample=${SMOKE_SAMPLE:-samples/ISIC_0024318.jpg}
backend_url="http://127.0.0.1:$BACKEND_PORT"
frontend_url="http://127.0.0.1:$FRONTEND_PORT"

if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
    build=(build)  # v2 builds the two images at once by itself
elif command -v docker-compose >/dev/null; then
    compose=(docker-compose)
    build=(build --parallel)  # v1 builds one after the other unless told (92 s against 56 s cold)
else
    echo "FAILED: neither \`docker compose\` nor \`docker-compose\` is installed" >&2
    exit 1
fi
# A project of its own, so the smoke test never touches a stack someone is running.
compose+=(--project-name "lesion-smoke-$$-$RANDOM" --file docker-compose.yml)

step="start"
started=$SECONDS
step() { step=$1; echo "==> [$((SECONDS - started))s] $step"; }
finish() {
    local status=$?
    if ((status != 0)); then
        echo "FAILED at step: $step (exit $status); last log lines:" >&2
        "${compose[@]}" logs --no-color --tail=40 >&2 || true
    fi
    "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
    ((status == 0)) && echo "OK: compose smoke test passed in $((SECONDS - started))s"
    exit "$status"
}
trap finish EXIT

# Prints the health of one service's container: starting, healthy, unhealthy, exited, ...
health() {
    local id
    id=$("${compose[@]}" ps -q "$1")
    [[ -n $id ]] || { echo missing; return; }
    docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id"
}

step "build images with ${compose[*]}"
"${compose[@]}" "${build[@]}"

step "start the stack (backend on :$BACKEND_PORT, frontend on :$FRONTEND_PORT)"
up_at=$SECONDS
"${compose[@]}" up -d

step "wait until both containers are healthy (at most ${timeout_s}s)"
while true; do
    backend=$(health backend)
    frontend=$(health frontend)
    [[ $backend == healthy && $frontend == healthy ]] && break
    for state in "$backend" "$frontend"; do
        [[ $state == unhealthy || $state == exited || $state == missing ]] && {
            echo "backend: $backend, frontend: $frontend" >&2
            exit 1
        }
    done
    ((SECONDS - up_at < timeout_s)) || { echo "backend: $backend, frontend: $frontend" >&2; exit 1; }
    sleep 2
done
echo "    healthy $((SECONDS - up_at))s after \`up\`"

step "POST $sample to $backend_url/predict"
curl -fsS --max-time 60 -F "file=@$sample;type=image/jpeg" "$backend_url/predict" |
    python3 -c '
import json, math, sys
sys.path.insert(0, ".")
from lesion_core.labels import CLASS_CODES  # stdlib only: no venv needed

body = json.load(sys.stdin)
probabilities = body["probabilities"]
assert sorted(probabilities) == sorted(CLASS_CODES), f"classes: {sorted(probabilities)}"
assert all(0 <= p <= 1 for p in probabilities.values()), probabilities
assert math.isclose(sum(probabilities.values()), 1, abs_tol=1e-4), sum(probabilities.values())
print("    " + ", ".join(f"{code} {p:.3f}" for code, p in probabilities.items()))
check = body["input_check"]
assert check["dermoscopic"] is True, check
print("    input check: dermoscopic, score", check["score"])
'

step "GET $backend_url/models: every classifier baked into the image"
curl -fsS --max-time 30 "$backend_url/models" |
    python3 -c '
import json, sys

body = json.load(sys.stdin)
names = [m["name"] for m in body["models"]]
assert body["default"] == "resnet_small_2x" and names[:2] == ["resnet_small_2x", "paper_cnn"], names
print("    " + ", ".join("%s %s" % (m["name"], m["input_size"]) for m in body["models"]))
'

step "POST $sample to $backend_url/localize"
curl -fsS --max-time 60 -F "file=@$sample;type=image/jpeg" "$backend_url/localize" |
    python3 -c '
import json, sys

body = json.load(sys.stdin)
lesion = body["lesion"]
assert lesion["found"] and len(lesion["box"]) == 4, lesion["box"]
assert body["heatmap_png"] and body["heatmap_class"] == body["label"], body["heatmap_class"]
box, area, explained = lesion["box"], lesion["area_fraction"], body["heatmap_class"]
print(f"    box {box}, area {area:.2f}, heat-map of {explained}")
'

step "GET the frontend page $frontend_url/"
curl -fsS --max-time 30 "$frontend_url/" | grep -i "<title>streamlit</title>" >/dev/null

step "GET $frontend_url/_stcore/health"
[[ $(curl -fsS --max-time 30 "$frontend_url/_stcore/health") == ok ]]

step "the frontend container reaches the backend at its BACKEND_URL"
"${compose[@]}" exec -T frontend python -c '
import os, urllib.request
url = os.environ["BACKEND_URL"] + "/health"
with urllib.request.urlopen(url, timeout=10) as response:
    print(f"    {url}: {response.status}")
'

step "the frontend's client classifies a demo image through the backend"
"${compose[@]}" exec -T frontend python -c '
from frontend.client import BackendClient
from frontend.samples import load_samples
from frontend.settings import Settings

settings = Settings.from_env()
sample = load_samples()[0]
client = BackendClient(settings.backend_url, settings.connect_timeout, settings.read_timeout)
[prediction] = client.predict([(sample.path.name, sample.path.read_bytes(), "image/jpeg")])
print(f"    {sample.image_id}: {prediction}"[:200])
'

step "tear down"

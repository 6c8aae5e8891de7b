#!/usr/bin/env bash
# Build both images, start the compose stack, check it end to end, and tear it all down.
#
#   scripts/compose_smoke.sh            # or: make compose-smoke
#
# Environment: BACKEND_PORT, FRONTEND_PORT (host ports of the API's front door and of the page,
# default 8000 and 8501), SMOKE_TIMEOUT (seconds to wait for the containers to be healthy,
# default 300), SMOKE_SAMPLE (the JPEG to POST), SMOKE_SLOW_CLIENTS (default 64).
# Exits non-zero and names the failing step on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

export BACKEND_PORT=${BACKEND_PORT:-8000}
export FRONTEND_PORT=${FRONTEND_PORT:-8501}
timeout_s=${SMOKE_TIMEOUT:-300}
sample=${SMOKE_SAMPLE:-samples/ISIC_0024318.jpg}
slow_clients=${SMOKE_SLOW_CLIENTS:-64}
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

step "wait until the three containers are healthy (at most ${timeout_s}s)"
while true; do
    backend=$(health backend)
    frontend=$(health frontend)
    proxy=$(health proxy)
    states="backend: $backend, frontend: $frontend, proxy: $proxy"
    [[ $backend == healthy && $frontend == healthy && $proxy == healthy ]] && break
    for state in "$backend" "$frontend" "$proxy"; do
        [[ $state == unhealthy || $state == exited || $state == missing ]] && {
            echo "$states" >&2
            exit 1
        }
    done
    ((SECONDS - up_at < timeout_s)) || { echo "$states" >&2; exit 1; }
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

step "GET $backend_url/models: every classifier, the ensemble assembled in the image's build"
curl -fsS --max-time 30 "$backend_url/models" |
    python3 -c '
import json, sys

body = json.load(sys.stdin)
names = [m["name"] for m in body["models"]]
expected = ["ensemble", "resnet_small_2x", "paper_cnn", "efficientnet_lite0", "efficientnet_lite1"]
assert body["default"] == "ensemble" and names == expected, (body["default"], names)
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

step "the front door: security headers, its own JSON 413, published on loopback only"
headers=$(curl -fsS --max-time 30 -D - -o /dev/null "$backend_url/livez")
grep -qi "^x-content-type-options: nosniff" <<<"$headers"
grep -qi "^cache-control: no-store" <<<"$headers"
big=$(mktemp)
head -c $((11 * 1024 * 1024)) /dev/zero >"$big"
status=$(curl -sS --max-time 60 -o "$big.out" -w '%{http_code}' -H "Content-Type: image/png" \
    --data-binary "@$big" "$backend_url/predict")
[[ $status == 413 ]] && grep -q '"payload_too_large"' "$big.out"
rm -f "$big" "$big.out"
for service in proxy frontend; do
    bound=$("${compose[@]}" port "$service" "$([[ $service == proxy ]] && echo 8080 || echo 8501)")
    [[ $bound == 127.0.0.1:* ]] || { echo "$service is published on $bound" >&2; exit 1; }
done
backend_bound=$("${compose[@]}" port backend 8000 2>/dev/null || true)
[[ -z $backend_bound || $backend_bound == ":0" ]] || { echo "backend is published on $backend_bound" >&2; exit 1; }

step "every container: read-only root, no capabilities, no new privileges, a memory limit"
for service in proxy backend frontend; do
    docker inspect -f '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} {{.HostConfig.SecurityOpt}} {{.HostConfig.Memory}}' \
        "$("${compose[@]}" ps -q "$service")" | python3 -c '
import sys
readonly, caps, options, memory = sys.stdin.read().split(" ", 3)
assert readonly == "true" and "ALL" in caps and "no-new-privileges" in options, (readonly, caps, options)
assert int(memory.strip()) > 0, "no memory limit"
'
done

step "$slow_clients slow clients at the front door: ordinary requests still answered"
python3 - "$backend_url" "$slow_clients" "$sample" <<'PY'
import sys
import time
import urllib.request
import uuid

sys.path.insert(0, ".")
from tests.slow_clients import slow_clients  # stdlib only: no venv needed

url, count, sample = sys.argv[1], int(sys.argv[2]), sys.argv[3]
image = open(sample, "rb").read()
boundary = uuid.uuid4().hex
body = (
    f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
    "Content-Type: image/jpeg\r\n\r\n"
).encode() + image + f"\r\n--{boundary}--\r\n".encode()
answered = []
with slow_clients(url, count):
    for _ in range(5):
        request = urllib.request.Request(
            f"{url}/predict", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        started = time.monotonic()
        with urllib.request.urlopen(request, timeout=5) as response:
            answered.append((response.status, time.monotonic() - started))
assert [status for status, _ in answered] == [200] * 5, answered
print(f"    5 of 5 answered, slowest {max(s for _, s in answered):.2f} s")
PY

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

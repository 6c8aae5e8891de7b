"""Does the service as shipped hold against what an attacker sends? Slow clients, pixel bombs and
a load that keeps every worker busy, against bare gunicorn (started here) or any URL (--url, e.g.
compose's published proxy port).

Prints: ordinary /predict requests answered (and their p50) while slow clients hold connections
open; each worker's peak memory per pixel-bomb kind and route (bare gunicorn only); /livez
latency while every worker classifies 20-megapixel PNGs; /predict p50 of a 600×450 JPEG.
Run: `.venv/bin/python benchmarks/hostile_clients.py` (`--help` for the settings).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.hostile import (  # noqa: E402
    peak_memory_mb,
    pixel_bomb,
    reset_peak_memory,
    worker_pids,
)
from tests.servers import gunicorn_server  # noqa: E402
from tests.slow_clients import slow_clients  # noqa: E402

ORIGINAL = REPO_ROOT / "samples" / "ISIC_0024400.jpg"  # 600×450, as the dermatoscope saved it
BOMBS = (("png8", 7000), ("png16", 7000), ("tiff", 7000), ("webp", 4000), ("webp", 7000))


def timed_predict(url: str, data: bytes, timeout: float = 5) -> tuple[int, float]:
    """Return (status, seconds) of one /predict of `data`; status 0 when it timed out."""
    started = time.perf_counter()
    try:
        status = requests.post(f"{url}/predict", files={"file": data}, timeout=timeout).status_code
    except requests.RequestException:
        status = 0
    return status, time.perf_counter() - started


def ordinary_under_slow_clients(url: str, clients: int, requests_count: int) -> str:
    """Return a line: how many ordinary requests were answered within 5 s, and their p50."""
    data = ORIGINAL.read_bytes()
    with slow_clients(url, clients):
        results = [timed_predict(url, data) for _ in range(requests_count)]
    answered = [seconds for status, seconds in results if status == 200]
    p50 = f"{1e3 * statistics.median(answered):.0f} ms" if answered else "-"
    return (
        f"{clients} slow clients: {len(answered)} of {requests_count} ordinary /predict "
        f"answered within 5 s, p50 {p50}"
    )


def bomb_peaks(url: str, master: int) -> list[str]:
    """Return one line per pixel bomb: its status per route and the workers' peak memory."""
    lines = []
    workers = worker_pids(master)
    for kind, side in BOMBS:
        name, data, media_type = pixel_bomb(kind, side)
        for route in ("/predict", "/localize"):
            for pid in workers:
                reset_peak_memory(pid)
            status = requests.post(
                f"{url}{route}", files={"file": (name, data, media_type)}, timeout=300
            ).status_code
            peak = max(peak_memory_mb(pid) for pid in workers)
            lines.append(
                f"{kind} {side}x{side} ({len(data) // 1024} kB) {route}: {status}, "
                f"worker peak {peak:.0f} MB"
            )
    return lines


def liveness_under_load(url: str, uploads: int) -> str:
    """Return a line: /livez latencies (median, max) while `uploads` 20-megapixel PNGs are
    being localized at once."""
    name, data, media_type = pixel_bomb("png8", 4500)
    started = threading.Event()

    def heavy() -> int:
        started.set()
        files = {"file": (name, data, media_type)}
        return requests.post(f"{url}/localize", files=files, timeout=300).status_code

    with ThreadPoolExecutor(uploads) as pool:
        answers = [pool.submit(heavy) for _ in range(uploads)]
        started.wait(10)
        time.sleep(0.5)
        latencies = []
        while not all(a.done() for a in answers) and len(latencies) < 50:
            began = time.perf_counter()
            requests.get(f"{url}/livez", timeout=10)
            latencies.append(time.perf_counter() - began)
            time.sleep(0.1)
        statuses = [a.result() for a in answers]
    if not latencies:
        return "liveness: the load ended before a probe"
    return (
        f"/livez during {uploads} concurrent 20-megapixel /localize: median "
        f"{1e3 * statistics.median(latencies):.0f} ms, max {1e3 * max(latencies):.0f} ms over "
        f"{len(latencies)} probes; uploads answered {sorted(set(statuses))}"
    )


def predict_p50(url: str, count: int) -> str:
    """Return a line: the p50 of `count` sequential /predict of the 600×450 JPEG."""
    data = ORIGINAL.read_bytes()
    for _ in range(5):
        timed_predict(url, data, 30)
    times = [timed_predict(url, data, 30)[1] for _ in range(count)]
    return f"/predict p50 of {ORIGINAL.name} (600x450): {1e3 * statistics.median(times):.1f} ms"


def main() -> int:
    """Run every attack once and print what it did."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="attack a running service here instead of bare gunicorn")
    parser.add_argument("--slow", type=int, default=16, help="slow clients (default 16)")
    parser.add_argument("--requests", type=int, default=5, help="ordinary requests (default 5)")
    parser.add_argument("--uploads", type=int, default=12, help="concurrent heavy uploads")
    parser.add_argument("--count", type=int, default=60, help="/predict calls for the p50")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f} before")
    server = (
        nullcontext((args.url, None))
        if args.url
        else gunicorn_server(Path(), env={"MODEL_PATH": ""}, workers=2)
    )
    with server as (url, process):
        print(f"service: {url} ({'bare gunicorn, shipped settings' if process else 'given'})")
        print(predict_p50(url, args.count))
        print(ordinary_under_slow_clients(url, args.slow, args.requests))
        print(liveness_under_load(url, args.uploads))
        if process is not None:
            for line in bomb_peaks(url, process.pid):
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How fast is /predict? The real gunicorn server with the shipped model, against the naive pattern.

Prints median/p95/p99 latency at concurrency 1, requests/s at concurrency 8 (with the error count),
and peak RSS per worker, for this service and for benchmarks/naive_app.py side by side.
Run: `make bench` (or `.venv/bin/python benchmarks/serving_latency.py --help`).
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.servers import gunicorn_server  # noqa: E402

DEFAULT_IMAGE = REPO_ROOT / "samples" / "ISIC_0024335.jpg"  # 268 KB, the median size
DEFAULT_MODEL = REPO_ROOT / "models" / "resnet_small_2x" / "model.onnx"


def multipart(data: bytes) -> tuple[bytes, dict]:
    """Return (body, headers) of a one-file multipart POST."""
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="lesion.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    ).encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def post(port: int, body: bytes, headers: dict) -> tuple[float, int]:
    """Return (seconds, status) of one POST /predict on a fresh connection."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", "/predict", body, headers)
        response = connection.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    finally:
        connection.close()
    return time.perf_counter() - started, status


def latency(port: int, body: bytes, headers: dict, count: int) -> dict:
    """Return median/p95/p99 milliseconds of `count` sequential requests."""
    for _ in range(10):
        post(port, body, headers)
    times = sorted(post(port, body, headers)[0] * 1e3 for _ in range(count))
    return {
        "median": statistics.median(times),
        "p95": times[int(0.95 * (count - 1))],
        "p99": times[int(0.99 * (count - 1))],
    }


def throughput(port: int, body: bytes, headers: dict, threads: int, seconds: float) -> dict:
    """Return requests/s and errors with `threads` clients posting for `seconds`."""
    done, errors = [0], [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        while time.perf_counter() < deadline:
            _, status = post(port, body, headers)
            with lock:
                done[0] += 1
                errors[0] += status != 200

    workers = [threading.Thread(target=client) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {
        "rps": done[0] / (time.perf_counter() - started),
        "errors": errors[0],
        "requests": done[0],
    }


def peak_rss_mb(master: int) -> list[float]:
    """Return VmHWM (peak resident memory) in MB of each child of the gunicorn master."""
    peaks = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("PPid", "0").strip()) == master and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return sorted(peaks)


def measure(name: str, app: str, args: argparse.Namespace, body: bytes, headers: dict) -> dict:
    """Serve `app`, measure it, stop it; return the figures."""
    env = {"LOG_LEVEL": "warning"}
    with gunicorn_server(args.model, env, args.workers, app) as (url, process):
        port = int(url.rsplit(":", 1)[1])
        result = {
            "latency": latency(port, body, headers, args.requests),
            "load": throughput(port, body, headers, 8, args.seconds),
            "rss": peak_rss_mb(process.pid),
        }
    lat, load = result["latency"], result["load"]
    print(
        f"{name:>8}: c=1 median {lat['median']:.2f} ms, p95 {lat['p95']:.2f} ms, "
        f"p99 {lat['p99']:.2f} ms | c=8 {load['rps']:.0f} req/s, {load['errors']} errors "
        f"of {load['requests']} | peak RSS per worker "
        f"{', '.join(f'{mb:.0f}' for mb in result['rss'])} MB",
        flush=True,
    )
    return result


def main() -> int:
    """Run both servers one after the other and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--image",
        type=Path,
        default=DEFAULT_IMAGE,
        help="JPEG to post (default: a 600×450 demo sample)",
    )
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=300, help="sequential requests at c=1")
    parser.add_argument("--seconds", type=float, default=10, help="duration of the c=8 load")
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args()
    body, headers = multipart(args.image.read_bytes())
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; image {args.image.name} ({len(body)} bytes), "
        f"{args.workers} gunicorn workers"
    )
    ours = measure("service", "backend.app:create_app()", args, body, headers)
    if not args.skip_naive:
        naive = measure("naive", "benchmarks.naive_app:create_app()", args, body, headers)
        print(
            f"   ratio: median latency naive/service = "
            f"{naive['latency']['median'] / ours['latency']['median']:.1f}x, throughput "
            f"service/naive = {ours['load']['rps'] / naive['load']['rps']:.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

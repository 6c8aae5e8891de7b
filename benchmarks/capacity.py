"""How much does one backend replica serve, and how much memory does a worker need?

Starts the real gunicorn server on loopback with every shipped model (or `--model` alone), keeps
`--clients` clients posting a demo sample to /predict for `--seconds`, and prints requests/s, the
server's CPU-seconds per request (so requests/s per fully used core, whatever else the machine
runs), each worker's resident memory at rest and after the load, and its peak after one
/localize of a 49-megapixel upload. docs/deployment.md and deploy/kubernetes/ quote its output.
Run: `.venv/bin/python benchmarks/capacity.py` (`--help` for the settings).
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import platform
import sys
from pathlib import Path

import numpy as np
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.serving_latency import (  # noqa: E402
    DEFAULT_IMAGE,
    multipart,
    post,
    throughput,
)
from tests.servers import gunicorn_server  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def server_pids(master: int) -> list[int]:
    """Return the gunicorn master's pid and its workers'."""
    children = []
    for proc in Path("/proc").iterdir():
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        if proc.name.isdigit() and int(stat.rsplit(")", 1)[1].split()[1]) == master:
            children.append(int(proc.name))
    return [master, *sorted(children)]


def cpu_seconds(pids: list[int]) -> float:
    """Return the user + system CPU-seconds the processes have used so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def memory_mb(pid: int, field: str) -> float:
    """Return VmRSS or VmHWM (peak) of a process in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def large_upload() -> tuple[bytes, dict]:
    """Return a multipart body holding a smooth 7000×7000 JPEG: 49 megapixels, just under the
    default MAX_IMAGE_PIXELS, so the heaviest upload the service accepts."""
    ramp = np.linspace(0, 255, 7000).astype(np.uint8)
    pixels = np.empty((7000, 7000, 3), dtype=np.uint8)
    pixels[..., 0], pixels[..., 1], pixels[..., 2] = ramp[None, :], ramp[:, None], 128
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=80)
    return multipart(buffer.getvalue())


def post_localize(port: int, body: bytes, headers: dict) -> None:
    """POST one large upload to /localize and fail loudly unless it is answered 200."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("POST", "/localize", body, headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"/localize answered {response.status}")


def main() -> int:
    """Measure one replica and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1, help="WEB_CONCURRENCY (default 1)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--seconds", type=float, default=20, help="length of the load")
    parser.add_argument("--image", type=Path, default=DEFAULT_IMAGE)
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="serve this classifier alone (default: the service's defaults, every shipped model)",
    )
    args = parser.parse_args()
    body, headers = multipart(args.image.read_bytes())
    load = os.getloadavg()[0]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f} before; "
        f"{args.workers} worker(s), {args.clients} clients, {args.seconds:g} s, "
        f"{args.image.name} ({len(body)} bytes), "
        f"models: {args.model.parent.name if args.model else 'every shipped one'}"
    )
    env = {"INFERENCE_THREADS": "1", "GUNICORN_THREADS": "1"}
    if args.model is None:
        env["MODEL_PATH"] = ""  # the service's defaults: every shipped classifier and more
    with gunicorn_server(args.model or Path(), env, args.workers) as (url, process):
        port = int(url.rsplit(":", 1)[1])
        pids = server_pids(process.pid)
        for _ in range(5):
            post(port, body, headers)
        rest = [memory_mb(pid, "VmRSS") for pid in pids[1:]]
        cpu_before = cpu_seconds(pids)
        figures = throughput(port, body, headers, args.clients, args.seconds)
        cpu_used = cpu_seconds(pids) - cpu_before
        loaded = [memory_mb(pid, "VmRSS") for pid in pids[1:]]
        big_body, big_headers = large_upload()
        for _ in range(args.workers):
            post_localize(port, big_body, big_headers)
        peak = [memory_mb(pid, "VmHWM") for pid in pids[1:]]
        master = memory_mb(pids[0], "VmRSS")
    per_core = figures["requests"] / cpu_used
    print(
        f"/predict: {figures['rps']:.1f} requests/s, {figures['errors']} errors of "
        f"{figures['requests']}; server CPU {cpu_used:.1f} s = "
        f"{1e3 * cpu_used / figures['requests']:.1f} ms per request -> {per_core:.1f} requests/s "
        "per fully used core"
    )
    print(
        f"memory: master {master:.0f} MB; per worker at rest {fmt(rest)} MB, after the load "
        f"{fmt(loaded)} MB, peak after a 49-megapixel /localize {fmt(peak)} MB"
    )
    return 0


def fmt(values: list[float]) -> str:
    """Return megabyte figures as a comma-separated list."""
    return ", ".join(f"{v:.0f}" for v in values)


if __name__ == "__main__":
    sys.exit(main())

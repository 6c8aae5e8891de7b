"""Where does a /predict request's time go? Its floor, the real server's latency and throughput
against it, and a sampling profile of the workers under load, stage by stage.

For each model (the default and the high-resolution one, the input check on, every default
feature on):
- the floor, in process on one thread: one decode at the DCT scale covering every model input
  (the shared preprocessing, as the service calls it) and one ONNX Runtime run of the
  classifier and of the input check's model (its quality warnings count as overhead);
- the real gunicorn server with its default settings: p50 at concurrency 1 and its ratio to the
  floor, requests/s at concurrency 8 and its ratio to what the cores allow at the floor
  (cores / floor), with the error count;
- py-spy sampling every worker during the concurrency-8 load: the share of the workers' busy
  samples in each stage (STAGES), so what is not decoding or a model shows by name.
Run: `.venv/bin/python benchmarks/request_profile.py` (py-spy is a dev dependency; it needs
permission to read the workers' memory, as root or with ptrace allowed).
"""

from __future__ import annotations

import argparse
import collections
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.field_of_view_cost import median_ms  # noqa: E402
from benchmarks.serving_latency import latency, multipart, throughput  # noqa: E402
from lesion_core.check_input import as_check_views  # noqa: E402
from lesion_core.preprocess import preprocess_groups  # noqa: E402
from lesion_runtime.input_check import InputChecker  # noqa: E402
from lesion_runtime.predictor import Predictor  # noqa: E402
from lesion_runtime.shipped import DEFAULT_INPUT_CHECK_PATH, DEFAULT_MODEL_PATH  # noqa: E402
from tests.servers import gunicorn_server  # noqa: E402

DEFAULT_IMAGE = REPO_ROOT / "samples" / "ISIC_0024335.jpg"  # 600×450, the median size
MODELS = (DEFAULT_MODEL_PATH, REPO_ROOT / "models" / "efficientnet_lite0" / "model.onnx")
LOAD_CLIENTS = 8

# Stages by the frames of a sampled stack, first match from the innermost frame outwards.
STAGES = (
    ("classifier (ONNX Runtime)", r"lesion_runtime/predictor\.py"),
    ("input check: its model and verdict", r"lesion_runtime/input_check\.py"),
    ("input check: quality warnings", r"lesion_core/image_quality\.py"),
    ("decode and resize (shared preprocessing)", r"lesion_core/(preprocess|field_of_view)\.py"),
    ("input check: views", r"lesion_core/check_input\.py"),
    ("multipart upload parsing", r"werkzeug/(formparser|sansio/multipart)\.py"),
    ("rate limits (Flask-Limiter)", r"flask_limiter/|/limits/"),
    ("API keys", r"backend/auth\.py"),
    ("Prometheus metrics", r"prometheus_client/|backend/metrics\.py"),
    ("request log", r"backend/request_log\.py|backend/log_format\.py|logging/__init__\.py"),
    ("answer: pydantic and JSON", r"backend/responses\.py|pydantic|lesion_api/"),
    ("request parameters", r"backend/params\.py"),
    ("Flask and Werkzeug (routing, request, response)", r"flask/|werkzeug/"),
    ("gunicorn (HTTP parsing, sockets)", r"gunicorn/"),
)


def floor_ms(model: Path, data: bytes, count: int) -> float:
    """Return the floor of one /predict in milliseconds: decode for every input, the
    classifier and the input check's model, on one thread."""
    predictor = Predictor(model, inference_threads=1)
    checker = InputChecker(DEFAULT_INPUT_CHECK_PATH)
    groups = [[size] for size in predictor.sizes] + [checker.view_sizes]

    def request() -> None:
        made, full_size, _ = preprocess_groups(data, groups)
        predictor.predict([x[None] for (x,) in made[:-1]])
        checker.scores(as_check_views(made[-1], full_size).model_input[None])

    median_ms(request, 10)  # warm-up
    return median_ms(request, count)


def stage_of(stack: str) -> str:
    """Return the stage of one sampled stack (frames outermost first, ';'-separated)."""
    frames = stack.split(";")[::-1]
    for frame in frames:
        for name, pattern in STAGES:
            if re.search(pattern, frame):
                return name
    return "other"


def profile(pids: list[int], seconds: float, folder: Path) -> collections.Counter:
    """Return busy samples per stage of py-spy recording each worker for `seconds`."""
    outputs, processes = [], []
    for pid in pids:
        out = folder / f"{pid}.txt"
        outputs.append(out)
        command = [
            str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid),
            "--duration", str(int(seconds)), "--rate", "250", "--format", "raw",
            "--nonblocking", "--output", str(out),
        ]  # fmt: skip
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        processes.append(subprocess.Popen(command, **quiet))
    for process in processes:
        process.wait()
    counts: collections.Counter = collections.Counter()
    for out in outputs:
        for line in out.read_text().splitlines() if out.is_file() else []:
            stack, _, samples = line.rpartition(" ")
            counts[stage_of(stack)] += int(samples)
    return counts


def worker_pids(master: int) -> list[int]:
    """Return the pids of the gunicorn master's children."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def measure(model: Path, data: bytes, args: argparse.Namespace) -> None:
    """Print one model's floor, the server's figures against it, and the stage shares."""
    floor = floor_ms(model, data, args.count)
    body, headers = multipart(data)
    with gunicorn_server(model, {"LOG_LEVEL": "warning"}, args.workers) as (url, master):
        port = int(url.rsplit(":", 1)[1])
        p50 = latency(port, body, headers, args.count)["median"]
        load = throughput(port, body, headers, LOAD_CLIENTS, args.seconds)
        with tempfile.TemporaryDirectory() as folder:
            sampler = threading.Thread(target=lambda: shares.update(
                profile(worker_pids(master.pid), args.seconds, Path(folder))))  # fmt: skip
            shares: collections.Counter = collections.Counter()
            sampler.start()
            throughput(port, body, headers, LOAD_CLIENTS, args.seconds + 1)
            sampler.join()
    cores = os.cpu_count() or 1
    allowed = cores * 1e3 / floor
    print(f"\n{model.parent.name}: floor {floor:.2f} ms (decode + classifier + input check's "
          f"model, one thread)")  # fmt: skip
    print(f"  /predict p50 {p50:.2f} ms at concurrency 1: {p50 / floor:.2f}x the floor "
          f"(target <= 1.3x)")  # fmt: skip
    print(f"  concurrency {LOAD_CLIENTS}: {load['rps']:.1f} req/s, {load['errors']} errors of "
          f"{load['requests']}; the floor allows {allowed:.1f} on {cores} cores: ratio "
          f"{load['rps'] / allowed:.2f} (target >= 0.8)")  # fmt: skip
    total = sum(shares.values())
    if not total:
        print("  profile: py-spy recorded nothing (is it installed, and may it read the workers?)")
        return
    print(f"  where the workers' busy time went under load ({total} py-spy samples):")
    for name, samples in shares.most_common():
        print(f"    {samples / total:6.1%}  {name}")


def main() -> int:
    """Measure each model and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", type=Path, default=DEFAULT_IMAGE, help="the JPEG to post")
    parser.add_argument("--model", type=Path, action="append", help="a model (repeatable)")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY (default 2)")
    parser.add_argument("--count", type=int, default=200, help="requests for each median")
    parser.add_argument("--seconds", type=float, default=10, help="length of each load")
    args = parser.parse_args()
    data = args.image.read_bytes()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load "
          f"{os.getloadavg()[0]:.1f}; image {args.image.name} ({len(data):,} bytes)")  # fmt: skip
    for model in args.model or MODELS:
        measure(model, data, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

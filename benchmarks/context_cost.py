"""What does clinical context cost a request? /predict p50 of a demo sample with and without age,
sex and site, on a classifier with a context model, the real gunicorn server on loopback,
interleaved in rounds so that the machine's other load falls on both alike.
Run: `.venv/bin/python benchmarks/context_cost.py` (`--help` for the settings).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import uuid
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.servers import gunicorn_server  # noqa: E402

SAMPLE = REPO_ROOT / "samples" / "ISIC_0024335.jpg"
CONTEXT = {"age": "65", "sex": "female", "site": "posterior torso"}


def timed(session: requests.Session, url: str, data: bytes, fields: dict) -> float:
    """Return the milliseconds of one /predict."""
    started = time.perf_counter()
    answer = session.post(
        f"{url}/predict", files={"file": ("a.jpg", data, "image/jpeg")}, data=fields, timeout=60
    )
    answer.raise_for_status()
    return (time.perf_counter() - started) * 1e3


def main() -> int:
    """Print the p50 with and without context, and the difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="efficientnet_lite1", help="a shipped classifier")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=20)
    args = parser.parse_args()
    data = SAMPLE.read_bytes()
    model = REPO_ROOT / "models" / args.model / "model.onnx"
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
        f"{args.model}, {SAMPLE.name}, {args.rounds} rounds of {args.per_round} each way"
    )
    times: dict[str, list[float]] = {"without": [], "with": []}
    with gunicorn_server(model, {"LOG_LEVEL": "warning"}, 1) as (url, _), requests.Session() as s:
        s.headers["X-Request-ID"] = uuid.uuid4().hex
        answer = s.post(f"{url}/predict", files={"file": data}, data=CONTEXT, timeout=60).json()
        assert answer["context"]["used"], f"{args.model} has no context model"
        for _ in range(10):
            timed(s, url, data, {})
        for _ in range(args.rounds):
            for name, fields in (("without", {}), ("with", CONTEXT)):
                times[name] += [timed(s, url, data, fields) for _ in range(args.per_round)]
    without, given = (statistics.median(times[k]) for k in ("without", "with"))
    print(f"/predict p50 without context {without:.2f} ms, with {given:.2f} ms: "
          f"{given - without:+.2f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What does the input check add to /predict? Milliseconds per image, in process.

Two apps share one classifier: one with the input check, one without (INPUT_CHECK_PATH=off).
Requests alternate between them, so that a machine busy with other work slows both alike; the
script prints each one's median, the median of the paired differences (the check's cost per
image) and the parts measured alone: the one decode with and without the check's views, the same
decode as preprocessing v1 made it (no DECODE_FLOOR: what the shared decode costs /predict
itself), and the check's verdict. Each figure is given twice: wall-clock time, and
this process's CPU time, which on a machine shared with other work is the closer estimate of what
the check costs on a core of its own (ONNX Runtime runs one thread per worker here).
Run: `make bench` (or `.venv/bin/python benchmarks/input_check_cost.py --help`).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from backend.app import create_app  # noqa: E402
from backend.settings import Settings  # noqa: E402
from lesion_core import preprocess  # noqa: E402
from lesion_core.preprocess import preprocess_groups  # noqa: E402
from lesion_runtime.decoding import Upload  # noqa: E402
from lesion_runtime.input_check import InputChecker  # noqa: E402
from lesion_runtime.predictor import Predictor  # noqa: E402
from lesion_runtime.shipped import DEFAULT_INPUT_CHECK_PATH, DEFAULT_MODEL_PATH  # noqa: E402

DEFAULT_IMAGE = REPO_ROOT / "samples" / "ISIC_0024335.jpg"  # 600×450, the median size


def milliseconds(call, count: int) -> tuple[list[float], list[float]]:
    """Return the wall-clock and CPU durations of `count` calls of `call`, in milliseconds."""
    wall, cpu = [], []
    for _ in range(count):
        started, used = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - started) * 1e3)
        cpu.append((time.process_time() - used) * 1e3)
    return wall, cpu


def report(label: str, wall: list[float], cpu: list[float]) -> None:
    """Print the median wall-clock and CPU milliseconds of one measurement."""
    wall_ms, cpu_ms = statistics.median(wall), statistics.median(cpu)
    print(f"{label}: median {wall_ms:.2f} ms wall, {cpu_ms:.2f} ms CPU")


def paired(on: list[float], off: list[float]) -> float:
    """Return the median of the paired differences on − off."""
    return statistics.median(a - b for a, b in zip(on, off, strict=True))


def main() -> int:
    """Measure and print the input check's cost per image."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", type=Path, default=DEFAULT_IMAGE, help="the upload")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH, help="the classifier")
    parser.add_argument("--check", type=Path, default=DEFAULT_INPUT_CHECK_PATH, help="its model")
    parser.add_argument("--count", type=int, default=200, help="requests per app")
    args = parser.parse_args()
    if not args.check.is_file():
        parser.error(f"no input check at {args.check}; pass --check PATH")
    data = args.image.read_bytes()
    settings = Settings(model_path=args.model, segmenter_path=None, log_level="warning")
    predictor, checker = Predictor(args.model), InputChecker(args.check)
    with_check = create_app(settings, predictor, input_checker=checker).test_client()
    without = create_app(settings, predictor).test_client()

    def predict(client) -> None:
        answer = client.post("/predict", data={"file": (io.BytesIO(data), "lesion.jpg")})
        assert answer.status_code == 200, answer.text

    for client in (with_check, without):
        milliseconds(lambda c=client: predict(c), 20)  # warm-up
    on, off = ([], []), ([], [])
    for _ in range(args.count):  # alternate, so that other work on the machine slows both alike
        for totals, client in ((on, with_check), (off, without)):
            wall, cpu = milliseconds(lambda c=client: predict(c), 1)
            totals[0].extend(wall)
            totals[1].extend(cpu)
    upload = Upload(data, "lesion.jpg")
    model_alone, with_views = (
        [[predictor.info.input_size]],
        [[predictor.info.input_size], checker.view_sizes],
    )
    decode = milliseconds(lambda: preprocess_groups(data, model_alone), args.count)
    shared = milliseconds(lambda: preprocess_groups(data, with_views), args.count)
    with mock.patch.object(preprocess, "DECODE_FLOOR", (1, 1)):
        unfloored = milliseconds(lambda: preprocess_groups(data, model_alone), args.count)
    views = checker.views(upload.data, settings.max_image_pixels)
    verdict = milliseconds(lambda: checker.judge([views]), args.count)
    quality = milliseconds(views.quality_warnings, args.count)
    model = milliseconds(lambda: checker.scores(views.model_input[None]), args.count)

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(f"image: {args.image.name} ({len(data):,} bytes); check: {checker.info.version}")
    report(f"/predict with the check ({args.count} requests)", *on)
    report("/predict without the check", *off)
    print(
        f"extra per image (median of paired differences): {paired(on[0], off[0]):.2f} ms wall, "
        f"{paired(on[1], off[1]):.2f} ms CPU"
    )
    report("the classifier's decode alone", *decode)
    report("  the same decode making the check's views too", *shared)
    report("  the classifier's decode without the floor (preprocessing v1)", *unfloored)
    report("the check's verdict on its views", *verdict)
    report("  of which quality warnings", *quality)
    report("  of which the check's model", *model)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What does the input check add to /predict? Milliseconds per image, in process.

Two apps share one classifier: one with the input check, one without (INPUT_CHECK_PATH=off).
Requests alternate between them, so that a machine busy with other work slows both alike; the
script prints each one's median, the median of the paired differences (the check's cost per
image) and the check's own parts (model call, quality warnings) measured alone.
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

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from backend.app import create_app  # noqa: E402
from backend.input_check import InputChecker, _quality  # noqa: E402
from backend.predictor import Predictor  # noqa: E402
from backend.settings import DEFAULT_INPUT_CHECK_PATH, DEFAULT_MODEL_PATH, Settings  # noqa: E402
from backend.uploads import Upload  # noqa: E402

DEFAULT_IMAGE = REPO_ROOT / "samples" / "ISIC_0024335.jpg"  # 600×450, the median size


def milliseconds(call, count: int) -> list[float]:
    """Return the durations of `count` calls of `call`, in milliseconds."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1e3)
    return times


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
    on, off = [], []
    for _ in range(args.count):
        on += milliseconds(lambda: predict(with_check), 1)
        off += milliseconds(lambda: predict(without), 1)
    upload = Upload(data, "lesion.jpg")
    check = milliseconds(lambda: checker.check([upload], settings.max_image_pixels), args.count)
    quality = milliseconds(lambda: _quality(data, settings.max_image_pixels), args.count)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"image: {args.image.name} ({len(data):,} bytes); check: {checker.info.version}")
    print(
        f"/predict with the check:    median {statistics.median(on):.2f} ms ({args.count} requests)"
    )
    print(f"/predict without the check: median {statistics.median(off):.2f} ms")
    extra = statistics.median(a - b for a, b in zip(on, off, strict=True))
    print(f"extra per image (median of paired differences): {extra:.2f} ms")
    print(
        f"  the check alone: median {statistics.median(check):.2f} ms, of which quality "
        f"warnings {statistics.median(quality):.2f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How long does localization take per 600×450 upload on one CPU core?

Pins the process to one core, runs every model with one ONNX Runtime thread, and prints the
median milliseconds per image over the 600×450 demo samples for:
- segmentation: upload bytes → shared preprocessing → segmenter → mask and box at 600×450
  (what issue #6's ≤ 30 ms target is about);
- the Otsu baseline on the same bytes;
- the whole /localize service call: the preprocessings, classifier with activation maps,
  segmenter, the input check (as the service runs it by default), and encoding the mask and
  heat-map PNGs.
Run: `make bench` (or `.venv/bin/python benchmarks/localization_latency.py --help`).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from backend.localization import localize_upload  # noqa: E402
from lesion_core.decode import DecodeLimits  # noqa: E402
from lesion_core.lesion_outline import outline  # noqa: E402
from lesion_core.preprocess import preprocess_for_segmenter  # noqa: E402
from lesion_runtime.decoding import Upload  # noqa: E402
from lesion_runtime.input_check import InputChecker  # noqa: E402
from lesion_runtime.predictor import Predictor  # noqa: E402
from lesion_runtime.segmenter import Segmenter  # noqa: E402
from lesion_runtime.shipped import (  # noqa: E402
    DEFAULT_INPUT_CHECK_PATH,
    DEFAULT_MODEL_PATH,
    DEFAULT_SEGMENTER_PATH,
)
from training.segmenter.evaluate import segment_with_otsu  # noqa: E402

SAMPLES = REPO_ROOT / "samples"


def median_ms(work: Callable[[bytes], object], uploads: list[bytes], rounds: int) -> float:
    """Return the median milliseconds of `work` over every upload, `rounds` times each."""
    for data in uploads:  # warm-up
        work(data)
    times = []
    for _ in range(rounds):
        for data in uploads:
            started = time.perf_counter()
            work(data)
            times.append((time.perf_counter() - started) * 1e3)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Print the medians; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="passes over the samples")
    parser.add_argument("--images", type=Path, default=SAMPLES, help="folder of 600×450 JPEGs")
    args = parser.parse_args(argv)
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    uploads = [p.read_bytes() for p in sorted(args.images.glob("*.jpg"))]
    segmenter = Segmenter(DEFAULT_SEGMENTER_PATH, inference_threads=1)
    predictor = Predictor(DEFAULT_MODEL_PATH, inference_threads=1)
    checker = InputChecker(DEFAULT_INPUT_CHECK_PATH, inference_threads=1)

    def segment(data: bytes) -> object:
        image, size = preprocess_for_segmenter(data, segmenter.info.input_size)
        return outline(segmenter.probabilities(image), size).box

    def service(data: bytes) -> object:
        upload = Upload(data, None)
        return localize_upload(upload, predictor, segmenter, DecodeLimits(), checker=checker)

    print(f"machine: {platform.processor() or platform.machine()}, pinned to 1 core, 1 thread")
    print(f"images: {len(uploads)} from {args.images}, {args.rounds} rounds")
    for name, work in (
        ("segmentation", segment),
        ("otsu baseline", segment_with_otsu),
        ("/localize", service),
    ):
        print(f"{name:>14}: median {median_ms(work, uploads, args.rounds):6.1f} ms per image")
    return 0


if __name__ == "__main__":
    sys.exit(main())

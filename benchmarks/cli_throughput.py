"""How close does `lesion predict` (in-process) come to what the cores allow? Images per second.

Makes a folder of 600×450 JPEGs from samples/ (flipped and at several JPEG qualities, so that no
two are alike) and classifies it with `lesion predict` in this process, for the default model and
for efficientnet_lite0, the models loaded beforehand. The floor is the same work with nothing
around it, on as many threads: one decode per image through the shared preprocessing, plus the
model's ONNX alone on the pre-decoded inputs in batches, either side by side on one thread each
or as one session using every core, whichever is faster.
`lesion predict` does more than the floor (reading files, the input check, writing the CSV).
Runs alternate, so that a busy machine slows both alike; prints medians and their ratio (the
target is 0.8 or more) and the machine. Run: `make bench` (or `.venv/bin/python
benchmarks/cli_throughput.py --help`).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from lesion_cli.arguments import PredictOptions, cpu_count  # noqa: E402
from lesion_cli.local import BATCH_SIZE  # noqa: E402
from lesion_cli.models import default_model, model_path  # noqa: E402
from lesion_cli.predict import predict  # noqa: E402
from lesion_core.preprocess import preprocess_views  # noqa: E402
from lesion_runtime.predictor import Predictor  # noqa: E402

SIZE = (600, 450)  # HAM10000's originals
FLIPS = (None, Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.FLIP_TOP_BOTTOM)


def make_folder(folder: Path, count: int) -> list[Path]:
    """Write `count` 600×450 JPEGs made from the samples into `folder`; return them."""
    samples = [Image.open(p).convert("RGB") for p in sorted((REPO_ROOT / "samples").glob("*.jpg"))]
    files = []
    for i in range(count):
        image = samples[i % len(samples)].resize(SIZE, Image.Resampling.BICUBIC)
        flip = FLIPS[(i // len(samples)) % len(FLIPS)]
        image = image if flip is None else image.transpose(flip)
        files.append(folder / f"image_{i:04d}.jpg")
        image.save(files[-1], quality=85 + i % 11)
    return files


def cli_rate(name: str, folder: Path, out: Path, workers: int, count: int) -> float:
    """Return the images per second of `lesion predict folder --model name` into a new file."""
    options = PredictOptions(inputs=[folder], out=out, model=name, workers=workers)
    summary = predict(options, progress=False)
    assert summary.classified == count and not summary.failed, summary
    return summary.classified / summary.seconds


def floor_rate(name: str, files: list[Path], workers: int) -> float:
    """Return the images per second the cores allow: one decode per image through the shared
    preprocessing on `workers` threads, then the faster of the model alone on `workers` threads
    of one session side by side or on one call using `workers` threads."""
    alone = Predictor(model_path(name), inference_threads=1)
    wide = Predictor(model_path(name), inference_threads=workers)
    data = [path.read_bytes() for path in files]
    with ThreadPoolExecutor(workers) as pool:  # the decoder releases the GIL, as in the CLI
        started = time.perf_counter()
        # One decode per image, one view per model input (an ensemble's members each have one).
        views = list(pool.map(lambda d: preprocess_views(d, alone.sizes)[0], data))
        inputs = [np.stack(per_input) for per_input in zip(*views, strict=True)]
        decode = time.perf_counter() - started
        batches = [[x[i : i + BATCH_SIZE] for x in inputs] for i in range(0, len(data), BATCH_SIZE)]
        started = time.perf_counter()
        list(pool.map(alone.predict, batches))
        side_by_side = time.perf_counter() - started
    started = time.perf_counter()
    for batch in batches:
        wide.predict(batch)
    one_wide = time.perf_counter() - started
    return len(files) / (decode + min(side_by_side, one_wide))


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="images in the folder")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each, alternating")
    parser.add_argument("--workers", type=int, default=cpu_count(), help="cores to use")
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {cpu_count()} cores, "
        f"Python {platform.python_version()}; {args.count} JPEGs of {SIZE[0]}x{SIZE[1]}, "
        f"--workers {args.workers}, median of {args.repeats} runs"
    )
    with tempfile.TemporaryDirectory(prefix="cli-throughput-") as scratch:
        folder = Path(scratch) / "images"
        folder.mkdir()
        files = make_folder(folder, args.count)
        for name in (default_model(), "efficientnet_lite0"):
            cli, floor = [], []
            for repeat in range(args.repeats):
                out = Path(scratch) / f"{name}-{repeat}.csv"
                cli.append(cli_rate(name, folder, out, args.workers, args.count))
                floor.append(floor_rate(name, files, args.workers))
            cli_median, floor_median = statistics.median(cli), statistics.median(floor)
            print(
                f"{name:<20} lesion predict {cli_median:6.1f} images/s, floor (decode + ONNX "
                f"alone) {floor_median:6.1f} images/s, ratio {cli_median / floor_median:.2f}"
            )


if __name__ == "__main__":
    main()

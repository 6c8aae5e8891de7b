"""Score the lesion segmenter and the Otsu baseline on held-out lesions, and time them.

    python -m training.segmenter.evaluate --model models/lesion_segmenter/model.onnx \
        --data data/ham10000

runs the exported model through ONNX Runtime exactly as the service does (shared
preprocessing, `lesion_outline.outline`), on the test part of the model's split.csv:
1. every test image at 200×150 against its mask;
2. the 600×450 originals of test lesions that have a full-resolution mask (`full_res/`,
   `full_res_masks/`), uploaded as bytes, with the per-image time on one thread.
Prints a table and writes segmentation_metrics.json beside the model (or to --out).
"""

from __future__ import annotations

import json
import logging
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from lesion_core.lesion_outline import outline
from lesion_core.preprocess import SEGMENTER_INPUT, preprocess_for_segmenter
from lesion_core.segmentation_metrics import score_masks
from training.arguments import SettingsError, option, parse
from training.cli import cache_option, check_data, data_option, setup_logging
from training.dataset import DataError
from training.segmenter.masks import load_masked_images, read_mask
from training.segmenter.otsu_baseline import otsu_mask
from training.split import load_split

log = logging.getLogger(__name__)

FULL_RES_IMAGES = "full_res"
FULL_RES_MASKS = "full_res_masks"
OTSU_SIZE = (200, 150)  # the baseline's working size: the release's images, where it was tuned

Segment = Callable[[bytes], np.ndarray]  # image bytes → boolean mask at the image's size


def onnx_segmenter(model: Path, threads: int = 1) -> Callable[[np.ndarray], np.ndarray]:
    """Return a function from (N, h, w, 3) uint8 batches to (N, h, w) lesion probabilities."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda batch: session.run(None, {name: batch})[0][..., 0]


def segment_with_model(run: Callable[[np.ndarray], np.ndarray]) -> Segment:
    """Return the service's path: bytes → shared preprocessing → model → outline at full size."""

    def segment(data: bytes) -> np.ndarray:
        image, size = preprocess_for_segmenter(data, SEGMENTER_INPUT)
        return outline(run(image[None])[0], size).mask

    return segment


def segment_with_otsu(data: bytes) -> np.ndarray:
    """Return the baseline's mask: Otsu on the image at OTSU_SIZE, scaled back to full size."""
    image, size = preprocess_for_segmenter(data, OTSU_SIZE)
    small = Image.fromarray(otsu_mask(image).astype(np.uint8) * 255)
    return np.asarray(small.resize(size, Image.Resampling.NEAREST)) > 127


def timed(segment: Segment, uploads: list[bytes]) -> tuple[list[np.ndarray], float]:
    """Return the masks of `uploads` and the median milliseconds per image."""
    masks, times = [], []
    for data in uploads:
        started = time.perf_counter()
        masks.append(segment(data))
        times.append((time.perf_counter() - started) * 1e3)
    return masks, statistics.median(times)


@dataclass(frozen=True, kw_only=True)
class EvaluateArgs:
    """Command-line settings of `python -m training.segmenter.evaluate`."""

    model: Path = option(help="the segmenter's exported model.onnx")
    data: Path = data_option()
    cache_dir: Path = cache_option()
    split: Path | None = option(None, "the run's split.csv", shown="split.csv beside the model")
    out: Path | None = option(
        None, "JSON file of the figures", shown="segmentation_metrics.json beside the model"
    )

    def check(self) -> None:
        """Raise SettingsError for a setting that cannot work, saying how to fix it."""
        if self.model.suffix != ".onnx" or not self.model.is_file():
            raise SettingsError(
                f"--model {self.model}: pass the exported model.onnx of a segmenter run"
            )
        if not self.split_file().is_file():
            raise SettingsError(f"no split at {self.split_file()}; pass --split")
        check_data(self.data, folder_only=True)

    def split_file(self) -> Path:
        """Return --split, else split.csv beside the model."""
        return self.split or self.model.parent / "split.csv"

    def out_file(self) -> Path:
        """Return --out, else segmentation_metrics.json beside the model."""
        return self.out or self.model.parent / "segmentation_metrics.json"


def evaluate_segmenter(args: EvaluateArgs) -> dict:
    """Return the metrics of the model and the baseline on both test sets, with timings."""
    data = load_masked_images(args.data, SEGMENTER_INPUT, args.cache_dir)
    test = load_split(data.dataset, args.split_file()).test
    run = onnx_segmenter(args.model)
    test_ids = set(data.dataset.image_ids[test])
    results: dict = {"model": str(args.model), "split": str(args.split_file())}

    truth = [read_mask(data.mask_files[i]) > 127 for i in test]
    probabilities = np.concatenate(
        [run(data.dataset.images[test[i : i + 64]]) for i in range(0, len(test), 64)]
    )
    pairs = zip(probabilities, truth, strict=True)
    model_masks = [outline(p, t.shape[::-1]).mask for p, t in pairs]
    uploads = [data.image_files[i].read_bytes() for i in test]
    otsu_masks, _ = timed(segment_with_otsu, uploads)
    results["test_200x150"] = {
        "segmenter": score_masks(model_masks, truth),
        "otsu_baseline": score_masks(otsu_masks, truth),
    }

    folder = args.data / FULL_RES_MASKS
    full = [
        p
        for p in (sorted(folder.glob("*.png")) if folder.is_dir() else [])
        if p.stem in test_ids and (args.data / FULL_RES_IMAGES / f"{p.stem}.jpg").is_file()
    ]
    if full:
        uploads = [(args.data / FULL_RES_IMAGES / f"{p.stem}.jpg").read_bytes() for p in full]
        truth = [read_mask(p) > 127 for p in full]
        model_masks, model_ms = timed(segment_with_model(run), uploads)
        otsu_masks, otsu_ms = timed(segment_with_otsu, uploads)
        results["test_600x450"] = {
            "segmenter": {**score_masks(model_masks, truth), "median_ms_per_image": model_ms},
            "otsu_baseline": {**score_masks(otsu_masks, truth), "median_ms_per_image": otsu_ms},
        }
    return results


def format_table(results: dict) -> str:
    """Return the results as a Markdown table."""
    lines = [
        "| test set | method | images | mean Jaccard | Dice | thresholded Jaccard | box IoU "
        "| ms/image |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for part in ("test_200x150", "test_600x450"):
        for method, m in results.get(part, {}).items():
            ms = m.get("median_ms_per_image")
            lines.append(
                f"| {part.removeprefix('test_')} | {method} | {m['images']} | {m['jaccard']:.4f} "
                f"| {m['dice']:.4f} | {m['thresholded_jaccard']:.4f} | {m['box_iou']:.4f} "
                f"| {'' if ms is None else f'{ms:.1f}'} |"
            )
    return "\n".join(lines)


DESCRIPTION = "Score the exported segmenter and the Otsu baseline on the test part."


def main(argv: list[str] | None = None) -> int:
    """Evaluate from the command line; return the exit code."""
    args = parse(EvaluateArgs, argv, "python -m training.segmenter.evaluate", DESCRIPTION)
    setup_logging()
    try:
        results = evaluate_segmenter(args)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.out_file().write_text(json.dumps(results, indent=2) + "\n")
    print(format_table(results))
    print(f"wrote {args.out_file()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

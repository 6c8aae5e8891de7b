"""Quantise a served ONNX classifier to int8 (ONNX Runtime's static quantisation, QDQ format),
calibrated on images of its training part; keep it only when its validation balanced accuracy
drops by at most --max-drop.

    python -m training.quantize --model models/efficientnet_lite1/model.onnx --data data/ham10000

writes `model.int8.onnx` beside the model, and `quantization.json` with both files' validation
figures. The int8 file is not served by itself: an ensemble takes it as a member
(`python -m training.ensemble.build --members .../model.int8.onnx ...`), under its model's name
with `_int8` appended.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx

from lesion_runtime.ensemble_graph import input_size
from lesion_runtime.model_file import model_name, model_version, read_sidecar
from lesion_runtime.scoring.metrics import headline_figures
from training.arguments import SettingsError, option, parse
from training.classifier.scored_model import OnnxModel
from training.cli import cache_option, check_data, check_range, data_option, setup_logging
from training.data import load_dataset
from training.dataset import DataError, Dataset
from training.split import load_split, split_of

QUANTIZED_NAME = "model.int8.onnx"
RECORD_NAME = "quantization.json"
CALIBRATION_BATCH = 8
SEED = 0

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class QuantizeConfig:
    """Settings of `python -m training.quantize`."""

    model: Path = option(help="the served ONNX classifier (its split and config.json beside it)")
    data: Path = data_option()
    per_class: int = option(24, "calibration images per class, drawn from the training part")
    max_drop: float = option(0.01, "the most validation balanced accuracy the int8 file may lose")
    cache_dir: Path = cache_option()

    def check(self) -> None:
        """Raise SettingsError for a setting that cannot work, saying how to fix it."""
        if self.model.suffix != ".onnx" or not self.model.is_file():
            raise SettingsError(f"--model {self.model}: not a served classifier's .onnx file")
        split = split_of(self.model)
        if split is None or not split.is_file():
            raise SettingsError(
                f"--model {self.model}: no split.csv beside it, nor a split_file in its config"
            )
        check_range("per_class", self.per_class, 1)
        check_range("max_drop", self.max_drop, 0, 1)
        check_data(self.data, folder_only=True)


def member_name(path: Path) -> str:
    """Return the name an ensemble gives its member at `path`: its model's, with `_int8`
    appended for a quantised file."""
    name = model_name(path)
    return f"{name}_int8" if path.name == QUANTIZED_NAME else name


def calibration_images(train: Dataset, per_class: int, seed: int = SEED) -> np.ndarray:
    """Return up to `per_class` images of each class of `train`, drawn at random, so that the
    rare classes' activations set the ranges too."""
    rng = np.random.default_rng(seed)
    chosen = [rng.permutation(np.flatnonzero(train.labels == c))[:per_class]
              for c in np.unique(train.labels)]  # fmt: skip
    return train.images[np.sort(np.concatenate(chosen))]


@contextlib.contextmanager
def quiet_root_logger() -> Iterator[None]:
    """Hold the root logger at WARNING: ONNX Runtime's quantiser logs each scale it widens."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        root.setLevel(level)


def quantize(source: Path, out: Path, images: np.ndarray) -> None:
    """Write `source` quantised to `out`: every operator ONNX Runtime can quantise, weights
    int8 per channel, activations uint8 with MinMax ranges over `images`."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    [feed] = [i.name for i in onnx.load(source, load_external_data=False).graph.input]

    class Batches(CalibrationDataReader):
        def __init__(self) -> None:
            self.starts = iter(range(0, len(images), CALIBRATION_BATCH))

        def get_next(self) -> dict[str, np.ndarray] | None:
            start = next(self.starts, None)
            return None if start is None else {feed: images[start : start + CALIBRATION_BATCH]}

    with tempfile.TemporaryDirectory() as scratch, quiet_root_logger():
        prepared = Path(scratch) / "prepared.onnx"
        quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(out),
            Batches(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
        )


def figures(model: Path, part: Dataset) -> dict[str, float]:
    """Return `model`'s headline figures on `part`."""
    return headline_figures(part.labels, OnnxModel(model).predict([part.images]))


def run(config: QuantizeConfig) -> dict:
    """Quantise, score both files on validation; return the record (its `kept` says whether the
    int8 file stayed)."""
    size = input_size(onnx.load(config.model, load_external_data=False))
    dataset = load_dataset(config.data, size, config.cache_dir)
    split = load_split(dataset, split_of(config.model))
    images = calibration_images(dataset.subset(split.train), config.per_class)
    out = config.model.parent / QUANTIZED_NAME
    log.info("calibrating on %d training images", len(images))
    quantize(config.model, out, images)
    val = dataset.subset(split.val)
    before, after = figures(config.model, val), figures(out, val)
    drop = round(before["balanced_accuracy"] - after["balanced_accuracy"], 4)
    kept = drop <= config.max_drop
    if not kept:
        out.unlink()
    name = model_name(config.model)
    return {
        "source": model_version(config.model, name),
        "int8": model_version(out, member_name(out)) if kept else None,
        "kept": kept,
        "recipe": "ONNX Runtime static quantisation, QDQ, every quantisable operator; weights "
        "int8 per channel, activations uint8, MinMax ranges",
        "calibration": f"{len(images)} images of the training part, at most "
        f"{config.per_class} per class",
        "preprocessing": read_sidecar(config.model, "config.json").get("preprocessing"),
        "validation": {"float32": before, "int8": after, "balanced_accuracy_drop": drop},
        "max_drop": config.max_drop,
        "command": f"python -m training.quantize --model {config.model} --data {config.data} "
        f"--per-class {config.per_class} --max-drop {config.max_drop}",
    }


DESCRIPTION = (
    "Quantise a served ONNX classifier to int8, calibrated on its training part; kept when its "
    "validation balanced accuracy drops by at most --max-drop."
)


def main(argv: list[str] | None = None) -> int:
    """Quantise; return 0, 1 when the int8 file lost too much, or 2 for unusable settings."""
    config = parse(QuantizeConfig, argv, "python -m training.quantize", DESCRIPTION)
    setup_logging()
    try:
        record = run(config)
    except (DataError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    (config.model.parent / RECORD_NAME).write_text(json.dumps(record, indent=2) + "\n")
    for kind in ("float32", "int8"):
        row = record["validation"][kind]
        print(f"{kind:>8}: " + ", ".join(f"{k} {v:.4f}" for k, v in row.items()))
    drop = record["validation"]["balanced_accuracy_drop"]
    if not record["kept"]:
        print(f"not kept: balanced accuracy drops {drop:.4f} > {config.max_drop}", file=sys.stderr)
        return 1
    print(f"saved {config.model.parent / QUANTIZED_NAME} (balanced accuracy drop {drop:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

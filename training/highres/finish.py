"""Finish a high-resolution run: test-time flips and temperature chosen on validation, then the
served model (flips and temperature built in) exported to ONNX with its class activation maps.

    python -m training.highres.finish --run runs/highres --data ../shared/data/ham10000

Writes into the run folder: calibration.json, model_calibrated.keras and model_calibrated.onnx.
Score the result on the test part with `make evaluate MODEL=<run>/model_calibrated.keras`.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np

from training.classifier.calibration import calibration_record, fit_temperature, fold_temperature
from training.data import DataError, load_dataset
from training.highres.features import onnx_predict
from training.metrics import classification_metrics
from training.split import load_split

CALIBRATED_MODEL = "model_calibrated.keras"
CALIBRATED_ONNX = "model_calibrated.onnx"

log = logging.getLogger(__name__)


def view_probabilities(model, images: np.ndarray) -> np.ndarray:
    """Return (4, N, 7) probabilities of the model on each flip of the images."""
    from training.classifier.tta import flip_views

    return np.stack([onnx_predict(model, np.ascontiguousarray(v)) for v in flip_views(images)])


def finish(run: Path, data: Path, cache_dir: Path | None) -> dict:
    """Choose TTA and temperature on validation; write the served model; return the record."""
    import keras

    from training.classifier.gradcam import with_class_activations
    from training.classifier.tta import with_tta
    from training.export import export_model

    config = json.loads((run / "config.json").read_text())
    dataset = load_dataset(data, tuple(config["image_size"]), cache_dir)
    split = load_split(dataset, run / "split.csv")
    model = keras.models.load_model(run / "model.keras", compile=False)
    val, test = dataset.subset(split.val), dataset.subset(split.test)
    val_views = view_probabilities(model, val.images)
    one = classification_metrics(val.labels, val_views[0])["balanced_accuracy"]
    four = classification_metrics(val.labels, val_views.mean(axis=0))["balanced_accuracy"]
    tta = four >= one
    log.info("validation balanced accuracy: one view %.4f, four flips %.4f", one, four)
    val_proba = val_views if tta else val_views[0]
    temperature = fit_temperature(val_proba, val.labels)
    test_views = view_probabilities(model, test.images)
    record = calibration_record(
        temperature,
        0.0,
        (val_proba, val.labels),
        (test_views if tta else test_views[0], test.labels),
    )
    record |= {"tta": tta, "val_balanced_accuracy_one_view": one, "val_balanced_accuracy_tta": four}
    served = fold_temperature(model, temperature)
    if tta:
        served = with_tta(served)
    served.save(run / CALIBRATED_MODEL)
    difference = export_model(with_class_activations(served), run / CALIBRATED_ONNX)
    record["onnx_max_difference"] = difference
    (run / "calibration.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def main(argv: list[str] | None = None) -> int:
    """Finish the run; return 0, or 1 when the data cannot be loaded."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--run", type=Path, required=True, help="a training.highres.train run")
    parser.add_argument("--data", type=Path, required=True, help="HAM10000 release folder")
    parser.add_argument("--cache-dir", type=Path, default=Path(".cache"), help="image cache")
    args = parser.parse_args(argv)
    if not (args.run / "model.keras").is_file():
        parser.error(f"--run {args.run}: no model.keras; train with training.highres.train")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        record = finish(args.run, args.data, args.cache_dir)
    except DataError as exc:
        log.error("%s", exc)
        return 1
    log.info("temperature %.3f, tta %s: %s", record["temperature"], record["tta"],
             json.dumps(record["test"]))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

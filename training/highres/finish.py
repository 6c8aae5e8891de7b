"""Finish a high-resolution run: test-time flips and temperature chosen on validation, then the
served model (flips and temperature built in) exported to ONNX with its class activation maps.

    python -m training.highres.finish --run runs/highres --data data/ham10000

Writes into the run folder: calibration.json, model_calibrated.keras and model_calibrated.onnx.
Score the result on the test part with `make evaluate MODEL=<run>/model_calibrated.keras`.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.arguments import SettingsError, option, parse
from training.cli import cache_option, check_data, data_option, setup_logging

CALIBRATED_MODEL = "model_calibrated.keras"
CALIBRATED_ONNX = "model_calibrated.onnx"


def view_probabilities(session, images: np.ndarray) -> np.ndarray:
    """Return (4, N, 7) probabilities of a model's ONNX session on each flip of the images."""
    from training.classifier.tta import flip_views
    from training.highres.features import run_batched

    return np.stack([run_batched(session, view) for view in flip_views(images)])


def finish(run: Path, data: Path, cache_dir: Path | None) -> dict:
    """Choose TTA and temperature on validation; write the served model; return the record."""
    import keras

    from lesion_core.colour_constancy import corrected
    from lesion_runtime.scoring.metrics import classification_metrics
    from training.classifier.calibration import calibration_record, fold_temperature
    from training.classifier.gradcam import with_class_activations
    from training.classifier.temperature import fit_temperature
    from training.classifier.tta import with_tta
    from training.data import load_dataset
    from training.export import export_model
    from training.highres.config import recorded_architecture
    from training.highres.features import exported
    from training.split import load_split

    config = json.loads((run / "config.json").read_text())
    variant, size = recorded_architecture(config)
    print(f"{variant.title} at {size[0]}x{size[1]}")
    dataset = load_dataset(data, size, cache_dir)
    images = corrected(dataset.images, config.get("colour_constancy"))  # as the run trained
    dataset = dataclasses.replace(dataset, images=images)
    split = load_split(dataset, run / "split.csv")
    model = keras.models.load_model(run / "model.keras", compile=False)
    val, test = dataset.subset(split.val), dataset.subset(split.test)
    session = exported(model)
    val_views = view_probabilities(session, val.images)
    one = classification_metrics(val.labels, val_views[0])["balanced_accuracy"]
    four = classification_metrics(val.labels, val_views.mean(axis=0))["balanced_accuracy"]
    tta = four >= one
    print(f"validation balanced accuracy: one view {one:.4f}, four flips {four:.4f}")
    val_proba = val_views if tta else val_views[0]
    temperature = fit_temperature(val_proba, val.labels)
    test_views = view_probabilities(session, test.images)
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


@dataclass(frozen=True, kw_only=True)
class FinishSettings:
    """Command-line settings of `python -m training.highres.finish`."""

    run: Path = option(help="a training.highres.train run folder")
    data: Path = data_option()
    cache_dir: Path = cache_option()

    def check(self) -> None:
        """Raise SettingsError when the run or the data is missing."""
        if not (self.run / "model.keras").is_file():
            raise SettingsError(
                f"--run {self.run}: no model.keras; train with training.highres.train"
            )
        check_data(self.data, folder_only=True)


def main(argv: list[str] | None = None) -> int:
    """Finish the run; return 0, or 2 when the data cannot be loaded."""
    args = parse(
        FinishSettings, argv, "python -m training.highres.finish", __doc__.split("\n\n")[0]
    )
    setup_logging()
    from training.dataset import DataError
    from training.highres.variants import UnknownVariantError

    try:
        record = finish(args.run, args.data, args.cache_dir)
    except (DataError, UnknownVariantError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"temperature {record['temperature']:.3f}, flips averaged: {record['tta']}")
    print(f"wrote {args.run}/{CALIBRATED_MODEL}, {CALIBRATED_ONNX} and calibration.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())

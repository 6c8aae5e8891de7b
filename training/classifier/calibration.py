"""Temperature scaling: fit one temperature on the validation part so that probabilities are
honest, fold it into the model's last layer, and report calibration before and after.

softmax(z / T) equals softmax(log p / T) for p = softmax(z), so the temperature is fitted on
probabilities alone; dividing the last Dense layer's kernel and bias by T gives a model that
outputs the calibrated probabilities with only built-in layers, so serving needs no change.

Optionally the decisions are moved first by a prior shift: alpha · log(training-part class
frequencies) added to the logits (alpha > 0 favours common classes, raising accuracy; alpha < 0
favours rare ones, raising balanced accuracy). It is chosen on the validation part from the table
calibration.json holds, and folded into the last layer's bias like the temperature.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lesion_runtime.scoring.metrics import classification_metrics, expected_calibration_error
from training.arguments import SettingsError, option, parse
from training.classifier.evaluate import predict_proba
from training.classifier.temperature import calibrated, fit_temperature, nll, prior_shift_table
from training.cli import cache_option, check_data, check_range, data_option, setup_logging
from training.data import load_dataset
from training.dataset import DataError
from training.export import ExportError, export_onnx
from training.split import load_split, log_prior

if TYPE_CHECKING:
    import keras

log = logging.getLogger(__name__)

HEADLINE = ("accuracy", "balanced_accuracy", "macro_auc", "melanoma_recall")

CALIBRATED_MODEL = "model_calibrated.keras"
CALIBRATED_ONNX = "model_calibrated.onnx"  # what the service runs


class NotFoldableError(ValueError):
    """The model's last layer is not a softmax Dense, so a temperature cannot be folded in."""


def fold_temperature(
    model: keras.Model, temperature: float, shift: np.ndarray | float = 0.0
) -> keras.Model:
    """Return a copy of `model` that outputs softmax((logits + shift) / temperature)."""
    import keras  # here, not at the top: the CLI's --help must not load TensorFlow

    last = model.layers[-1]
    if not isinstance(last, keras.layers.Dense) or last.activation is not keras.activations.softmax:
        raise NotFoldableError(
            f"{model.name}: last layer is {type(last).__name__}, not a softmax Dense; "
            "temperature scaling cannot be folded into it"
        )
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    kernel, bias = copy.layers[-1].get_weights()
    copy.layers[-1].set_weights([kernel / temperature, (bias + shift) / temperature])
    return copy


def calibration_record(
    temperature: float,
    shift: np.ndarray,
    val: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
) -> dict:
    """Return the temperature with NLL, ECE and decisions before and after calibration, on
    validation and test."""
    record: dict = {"temperature": temperature, "fitted_on": "validation part (NLL)"}
    for part, (proba, labels) in (("val", val), ("test", test)):
        before = calibrated(proba, 1.0)
        after = calibrated(proba, temperature, shift)
        metrics = classification_metrics(labels, after)
        record[part] = {
            "n": len(labels),
            "nll_before": nll(before, labels),
            "nll_after": nll(after, labels),
            "ece_before": expected_calibration_error(labels, before),
            "ece_after": metrics["ece"],
            **{k: metrics[k] for k in HEADLINE},
        }
    return record


def view_proba(model: keras.Model, images: np.ndarray, tta: bool) -> np.ndarray:
    """Return (N, C) probabilities, or with `tta` the (8, N, C) probabilities of each view."""
    if not tta:
        return predict_proba(model, images)
    from training.classifier.tta import dihedral_views  # loads TensorFlow

    return np.stack([predict_proba(model, view) for view in dihedral_views(images)])


def calibrate_run(
    run: Path,
    data: Path,
    cache_dir: Path | None,
    prior_shift: float = 0.0,
    tta: bool = False,
) -> dict:
    """Fit the temperature of the run's model on its validation part (after an optional prior
    shift, over test-time augmentation if asked); write calibration.json,
    model_calibrated.keras and its ONNX export into the run folder; return the record."""
    import keras  # here, not at the top: the CLI's --help must not load TensorFlow

    from training.classifier.tta import with_tta

    dataset = load_dataset(data, cache_dir=cache_dir)
    split = load_split(dataset, run / "split.csv")
    model = keras.models.load_model(run / "model.keras", compile=False)
    val, test = dataset.subset(split.val), dataset.subset(split.test)
    train_log_prior = log_prior(dataset.labels[split.train])
    shift = prior_shift * train_log_prior
    val_proba = view_proba(model, val.images, tta)
    temperature = fit_temperature(val_proba, val.labels, shift)
    record = calibration_record(
        temperature,
        shift,
        (val_proba, val.labels),
        (view_proba(model, test.images, tta), test.labels),
    )
    served = fold_temperature(model, temperature, shift)
    (with_tta(served) if tta else served).save(run / CALIBRATED_MODEL)
    record["onnx_max_difference"] = export_onnx(run / CALIBRATED_MODEL, run / CALIBRATED_ONNX)
    record["prior_shift"] = prior_shift
    record["tta"] = tta
    record["val_prior_shift_table"] = prior_shift_table(val_proba, val.labels, train_log_prior)
    record["model"] = CALIBRATED_MODEL
    (run / "calibration.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


@dataclass(frozen=True, kw_only=True)
class CalibrateArgs:
    """Command-line settings of `python -m training.classifier.calibration`."""

    run: Path = option(help="run folder written by training.classifier.train")
    data: Path = data_option()
    cache_dir: Path = cache_option()
    prior_shift: float = option(
        0.0,
        "alpha of the prior shift, -1 to 1 (0: none); choose it from calibration.json's "
        "validation table",
    )
    tta: bool = option(
        False, "average over the 8 flips and quarter turns; the saved model does it too"
    )

    def check(self) -> None:
        """Raise SettingsError for a setting that cannot work, saying how to fix it."""
        check_range("prior_shift", self.prior_shift, -1.0, 1.0)
        for name in ("model.keras", "split.csv"):
            if not (self.run / name).is_file():
                raise SettingsError(
                    f"--run {self.run}: no {name}; pass a folder written by "
                    "training.classifier.train"
                )
        check_data(self.data)


DESCRIPTION = (
    "Fit a temperature on a run's validation part; write calibration.json (ECE before/after on "
    f"validation and test), {CALIBRATED_MODEL} and {CALIBRATED_ONNX}."
)


def main(argv: list[str] | None = None) -> int:
    """Calibrate from the command line and print the figures; return the exit code."""
    args = parse(CalibrateArgs, argv, "python -m training.classifier.calibration", DESCRIPTION)
    setup_logging()
    try:
        record = calibrate_run(args.run, args.data, args.cache_dir, args.prior_shift, args.tta)
    except (DataError, NotFoldableError, ExportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"       temperature: {record['temperature']:.4f}")
    for part in ("val", "test"):
        figures = record[part]
        print(
            f"{part:>5} ECE before/after: {figures['ece_before']:.4f} / {figures['ece_after']:.4f}"
        )
    print(f"wrote {args.run}/calibration.json, {CALIBRATED_MODEL} and {CALIBRATED_ONNX}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

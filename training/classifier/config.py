"""The settings of a 28×28 classifier run, which `python -m training.classifier.train`
parses, the recipe reads and config.json records. No TensorFlow."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from lesion_core.preprocess import INPUT_SIZE
from training.arguments import SettingsError, option
from training.cli import (
    cache_option,
    check_data,
    check_model_name,
    check_out,
    check_range,
    check_run_settings,
    data_option,
)

# The published recipe.
EPOCHS = 50
BATCH_SIZE = 128
LEARNING_RATE = 1e-3  # Adam's default
TEST_FRACTION = 0.2
VAL_FRACTION = 0.2
SEED = 42

# Alternatives to the recipe, each off by default.
# The keys of model.ARCHITECTURES, which needs TensorFlow to import; a test keeps them equal.
ARCHITECTURES = ("paper_cnn", "resnet_small", "resnet_small_2x")
BALANCES = ("oversample", "class_weight", "logit_adjust")
SCHEDULES = ("constant", "cosine")
CHECKPOINT_METRICS = ("val_accuracy", "val_balanced_accuracy")

DESCRIPTION = (
    "Train a classifier on HAM10000 with a lesion-grouped split and write a run folder "
    "(model.keras, model.onnx, history.csv, split.csv, config.json, metrics.json, report.md, "
    "plots); print the test figures against always answering nv."
)


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """Everything that decides a run; written to the run folder as config.json."""

    data: Path = data_option()
    out: Path | None = option(
        None, "run folder; must be empty or absent", shown="runs/<name>-<time>"
    )
    architecture: str = option("paper_cnn", "network to train", choices=ARCHITECTURES)
    name: str | None = option(
        None,
        "the model's name in config.json, which the service serves it under (?model=NAME); "
        "give one of your own to serve it beside the shipped models: letters, digits, _ and -",
        shown="--architecture",
    )
    epochs: int = option(EPOCHS, "passes over the training part")
    batch_size: int = option(BATCH_SIZE, "images per training step")
    learning_rate: float = option(LEARNING_RATE, "Adam's learning rate (the start, with cosine)")
    test_fraction: float = option(TEST_FRACTION, "share of lesions held out for the test part")
    val_fraction: float = option(VAL_FRACTION, "share of the rest's lesions for validation")
    seed: int = option(SEED, "seed of the weights, the shuffling and the oversampling")
    split_seed: int | None = option(
        None,
        "seed of the lesion-grouped split; keep it fixed and change --seed to repeat a run on "
        "the same split",
        shown="--seed",
    )
    augment: bool = option(
        False, "augment training batches: flips, 90° rotations, random crop-zoom, colour jitter"
    )
    device_views: int = option(
        0,
        "add this many simulated-device views of each training image (round and rectangular "
        "vignettes, any rotation, colour casts, exposure, blur, JPEG quality; cached in "
        "--cache-dir); needs a release folder, not an HMNIST CSV",
    )
    milk10k: Path | None = option(
        None,
        "also train on MILK10k's dermoscopic images of our seven classes outside its validation "
        "third (a MILK10k folder: metadata.csv, images/)",
        shown="HAM10000 only",
    )
    image_size: int = option(INPUT_SIZE, "side in pixels the images are resized to")
    cache_dir: Path | None = cache_option()
    overwrite: bool = option(False, "allow a non-empty --out")
    balance: str = option(
        "oversample",
        "how the rare classes are balanced: oversample them (the recipe), weight the loss by "
        "inverse class frequency, or add the log class prior to the logits in the loss",
        choices=BALANCES,
    )
    label_smoothing: float = option(0.0, "label smoothing of the cross-entropy, 0 (off) to 0.5")
    schedule: str = option(
        "constant", "learning rate: constant, or cosine decay to 0 over the run", choices=SCHEDULES
    )
    checkpoint_metric: str = option(
        "val_accuracy", "validation figure that picks the saved epoch", choices=CHECKPOINT_METRICS
    )
    init: Path | None = option(
        None,
        "a trained classifier (.keras) of --architecture whose weights the run starts from "
        "(fine-tuning); a test-time-augmentation wrapper is taken off, a folded temperature stays",
        shown="random weights",
    )

    def check(self) -> None:
        """Raise SettingsError for a setting that cannot work, saying how to fix it."""
        check_run_settings(self)
        check_model_name(self.name)
        check_range("image_size", self.image_size, 8)
        check_range("label_smoothing", self.label_smoothing, 0.0, 0.5)
        check_range("device_views", self.device_views, 0, 16)
        if self.device_views and self.data.is_file():
            raise SettingsError(
                "--device-views needs the release's image files; an HMNIST CSV has none"
            )
        if self.milk10k is not None and not (self.milk10k / "metadata.csv").is_file():
            raise SettingsError(f"--milk10k {self.milk10k}: no metadata.csv; point it at MILK10k")
        if self.init is not None and not self.init.is_file():
            raise SettingsError(f"--init {self.init}: no such file; pass a trained model.keras")
        check_data(self.data)
        check_out(self.out, self.overwrite)

    @property
    def model_name(self) -> str:
        """Return the name the model is served under: --name, else the architecture."""
        return self.name or self.architecture


def default_out(config: TrainConfig) -> Path:
    """Return the run folder used when --out is not given: runs/<name>-<time>."""
    return Path("runs") / f"{config.model_name}-{time.strftime('%Y%m%d-%H%M%S')}"

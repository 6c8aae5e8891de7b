"""Train a model on HAM10000 the published way, honestly split, and write a complete run folder.

Reads like a keras-io example: load, split, oversample the training part only, build, fit,
evaluate on held-out lesions, save.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from lesion_core.labels import CLASS_CODES, NUM_CLASSES
from lesion_core.preprocess import INPUT_SIZE, PREPROCESSING_DESCRIPTION, PREPROCESSING_ID
from training.augment import augment
from training.callbacks import EpochLog, ValBalancedAccuracy
from training.classifier.evaluate import evaluate
from training.classifier.losses import LogitAdjustedCrossentropy
from training.classifier.model import ARCHITECTURES, build_model
from training.cli import add_data_arguments, add_run_arguments, check_run_arguments
from training.data import DataError, Dataset, load_dataset
from training.export import export_onnx
from training.reports.plots import plot_curve
from training.split import class_weights, log_prior, make_split, oversample, save_split

log = logging.getLogger(__name__)

# The published recipe.
EPOCHS = 50
BATCH_SIZE = 128
LEARNING_RATE = 1e-3  # Adam's default
TEST_FRACTION = 0.2
VAL_FRACTION = 0.2
SEED = 42

# Alternatives to the recipe, each off by default.
BALANCES = ("oversample", "class_weight", "logit_adjust")
SCHEDULES = ("constant", "cosine")
CHECKPOINT_METRICS = ("val_accuracy", "val_balanced_accuracy")
BALANCE_DESCRIPTIONS = {
    "oversample": "imbalanced-learn RandomOverSampler on the training part only",
    "class_weight": "no oversampling; inverse-frequency class weights in the loss",
    "logit_adjust": "no oversampling; logit-adjusted loss (log of the training part's class "
    "frequencies added to the logits)",
}
AUGMENTATION = "flips, 90° rotations, random crop-zoom (side 0.7-1), colour jitter"


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a run; written to the run folder as config.json."""

    data: Path
    out: Path
    architecture: str = "paper_cnn"
    epochs: int = EPOCHS
    batch_size: int = BATCH_SIZE
    learning_rate: float = LEARNING_RATE
    test_fraction: float = TEST_FRACTION
    val_fraction: float = VAL_FRACTION
    seed: int = SEED
    split_seed: int | None = None  # None: the split follows `seed`
    augment: bool = False
    image_size: int = INPUT_SIZE
    cache_dir: Path | None = None
    overwrite: bool = False
    balance: str = "oversample"  # or "class_weight" / "logit_adjust": see BALANCE_DESCRIPTIONS
    label_smoothing: float = 0.0  # > 0 switches to one-hot labels
    schedule: str = "constant"  # or "cosine": learning rate decays to 0 over the run
    checkpoint_metric: str = "val_accuracy"


def targets(labels: np.ndarray, config: TrainConfig) -> np.ndarray:
    """Return the labels as the loss wants them: indices, or one-hot when smoothing."""
    if config.label_smoothing > 0:
        return np.eye(NUM_CLASSES, dtype=np.float32)[labels]
    return labels


def loss_for(config: TrainConfig, train_labels: np.ndarray) -> str | keras.losses.Loss:
    """Return the loss: the recipe's sparse cross-entropy, a label-smoothed one, or the
    logit-adjusted one with the prior of `train_labels`."""
    if config.balance == "logit_adjust":
        return LogitAdjustedCrossentropy(log_prior(train_labels), config.label_smoothing)
    if config.label_smoothing > 0:
        return keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing)
    return "sparse_categorical_crossentropy"


def learning_rate(
    config: TrainConfig, steps_per_epoch: int
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """Return the learning rate: constant, or cosine-decayed to 0 over every step of the run."""
    if config.schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(
            config.learning_rate, decay_steps=config.epochs * steps_per_epoch
        )
    return config.learning_rate


def training_batches(data: Dataset, config: TrainConfig) -> tf.data.Dataset:
    """Return shuffled training batches, augmented when the config says so."""
    batches = (
        tf.data.Dataset.from_tensor_slices((data.images, targets(data.labels, config)))
        .shuffle(len(data), seed=config.seed, reshuffle_each_iteration=True)
        .batch(config.batch_size)
    )
    if config.augment:
        batches = batches.map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    return batches.prefetch(tf.data.AUTOTUNE)


def prepare_out_dir(out: Path, overwrite: bool) -> None:
    """Create the run folder, refusing a non-empty one unless `overwrite`."""
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise FileExistsError(f"{out} is not empty; choose another --out or pass --overwrite")
    out.mkdir(parents=True, exist_ok=True)


def train(config: TrainConfig) -> dict:
    """Run the whole recipe into config.out and return the test metrics."""
    prepare_out_dir(config.out, config.overwrite)
    keras.utils.set_random_seed(config.seed)

    dataset = load_dataset(config.data, config.image_size, config.cache_dir)
    split_seed = config.seed if config.split_seed is None else config.split_seed
    split = make_split(dataset, config.test_fraction, config.val_fraction, split_seed)
    save_split(dataset, split, config.out / "split.csv")
    train_rows = (
        oversample(split.train, dataset.labels, config.seed)
        if config.balance == "oversample"
        else split.train
    )
    weights = None
    if config.balance == "class_weight":
        weights = class_weights(dataset.labels[split.train])
    train_data, val_data = dataset.subset(train_rows), dataset.subset(split.val)
    log.info(
        "train %d images (%d after balancing by %s), validation %d, test %d",
        len(split.train),
        len(train_rows),
        config.balance,
        len(split.val),
        len(split.test),
    )

    input_shape = (config.image_size, config.image_size, 3)
    model = build_model(config.architecture, input_shape)
    steps_per_epoch = -(-len(train_rows) // config.batch_size)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate(config, steps_per_epoch)),
        loss=loss_for(config, dataset.labels[split.train]),
        metrics=["accuracy"],
    )
    checkpoint = config.out / "checkpoint.keras"
    epoch_log = EpochLog(config.out / "history.csv")
    extra_metrics = (
        [ValBalancedAccuracy(val_data.images, val_data.labels)]
        if config.checkpoint_metric == "val_balanced_accuracy"
        else []
    )
    started = time.perf_counter()
    model.fit(
        training_batches(train_data, config),
        validation_data=(val_data.images, targets(val_data.labels, config)),
        epochs=config.epochs,
        class_weight=weights,
        callbacks=[
            *extra_metrics,  # first: the checkpoint and the log read what it adds
            keras.callbacks.ModelCheckpoint(
                checkpoint, monitor=config.checkpoint_metric, mode="max", save_best_only=True
            ),
            epoch_log,
        ],
        shuffle=False,  # training_batches already reshuffles every epoch
        verbose=2,
    )
    train_seconds = time.perf_counter() - started

    # Ship the best checkpoint without optimizer state (a third of the size).
    best = keras.models.load_model(checkpoint, compile=False)
    best.save(config.out / "model.keras")
    checkpoint.unlink()
    export_onnx(config.out / "model.keras", config.out / "model.onnx")  # what the service runs

    history = epoch_log.rows
    plot_curve(history, "accuracy", config.out / "accuracy.png")
    plot_curve(history, "loss", config.out / "loss.png")
    best_epoch = max(history, key=lambda row: row[config.checkpoint_metric])["epoch"]
    summary = {
        "model": config.architecture,
        "data": dataset.source,
        "split": split_summary(dataset, split),
        "training": f"{config.epochs} epochs in {train_seconds / 60:.1f} min "
        f"(median {np.median([r['seconds'] for r in history]):.1f} s/epoch); "
        f"best {config.checkpoint_metric} at epoch {best_epoch}",
    }
    write_config(config, dataset, split, train_seconds, best_epoch)
    return evaluate(
        best,
        dataset.subset(split.test),
        config.out,
        f"{config.architecture} on held-out test part",
        summary,
    )


def split_summary(dataset: Dataset, split) -> str:
    """Return a one-line description of the split's sizes and grouping."""
    grouping = (
        "grouped by lesion_id"
        if dataset.lesion_ids is not None
        else "NOT grouped by lesion (no lesion ids: figures are optimistic)"
    )
    return (
        f"train {len(split.train)} / validation {len(split.val)} / test {len(split.test)} "
        f"images, stratified, {grouping}"
    )


def describe_loss(config: TrainConfig) -> str:
    """Return the loss as config.json names it."""
    if config.balance == "logit_adjust":
        smoothing = f", label smoothing {config.label_smoothing}" if config.label_smoothing else ""
        return f"logit-adjusted cross-entropy{smoothing}"
    if config.label_smoothing > 0:
        return f"categorical_crossentropy, label smoothing {config.label_smoothing}"
    return "sparse_categorical_crossentropy"


def write_config(config: TrainConfig, dataset: Dataset, split, seconds: float, best: int) -> None:
    """Write config.json: every setting plus what the service needs to serve the model."""
    settings = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()}
    record = {
        "name": config.architecture,
        "classes": list(CLASS_CODES),
        "input_size": config.image_size,
        "preprocessing": PREPROCESSING_ID,
        "preprocessing_description": PREPROCESSING_DESCRIPTION.format(size=config.image_size),
        "settings": settings,
        "optimizer": "Adam",
        "loss": describe_loss(config),
        # The key keeps its name for the model card; it says how the classes were balanced.
        "oversampling": BALANCE_DESCRIPTIONS[config.balance],
        "schedule": "cosine decay to 0 over the run" if config.schedule == "cosine" else "constant",
        "augmentation": AUGMENTATION if config.augment else "none",
        "checkpoint": f"best {config.checkpoint_metric}",
        "best_epoch": best,
        "train_seconds": round(seconds, 1),
        "split_sizes": {"train": len(split.train), "val": len(split.val), "test": len(split.test)},
        "lesion_grouped": dataset.lesion_ids is not None,
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
    }
    (config.out / "config.json").write_text(json.dumps(record, indent=2) + "\n")


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    """Return the run's config from the command line; exits with a usage message on a bad one."""
    parser = argparse.ArgumentParser(
        prog="python -m training.classifier.train",
        description="Train on HAM10000 with a lesion-grouped split and write a run folder "
        "(model.keras, model.onnx, history.csv, split.csv, config.json, metrics.json, report.md, "
        "plots).",
    )
    add_data_arguments(parser)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="run folder, must be empty (default: runs/<architecture>-<time>)",
    )
    parser.add_argument("--architecture", choices=sorted(ARCHITECTURES), default="paper_cnn")
    add_run_arguments(parser, EPOCHS, BATCH_SIZE, LEARNING_RATE, TEST_FRACTION, VAL_FRACTION, SEED)
    parser.add_argument(
        "--split-seed",
        type=int,
        default=None,
        help="seed of the lesion-grouped split (default: --seed); keep it fixed and change --seed "
        "to repeat a run on the same split",
    )
    parser.add_argument("--image-size", type=int, default=INPUT_SIZE)
    parser.add_argument(
        "--augment",
        action="store_true",
        help="augment training batches: flips, 90° rotations, random crop-zoom, colour jitter",
    )
    parser.add_argument(
        "--balance",
        choices=BALANCES,
        default="oversample",
        help="oversample minority classes (the recipe), weight the loss by inverse class "
        "frequency, or add the log class prior to the logits in the loss (default: %(default)s)",
    )
    parser.add_argument(
        "--label-smoothing",
        type=float,
        default=0.0,
        help="label smoothing of the cross-entropy, 0 to 0.5 (default: %(default)s)",
    )
    parser.add_argument("--schedule", choices=SCHEDULES, default="constant")
    parser.add_argument(
        "--checkpoint-metric",
        choices=CHECKPOINT_METRICS,
        default="val_accuracy",
        help="validation figure that picks the saved epoch (default: %(default)s)",
    )
    ns = parser.parse_args(argv)
    check_run_arguments(parser, ns)
    if ns.image_size < 8:
        parser.error("--image-size must be at least 8")
    if not 0.0 <= ns.label_smoothing <= 0.5:
        parser.error("--label-smoothing must be between 0 and 0.5 (0 turns it off)")
    out = ns.out or Path("runs") / f"{ns.architecture}-{time.strftime('%Y%m%d-%H%M%S')}"
    return TrainConfig(
        data=ns.data,
        out=out,
        architecture=ns.architecture,
        epochs=ns.epochs,
        batch_size=ns.batch_size,
        learning_rate=ns.learning_rate,
        test_fraction=ns.test_fraction,
        val_fraction=ns.val_fraction,
        seed=ns.seed,
        split_seed=ns.split_seed,
        augment=ns.augment,
        image_size=ns.image_size,
        cache_dir=ns.cache_dir,
        overwrite=ns.overwrite,
        balance=ns.balance,
        label_smoothing=ns.label_smoothing,
        schedule=ns.schedule,
        checkpoint_metric=ns.checkpoint_metric,
    )


def main(argv: list[str] | None = None) -> int:
    """Train from the command line; return the exit code."""
    config = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        metrics = train(config)
    except (DataError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for key in ("accuracy", "balanced_accuracy", "macro_f1", "macro_auc", "melanoma_recall"):
        print(f"{key:>18}: {metrics[key]:.4f}")
    print(f"wrote {config.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

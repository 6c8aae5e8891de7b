"""Train the lesion segmenter on HAM10000's lesion masks, with a lesion-grouped split.

    python -m training.segmenter.train --data ../shared/data/ham10000 --out runs/segmenter

writes model.keras, model.onnx (what the service runs), split.csv, history.csv, config.json and
loss.png. `python -m training.segmenter.evaluate` then scores it on the test part.
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

from lesion_core.preprocess import PREPROCESSING_ID, SEGMENTER_INPUT
from training.augment import augment_with_masks
from training.callbacks import EpochLog
from training.classifier.train import prepare_out_dir
from training.cli import add_data_arguments, add_run_arguments, check_run_arguments
from training.data import DataError
from training.export import export_onnx
from training.reports.plots import plot_curve
from training.segmenter.masks import load_masked_images
from training.segmenter.unet import UNET_LEVELS, build_unet
from training.split import make_split, save_split

log = logging.getLogger(__name__)

EPOCHS = 20
BATCH_SIZE = 16
LEARNING_RATE = 2e-3
TEST_FRACTION = 0.2
VAL_FRACTION = 0.1
SEED = 42
AUGMENTATION = "flips (left-right, up-down) of image and mask together; colour jitter"
LOSS = "binary cross-entropy + (1 - soft Dice per image)"


@dataclass(frozen=True)
class SegmenterConfig:
    """Everything a segmenter run depends on."""

    data: Path
    out: Path
    epochs: int = EPOCHS
    batch_size: int = BATCH_SIZE
    learning_rate: float = LEARNING_RATE
    test_fraction: float = TEST_FRACTION
    val_fraction: float = VAL_FRACTION
    seed: int = SEED
    cache_dir: Path | None = None
    overwrite: bool = False


def dice_bce_loss(truth: tf.Tensor, predicted: tf.Tensor) -> tf.Tensor:
    """Return per-image binary cross-entropy plus one minus the soft Dice coefficient."""
    bce = tf.reduce_mean(keras.losses.binary_crossentropy(truth, predicted), axis=[1, 2])
    overlap = tf.reduce_sum(truth * predicted, axis=[1, 2, 3])
    total = tf.reduce_sum(truth + predicted, axis=[1, 2, 3])
    return bce + 1.0 - (2.0 * overlap + 1.0) / (total + 1.0)


def binary_target(masks: tf.Tensor | np.ndarray) -> tf.Tensor:
    """Return 0/1 float targets: a pixel is lesion when the lesion covers at least half of it."""
    return tf.cast(masks >= 128, tf.float32)


def batches(images: np.ndarray, masks: np.ndarray, config: SegmenterConfig) -> tf.data.Dataset:
    """Return shuffled, augmented training batches of (image, mask in 0..1)."""
    return (
        tf.data.Dataset.from_tensor_slices((images, masks[..., None]))
        .shuffle(len(images), seed=config.seed, reshuffle_each_iteration=True)
        .batch(config.batch_size)
        .map(augment_with_masks, num_parallel_calls=tf.data.AUTOTUNE)
        .map(lambda x, y: (x, binary_target(y)))
        .prefetch(tf.data.AUTOTUNE)
    )


def train_segmenter(config: SegmenterConfig) -> dict:
    """Run the recipe into config.out and return what config.json records."""
    prepare_out_dir(config.out, config.overwrite)
    keras.utils.set_random_seed(config.seed)
    data = load_masked_images(config.data, SEGMENTER_INPUT, config.cache_dir)
    split = make_split(data.dataset, config.test_fraction, config.val_fraction, config.seed)
    save_split(data.dataset, split, config.out / "split.csv")
    images, masks = data.dataset.images, data.masks
    log.info("train %d, validation %d, test %d", len(split.train), len(split.val), len(split.test))

    model = build_unet()
    steps = config.epochs * -(-len(split.train) // config.batch_size)
    model.compile(
        optimizer=keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(config.learning_rate, decay_steps=steps)
        ),
        loss=dice_bce_loss,
        metrics=[keras.metrics.BinaryIoU(target_class_ids=[1], name="iou")],
    )
    checkpoint = config.out / "checkpoint.keras"
    epoch_log = EpochLog(config.out / "history.csv")
    started = time.perf_counter()
    model.fit(
        batches(images[split.train], masks[split.train], config),
        validation_data=(images[split.val], binary_target(masks[split.val][..., None])),
        epochs=config.epochs,
        callbacks=[
            keras.callbacks.ModelCheckpoint(
                checkpoint, monitor="val_iou", mode="max", save_best_only=True
            ),
            epoch_log,
        ],
        shuffle=False,  # batches() already reshuffles every epoch
        verbose=2,
    )
    seconds = time.perf_counter() - started
    keras.models.load_model(checkpoint, compile=False).save(config.out / "model.keras")
    checkpoint.unlink()
    export_onnx(config.out / "model.keras", config.out / "model.onnx")
    plot_curve(epoch_log.rows, "loss", config.out / "loss.png")
    best = max(epoch_log.rows, key=lambda row: row["val_iou"])["epoch"]
    record = {
        "name": "lesion_unet",
        "task": "lesion segmentation",
        "input_size": list(SEGMENTER_INPUT),
        "preprocessing": PREPROCESSING_ID,
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()},
        "levels": list(UNET_LEVELS),
        "parameters": model.count_params(),
        "optimizer": "Adam, cosine decay to 0 over the run",
        "loss": LOSS,
        "augmentation": AUGMENTATION,
        "checkpoint": "best validation IoU (pixels pooled over the validation part)",
        "best_epoch": best,
        "epochs_run": len(epoch_log.rows),
        "train_seconds": round(seconds, 1),
        "median_epoch_seconds": float(np.median([r["seconds"] for r in epoch_log.rows])),
        "split_sizes": {"train": len(split.train), "val": len(split.val), "test": len(split.test)},
        "lesion_grouped": True,
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
    }
    (config.out / "config.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def parse_args(argv: list[str] | None = None) -> SegmenterConfig:
    """Return the run's config from the command line; exits with a usage message on a bad one."""
    parser = argparse.ArgumentParser(
        prog="python -m training.segmenter.train",
        description="Train the lesion segmenter on a HAM10000 release folder with a masks/ "
        "folder, and write a run folder (model.keras, model.onnx, split.csv, history.csv, "
        "config.json, loss.png).",
    )
    add_data_arguments(parser)
    parser.add_argument("--out", type=Path, required=True, help="run folder, must be empty")
    add_run_arguments(parser, EPOCHS, BATCH_SIZE, LEARNING_RATE, TEST_FRACTION, VAL_FRACTION, SEED)
    ns = parser.parse_args(argv)
    check_run_arguments(parser, ns)
    if not ns.data.is_dir():
        parser.error(f"--data {ns.data}: the segmenter needs a release folder with masks/")
    return SegmenterConfig(
        data=ns.data,
        out=ns.out,
        epochs=ns.epochs,
        batch_size=ns.batch_size,
        learning_rate=ns.learning_rate,
        test_fraction=ns.test_fraction,
        val_fraction=ns.val_fraction,
        seed=ns.seed,
        cache_dir=ns.cache_dir,
        overwrite=ns.overwrite,
    )


def main(argv: list[str] | None = None) -> int:
    """Train from the command line; return the exit code."""
    config = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        record = train_segmenter(config)
    except (DataError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"best epoch {record['best_epoch']} in {record['train_seconds'] / 60:.1f} min")
    print(f"wrote {config.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

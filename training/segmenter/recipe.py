"""The lesion segmenter's training recipe as a library: `train_segmenter(config)` trains the
U-Net on HAM10000's lesion masks with a lesion-grouped split and writes model.keras, model.onnx
(what the service runs), split.csv, history.csv, config.json and loss.png.
`python -m training.segmenter.train` is its CLI.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from lesion_core.preprocess import PREPROCESSING_ID, SEGMENTER_INPUT
from lesion_runtime.scoring.plots import plot_curve
from training.augment import augment_with_masks
from training.callbacks import EpochLog
from training.cli import refuse_non_empty
from training.compile import compile_for_training
from training.dataset import DataError
from training.export import export_onnx
from training.progress import BatchProgress
from training.segmenter.config import SegmenterConfig
from training.segmenter.masks import load_masked_images
from training.segmenter.unet import UNET_LEVELS, build_unet
from training.split import make_split, save_split

log = logging.getLogger(__name__)

AUGMENTATION = "flips (left-right, up-down) of image and mask together; colour jitter"
LOSS = "binary cross-entropy + (1 - soft Dice per image)"


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
    """Return shuffled, augmented training batches of (image, mask in 0..1), all full: a short
    last batch would give BatchNorm noisy statistics and TensorFlow a second graph to trace."""
    return (
        tf.data.Dataset.from_tensor_slices((images, masks[..., None]))
        .shuffle(len(images), seed=config.seed, reshuffle_each_iteration=True)
        .batch(config.batch_size, drop_remainder=True)
        .map(augment_with_masks, num_parallel_calls=tf.data.AUTOTUNE)
        .map(lambda x, y: (x, binary_target(y)))
        .prefetch(tf.data.AUTOTUNE)
    )


def train_segmenter(config: SegmenterConfig) -> dict:
    """Run the recipe into config.out and return what config.json records."""
    refuse_non_empty(config.out, config.overwrite)
    keras.utils.set_random_seed(config.seed)
    data = load_masked_images(config.data, SEGMENTER_INPUT, config.cache_dir)
    split = make_split(data.dataset, config.test_fraction, config.val_fraction, config.seed)
    steps_per_epoch = len(split.train) // config.batch_size
    if steps_per_epoch == 0:
        raise DataError(
            f"{len(split.train)} training images do not fill one batch of {config.batch_size}: "
            "use a smaller --batch-size"
        )
    config.out.mkdir(parents=True, exist_ok=True)  # only now: a failed load leaves no folder
    save_split(data.dataset, split, config.out / "split.csv")
    images, masks = data.dataset.images, data.masks
    log.info("train %d, validation %d, test %d", len(split.train), len(split.val), len(split.test))

    levels = UNET_LEVELS[: config.levels]
    model = build_unet(levels=levels)
    steps = config.epochs * steps_per_epoch
    compile_for_training(
        model,
        keras.optimizers.Adam(
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
            BatchProgress(),  # progress within each epoch; Keras prints the epoch's line
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
        "levels": list(levels),
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

"""The classifier's training recipe as a library: `train(config)` runs it into a run folder.

Reads like a keras-io example: load, split, oversample the training part only, build, fit,
evaluate on held-out lesions, save. `python -m training.classifier.train` is its CLI.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

import keras
import numpy as np
import tensorflow as tf

from lesion_core.labels import NUM_CLASSES
from lesion_runtime.scoring.plots import plot_curve
from training.augment import augment
from training.callbacks import EpochLog, ValBalancedAccuracy
from training.classifier.config import TrainConfig
from training.classifier.evaluate import evaluate
from training.classifier.losses import LogitAdjustedCrossentropy
from training.classifier.model import build_model
from training.classifier.run_record import split_summary, write_config
from training.classifier.warm_start import start_from
from training.cli import refuse_non_empty
from training.compile import compile_for_training
from training.data import image_files, load_dataset
from training.dataset import Dataset
from training.device_views import device_views
from training.export import export_onnx
from training.milk10k import training_images
from training.progress import BatchProgress
from training.split import class_weights, log_prior, make_split, oversample, save_split

log = logging.getLogger(__name__)


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


def with_device_views(data: Dataset, config: TrainConfig) -> Dataset:
    """Return `data` followed by config.device_views simulated-device views of each image
    (training.device_views), labelled as their image."""
    count = config.device_views
    files = image_files(config.data, data.image_ids)
    (views,) = device_views(files, [config.image_size], count, config.seed, config.cache_dir)
    repeat = np.repeat(np.arange(len(data)), count)  # views are (N, count, ...): image-major
    labelled = replace(data.subset(repeat), images=views.reshape(-1, *data.images.shape[1:]))
    return data.followed_by(labelled)


def with_milk10k(data: Dataset, config: TrainConfig) -> Dataset:
    """Return `data` followed by MILK10k's dermoscopy outside its validation third."""
    images, labels, ids = training_images(config.milk10k, config.image_size, config.cache_dir)
    log.info("adding %d MILK10k dermoscopic images to the training part", len(labels))
    return data.followed_by(Dataset(images, labels, ids, ids, "MILK10k"))


def train(config: TrainConfig) -> dict:
    """Run the whole recipe into config.out and return the test metrics."""
    if config.out is None:
        raise ValueError("TrainConfig.out is None: name the run folder")
    refuse_non_empty(config.out, config.overwrite)
    keras.utils.set_random_seed(config.seed)

    dataset = load_dataset(config.data, config.image_size, config.cache_dir)
    # Only now: a run that fails to load its data leaves no empty folder behind.
    config.out.mkdir(parents=True, exist_ok=True)
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
    if config.device_views:
        train_data = with_device_views(train_data, config)
    if config.milk10k is not None:
        train_data = with_milk10k(train_data, config)
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
    if config.init is not None:
        start_from(model, config.init)
    steps_per_epoch = -(-len(train_rows) // config.batch_size)
    compile_for_training(
        model,
        keras.optimizers.Adam(learning_rate(config, steps_per_epoch)),
        loss=loss_for(config, train_data.labels),  # the prior of what it trains on
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
            BatchProgress(),  # progress within each epoch; Keras prints the epoch's line
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

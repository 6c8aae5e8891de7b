"""The high-resolution classifier's training recipe: EfficientNet-Lite from ImageNet weights.

The flow: load the images at --image-size (160×120 by default), take the lesion-grouped split of
the shipped 28×28 models (so all classifiers are scored on one test part), compute the frozen
layers' output once per image and flip, fine-tune the later blocks (Lite0's 5–15), the head and
a new 7-class layer with the logit-adjusted loss (the 28×28 work's best balancing), keep the
epoch with the best validation balanced accuracy, then put the frozen and trained parts together
as one model that takes the image. Calibration, TTA and export are `training.highres.finish`.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict
from pathlib import Path

import keras
import numpy as np
from keras import layers

from lesion_core.colour_constancy import corrected
from lesion_core.labels import NUM_CLASSES
from lesion_runtime.scoring.metrics import classification_metrics
from training.classifier.losses import LogitAdjustedCrossentropy
from training.classifier.tta import tta_member
from training.classifier.warm_start import WarmStartError
from training.compile import compile_for_training
from training.data import image_files, load_dataset
from training.device_views import device_views
from training.highres.config import HighresConfig
from training.highres.efficientnet_lite import (
    default_checkpoint,
    efficientnet_lite_layers,
    load_imagenet_weights,
)
from training.highres.features import (
    FLIPS,
    cached_frozen_features,
    cached_view_features,
    frozen_blocks,
    predict_unflipped,
)
from training.highres.sources import (
    HAM10000,
    TrainingSet,
    corrected_dataset,
    other_sources,
    weighted_log_prior,
)
from training.highres.variants import LITE0, Variant, block_input_shape, block_specs
from training.split import load_split

WARMUP_EPOCHS = 0.5
WEIGHT_DECAY = 1e-5
DROPOUT = 0.3
DROP_CONNECT = 0.1

log = logging.getLogger(__name__)


def add_classifier(features, dropout: float = DROPOUT):
    """Return 7-class softmax probabilities from the 1280-channel head's feature map."""
    x = layers.GlobalAveragePooling2D(name="pool")(features)
    x = layers.Dropout(dropout, name="dropout")(x)
    return layers.Dense(NUM_CLASSES, activation="softmax", name="classifier")(x)


def build_trainable_part(image_shape: tuple[int, int], variant: Variant = LITE0) -> keras.Model:
    """Return the blocks after the frozen ones, the head and the classifier, taking the frozen
    part's output, with ImageNet weights in every block."""
    frozen = frozen_blocks(variant)
    inputs = keras.Input(block_input_shape(frozen, image_shape, variant), name="frozen_features")
    x = efficientnet_lite_layers(
        inputs, variant, blocks=(frozen, len(block_specs(variant))), drop_connect_rate=DROP_CONNECT
    )
    model = keras.Model(inputs, add_classifier(x), name=f"{variant.name}_trainable")
    load_imagenet_weights(model, default_checkpoint(variant), variant)
    return model


def start_from_trained(trainable: keras.Model, path: Path, variant: Variant = LITE0) -> None:
    """Give the trainable part the weights of the same layers in a trained classifier of the
    variant saved at `path` (a test-time-augmentation wrapper is looked through)."""
    try:
        saved = keras.models.load_model(path, compile=False)
    except (ValueError, OSError) as exc:
        raise WarmStartError(f"--init {path}: {exc}") from exc
    network = tta_member(saved) or saved
    trained = {layer.name: layer for layer in network.layers}
    missing = [
        layer.name for layer in trainable.layers if layer.weights and layer.name not in trained
    ]
    if missing:
        raise WarmStartError(f"--init {path}: no layer {missing[0]!r}; not an {variant.title}")
    for layer in trainable.layers:
        if layer.weights:
            try:
                layer.set_weights(trained[layer.name].get_weights())
            except ValueError as exc:  # the same name in another variant: another shape
                raise WarmStartError(f"--init {path}: not an {variant.title} ({exc})") from exc


def build_highres_classifier(image_shape: tuple[int, int], variant: Variant = LITE0) -> keras.Model:
    """Return the whole classifier (image in, 7 probabilities out), weights not yet set."""
    inputs = keras.Input((*image_shape, 3), name="image")
    outputs = add_classifier(efficientnet_lite_layers(inputs, variant))
    return keras.Model(inputs, outputs, name=f"{variant.name}_ham10000")


def assemble(
    trainable: keras.Model, image_shape: tuple[int, int], variant: Variant = LITE0
) -> keras.Model:
    """Return the whole classifier with ImageNet weights in the frozen part and `trainable`'s
    weights everywhere else (layers match by name)."""
    model = build_highres_classifier(image_shape, variant)
    load_imagenet_weights(model, default_checkpoint(variant), variant)
    trained = {layer.name: layer for layer in trainable.layers}
    for layer in model.layers:
        if layer.name in trained and layer.weights:
            layer.set_weights(trained[layer.name].get_weights())
    return model


def fit(
    model: keras.Model,
    training: TrainingSet,
    validation: dict[str, tuple[np.ndarray, np.ndarray]],
    config: HighresConfig,
    checkpoint: Path | None = None,
) -> list[dict]:
    """Train `model` in place on (N, views, ...) features, one random view (a flip or a
    simulated device) per image and epoch (with --balance-sources, images drawn so that each
    source weighs the same); restore the epoch with the best validation balanced accuracy (the
    mean over `validation`'s sources, HAM10000's first) and return the per-epoch history."""
    features, labels = training.features, training.labels
    draw = training.draw_weights(config.balance_sources)
    rng = np.random.default_rng(config.seed)
    steps = int(np.ceil(len(labels) / config.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0,
        decay_steps=config.epochs * steps,
        warmup_target=config.learning_rate,
        warmup_steps=int(WARMUP_EPOCHS * steps),
    )
    compile_for_training(
        model,
        keras.optimizers.AdamW(schedule, weight_decay=WEIGHT_DECAY),
        loss=LogitAdjustedCrossentropy(weighted_log_prior(labels, draw)),
        metrics=["accuracy"],
    )
    history, best, best_weights = [], -1.0, None
    for epoch in range(config.epochs):
        start = time.perf_counter()
        rows = training.epoch_rows(rng, config.balance_sources)
        views = rng.integers(features.shape[1], size=len(labels))
        x = features[rows, views].astype(np.float32)
        fitted = model.fit(x, labels[rows], batch_size=config.batch_size, epochs=1,
                           shuffle=True, verbose=2)  # fmt: skip
        seconds = time.perf_counter() - start
        scored = {
            source: classification_metrics(y, predict_unflipped(model, f))
            for source, (f, y) in validation.items()
        }
        val = scored[HAM10000]
        row = {
            "epoch": epoch + 1,
            "loss": float(fitted.history["loss"][0]),
            "accuracy": float(fitted.history["accuracy"][0]),
            "val_accuracy": val["accuracy"],
            "val_balanced_accuracy": val["balanced_accuracy"],
            "val_macro_auc": val["macro_auc"],
            **{f"val_balanced_accuracy_{s}": m["balanced_accuracy"] for s, m in scored.items()},
            "val_mean_balanced_accuracy": float(
                np.mean([m["balanced_accuracy"] for m in scored.values()])
            ),
            "seconds": round(seconds, 1),
        }
        history.append(row)
        log.info("epoch %d/%d: %s", epoch + 1, config.epochs, json.dumps(row))
        if row["val_mean_balanced_accuracy"] > best:
            best, best_weights = row["val_mean_balanced_accuracy"], model.get_weights()
            if checkpoint is not None:  # the best so far survives an interrupted run
                model.save_weights(checkpoint)
    model.set_weights(best_weights)
    return history


def run_record(config: HighresConfig, history: list[dict]) -> dict:
    """Return config.json's content: the settings, the recipe's constants and the history."""
    best = max(
        history, key=lambda row: row.get("val_mean_balanced_accuracy", row["val_balanced_accuracy"])
    )
    return {
        **{k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()},
        "architecture": config.architecture.name,
        "image_size": list(config.size),
        "frozen_blocks": frozen_blocks(config.architecture),
        "flips": list(FLIPS),
        "balance": "logit_adjust",
        "colour_constancy": config.colour_method,
        "dropout": DROPOUT,
        "drop_connect": DROP_CONNECT,
        "weight_decay": WEIGHT_DECAY,
        "best_epoch": best["epoch"],
        "seconds_per_epoch": float(np.median([row["seconds"] for row in history])),
        "history": history,
    }


def train(config: HighresConfig) -> Path:
    """Run the whole flow; return the saved model's path."""
    keras.utils.set_random_seed(config.seed)
    variant, size = config.architecture, config.size
    dataset = corrected_dataset(load_dataset(config.data, size, config.cache_dir), config)
    split = load_split(dataset, config.split)
    image_shape = dataset.images.shape[1:3]
    features = cached_frozen_features(dataset, config.cache_dir, variant)
    train_features = features[split.train]
    if config.device_views:
        files = image_files(config.data, dataset.image_ids[split.train])
        (views,) = device_views(files, [size], config.device_views, config.seed, config.cache_dir)
        views = corrected(views, config.colour_method)
        extra = cached_view_features(views, config.cache_dir, variant)
        train_features = np.concatenate([train_features, extra], axis=1)
    training = TrainingSet(train_features, dataset.labels[split.train], HAM10000)
    for other in other_sources(config, "train"):
        flips = cached_frozen_features(other, config.cache_dir, variant)  # (N, 4, ...): by flip
        views = np.arange(train_features.shape[1]) % flips.shape[1]
        training = training.joined(flips[:, views], other.labels, other.source)
    validation = {HAM10000: (features[split.val], dataset.labels[split.val])}
    for other in other_sources(config, "val"):
        validation[other.source] = (
            cached_frozen_features(other, config.cache_dir, variant),
            other.labels,
        )
    trainable = build_trainable_part(image_shape, variant)
    if config.init is not None:
        start_from_trained(trainable, config.init, variant)
    config.out.mkdir(parents=True, exist_ok=True)
    history = fit(trainable, training, validation, config, config.out / "best_trainable.weights.h5")
    model = assemble(trainable, image_shape, variant)
    model.save(config.out / "model.keras", include_optimizer=False)
    record = run_record(config, history)
    (config.out / "config.json").write_text(json.dumps(record, indent=2) + "\n")
    (config.out / "split.csv").write_text(config.split.read_text())
    return config.out / "model.keras"

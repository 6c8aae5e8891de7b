"""What a classifier run records of itself in config.json: every setting, the split, and the
words the model card uses for its loss, balancing and augmentation."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import keras
import tensorflow as tf

from lesion_core.labels import CLASS_CODES
from lesion_core.preprocess import PREPROCESSING_DESCRIPTION, PREPROCESSING_ID
from training.classifier.config import TrainConfig
from training.classifier.warm_start import provenance
from training.dataset import Dataset

BALANCE_DESCRIPTIONS = {
    "oversample": "imbalanced-learn RandomOverSampler on the training part only",
    "class_weight": "no oversampling; inverse-frequency class weights in the loss",
    "logit_adjust": "no oversampling; logit-adjusted loss (log of the training part's class "
    "frequencies added to the logits)",
}
AUGMENTATION = "flips, 90° rotations, random crop-zoom (side 0.7-1), colour jitter"
DEVICE_AUGMENTATION = (
    "{count} simulated-device views per training image (training.device_simulation: round and "
    "rectangular vignettes, any rotation, colour casts, exposure x0.7-1.3, mild blur, JPEG "
    "quality 40-95), made once and cached"
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


def describe_augmentation(config: TrainConfig) -> str:
    """Return the augmentation as config.json names it."""
    parts = [AUGMENTATION] if config.augment else []
    if config.device_views:
        parts.append(DEVICE_AUGMENTATION.format(count=config.device_views))
    return "; ".join(parts) or "none"


def write_config(config: TrainConfig, dataset: Dataset, split, seconds: float, best: int) -> None:
    """Write config.json: every setting plus what the service needs to serve the model."""
    settings = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()}
    record = {
        "name": config.model_name,  # what the service calls it (--name)
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
        "augmentation": describe_augmentation(config),
        "checkpoint": f"best {config.checkpoint_metric}",
        "init": None if config.init is None else provenance(config.init),
        "extra_training_data": None
        if config.milk10k is None
        else "MILK10k dermoscopy of our seven classes outside its validation third",
        "best_epoch": best,
        "train_seconds": round(seconds, 1),
        "split_sizes": {"train": len(split.train), "val": len(split.val), "test": len(split.test)},
        "lesion_grouped": dataset.lesion_ids is not None,
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
    }
    (config.out / "config.json").write_text(json.dumps(record, indent=2) + "\n")

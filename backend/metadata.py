"""What the service tells clients about itself and the model it serves."""

from __future__ import annotations

from backend.predictor import ModelInfo
from backend.settings import Settings
from training.labels import CLASSES
from training.preprocess import PREPROCESSING_DESCRIPTION

DISCLAIMER = (
    "Research tool trained on dermatoscopic images (HAM10000). Its probabilities are not a "
    "diagnosis; photographs other than dermatoscopy are outside what it has learnt."
)
HEADLINE_KEYS = ("accuracy", "balanced_accuracy", "macro_f1", "macro_auc", "melanoma_recall", "ece")


def headline_metrics(metrics: dict) -> dict | None:
    """Return the card's held-out test figures and the always-nv baseline, or None if unknown."""
    test = metrics.get("test")
    if not test:
        return None
    return {
        "test": {k: test[k] for k in HEADLINE_KEYS if k in test},
        "test_images": test.get("n"),
        "baseline_always_nv": metrics.get("baseline_always_nv"),
        "split": metrics.get("summary", {}).get("split"),
    }


def describe_service(info: ModelInfo, settings: Settings) -> dict:
    """Return the /metadata body."""
    return {
        "model": {
            "name": info.name,
            "version": info.version,
            "file": info.path.name,
            "input_size": [info.input_size, info.input_size, 3],
            "preprocessing": PREPROCESSING_DESCRIPTION.format(size=info.input_size),
            "trained": {
                k: info.config[k]
                for k in ("settings", "best_epoch", "train_seconds")
                if k in info.config
            },
        },
        "classes": [{"code": c.code, "name": c.name, "malignant": c.malignant} for c in CLASSES],
        "metrics": headline_metrics(info.metrics),
        "limits": {
            "max_upload_bytes": settings.max_upload_bytes,
            "max_files": settings.max_files,
            "max_image_pixels": settings.max_image_pixels,
        },
        "disclaimer": DISCLAIMER,
    }

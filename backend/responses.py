"""The one place that shapes a prediction for clients."""

from __future__ import annotations

import numpy as np

from training.labels import CLASS_CODES, CLASSES


def prediction_body(probabilities: np.ndarray, model_version: str) -> dict:
    """Return {label, label_name, malignant, confidence, probabilities, model_version}."""
    top = int(np.argmax(probabilities))
    return {
        "label": CLASS_CODES[top],
        "label_name": CLASSES[top].name,
        "malignant": CLASSES[top].malignant,
        "confidence": float(probabilities[top]),
        "probabilities": {
            code: float(p) for code, p in zip(CLASS_CODES, probabilities, strict=True)
        },
        "model_version": model_version,
    }

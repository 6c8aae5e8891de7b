"""The one place that shapes a prediction for clients."""

from __future__ import annotations

import numpy as np

from lesion_core.labels import CLASS_CODES, CLASSES
from lesion_core.lesion_outline import Outline


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


def localisation_body(
    probabilities: np.ndarray,
    model_version: str,
    lesion: Outline,
    mask: str,
    heatmap: str | None,
    heatmap_class: str | None,
    heatmap_size: tuple[int, int] | None,
    segmenter_version: str,
) -> dict:
    """Return the /predict body plus `lesion` {found, box, area_fraction, mask_png},
    `heatmap_png`, `heatmap_class`, `heatmap_size` and `segmenter_version`."""
    return {
        **prediction_body(probabilities, model_version),
        "lesion": {
            "found": lesion.box is not None,
            "box": None if lesion.box is None else list(lesion.box),
            "area_fraction": lesion.area_fraction,
            "mask_png": mask,
        },
        "heatmap_png": heatmap,
        "heatmap_class": heatmap_class,
        "heatmap_size": None if heatmap_size is None else list(heatmap_size),
        "segmenter_version": segmenter_version,
    }

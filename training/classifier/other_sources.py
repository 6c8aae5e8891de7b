"""A classifier scored on dermoscopy from other clinics than HAM10000's: ISIC 2017's validation
and test thirds (training.isic2017), balanced accuracy over its three classes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lesion_runtime.scoring.metrics import balanced_accuracy, melanoma_recall
from training.classifier.scored_model import ScoredModel
from training.isic2017 import isic2017_arrays

ISIC2017_PARTS = ("val", "test")


def isic2017_figures(model: ScoredModel, folder: Path, cache_dir: Path | None) -> dict:
    """Return, for ISIC 2017's val and test thirds, the image count, balanced accuracy over the
    classes present and melanoma recall of `model`."""
    figures = {}
    for part in ISIC2017_PARTS:
        inputs, labels = [], np.empty(0)
        for size in model.sizes:
            images, labels = isic2017_arrays(folder, size, part, cache_dir)
            inputs.append(images)
        answers = model.predict(inputs).argmax(axis=1)
        figures[part] = {
            "n": len(labels),
            "balanced_accuracy": round(balanced_accuracy(labels, answers), 4),
            "melanoma_recall": round(melanoma_recall(labels, answers), 4),
        }
    return figures


def isic2017_lines(figures: dict) -> list[str]:
    """Return one printed line per ISIC 2017 part."""
    return [
        f"ISIC 2017 {part} ({row['n']} images): balanced accuracy {row['balanced_accuracy']:.4f}, "
        f"melanoma recall {row['melanoma_recall']:.4f}"
        for part, row in figures.items()
    ]

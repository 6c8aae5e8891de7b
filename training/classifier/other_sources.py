"""A classifier scored on dermoscopy from other clinics than HAM10000's: ISIC 2017's validation
and test thirds (training.isic2017), balanced accuracy over its three classes, and MILK10k's
validation third (training.milk10k), with nevus against melanoma on its round-field images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from lesion_core.labels import CLASS_INDEX, MELANOMA_INDEX
from lesion_runtime.scoring.metrics import balanced_accuracy, melanoma_recall
from training.classifier.scored_model import ScoredModel
from training.isic2017 import isic2017_arrays
from training.milk10k import load_milk10k
from training.sources import milk10k_validation

ISIC2017_PARTS = ("val", "test")
NEVUS_INDEX = CLASS_INDEX["nv"]
# A corner is dark when its brightest channel averages under this share of the image's median:
# a round field of view wider than the frame, which leaves skin along every edge (so
# lesion_core.field_of_view finds no border to crop) and dark corners.
DARK_CORNER = 0.5
CORNER_SHARE = 0.05  # a corner patch's side, as a share of the image's shorter side


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


def round_field(path: Path) -> bool:
    """Return whether the image at `path` has two or more dark corners (DARK_CORNER): a contact
    dermatoscope's round field of view, cut by the frame or inside it."""
    with Image.open(path) as image:
        brightest = np.asarray(image.convert("RGB")).max(axis=2).astype(np.float64)
    side = max(1, round(CORNER_SHARE * min(brightest.shape)))
    corners = [
        brightest[rows, cols].mean()
        for rows in (np.s_[:side], np.s_[-side:])
        for cols in (np.s_[:side], np.s_[-side:])
    ]
    return bool(sum(c < DARK_CORNER * np.median(brightest) for c in corners) >= 2)


def nevus_or_melanoma(labels: np.ndarray, probabilities: np.ndarray) -> float | None:
    """Return the balanced accuracy of calling melanoma when its probability is at least the
    nevus's, over the nevi and melanomas among `labels`; None without both."""
    kept = np.isin(labels, [NEVUS_INDEX, MELANOMA_INDEX])
    truth = labels[kept] == MELANOMA_INDEX
    if truth.all() or not truth.any():
        return None
    said = probabilities[kept, MELANOMA_INDEX] >= probabilities[kept, NEVUS_INDEX]
    return round(balanced_accuracy(truth.astype(int), said.astype(int)), 4)


def milk10k_figures(model: ScoredModel, folder: Path, cache_dir: Path | None) -> dict:
    """Return `model`'s figures on MILK10k's dermoscopic validation third (where the shipped
    models were chosen: not a test part): balanced accuracy, melanoma recall and nevus against
    melanoma, on all its images and on its round-field ones."""
    inputs, labels = [], np.empty(0)
    for size in model.sizes:
        held = milk10k_validation(folder, size, cache_dir)
        inputs.append(held.images)
        labels = held.labels
    probabilities = model.predict(inputs)
    answers = probabilities.argmax(axis=1)
    round_ones = np.array([round_field(f) for f in load_milk10k(folder).subset("val").files])
    pair = np.isin(labels, [NEVUS_INDEX, MELANOMA_INDEX])
    return {
        "n": len(labels),
        "balanced_accuracy": round(balanced_accuracy(labels, answers), 4),
        "melanoma_recall": round(melanoma_recall(labels, answers), 4),
        "nv_vs_mel": {
            "n": int(pair.sum()),
            "balanced_accuracy": nevus_or_melanoma(labels, probabilities),
        },
        "nv_vs_mel_round_field": {
            "n": int((pair & round_ones).sum()),
            "melanomas": int((round_ones & (labels == MELANOMA_INDEX)).sum()),
            "balanced_accuracy": nevus_or_melanoma(labels[round_ones], probabilities[round_ones]),
        },
    }


def milk10k_lines(figures: dict) -> list[str]:
    """Return the printed lines of `milk10k_figures`, when there are some."""
    if not figures:
        return []
    pair, round_ones = figures["nv_vs_mel"], figures["nv_vs_mel_round_field"]

    def shown(value: float | None) -> str:
        return "n/a (one class only)" if value is None else f"{value:.4f}"

    return [
        f"MILK10k validation third ({figures['n']} images, where models were chosen): balanced "
        f"accuracy {figures['balanced_accuracy']:.4f}, melanoma recall "
        f"{figures['melanoma_recall']:.4f}",
        f"  nevus against melanoma: {shown(pair['balanced_accuracy'])} on its {pair['n']} nevi "
        f"and melanomas; {shown(round_ones['balanced_accuracy'])} on the {round_ones['n']} with a "
        f"round field ({round_ones['melanomas']} melanomas)",
    ]

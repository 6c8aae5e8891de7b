"""The dermoscopy sources a model is chosen and judged on, one labelled set per source and part.

HAM10000's parts come from a model's lesion-grouped split.csv; MILK10k has a validation third
(its other lesions may be trained on; its held-back half is nobody's to score); ISIC 2017 has
seeded validation and test thirds. Choosing anything on these sets means weighing each source
equally (`mean_balanced_accuracy`), not pooling their images, where HAM10000 would dominate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lesion_core.size import SizeLike
from lesion_runtime.scoring.metrics import balanced_accuracy, melanoma_recall
from training.data import decoded_files, load_dataset
from training.isic2017 import isic2017_arrays
from training.milk10k import load_milk10k
from training.split import load_split


@dataclass(frozen=True)
class SourceFolders:
    """Where each source's data lies; a source without a folder is left out."""

    ham10000: Path
    split: Path  # HAM10000's lesion-grouped split.csv
    milk10k: Path | None = None
    isic2017: Path | None = None


@dataclass(frozen=True)
class SourceSet:
    """One source's part: images preprocessed at one size, their labels and lesion groups."""

    source: str
    images: np.ndarray  # (N, H, W, 3) uint8
    labels: np.ndarray  # (N,) int64
    groups: np.ndarray  # (N,) str, lesion ids prefixed with the source


def source_sets(
    folders: SourceFolders, part: str, size: SizeLike, cache_dir: Path | None = None
) -> list[SourceSet]:
    """Return every available source's `part` ("val" or "test") at `size`; MILK10k only has
    "val"."""
    ham = load_dataset(folders.ham10000, size, cache_dir)
    chosen = ham.subset(load_split(ham, folders.split).part(part))
    sets = [SourceSet("ham10000", chosen.images, chosen.labels, "ham:" + chosen.lesion_ids)]
    if folders.milk10k is not None and part == "val":
        sets.append(milk10k_validation(folders.milk10k, size, cache_dir))
    if folders.isic2017 is not None:
        images, labels = isic2017_arrays(folders.isic2017, size, part, cache_dir)
        ids = np.array([f"isic2017:{i}" for i in range(len(labels))])
        sets.append(SourceSet("isic2017", images, labels, ids))
    return sets


def milk10k_validation(folder: Path, size: SizeLike, cache_dir: Path | None) -> SourceSet:
    """Return MILK10k's dermoscopic validation third (our seven classes) at `size`."""
    held = load_milk10k(folder).subset("val")
    images = decoded_files(held.files, "milk10k-val", folder / "metadata.csv", size, cache_dir)
    return SourceSet("milk10k", images, held.labels, "milk:" + held.lesion_ids)


def per_source(
    figure: Callable[[np.ndarray, np.ndarray], float],
    labels: np.ndarray,
    answers: np.ndarray,
    sources: np.ndarray,
) -> dict[str, float]:
    """Return `figure(labels, answers)` of each source's rows."""
    return {s: figure(labels[sources == s], answers[sources == s]) for s in np.unique(sources)}


def mean_balanced_accuracy(labels: np.ndarray, answers: np.ndarray, sources: np.ndarray) -> float:
    """Return the mean over sources of each one's balanced accuracy (over its classes present)."""
    return float(np.mean(list(per_source(balanced_accuracy, labels, answers, sources).values())))


def mean_melanoma_recall(labels: np.ndarray, answers: np.ndarray, sources: np.ndarray) -> float:
    """Return the mean over sources of each one's melanoma recall."""
    return float(np.mean(list(per_source(melanoma_recall, labels, answers, sources).values())))


def source_weights(sources: np.ndarray) -> np.ndarray:
    """Return each row's weight so that every source weighs the same in a weighted mean."""
    _, index, counts = np.unique(sources, return_inverse=True, return_counts=True)
    return 1.0 / counts[index]

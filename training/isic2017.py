"""ISIC 2017's training part: dermoscopy from the ISIC Archive's clinics, a second other source.

Its 2,000 images (mel, nv, bkl) are split, seeded and stratified by diagnosis, into thirds:
"train" (for a recipe that trains on several sources), "val" (chooses rules, weights and
thresholds across sources) and "test" (scored once, after everything is fixed). The release
names no lesion ids; each image counts as its own lesion. Figures are balanced accuracy over
the three classes present.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from lesion_core.labels import index_of
from lesion_core.size import SizeLike
from training.data import decoded_files
from training.dataset import DataError

PARTS = ("train", "val", "test")
SPLIT_SEED = 42


@dataclass(frozen=True)
class Isic2017Images:
    """ISIC 2017 images with a diagnosis, in labels.csv order."""

    files: list[Path]
    labels: np.ndarray  # (N,) int64 indices into CLASS_CODES
    part: np.ndarray  # (N,) str: one of PARTS

    def subset(self, part: str) -> Isic2017Images:
        """Return the images of one part."""
        keep = self.part == part
        return Isic2017Images(
            [f for f, k in zip(self.files, keep, strict=True) if k],
            self.labels[keep],
            self.part[keep],
        )


def image_parts(labels: np.ndarray, seed: int = SPLIT_SEED) -> np.ndarray:
    """Return each image's part: a seeded, diagnosis-stratified third each."""
    parts = np.empty(len(labels), dtype="<U5")
    splitter = StratifiedKFold(n_splits=len(PARTS), shuffle=True, random_state=seed)
    for part, (_, held) in zip(PARTS, splitter.split(labels, labels), strict=True):
        parts[held] = part
    return parts


def load_isic2017(folder: Path, seed: int = SPLIT_SEED) -> Isic2017Images:
    """Return ISIC 2017's images that have a diagnosis, with their parts."""
    table_file = folder / "labels.csv"
    if not table_file.is_file():
        raise DataError(f"{folder}: no labels.csv (see ISIC 2017's SOURCES.md)")
    table = pd.read_csv(table_file, dtype=str).dropna(subset=["dx"])
    files = [folder / "images" / f"{image_id}.jpg" for image_id in table["image_id"]]
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise DataError(f"{missing[0]}: no such file ({len(missing)} missing)")
    labels = np.array([index_of(dx) for dx in table["dx"]], dtype=np.int64)
    return Isic2017Images(files, labels, image_parts(labels, seed))


def isic2017_arrays(
    folder: Path, size: SizeLike, part: str, cache_dir: Path | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return one part's images, preprocessed like uploads at `size`, and their labels."""
    chosen = load_isic2017(folder).subset(part)
    labels_file = folder / "labels.csv"
    images = decoded_files(chosen.files, f"isic2017-{part}", labels_file, size, cache_dir)
    return images, chosen.labels

"""MILK10k: dermoscopy from other devices and clinics, an external check of the classifiers.

Its lesions are split by `lesion_id` (seeded, stratified by diagnosis) into a validation third,
which chooses recipes, and the rest, which training may use. Only dermoscopic images whose
diagnosis is one of our seven classes are scored; figures are balanced accuracy over the classes
present, since its class mix (many basal cell carcinomas) differs from HAM10000's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from lesion_core.labels import CLASS_CODES, index_of
from lesion_core.size import SizeLike
from training.data import decoded_files
from training.dataset import DataError

VAL_FRACTION = 1 / 3  # of the lesions, for choosing recipes
SPLIT_SEED = 42
DERMOSCOPIC = "dermoscopic"
CLOSEUP = "clinical_closeup"
PARTS = ("val", "rest")
OTHER_DIAGNOSIS = len(CLASS_CODES)  # its classes outside our seven, as one more class


@dataclass(frozen=True)
class Milk10kImages:
    """One kind of MILK10k image with a diagnosis among our seven, in metadata order."""

    files: list[Path]
    labels: np.ndarray  # (N,) int64 indices into CLASS_CODES
    lesion_ids: np.ndarray  # (N,) str
    part: np.ndarray  # (N,) str: "val" or "rest"

    def subset(self, part: str) -> Milk10kImages:
        """Return the images of one part ("val" or "rest")."""
        keep = self.part == part
        return Milk10kImages(
            [f for f, k in zip(self.files, keep, strict=True) if k],
            self.labels[keep],
            self.lesion_ids[keep],
            self.part[keep],
        )


def lesion_parts(table: pd.DataFrame, seed: int = SPLIT_SEED) -> dict[str, str]:
    """Return lesion_id → "val" or "rest": a seeded, diagnosis-stratified third of the lesions
    for validation."""
    lesions = table.drop_duplicates("lesion_id")
    strata = lesions["milk_class"].fillna("other").to_numpy()
    splitter = StratifiedGroupKFold(
        n_splits=round(1 / VAL_FRACTION), shuffle=True, random_state=seed
    )
    positions = np.arange(len(lesions))
    _, held = next(splitter.split(positions, strata, lesions["lesion_id"].to_numpy()))
    ids = lesions["lesion_id"].to_numpy()
    parts = dict.fromkeys(ids, "rest")
    parts.update(dict.fromkeys(ids[held], "val"))
    return parts


def load_milk10k(
    folder: Path, kind: str = DERMOSCOPIC, seed: int = SPLIT_SEED, every_diagnosis: bool = False
) -> Milk10kImages:
    """Return MILK10k's images of `kind` whose diagnosis is one of our seven classes, or, with
    `every_diagnosis`, all of them (the others labelled OTHER_DIAGNOSIS)."""
    metadata = folder / "metadata.csv"
    if not metadata.is_file():
        raise DataError(f"{folder}: no metadata.csv (see MILK10k's SOURCES.md)")
    table = pd.read_csv(metadata, dtype=str)
    parts = lesion_parts(table, seed)
    rows = table[(table["kind"] == kind) & (every_diagnosis | table["dx"].notna())]
    files = [folder / "images" / f"{isic_id}.jpg" for isic_id in rows["isic_id"]]
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise DataError(f"{missing[0]}: no such file ({len(missing)} missing)")
    return Milk10kImages(
        files,
        np.array(
            [OTHER_DIAGNOSIS if pd.isna(dx) else index_of(dx) for dx in rows["dx"]], dtype=np.int64
        ),
        rows["lesion_id"].to_numpy(dtype=str),
        np.array([parts[i] for i in rows["lesion_id"]], dtype=str),
    )


def training_images(
    folder: Path, size: SizeLike, cache_dir: Path | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return MILK10k's dermoscopic images outside its validation third (our seven classes),
    preprocessed like uploads at `size`, their labels and their image ids: extra training data
    for a recipe (the validation third stays unseen)."""
    rest = load_milk10k(folder).subset("rest")
    images = decoded_files(rest.files, "milk10k-rest", folder / "metadata.csv", size, cache_dir)
    return images, rest.labels, np.array([f.stem for f in rest.files])

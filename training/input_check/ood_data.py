"""The non-dermoscopic images (shared/data/ood), by kind, with the groups a fair split keeps whole.

`index.csv` lists path, kind, source and original name. Clinical photos are grouped by their
condition folder (photos of one condition look alike), every other image is its own group.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lesion_core.preprocess import Size, preprocess
from training.data import DataError

KINDS = ("clinical_skin", "chest_xray", "brain_mri", "everyday")


@dataclass(frozen=True)
class OodImages:
    """Decoded non-dermoscopic images with their kind, group and file."""

    images: np.ndarray  # (N, H, W, 3) uint8
    kinds: np.ndarray  # (N,) str, one of KINDS
    groups: np.ndarray  # (N,) str
    paths: np.ndarray  # (N,) str


def group_of(kind: str, original: str, path: str) -> str:
    """Return the group a split keeps together: the condition for clinical photos, else the file."""
    if kind == "clinical_skin":
        return f"{kind}/{Path(original).parent.name}"
    return path


def load_ood(folder: Path, size: Size) -> OodImages:
    """Return every image of `folder/index.csv`, preprocessed to `size` like an upload."""
    index = folder / "index.csv"
    if not index.is_file():
        raise DataError(f"{folder}: no index.csv; point at shared/data/ood")
    with open(index, newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["kind"] in KINDS]
    images = np.stack([preprocess(folder / row["path"], size) for row in rows])
    return OodImages(
        images,
        np.array([row["kind"] for row in rows]),
        np.array([group_of(row["kind"], row["original"], row["path"]) for row in rows]),
        np.array([row["path"] for row in rows]),
    )

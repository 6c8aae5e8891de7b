"""Lesion-grouped, stratified train/validation/test split, and balancing of the training part
(minority oversampling or inverse-frequency class weights)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from imblearn.over_sampling import RandomOverSampler
from sklearn.model_selection import StratifiedGroupKFold, train_test_split

from lesion_core.labels import NUM_CLASSES
from lesion_runtime.model_file import read_sidecar
from training.dataset import DataError, Dataset

log = logging.getLogger(__name__)

PARTS = ("train", "val", "test")
SPLIT_NAME = "split.csv"  # a run's split, beside its model
SPLIT_FILE_KEY = "split_file"  # config.json's pointer to a split shared by several models


@dataclass(frozen=True)
class Split:
    """Row indices of each part of a dataset."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    def part(self, name: str) -> np.ndarray:
        """Return the indices of the part called `name`."""
        return {"train": self.train, "val": self.val, "test": self.test}[name]


def _hold_out(labels: np.ndarray, groups: np.ndarray | None, fraction: float, seed: int):
    """Return (kept, held_out) positions, stratified by label and grouped when groups exist."""
    positions = np.arange(len(labels))
    if groups is None:
        kept, held = train_test_split(
            positions, test_size=fraction, stratify=labels, random_state=seed
        )
    else:
        splitter = StratifiedGroupKFold(
            n_splits=round(1 / fraction), shuffle=True, random_state=seed
        )
        kept, held = next(splitter.split(positions, labels, groups))
    return np.sort(kept), np.sort(held)


def make_split(
    dataset: Dataset, test_fraction: float = 0.2, val_fraction: float = 0.2, seed: int = 42
) -> Split:
    """Return a seeded split: `test_fraction` held out, then `val_fraction` of the rest.

    With lesion ids, every lesion's images fall in exactly one part.
    """
    if dataset.lesion_ids is None:
        log.warning("no lesion ids: splitting by image, so one lesion may sit in two parts")
    groups = dataset.lesion_ids
    rest, test = _hold_out(dataset.labels, groups, test_fraction, seed)
    rest_groups = None if groups is None else groups[rest]
    train, val = _hold_out(dataset.labels[rest], rest_groups, val_fraction, seed)
    return Split(rest[train], rest[val], test)


def oversample(indices: np.ndarray, labels: np.ndarray, seed: int = 42) -> np.ndarray:
    """Return `indices` with minority-class rows repeated (RandomOverSampler) to balance labels."""
    sampler = RandomOverSampler(random_state=seed)
    resampled, _ = sampler.fit_resample(indices.reshape(-1, 1), labels[indices])
    return resampled.ravel()


def class_weights(labels: np.ndarray, num_classes: int = NUM_CLASSES) -> dict[int, float]:
    """Return class → loss weight, inversely proportional to its frequency in `labels`
    (n / (classes present × count), so the weighted rows average 1); absent classes get 1."""
    counts = np.bincount(labels, minlength=num_classes)
    present = int((counts > 0).sum())
    return {
        c: float(len(labels) / (present * counts[c])) if counts[c] else 1.0
        for c in range(num_classes)
    }


def log_prior(labels: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Return log(class frequency) of integer `labels`; an absent class counts as one row."""
    counts = np.maximum(np.bincount(labels, minlength=num_classes), 1)
    return np.log(counts / counts.sum())


def split_of(model: Path) -> Path | None:
    """Return the split a model was trained and scored on: split.csv beside it (a run folder),
    else the file its config.json's `split_file` names, relative to its folder (the shipped
    models share one, models/ham10000_split.csv); None when it has neither."""
    beside = model.parent / SPLIT_NAME
    if beside.is_file():
        return beside
    named = read_sidecar(model, "config.json").get(SPLIT_FILE_KEY)
    return None if named is None else Path(os.path.normpath(model.parent / named))


def save_split(dataset: Dataset, split: Split, path: Path) -> None:
    """Write image_id, lesion_id, dx index and part per row as CSV."""
    rows = []
    for name in PARTS:
        for i in split.part(name):
            lesion = "" if dataset.lesion_ids is None else dataset.lesion_ids[i]
            rows.append((dataset.image_ids[i], lesion, name))
    pd.DataFrame(rows, columns=["image_id", "lesion_id", "part"]).to_csv(path, index=False)


def load_split(dataset: Dataset, path: Path) -> Split:
    """Return the split written by `save_split`, mapped onto `dataset`'s rows."""
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read split ({exc})") from exc
    if not {"image_id", "part"} <= set(table.columns):
        raise DataError(f"{path}: a split needs the columns image_id and part")
    position = {image_id: i for i, image_id in enumerate(dataset.image_ids)}
    parts = {}
    for name in PARTS:
        ids = table.loc[table["part"] == name, "image_id"]
        missing = [i for i in ids if i not in position]
        if missing:
            raise DataError(f"{path}: image {missing[0]} (and {len(missing) - 1} more) not in data")
        parts[name] = np.array([position[i] for i in ids], dtype=np.int64)
    return Split(parts["train"], parts["val"], parts["test"])

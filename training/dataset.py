"""A loaded dataset: preprocessed images with their labels and identifiers, in one order; and the
error every loader raises for data that is missing, malformed or mislabelled."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class DataError(Exception):
    """The data on disk is missing, malformed or mislabelled; the message names the file."""


@dataclass(frozen=True)
class Dataset:
    """Preprocessed images with their labels and identifiers, in one fixed order."""

    images: np.ndarray  # (N, size, size, 3) uint8
    labels: np.ndarray  # (N,) int64, indices into CLASS_CODES
    image_ids: np.ndarray  # (N,) str
    lesion_ids: np.ndarray | None  # (N,) str; None when the format has none (HMNIST)
    source: str

    def __len__(self) -> int:
        return len(self.labels)

    def followed_by(self, other: Dataset) -> Dataset:
        """Return this dataset's rows and then `other`'s (lesion ids kept when both have them)."""
        lesions = None
        if self.lesion_ids is not None and other.lesion_ids is not None:
            lesions = np.concatenate([self.lesion_ids, other.lesion_ids])
        return Dataset(
            np.concatenate([self.images, other.images]),
            np.concatenate([self.labels, other.labels]),
            np.concatenate([self.image_ids, other.image_ids]),
            lesions,
            self.source,
        )

    def subset(self, indices: np.ndarray) -> Dataset:
        """Return the rows at `indices`, in that order."""
        return Dataset(
            self.images[indices],
            self.labels[indices],
            self.image_ids[indices],
            None if self.lesion_ids is None else self.lesion_ids[indices],
            self.source,
        )

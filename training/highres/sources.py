"""The sources a high-resolution run trains and chooses its epoch on, beside HAM10000.

MILK10k (--milk10k) trains on its lesions outside its validation third and is validated on
that third; ISIC 2017 (--isic2017) trains on its train third and is validated on its val third.
Every image goes through the shared preprocessing, then the run's colour constancy, if any.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lesion_core.colour_constancy import corrected
from lesion_core.labels import NUM_CLASSES
from training.dataset import Dataset
from training.isic2017 import isic2017_arrays
from training.milk10k import training_images
from training.sources import milk10k_validation, source_weights

if TYPE_CHECKING:
    from training.highres.config import HighresConfig

HAM10000 = "ham10000"


@dataclass(frozen=True)
class TrainingSet:
    """Cached frozen features of every training image, by view, with labels and sources."""

    features: np.ndarray  # (N, views, ...) float16
    labels: np.ndarray  # (N,)
    sources: np.ndarray | str  # (N,) source names, or one name for all

    def joined(self, features: np.ndarray, labels: np.ndarray, source: str) -> TrainingSet:
        """Return this set with another source's images added."""
        mine = np.broadcast_to(self.sources, self.labels.shape)
        return TrainingSet(
            np.concatenate([self.features, features]),
            np.concatenate([self.labels, labels]),
            np.concatenate([mine, np.full(len(labels), source)]),
        )

    def epoch_rows(self, rng: np.random.Generator, balanced: bool) -> np.ndarray:
        """Return one epoch's rows: every image once, or (balanced) as many drawn with
        replacement so that each source weighs the same."""
        if not balanced:
            return np.arange(len(self.labels))
        return rng.choice(len(self.labels), size=len(self.labels), p=self.draw_weights(True))

    def draw_weights(self, balanced: bool) -> np.ndarray:
        """Return each image's chance of being drawn: equal, or equal per source."""
        if not balanced:
            return np.full(len(self.labels), 1 / len(self.labels))
        weights = source_weights(np.broadcast_to(self.sources, self.labels.shape))
        return weights / weights.sum()


def weighted_log_prior(labels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Return the log class prior of images drawn with `weights` (the loss's logit adjustment)."""
    prior = np.bincount(labels, weights=weights, minlength=NUM_CLASSES) / weights.sum()
    return np.log(np.clip(prior, 1e-8, None)).astype(np.float32)


def corrected_dataset(dataset: Dataset, config: HighresConfig) -> Dataset:
    """Return `dataset` with its images colour-corrected as the run says."""
    return dataclasses.replace(dataset, images=corrected(dataset.images, config.colour_method))


def other_sources(config: HighresConfig, part: str) -> list[Dataset]:
    """Return MILK10k's and ISIC 2017's images of `part` ("train" or "val"), as the run asked
    for them, each as a Dataset whose `source` names it ("milk10k", "isic2017")."""
    found = []
    if config.milk10k is not None:
        if part == "train":
            images, labels, ids = training_images(config.milk10k, config.size, config.cache_dir)
        else:
            milk = milk10k_validation(config.milk10k, config.size, config.cache_dir)
            images, labels, ids = milk.images, milk.labels, milk.groups
        found.append(Dataset(images, labels, ids, None, "milk10k"))
    if config.isic2017 is not None:
        images, labels = isic2017_arrays(config.isic2017, config.size, part, config.cache_dir)
        ids = np.array([f"isic2017-{part}-{i}" for i in range(len(labels))])
        found.append(Dataset(images, labels, ids, None, "isic2017"))
    return [corrected_dataset(d, config) for d in found]

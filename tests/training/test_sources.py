"""Figures over several sources: each source weighs the same, whatever its size."""

from __future__ import annotations

import numpy as np

from lesion_runtime.scoring.metrics import balanced_accuracy
from training.sources import (
    SourceFolders,
    mean_balanced_accuracy,
    per_source,
    source_sets,
    source_weights,
)


def test_a_small_source_weighs_as_much_as_a_large_one():
    labels = np.array([0, 1] * 50 + [0, 1])
    answers = np.array([0, 1] * 50 + [1, 0])  # the large source right, the small one wrong
    sources = np.array(["large"] * 100 + ["small"] * 2)
    assert balanced_accuracy(labels, answers) > 0.95
    assert mean_balanced_accuracy(labels, answers, sources) == 0.5
    assert per_source(balanced_accuracy, labels, answers, sources) == {"large": 1.0, "small": 0.0}


def test_source_weights_give_each_source_the_same_total():
    sources = np.array(["a"] * 3 + ["b"] * 7)
    weights = source_weights(sources)
    assert np.isclose(weights[sources == "a"].sum(), weights[sources == "b"].sum())


def test_every_source_given_has_its_validation_part(
    release_dir, milk10k_dir, isic2017_dir, tmp_path
):
    from training.data import load_dataset
    from training.split import make_split, save_split

    dataset = load_dataset(release_dir, (32, 24))
    save_split(dataset, make_split(dataset), tmp_path / "split.csv")
    folders = SourceFolders(release_dir, tmp_path / "split.csv", milk10k_dir, isic2017_dir)
    val = source_sets(folders, "val", (32, 24))
    assert [s.source for s in val] == ["ham10000", "milk10k", "isic2017"]
    assert [len(s.labels) for s in val[1:]] == [7, 6]  # a third of 21 lesions, of 18 images
    assert all(s.images.shape[1:] == (24, 32, 3) for s in val)
    # Lesion groups never collide across sources, and MILK10k has no test part of its own.
    assert not set(val[0].groups) & set(val[1].groups)
    assert [s.source for s in source_sets(folders, "test", (32, 24))] == ["ham10000", "isic2017"]

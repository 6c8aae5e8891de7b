"""The figures of `lesion score`: the ISIC challenge's, and training's where it cannot run."""

from __future__ import annotations

import numpy as np
import pytest

from lesion_cli.scoring import score
from lesion_core.labels import CLASS_CODES
from lesion_runtime.scoring.metrics import balanced_accuracy, expected_calibration_error, macro_auc


def random_answers(seed: int, count: int, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Return labels of the first `classes` classes and random (count, 7) probabilities."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % classes
    probabilities = rng.dirichlet(np.ones(len(CLASS_CODES)), size=count)
    probabilities[np.arange(count), labels] += rng.uniform(0, 0.6, count)  # better than chance
    return labels, probabilities / probabilities.sum(axis=1, keepdims=True)


def test_the_isic_figures_agree_with_training_metrics():
    labels, probabilities = random_answers(seed=1, count=70, classes=len(CLASS_CODES))
    scores = score(labels, probabilities)
    assert scores.by_isic and scores.images == 70
    predicted = probabilities.argmax(axis=1)
    assert scores.balanced_accuracy == pytest.approx(balanced_accuracy(labels, predicted))
    assert scores.macro_auc == pytest.approx(macro_auc(labels, probabilities))
    assert scores.ece == pytest.approx(expected_calibration_error(labels, probabilities))
    assert np.mean(list(scores.recall.values())) == pytest.approx(scores.balanced_accuracy)
    assert scores.confusion.trace() == (predicted == labels).sum()


def test_a_truth_without_every_class_is_scored_over_the_classes_in_it():
    labels, probabilities = random_answers(seed=2, count=30, classes=3)
    scores = score(labels, probabilities)
    assert not scores.by_isic
    assert sorted(scores.recall) == sorted(scores.auc) == list(CLASS_CODES[:3])
    assert scores.macro_auc == pytest.approx(macro_auc(labels, probabilities))

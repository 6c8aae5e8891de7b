"""Evaluation maths, checked by hand and against scikit-learn on a known confusion matrix."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, f1_score, roc_auc_score

from lesion_runtime.scoring.metrics import (
    balanced_accuracy,
    classification_metrics,
    expected_calibration_error,
    majority_baseline,
)

KNOWN = np.array(
    [
        [5, 1, 0, 0, 2, 2, 0],
        [0, 8, 1, 0, 0, 1, 0],
        [1, 0, 6, 0, 1, 2, 0],
        [0, 0, 0, 3, 0, 1, 0],
        [0, 1, 1, 0, 7, 3, 0],
        [1, 0, 2, 0, 3, 40, 1],
        [0, 0, 0, 0, 0, 1, 4],
    ]
)


def labels_from(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (y_true, y_pred) whose confusion matrix is `matrix`."""
    true, pred = [], []
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            true += [i] * count
            pred += [j] * count
    return np.array(true), np.array(pred)


def soft(pred: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return probabilities whose argmax is `pred`."""
    proba = rng.uniform(0, 0.3, (len(pred), 7))
    proba[np.arange(len(pred)), pred] = 1.0
    return proba / proba.sum(axis=1, keepdims=True)


@pytest.fixture()
def scored():
    y_true, y_pred = labels_from(KNOWN)
    proba = soft(y_pred, np.random.default_rng(0))
    return y_true, y_pred, proba, classification_metrics(y_true, proba)


def test_confusion_matrix_is_reproduced(scored):
    assert scored[3]["confusion_matrix"] == KNOWN.tolist()


def test_balanced_accuracy_is_mean_recall(scored):
    y_true, y_pred, _, metrics = scored
    by_hand = np.mean(np.diag(KNOWN) / KNOWN.sum(axis=1))
    assert metrics["balanced_accuracy"] == pytest.approx(by_hand)
    assert metrics["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(y_true, y_pred))


def test_balanced_accuracy_ignores_a_predicted_class_no_image_has():
    # A small validation part may lack a class the model answers; scikit-learn warns there (the
    # suite turns warnings into errors) and averages over the classes present, as this does.
    y_true, y_pred = np.array([0, 0, 1, 1]), np.array([0, 2, 1, 1])
    assert balanced_accuracy(y_true, y_pred) == pytest.approx((0.5 + 1.0) / 2)
    assert classification_metrics(y_true, np.eye(7)[y_pred])["balanced_accuracy"] == 0.75


def test_accuracy_macro_f1_and_melanoma_recall(scored):
    y_true, y_pred, _, metrics = scored
    assert metrics["accuracy"] == pytest.approx(np.trace(KNOWN) / KNOWN.sum())
    assert metrics["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert metrics["melanoma_recall"] == pytest.approx(7 / 12)
    assert metrics["per_class"]["mel"]["precision"] == pytest.approx(7 / 13)
    assert metrics["per_class"]["nv"]["support"] == 47


def test_macro_auc_matches_scikit_learn_ovr(scored):
    y_true, _, proba, metrics = scored
    expected = roc_auc_score(y_true, proba, multi_class="ovr", average="macro")
    assert metrics["macro_auc"] == pytest.approx(expected)


def test_ece_is_zero_when_confidence_equals_accuracy():
    proba = np.full((10, 7), 0.0)
    proba[:, 0] = 0.8
    proba[:, 1] = 0.2
    y_true = np.array([0] * 8 + [1] * 2)
    assert expected_calibration_error(y_true, proba) == pytest.approx(0.0)


def test_ece_of_an_overconfident_model():
    proba = np.zeros((10, 7))
    proba[:, 0] = 1.0
    y_true = np.array([0] * 5 + [1] * 5)
    assert expected_calibration_error(y_true, proba) == pytest.approx(0.5)


def test_always_nv_baseline_has_high_accuracy_but_one_seventh_balanced():
    y_true, _ = labels_from(KNOWN)
    baseline = majority_baseline(y_true)
    assert baseline["accuracy"] == pytest.approx(47 / len(y_true))
    assert baseline["balanced_accuracy"] == pytest.approx(1 / 7)
    assert baseline["melanoma_recall"] == 0.0

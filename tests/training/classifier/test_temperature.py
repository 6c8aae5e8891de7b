"""Temperature and prior shift on probabilities: fitting, applying and the decisions they give."""

from __future__ import annotations

import numpy as np
import pytest

from tests.training.classifier.test_calibration import softmax
from training.classifier.temperature import fit_temperature, nll, prior_shift_table, tempered


@pytest.fixture(scope="module")
def overconfident():
    """Labels drawn from softmax(z), and a model that reports softmax(2.5 z): T should be 2.5."""
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 1.5, (6000, 7))
    labels = np.array([rng.choice(7, p=p) for p in softmax(logits)])
    return softmax(2.5 * logits), labels


def test_temperature_one_leaves_probabilities_unchanged():
    proba = softmax(np.random.default_rng(1).normal(size=(20, 7)))
    np.testing.assert_allclose(tempered(proba, 1.0), proba, atol=1e-12)


def test_fit_recovers_a_known_temperature(overconfident):
    assert fit_temperature(*overconfident) == pytest.approx(2.5, rel=0.06)


def test_fitted_temperature_lowers_the_nll(overconfident):
    proba, labels = overconfident
    after = tempered(proba, fit_temperature(proba, labels))
    assert nll(after, labels) < nll(proba, labels) - 0.05


def test_temperature_keeps_every_decision(overconfident):
    proba, _ = overconfident
    np.testing.assert_array_equal(tempered(proba, 3.0).argmax(1), proba.argmax(1))


def test_a_positive_prior_shift_favours_the_common_class(overconfident):
    proba, labels = overconfident
    log_prior = np.log(np.array([0.05, 0.05, 0.05, 0.05, 0.05, 0.7, 0.05]))
    rows = prior_shift_table(proba, labels, log_prior, alphas=(-1.0, 0.0, 1.0))
    assert [row["alpha"] for row in rows] == [-1.0, 0.0, 1.0]
    common = [(tempered(proba, 1.0, a * log_prior).argmax(1) == 5).mean() for a in (-1.0, 0.0, 1.0)]
    assert common[0] < common[1] < common[2]
    assert {"accuracy", "balanced_accuracy", "melanoma_recall"} <= set(rows[0])

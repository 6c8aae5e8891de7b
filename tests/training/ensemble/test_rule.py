"""The ensemble's rule: pooling, offsets, temperature, and when offsets are kept."""

from __future__ import annotations

import numpy as np
import pytest

from training.ensemble.rule import (
    Rule,
    choose_rule,
    combine,
    fit_offsets,
    fit_rule,
    fit_weights,
    pooled,
    weight_grid,
)
from training.metrics import balanced_accuracy


def members(count: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return (2, N, 7) probabilities of a good and a noisy member, and the labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 7, count)
    good = np.eye(7)[labels] * 3 + rng.normal(0, 1, (count, 7))
    noisy = rng.normal(0, 1, (count, 7))
    logits = np.stack([good, noisy])
    return np.exp(logits) / np.exp(logits).sum(-1, keepdims=True), labels


def test_the_weight_grid_covers_the_simplex():
    grid = weight_grid(3, step=0.25)
    assert len(grid) == 15 and all(sum(w) == pytest.approx(1) for w in grid)
    assert (1.0, 0.0, 0.0) in grid and (0.0, 0.0, 1.0) in grid


def test_pooling_is_the_normalised_weighted_geometric_mean():
    p = np.array([[[0.5, 0.5]], [[0.9, 0.1]]])
    expected = np.array([0.5**0.5 * 0.9**0.5, 0.5**0.5 * 0.1**0.5])
    np.testing.assert_allclose(pooled(p, (0.5, 0.5))[0], expected / expected.sum())


def test_the_rule_with_no_offsets_and_unit_temperature_is_the_pooling():
    p, _ = members()
    rule = Rule((0.3, 0.7), (0.0,) * 7, 1.0)
    np.testing.assert_allclose(combine(p, rule), pooled(p, (0.3, 0.7)), atol=1e-12)


def test_the_weights_favour_the_member_that_knows():
    p, labels = members()
    weights = fit_weights(p, labels)
    assert weights[0] > 0.8


def test_offsets_restore_a_class_the_probabilities_starve():
    p, labels = members()
    starved = pooled(p, (1.0, 0.0)) * np.array([1, 1, 1, 1, 0.1, 1, 1])
    starved /= starved.sum(-1, keepdims=True)
    before = balanced_accuracy(labels, starved.argmax(1))
    after = balanced_accuracy(labels, (np.log(starved) + fit_offsets(starved, labels)).argmax(1))
    assert after > before + 0.05


def test_the_temperature_leaves_the_decisions_alone():
    p, labels = members()
    rule = fit_rule(p, labels)
    untempered = Rule(rule.weights, rule.offsets, 1.0)
    np.testing.assert_array_equal(combine(p, rule).argmax(1), combine(p, untempered).argmax(1))


def test_offsets_that_do_not_help_held_out_lesions_are_dropped():
    p, labels = members()
    groups = np.arange(len(labels))  # one image per lesion
    rule = choose_rule(p, labels, groups)  # the good member alone is already balanced
    assert rule.offsets == (0.0,) * 7

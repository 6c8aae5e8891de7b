"""The ensemble's rule: pooling, offsets, the melanoma offset, temperature, and when offsets are
kept."""

from __future__ import annotations

import numpy as np
import pytest

from lesion_core.labels import CLASS_INDEX, MELANOMA_INDEX
from lesion_runtime.scoring.metrics import balanced_accuracy, melanoma_recall
from training.ensemble import rule as rule_module
from training.ensemble.rule import (
    MELANOMA_RECALL,
    Rule,
    best_members,
    choose_rule,
    combine,
    every_class,
    fit_melanoma_offset,
    fit_offsets,
    fit_rule,
    fit_weights,
    pooled,
    weight_grid,
)


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


NEVUS = CLASS_INDEX["nv"]


def starved_melanoma(count: int = 600, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Return (2, N, 7) member probabilities that find too few melanomas (their melanoma
    probability cut tenfold), and the labels."""
    p, labels = members(count, seed)
    p = p * np.where(np.arange(7) == MELANOMA_INDEX, 0.1, 1.0)
    return p / p.sum(-1, keepdims=True), labels


def test_the_melanoma_offset_is_the_smallest_that_reaches_the_recall_target():
    p, labels = starved_melanoma()
    moved = pooled(p, (1.0, 0.0))
    before = melanoma_recall(labels, moved.argmax(1))
    extra = fit_melanoma_offset(moved, labels, np.zeros(7))
    shifted = np.log(moved) + extra * (np.arange(7) == MELANOMA_INDEX)
    assert before < MELANOMA_RECALL <= melanoma_recall(labels, shifted.argmax(1))
    smaller = np.log(moved) + (extra - 0.05) * (np.arange(7) == MELANOMA_INDEX)
    assert melanoma_recall(labels, smaller.argmax(1)) < MELANOMA_RECALL
    good, good_labels = members()  # already finds its melanomas
    assert fit_melanoma_offset(pooled(good, (1.0, 0.0)), good_labels, np.zeros(7)) == 0


def test_the_melanoma_offset_keeps_every_source_at_its_floor():
    starved, starved_labels = starved_melanoma(600)  # source a: too few melanomas found
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 7, 600)  # source b: all right, its nevi a shade from melanoma
    logits = np.eye(7)[labels] * 3.0
    logits[labels == NEVUS, MELANOMA_INDEX] = 2.7
    right = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    moved = np.concatenate([pooled(starved, (1.0, 0.0)), right])
    labels = np.concatenate([starved_labels, labels])
    sources = np.repeat(["a", "b"], 600)
    free = fit_melanoma_offset(moved, labels, np.zeros(7), sources)
    floors = {"a": 0.0, "b": 1.0}  # b's best member is right everywhere
    capped = fit_melanoma_offset(moved, labels, np.zeros(7), sources, floors)
    assert 0 < capped < 0.3 < free  # raised for a, as far as b keeps its nevi
    shifted = np.log(moved) + capped * (np.arange(7) == MELANOMA_INDEX)
    assert balanced_accuracy(labels[600:], shifted[600:].argmax(1)) == 1.0
    assert fit_melanoma_offset(moved, labels, np.zeros(7), sources, {"a": 0.0, "b": 0.0}) == free


def test_the_floors_are_each_sources_best_member():
    p, labels = members()
    sources = np.where(np.arange(len(labels)) < 100, "a", "b")
    p[1, :100] = np.eye(7)[labels[:100]]  # the noisy member knows source a perfectly
    floors = best_members(p, labels, sources)
    assert floors["a"] == pytest.approx(1.0)
    assert floors["b"] == pytest.approx(balanced_accuracy(labels[100:], p[0, 100:].argmax(1)))


def answers(labels: np.ndarray, mel_found: float, nv_called_mel: float) -> np.ndarray:
    """Return one-hot (N, 7) probabilities that are right except that only `mel_found` of the
    melanomas are called melanoma (the rest nevus) and `nv_called_mel` of the nevi melanoma."""
    predicted = labels.copy()
    for code, share, other in (
        (MELANOMA_INDEX, 1 - mel_found, NEVUS),
        (NEVUS, nv_called_mel, MELANOMA_INDEX),
    ):
        rows = np.flatnonzero(labels == code)
        predicted[rows[: round(share * len(rows))]] = other
    return np.eye(7)[predicted]


@pytest.mark.parametrize(("nv_called_mel", "kept"), [(0.05, True), (0.6, False)])
def test_the_melanoma_offset_is_kept_only_when_held_out_lesions_pay_little_for_it(
    monkeypatch, nv_called_mel, kept
):
    p, labels = starved_melanoma(700)

    def held_out(members, labels, groups, offsets=True, melanoma=False, sources=None):
        return answers(labels, 0.9, nv_called_mel) if melanoma else answers(labels, 0.5, 0.0)

    monkeypatch.setattr(rule_module, "cross_fitted", held_out)
    rule = choose_rule(p, labels, np.arange(len(labels)))
    assert rule == fit_rule(p, labels, offsets=False, melanoma=kept)


@pytest.mark.parametrize(("lost", "kept"), [(0.0, True), (0.2, False)])
def test_offsets_are_kept_only_when_no_source_pays_much_for_the_mean(monkeypatch, lost, kept):
    p, labels = members()
    sources = np.where(np.arange(len(labels)) % 3 == 0, "small", "large")

    def held_out(members, labels, groups, offsets=True, melanoma=False, sources=None):
        answers = labels.copy()  # all right, but for what each choice gets wrong
        if offsets:  # a better mean: every large-source image right, some small-source ones not
            wrong = np.flatnonzero((sources == "small") & (labels == NEVUS))
            answers[wrong[: round(lost * len(wrong))]] = MELANOMA_INDEX
        else:
            wrong = np.flatnonzero(sources == "large")
            answers[wrong[: len(wrong) // 2]] = (labels[wrong[: len(wrong) // 2]] + 1) % 7
        return np.eye(7)[answers]

    monkeypatch.setattr(rule_module, "cross_fitted", held_out)
    rule = choose_rule(p, labels, np.arange(len(labels)), sources)
    assert (rule != fit_rule(p, labels, False, False, sources)) == kept


def test_offsets_are_fitted_on_the_sources_that_hold_every_class():
    p, labels = members()
    three = np.isin(labels, [CLASS_INDEX["mel"], NEVUS, CLASS_INDEX["bkl"]])
    # A second source with three classes only, where never answering the others would pay.
    p = np.concatenate([p, p[:, three]], axis=1)
    labels = np.concatenate([labels, labels[three]])
    sources = np.array(["all"] * (len(labels) - three.sum()) + ["three"] * three.sum())
    assert every_class(labels, sources).sum() == len(labels) - three.sum()
    both = fit_rule(p, labels, sources=sources)
    full = sources == "all"
    alone = fit_offsets(pooled(p, both.weights)[full], labels[full])
    assert both.offsets == tuple(alone)

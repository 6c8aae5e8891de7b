"""The ensemble's rule: how its members' probabilities become one answer, and how the rule is
chosen on the validation part.

The members' log-probabilities are pooled with weights that sum to 1 (a weighted geometric mean),
per-class offsets are added, and the result is divided by a temperature before the softmax:

    p = softmax((sum_i w_i log p_i + b) / T)

The weights minimise the validation log-loss, the offsets then maximise validation balanced
accuracy (the answer's top class is the argmax of p, so the decision rule lives in p itself),
a melanoma offset on top raises validation melanoma recall to MELANOMA_RECALL (missing a
melanoma costs more than a second look at a benign lesion), and the temperature last minimises
the validation log-loss with the offsets in place. Each kind of offset is kept only when,
fitted on some lesions, it does what it is for on the others (`choose_rule`).
"""

from __future__ import annotations

import itertools

import numpy as np

from lesion_core.labels import MELANOMA_INDEX
from lesion_runtime.ensemble_rule import Rule
from training.classifier.calibration import fit_temperature, nll, tempered
from training.metrics import balanced_accuracy, melanoma_recall

WEIGHT_STEP = 0.05  # the grid of member weights
OFFSETS = np.round(np.arange(-2.0, 2.01, 0.1), 2)  # each class's offset is one of these
OFFSET_PASSES = 3  # rounds of coordinate ascent over the classes
OFFSET_GAIN = 0.005  # cross-fitted balanced accuracy that offsets must add to be kept
CROSS_FOLDS = 3
MELANOMA_RECALL = 0.75  # what the melanoma offset aims validation melanoma recall at (issue 25)
MELANOMA_OFFSETS = np.round(np.arange(0.0, 2.01, 0.05), 2)
MELANOMA_COST = 0.01  # cross-fitted balanced accuracy the melanoma offset may cost to be kept
_TINY = 1e-30


def pooled(member_probabilities: np.ndarray, weights: tuple[float, ...]) -> np.ndarray:
    """Return the weighted geometric mean of (M, N, C) member probabilities, normalised per row."""
    logs = np.log(np.clip(member_probabilities, _TINY, None))
    return tempered(np.exp(np.tensordot(np.asarray(weights), logs, axes=1)), 1.0)


def combine(member_probabilities: np.ndarray, rule: Rule) -> np.ndarray:
    """Return the ensemble's (N, C) probabilities of (M, N, C) member probabilities."""
    return tempered(
        pooled(member_probabilities, rule.weights), rule.temperature, np.asarray(rule.offsets)
    )


def weight_grid(members: int, step: float = WEIGHT_STEP) -> list[tuple[float, ...]]:
    """Return every weight vector of `members` non-negative multiples of `step` summing to 1."""
    units = round(1 / step)
    return [
        tuple(round(c * step, 6) for c in (*combo, units - sum(combo)))
        for combo in itertools.product(range(units + 1), repeat=members - 1)
        if sum(combo) <= units
    ]


def fit_weights(member_probabilities: np.ndarray, labels: np.ndarray) -> tuple[float, ...]:
    """Return the grid's weights with the lowest log-loss of `labels`."""
    grid = weight_grid(len(member_probabilities))
    return min(grid, key=lambda w: nll(pooled(member_probabilities, w), labels))


def fit_offsets(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Return per-class offsets on the log-probabilities that maximise balanced accuracy,
    by coordinate ascent over OFFSETS (ties keep the smaller change)."""
    logs = np.log(np.clip(probabilities, _TINY, None))
    offsets = np.zeros(probabilities.shape[1])

    def score(candidate: np.ndarray) -> float:
        return balanced_accuracy(labels, np.argmax(logs + candidate, axis=1))

    for _ in range(OFFSET_PASSES):
        for c in range(len(offsets)):
            trials = sorted(OFFSETS, key=lambda v: abs(v - offsets[c]))
            scores = [score(np.where(np.arange(len(offsets)) == c, v, offsets)) for v in trials]
            offsets[c] = trials[int(np.argmax(scores))]
    return offsets


def fit_melanoma_offset(
    probabilities: np.ndarray, labels: np.ndarray, offsets: np.ndarray
) -> float:
    """Return the smallest addition to melanoma's offset (of MELANOMA_OFFSETS) that brings the
    melanoma recall of `probabilities` with `offsets` to MELANOMA_RECALL, else the largest."""
    logs = np.log(np.clip(probabilities, _TINY, None)) + offsets
    for extra in MELANOMA_OFFSETS:
        logs_with = logs + extra * (np.arange(logs.shape[1]) == MELANOMA_INDEX)
        if melanoma_recall(labels, logs_with.argmax(axis=1)) >= MELANOMA_RECALL:
            return float(extra)
    return float(MELANOMA_OFFSETS[-1])


def fit_rule(
    member_probabilities: np.ndarray,
    labels: np.ndarray,
    offsets: bool = True,
    melanoma: bool = False,
) -> Rule:
    """Return the rule chosen on (M, N, C) validation probabilities and their labels; without
    `offsets`, the per-class offsets stay 0; with `melanoma`, melanoma's offset is raised by
    `fit_melanoma_offset`."""
    weights = fit_weights(member_probabilities, labels)
    moved = pooled(member_probabilities, weights)
    shift = fit_offsets(moved, labels) if offsets else np.zeros(moved.shape[1])
    if melanoma:
        shift[MELANOMA_INDEX] += fit_melanoma_offset(moved, labels, shift)
    temperature = fit_temperature(moved, labels, shift)
    return Rule(weights, tuple(float(v) for v in shift), temperature)


def cross_fitted(
    member_probabilities: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray,
    offsets: bool = True,
    melanoma: bool = False,
    folds: int = CROSS_FOLDS,
) -> np.ndarray:
    """Return (N, C) probabilities where each image's rule was fitted on the other folds only
    (lesion-grouped, stratified): an honest view of what fitting the rule buys."""
    from sklearn.model_selection import StratifiedGroupKFold

    out = np.empty(member_probabilities.shape[1:])
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=0)
    for fit_part, held in splitter.split(labels, labels, groups):
        rule = fit_rule(member_probabilities[:, fit_part], labels[fit_part], offsets, melanoma)
        out[held] = combine(member_probabilities[:, held], rule)
    return out


def choose_rule(member_probabilities: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> Rule:
    """Return the rule fitted on all of validation, with per-class offsets only when, fitted on
    some lesions, they raise the balanced accuracy of the others by OFFSET_GAIN or more, and
    with the melanoma offset only when, fitted likewise, it raises the others' melanoma recall
    for at most MELANOMA_COST of their balanced accuracy."""

    def held_out(offsets: bool, melanoma: bool) -> tuple[float, float]:
        predictions = cross_fitted(member_probabilities, labels, groups, offsets, melanoma)
        answers = predictions.argmax(axis=1)
        return balanced_accuracy(labels, answers), melanoma_recall(labels, answers)

    plain, tuned = held_out(False, False), held_out(True, False)
    offsets = tuned[0] - plain[0] >= OFFSET_GAIN
    before, after = tuned if offsets else plain, held_out(offsets, True)
    melanoma = after[1] > before[1] and before[0] - after[0] <= MELANOMA_COST
    return fit_rule(member_probabilities, labels, offsets, melanoma)

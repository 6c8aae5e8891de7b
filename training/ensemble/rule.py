"""The ensemble's rule: how its members' probabilities become one answer, and how the rule is
chosen on the validation part.

The members' log-probabilities are pooled with weights that sum to 1 (a weighted geometric mean),
per-class offsets are added, and the result is divided by a temperature before the softmax:

    p = softmax((sum_i w_i log p_i + b) / T)

Validation may hold several sources (`training.sources`); every figure below then weighs each
source equally: the log-loss is the mean of each source's, balanced accuracy and melanoma recall
the mean of each source's. The weights minimise the validation log-loss, the offsets then
maximise validation balanced accuracy on the sources that hold every class (the answer's top
class is the argmax of p, so the decision rule lives in p itself), a melanoma offset on top
raises validation melanoma recall towards MELANOMA_RECALL (missing a melanoma costs more than a
second look at a benign lesion) as far as every source stays at least as good as its best
member (issue 36), and the temperature last minimises the validation log-loss with the offsets
in place. Each kind of offset is kept only when, fitted on some lesions, it
does what it is for on the others (`choose_rule`).
"""

from __future__ import annotations

import itertools

import numpy as np

from lesion_core.labels import MELANOMA_INDEX
from lesion_runtime.ensemble_rule import Rule
from lesion_runtime.scoring.metrics import balanced_accuracy
from training.classifier.temperature import fit_temperature, nll, tempered
from training.sources import (
    mean_balanced_accuracy,
    mean_melanoma_recall,
    per_source,
    source_weights,
)

WEIGHT_STEP = 0.05  # the grid of member weights
OFFSETS = np.round(np.arange(-2.0, 2.01, 0.1), 2)  # each class's offset is one of these
OFFSET_PASSES = 3  # rounds of coordinate ascent over the classes
OFFSET_GAIN = 0.005  # cross-fitted balanced accuracy that offsets must add to be kept
SOURCE_COST = 0.01  # what offsets kept for the mean over sources may cost any one source
CROSS_FOLDS = 3
MELANOMA_RECALL = 0.75  # what the melanoma offset aims validation melanoma recall at (issue 25)
MELANOMA_OFFSETS = np.round(np.arange(0.0, 2.01, 0.05), 2)
MELANOMA_COST = 0.01  # cross-fitted balanced accuracy the melanoma offset may cost any source
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


def sources_of(labels: np.ndarray, sources: np.ndarray | None) -> np.ndarray:
    """Return `sources`, or, when None, the sources of rows that all come from one."""
    return np.zeros(len(labels), dtype=np.int64) if sources is None else sources


def every_class(labels: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """Return which rows come from a source that holds every class of `labels`: per-class
    offsets are fitted on those only, since a source without some classes (ISIC 2017 has three)
    rewards never answering them, a shift to its class list rather than a better decision."""
    classes = set(np.unique(labels))
    full = [s for s in np.unique(sources) if set(np.unique(labels[sources == s])) == classes]
    return np.isin(sources, full) if full else np.ones(len(labels), dtype=bool)


def fit_weights(
    member_probabilities: np.ndarray, labels: np.ndarray, sources: np.ndarray | None = None
) -> tuple[float, ...]:
    """Return the grid's weights with the lowest log-loss of `labels` (each source weighing
    the same)."""
    grid = weight_grid(len(member_probabilities))
    rows = source_weights(sources_of(labels, sources))
    return min(grid, key=lambda w: nll(pooled(member_probabilities, w), labels, rows))


def fit_offsets(
    probabilities: np.ndarray, labels: np.ndarray, sources: np.ndarray | None = None
) -> np.ndarray:
    """Return per-class offsets on the log-probabilities that maximise the mean per-source
    balanced accuracy, by coordinate ascent over OFFSETS (ties keep the smaller change)."""
    logs = np.log(np.clip(probabilities, _TINY, None))
    offsets = np.zeros(probabilities.shape[1])
    sources = sources_of(labels, sources)

    def score(candidate: np.ndarray) -> float:
        return mean_balanced_accuracy(labels, np.argmax(logs + candidate, axis=1), sources)

    for _ in range(OFFSET_PASSES):
        for c in range(len(offsets)):
            trials = sorted(OFFSETS, key=lambda v: abs(v - offsets[c]))
            scores = [score(np.where(np.arange(len(offsets)) == c, v, offsets)) for v in trials]
            offsets[c] = trials[int(np.argmax(scores))]
    return offsets


def best_members(
    member_probabilities: np.ndarray, labels: np.ndarray, sources: np.ndarray
) -> dict[str, float]:
    """Return each source's balanced accuracy of its best member alone: what the ensemble's
    decisions must not fall below there (issue 36)."""
    each = [
        per_source(balanced_accuracy, labels, p.argmax(axis=1), sources)
        for p in member_probabilities
    ]
    return {s: max(member[s] for member in each) for s in each[0]}


def fit_melanoma_offset(
    probabilities: np.ndarray,
    labels: np.ndarray,
    offsets: np.ndarray,
    sources: np.ndarray | None = None,
    floors: dict[str, float] | None = None,
) -> float:
    """Return the smallest addition to melanoma's offset (of MELANOMA_OFFSETS) that brings the
    (mean per-source) melanoma recall of `probabilities` with `offsets` to MELANOMA_RECALL, else
    the one with the highest recall. With `floors` (a balanced accuracy per source), only
    additions that keep every source at its floor, or where it was without one if that is lower,
    are tried."""
    logs = np.log(np.clip(probabilities, _TINY, None)) + offsets
    sources = sources_of(labels, sources)
    melanoma = np.arange(logs.shape[1]) == MELANOMA_INDEX

    limits = None
    if floors is not None:
        unmoved = per_source(balanced_accuracy, labels, logs.argmax(axis=1), sources)
        limits = {s: min(floors[s], v) for s, v in unmoved.items()}

    def holds(answers: np.ndarray) -> bool:
        if limits is None:
            return True
        accuracy = per_source(balanced_accuracy, labels, answers, sources)
        return all(accuracy[s] >= limits[s] for s in accuracy)

    recalls = {}
    for extra in MELANOMA_OFFSETS:
        answers = (logs + extra * melanoma).argmax(axis=1)
        if not holds(answers):
            continue
        recalls[float(extra)] = mean_melanoma_recall(labels, answers, sources)
        if recalls[float(extra)] >= MELANOMA_RECALL:
            return float(extra)
    return max(recalls, key=lambda extra: (recalls[extra], -extra))


def fit_rule(
    member_probabilities: np.ndarray,
    labels: np.ndarray,
    offsets: bool = True,
    melanoma: bool = False,
    sources: np.ndarray | None = None,
) -> Rule:
    """Return the rule chosen on (M, N, C) validation probabilities, their labels and, when
    they come from several, their sources; without `offsets`, the per-class offsets stay 0;
    with `melanoma`, melanoma's offset is raised by `fit_melanoma_offset`, no source falling
    below its best member."""
    sources = sources_of(labels, sources)
    weights = fit_weights(member_probabilities, labels, sources)
    moved = pooled(member_probabilities, weights)
    full = every_class(labels, sources)
    shift = (
        fit_offsets(moved[full], labels[full], sources[full])
        if offsets
        else np.zeros(moved.shape[1])
    )
    if melanoma:
        floors = best_members(member_probabilities, labels, sources)
        shift[MELANOMA_INDEX] += fit_melanoma_offset(moved, labels, shift, sources, floors)
    temperature = fit_temperature(moved, labels, shift, source_weights(sources))
    return Rule(weights, tuple(float(v) for v in shift), temperature)


def cross_fitted(
    member_probabilities: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray,
    offsets: bool = True,
    melanoma: bool = False,
    folds: int = CROSS_FOLDS,
    sources: np.ndarray | None = None,
) -> np.ndarray:
    """Return (N, C) probabilities where each image's rule was fitted on the other folds only
    (lesion-grouped, stratified by class and source): an honest view of what fitting the rule
    buys."""
    from sklearn.model_selection import StratifiedGroupKFold

    sources = sources_of(labels, sources)
    strata = np.unique(sources, return_inverse=True)[1] * (labels.max() + 1) + labels
    out = np.empty(member_probabilities.shape[1:])
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=0)
    for fit_part, held in splitter.split(labels, strata, groups):
        rule = fit_rule(
            member_probabilities[:, fit_part],
            labels[fit_part],
            offsets,
            melanoma,
            sources[fit_part],
        )
        out[held] = combine(member_probabilities[:, held], rule)
    return out


def choose_rule(
    member_probabilities: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray,
    sources: np.ndarray | None = None,
) -> Rule:
    """Return the rule fitted on all of validation, with per-class offsets only when, fitted on
    some lesions, they raise the (mean per-source) balanced accuracy of the others by
    OFFSET_GAIN or more while no source loses over SOURCE_COST of its own, and with the melanoma
    offset only when, fitted likewise, it raises the others' melanoma recall for at most
    MELANOMA_COST of any source's balanced accuracy."""
    sources = sources_of(labels, sources)

    def held_out(offsets: bool, melanoma: bool) -> tuple[np.ndarray, float]:
        predictions = cross_fitted(
            member_probabilities, labels, groups, offsets, melanoma, sources=sources
        )
        answers = predictions.argmax(axis=1)
        accuracy = per_source(balanced_accuracy, labels, answers, sources)
        return np.array(list(accuracy.values())), mean_melanoma_recall(labels, answers, sources)

    plain, tuned = held_out(False, False), held_out(True, False)
    gain = tuned[0] - plain[0]
    offsets = gain.mean() >= OFFSET_GAIN and gain.min() >= -SOURCE_COST
    before, after = tuned if offsets else plain, held_out(offsets, True)
    melanoma = after[1] > before[1] and (before[0] - after[0]).max() <= MELANOMA_COST
    return fit_rule(member_probabilities, labels, offsets, melanoma, sources)

"""The ensemble's validation: its members' probabilities on every source's validation part,
which members to keep, and the per-source table that config.json records."""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import numpy as np

from lesion_runtime.scoring.metrics import headline_figures
from training.ensemble.rule import CROSS_FOLDS, Rule, combine, cross_fitted, pooled
from training.sources import mean_balanced_accuracy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Validation:
    """The members' probabilities on validation, with each image's label, lesion and source."""

    probabilities: np.ndarray  # (M, N, 7)
    labels: np.ndarray  # (N,)
    groups: np.ndarray  # (N,) lesion ids, prefixed with their source
    sources: np.ndarray  # (N,) source names
    samples: list[np.ndarray]  # each member's first validation images, at its size (a check)

    def members(self, kept: list[int]) -> Validation:
        """Return the validation of the members at `kept` only."""
        samples = [self.samples[i] for i in kept]
        return Validation(self.probabilities[kept], self.labels, self.groups, self.sources, samples)


def select_members(validation: Validation, names: list[str]) -> list[int]:
    """Return the members (two or more) whose ensemble, its rule fitted on some lesions and
    scored on the others, has the best mean per-source balanced accuracy; fewer members win
    a tie."""
    scores = {}
    for count in range(2, len(names) + 1):
        for kept in itertools.combinations(range(len(names)), count):
            part = validation.members(list(kept))
            crossed = cross_fitted(  # weights and temperature: offsets are chosen afterwards
                part.probabilities, part.labels, part.groups, offsets=False, sources=part.sources
            )
            scores[kept] = mean_balanced_accuracy(part.labels, crossed.argmax(axis=1), part.sources)
            log.info("members %s: %.4f", [names[i] for i in kept], scores[kept])
    return list(max(scores, key=lambda kept: (round(scores[kept], 4), -len(kept))))


def figures_by_source(labels: np.ndarray, probabilities: np.ndarray, sources: np.ndarray) -> dict:
    """Return the headline figures of each source's rows, and their mean over sources."""
    table = {
        s: headline_figures(labels[sources == s], probabilities[sources == s])
        for s in dict.fromkeys(sources)
    }
    if len(table) > 1:
        rows = list(table.values())
        table["mean over sources"] = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
    return table


def validation_table(validation: Validation, rule: Rule, names: list[str]) -> dict:
    """Return the validation figures, per source, of each member, of the pooled members, of the
    rule, and of the rule fitted on some lesions and scored on the others (cross-fitted), with
    and without each kind of offset."""
    members, labels, sources = validation.probabilities, validation.labels, validation.sources

    def figures(probabilities: np.ndarray) -> dict:
        return figures_by_source(labels, probabilities, sources)

    table = {name: figures(p) for name, p in zip(names, members, strict=True)}
    table["pooled (weights only)"] = figures(pooled(members, rule.weights))
    table["the rule, fitted on all of validation"] = figures(combine(members, rule))
    for offsets, melanoma in itertools.product((False, True), repeat=2):
        crossed = cross_fitted(
            members, labels, validation.groups, offsets, melanoma, sources=sources
        )
        kind = "with" if offsets else "without"
        row = f"cross-fitted on {CROSS_FOLDS} lesion folds, {kind} offsets"
        if melanoma:
            row += ", with the melanoma offset"
        table[row] = figures(crossed)
    return table

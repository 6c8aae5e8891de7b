"""Score context models on held-out images and decide whether one is served: fitted on HAM10000's
validation part and MILK10k's dermoscopic validation third together, scored there cross-fitted by
lesion (each fold's lesions answered by a head fitted without them), and scored once on
HAM10000's test part by the head fitted on all of them.
"""

from __future__ import annotations

import logging

import numpy as np
from sklearn.model_selection import GroupKFold

from lesion_core.context import FIELDS, Context
from lesion_core.labels import CLASS_CODES
from lesion_runtime.context_head import ContextHead
from lesion_runtime.scoring.metrics import (
    balanced_accuracy,
    expected_calibration_error,
    macro_auc,
    melanoma_recall,
)
from training.context.card import CASES
from training.context.fit import RECIPES, Recipe, fitted, without
from training.context.predictions import HeldOut

log = logging.getLogger(__name__)
FOLDS = 5
KEEP_GAIN = 0.005  # mean cross-fitted validation balanced accuracy a head must add to be served
MELANOMA_COST = 0.01  # mean cross-fitted validation melanoma recall it may cost (as the
# ensemble's melanoma offset may cost balanced accuracy: training.ensemble.rule)
VALIDATION = ("ham10000-val", "milk10k-val")


def figures(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """Return balanced accuracy, macro AUC, melanoma recall and ECE, to four places."""
    top = probabilities.argmax(axis=1)
    return {
        "balanced_accuracy": round(balanced_accuracy(labels, top), 4),
        "macro_auc": round(macro_auc(labels, probabilities), 4),
        "melanoma_recall": round(melanoma_recall(labels, top), 4),
        "ece": round(expected_calibration_error(labels, probabilities), 4),
    }


def answers(
    head: ContextHead, probabilities: np.ndarray, contexts: list[Context], fields: tuple[str, ...]
) -> np.ndarray:
    """Return the head's answers when only `fields` of each context are given."""
    left_out = tuple(f for f in FIELDS if f not in fields)
    return head.adjust(probabilities, [without(c, left_out) for c in contexts])


def cross_fitted(data: HeldOut, contexts: list[Context], recipe: Recipe) -> dict[str, np.ndarray]:
    """Return each case's answers on the validation images, each fold's lesions answered by a
    head fitted without them."""
    index = np.flatnonzero(np.isin(data.source, VALIDATION))
    made = {case: np.zeros((len(index), len(CLASS_CODES))) for case in CASES}
    for train, held in GroupKFold(FOLDS).split(index, groups=data.lesion_ids[index]):
        head = fitted(data, contexts, index[train], recipe)
        chosen = index[held]
        for case, fields in CASES.items():
            made[case][held] = answers(
                head, data.probabilities[chosen], [contexts[i] for i in chosen], fields
            )
    return made


def validation_score(data: HeldOut, answers_all: np.ndarray) -> float:
    """Return the mean over validation sources of the cross-fitted balanced accuracy."""
    index = np.flatnonzero(np.isin(data.source, VALIDATION))
    return float(
        np.mean(
            [
                balanced_accuracy(
                    data.labels[index][data.source[index] == source],
                    answers_all[data.source[index] == source].argmax(axis=1),
                )
                for source in VALIDATION
            ]
        )
    )


def evaluate(data: HeldOut, contexts: list[Context]) -> tuple[dict, ContextHead, Recipe]:
    """Choose the recipe on cross-fitted validation, then return the figures per source and
    case (cross-fitted on validation, the head fitted on all validation on the test part),
    per-class recall with and without context, the head and its recipe."""
    scored = {recipe: cross_fitted(data, contexts, recipe) for recipe in RECIPES}
    for recipe, made in scored.items():
        log.info("%s: cross-fitted validation %.4f", recipe, validation_score(data, made["all"]))
    recipe = max(RECIPES, key=lambda r: validation_score(data, scored[r]["all"]))
    cross = scored[recipe]
    index = np.flatnonzero(np.isin(data.source, VALIDATION))
    head = fitted(data, contexts, index, recipe)
    table: dict[str, dict] = {}
    for source in (*VALIDATION, "ham10000-test"):
        rows = np.flatnonzero(data.source == source)
        truth = data.labels[rows]
        table[source] = {
            "images": len(rows),
            "image model": figures(truth, data.probabilities[rows]),
        }
        for case, fields in CASES.items():
            if source == "ham10000-test":
                made = answers(head, data.probabilities[rows], [contexts[i] for i in rows], fields)
            else:
                made = cross[case][np.searchsorted(index, rows)]
            table[source][case] = figures(truth, made)
            if case == "all":
                alone, top = data.probabilities[rows].argmax(axis=1), made.argmax(axis=1)
                table[source]["recall"] = {
                    code: [
                        round(float(np.mean(alone[truth == c] == c)), 3),
                        round(float(np.mean(top[truth == c] == c)), 3),
                    ]
                    for c, code in enumerate(CLASS_CODES)
                    if (truth == c).any()
                }
    return table, head, recipe


def kept(table: dict) -> tuple[bool, str]:
    """Return whether the head is served, and why, from its cross-fitted validation figures."""
    gain = np.mean(
        [
            table[s]["all"]["balanced_accuracy"] - table[s]["image model"]["balanced_accuracy"]
            for s in VALIDATION
        ]
    )
    cost = np.mean(
        [
            table[s]["image model"]["melanoma_recall"] - table[s]["all"]["melanoma_recall"]
            for s in VALIDATION
        ]
    )
    why = (
        f"cross-fitted validation: balanced accuracy {gain:+.4f} (at least +{KEEP_GAIN} to be "
        f"served), melanoma recall {-cost:+.4f} (at most -{MELANOMA_COST})"
    )
    return bool(gain >= KEEP_GAIN and cost <= MELANOMA_COST), why

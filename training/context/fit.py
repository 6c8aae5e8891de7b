"""Fit the context model of a classifier: per-feature shifts of its log-probabilities by age, sex
and body site (lesion_runtime.context_head), on held-out images it never trained on.

It is fitted on HAM10000's validation part and MILK10k's dermoscopic validation third together,
scored there cross-fitted by lesion (each fold's lesions answered by a model fitted without
them), and scored once on HAM10000's test part by the model fitted on all of them. Each training
image also appears with every subset of its fields left out, so that an answer with some context
is as good as the fields it has; with none, the classifier's answer is unchanged by design.

    python -m training.context.fit --model models/ensemble/model.onnx
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from sklearn.model_selection import GroupKFold

from lesion_core.context import FIELDS, Context, parse_context
from lesion_core.labels import CLASS_CODES
from lesion_runtime.context_head import (
    CONTEXT_FILE,
    FEATURES,
    ContextHead,
    centred,
    features_of,
    given_of,
)
from lesion_runtime.model_file import model_name, model_version
from training.context.predictions import SHARED, HeldOut, held_out
from training.metrics import (
    balanced_accuracy,
    expected_calibration_error,
    macro_auc,
    melanoma_recall,
)

log = logging.getLogger(__name__)
FOLDS = 5
KEEP_GAIN = 0.005  # mean cross-fitted validation balanced accuracy a head must add to be served
MELANOMA_COST = 0.01  # mean cross-fitted validation melanoma recall it may cost (as the
# ensemble's melanoma offset may cost balanced accuracy: training.ensemble.rule)
REPORT_FILE = "context.md"
VALIDATION = ("ham10000-val", "milk10k-val")
_TINY = 1e-30


@dataclass(frozen=True)
class Rows:
    """Images as the fit sees them: log-probabilities, centred context features, labels and
    weights."""

    logp: np.ndarray  # (N, 7)
    features: np.ndarray  # (N, F)
    labels: np.ndarray  # (N,)
    weights: np.ndarray  # (N,)


@dataclass(frozen=True)
class Recipe:
    """How a head is fitted: class-balanced weights or not, and the ridge penalty."""

    balanced: bool
    l2: float


RECIPES = [Recipe(b, l2) for b in (False, True) for l2 in (1.0, 3.0, 10.0, 30.0)]


def contexts_of(data: HeldOut) -> list[Context]:
    """Return each held-out image's context as the API would parse it."""
    return [
        parse_context(None if np.isnan(age) else age, sex, site)
        for age, sex, site in zip(data.age, data.sex, data.site, strict=True)
    ]


def without(context: Context, fields: tuple[str, ...]) -> Context:
    """Return `context` with `fields` left out."""
    kept = {f: (None if f in fields else getattr(context, f)) for f in FIELDS}
    return Context(**kept)


def with_subsets(contexts: list[Context]) -> list[Context]:
    """Return every context once per subset of its fields left out (all of them last)."""
    subsets = [c for r in range(len(FIELDS)) for c in itertools.combinations(FIELDS, r)]
    return [without(c, s) for s in subsets for c in contexts]


def feature_centres(contexts: list[Context]) -> np.ndarray:
    """Return each feature's mean over the contexts whose field gives it."""
    features = np.stack([features_of(c) for c in contexts])
    given = np.stack([given_of(c) for c in contexts])
    return np.array(
        [
            features[given[:, j], j].mean() if given[:, j].any() else 0.0
            for j in range(len(FEATURES))
        ]
    )


def fit_rows(
    probabilities: np.ndarray, contexts: list[Context], labels: np.ndarray, recipe: Recipe
) -> tuple[Rows, np.ndarray]:
    """Return the fit's rows (every image once per subset of its fields left out) and the
    feature centres; with `recipe.balanced`, each class weighs the same in total."""
    copies = len(with_subsets(contexts[:1]))
    expanded = with_subsets(contexts)
    centres = feature_centres(contexts)
    repeated = np.tile(labels, copies)
    counts = np.bincount(repeated, minlength=len(CLASS_CODES)).astype(float)
    weights = (
        (len(repeated) / (len(CLASS_CODES) * np.maximum(counts, 1)))[repeated]
        if recipe.balanced
        else np.ones(len(repeated))
    )
    logp = np.log(np.clip(probabilities, _TINY, None))
    rows = Rows(np.tile(logp, (copies, 1)), centred(expanded, centres), repeated, weights)
    return rows, centres


def fit_head(rows: Rows, l2: float) -> np.ndarray:
    """Return the (F, 7) shifts that minimise the weighted log-loss plus the ridge penalty."""
    shape = (rows.features.shape[1], len(CLASS_CODES))
    onehot = np.eye(len(CLASS_CODES))[rows.labels]
    total = rows.weights.sum()
    scale = l2 * len(CLASS_CODES) / len(rows.labels)

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        weights = flat.reshape(shape)
        logits = rows.logp + rows.features @ weights
        logits -= logits.max(axis=1, keepdims=True)
        log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        value = -(rows.weights * (onehot * log_probs).sum(axis=1)).sum() / total
        grad = rows.features.T @ (rows.weights[:, None] * (np.exp(log_probs) - onehot)) / total
        return float(value + scale * (weights**2).sum()), (grad + 2 * scale * weights).ravel()

    result = minimize(loss, np.zeros(np.prod(shape)), jac=True, method="L-BFGS-B")
    return result.x.reshape(shape)


def fitted(data: HeldOut, contexts: list[Context], rows: np.ndarray, recipe: Recipe) -> ContextHead:
    """Return the head fitted on the images `rows` by `recipe`."""
    fit, centres = fit_rows(
        data.probabilities[rows], [contexts[i] for i in rows], data.labels[rows], recipe
    )
    return ContextHead(fit_head(fit, recipe.l2), centres, "")


def figures(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """Return balanced accuracy, macro AUC, melanoma recall and ECE, to four places."""
    top = probabilities.argmax(axis=1)
    return {
        "balanced_accuracy": round(balanced_accuracy(labels, top), 4),
        "macro_auc": round(macro_auc(labels, probabilities), 4),
        "melanoma_recall": round(melanoma_recall(labels, top), 4),
        "ece": round(expected_calibration_error(labels, probabilities), 4),
    }


CASES = {"no context": (), "age": ("age",), "sex": ("sex",), "site": ("site",), "all": FIELDS}


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


def report(name: str, table: dict, recipe: Recipe, served: bool, why: str) -> str:
    """Return the card section of a context model: each held-out set's figures with and without
    each field, and per-class recall without and with all of them."""
    lines = [
        f"# Clinical context for `{name}`",
        "",
        f"**{'Served' if served else 'Not served'}**: {why}. Fitted by `make context` "
        f"(`python -m training.context.fit`), recipe {recipe}: per-feature shifts of the "
        "classifier's log-probabilities by age, sex and site (lesion_runtime/context_head.py), "
        "fitted on HAM10000's validation part and MILK10k's dermoscopic validation third; those "
        "rows are cross-fitted by lesion (5 folds), HAM10000's test part is scored once.",
        "",
        "| held-out set | images | given | balanced accuracy | macro AUC | melanoma recall | ECE |",
        "|---|---|---|---|---|---|---|",
    ]
    for source, cases in table.items():
        for case in ("image model", *CASES):
            f = cases[case]
            lines.append(
                f"| {source} | {cases['images']} | {case} | {f['balanced_accuracy']:.4f} | "
                f"{f['macro_auc']:.4f} | {f['melanoma_recall']:.4f} | {f['ece']:.4f} |"
            )
    lines += ["", "Recall per class, without context → with age, sex and site:", ""]
    lines += ["| held-out set | " + " | ".join(CLASS_CODES) + " |", "|---" * 8 + "|"]
    for source, cases in table.items():
        recall = cases["recall"]
        cells = [
            f"{recall[c][0]:.3f} → {recall[c][1]:.3f}" if c in recall else "-" for c in CLASS_CODES
        ]
        lines.append(f"| {source} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Fit and score the context model of one classifier; serve it (context.json) only where
    it helps on validation; write its card section (context.md); return 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=Path("models/ensemble/model.onnx"))
    parser.add_argument("--ham10000", type=Path, default=SHARED / "ham10000")
    parser.add_argument("--milk10k", type=Path, default=SHARED / "milk10k")
    parser.add_argument("--cache-dir", type=Path, default=Path("runs/context"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    data = held_out(args.model, args.ham10000, args.milk10k, args.cache_dir)
    table, head, recipe = evaluate(data, contexts_of(data))
    name = model_name(args.model)
    served, why = kept(table)
    out = args.model.parent / CONTEXT_FILE
    if served:
        fitted_head = ContextHead(head.weights, head.centres, model_version(args.model, name))
        record = {**fitted_head.as_dict(), "recipe": vars(recipe), "scores": table}
        out.write_text(json.dumps(record, indent=2) + "\n")
    else:
        out.unlink(missing_ok=True)
    (args.model.parent / REPORT_FILE).write_text(report(name, table, recipe, served, why))
    for source, cases in table.items():
        for case in ("image model", *CASES):
            print(f"{source:14} {case:12} {cases[case]}")
    print(f"{name}: {'served' if served else 'not served'} ({why})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

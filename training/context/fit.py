"""Fit the context model of a classifier: per-feature shifts of its log-probabilities by age, sex
and body site (lesion_runtime.context_head), on held-out images it never trained on. Each image
also appears with every subset of its fields left out, so that an answer with some context is as
good as the fields it has; with none, the classifier's answer is unchanged by design.
training.context.scoring scores the fits, training.context.build is the command.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from lesion_core.context import FIELDS, Context, parse_context
from lesion_core.labels import CLASS_CODES
from lesion_runtime.context_head import FEATURES, ContextHead, centred, features_of, given_of
from training.context.predictions import HeldOut

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


# Each training image appears once per subset of its fields left out (never all of them).
LEFT_OUT = [c for r in range(len(FIELDS)) for c in itertools.combinations(FIELDS, r)]


def with_subsets(contexts: list[Context]) -> list[Context]:
    """Return every context once per subset of its fields left out (LEFT_OUT's order)."""
    return [without(c, s) for s in LEFT_OUT for c in contexts]


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
    copies = len(LEFT_OUT)
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

"""Temperature and prior shift on probabilities alone: softmax((log p + shift) / T), its fit by
validation NLL, and the table of decisions each prior shift gives (NumPy and SciPy only)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from lesion_runtime.scoring.metrics import classification_metrics

LOG_T_BOUNDS = (-3.0, 3.0)  # temperature between e^-3 ≈ 0.05 and e^3 ≈ 20
_TINY = 1e-30  # keeps log() finite for probabilities that underflowed to 0
ALPHAS = (-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0)


def tempered(proba: np.ndarray, temperature: float, shift: np.ndarray | float = 0.0) -> np.ndarray:
    """Return softmax((log(proba) + shift) / temperature), row by row."""
    logits = (np.log(np.clip(proba, _TINY, None)) + shift) / temperature
    logits -= logits.max(axis=-1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=-1, keepdims=True)


def calibrated(
    proba: np.ndarray, temperature: float, shift: np.ndarray | float = 0.0
) -> np.ndarray:
    """Return the tempered (N, C) probabilities; for per-view (V, N, C) probabilities of
    test-time augmentation, the mean of the tempered views, as the wrapped model computes it."""
    out = tempered(proba, temperature, shift)
    return out.mean(axis=0) if out.ndim == 3 else out


def nll(proba: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Return the mean negative log-likelihood of integer `labels` under `proba`, each row
    counted by `weights` when given."""
    picked = proba[np.arange(len(labels)), labels]
    return float(-np.average(np.log(np.clip(picked, _TINY, None)), weights=weights))


def fit_temperature(
    proba: np.ndarray,
    labels: np.ndarray,
    shift: np.ndarray | float = 0.0,
    weights: np.ndarray | None = None,
) -> float:
    """Return the temperature that minimises the NLL of `labels` under calibrated `proba`
    (rows counted by `weights` when given)."""
    result = minimize_scalar(
        lambda log_t: nll(calibrated(proba, float(np.exp(log_t)), shift), labels, weights),
        bounds=LOG_T_BOUNDS,
        method="bounded",
        options={"xatol": 1e-5},
    )
    return float(np.exp(result.x))


def prior_shift_table(
    proba: np.ndarray, labels: np.ndarray, log_prior: np.ndarray, alphas=ALPHAS
) -> list[dict]:
    """Return accuracy, balanced accuracy and melanoma recall for each prior shift alpha."""
    rows = []
    for alpha in alphas:
        decided = calibrated(proba, 1.0, alpha * log_prior)
        figures = classification_metrics(labels, decided)
        keys = ("accuracy", "balanced_accuracy", "melanoma_recall")
        rows.append({"alpha": alpha, **{k: figures[k] for k in keys}})
    return rows

"""Evaluation figures that stay honest under HAM10000's imbalance."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    log_loss,
    precision_recall_fscore_support,
    roc_auc_score,
)

from lesion_core.labels import CLASS_CODES, CLASS_INDEX, MELANOMA_INDEX

ECE_BINS = 15
_ALL = list(range(len(CLASS_CODES)))


def expected_calibration_error(
    y_true: np.ndarray, proba: np.ndarray, bins: int = ECE_BINS
) -> float:
    """Return the top-label expected calibration error over equal-width confidence bins."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y_true
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            error += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(error)


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Return the mean recall over the classes present in `y_true`: scikit-learn's balanced
    accuracy, without its warning when `y_pred` names a class `y_true` lacks (a small validation
    part can)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return float(np.mean([np.mean(y_pred[y_true == c] == c) for c in np.unique(y_true)]))


def melanoma_recall(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Return the share of the melanomas in `y_true` that `y_pred` calls melanoma (1.0 when
    there are none)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    melanomas = y_true == MELANOMA_INDEX
    return float(np.mean(y_pred[melanomas] == MELANOMA_INDEX)) if melanomas.any() else 1.0


def macro_auc(y_true: np.ndarray, proba: np.ndarray) -> float:
    """Return the mean one-vs-rest ROC AUC over the classes present in `y_true`."""
    present = [c for c in _ALL if 0 < (y_true == c).sum() < len(y_true)]
    if not present:
        return float("nan")
    return float(np.mean([roc_auc_score(y_true == c, proba[:, c]) for c in present]))


def classification_metrics(y_true: np.ndarray, proba: np.ndarray) -> dict:
    """Return accuracy, loss, balanced accuracy, macro-F1/AUC, ECE, per-class figures and the
    confusion matrix for integer labels and (N, 7) probabilities."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = proba.argmax(axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=_ALL, zero_division=0
    )
    per_class = {
        code: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, code in enumerate(CLASS_CODES)
    }
    return {
        "n": len(y_true),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "loss": float(log_loss(y_true, proba / proba.sum(axis=1, keepdims=True), labels=_ALL)),
        "balanced_accuracy": balanced_accuracy(y_true, y_pred),
        "macro_f1": float(f1_score(y_true, y_pred, labels=_ALL, average="macro", zero_division=0)),
        "macro_auc": macro_auc(y_true, proba),
        "melanoma_recall": float(recall[MELANOMA_INDEX]),
        "ece": expected_calibration_error(y_true, proba),
        "per_class": per_class,
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=_ALL).tolist(),
    }


def majority_baseline(y_true: np.ndarray, code: str = "nv") -> dict:
    """Return the headline figures of always answering `code` with certainty."""
    proba = np.zeros((len(y_true), len(CLASS_CODES)))
    proba[:, CLASS_INDEX[code]] = 1.0
    full = classification_metrics(y_true, proba)
    keys = ("accuracy", "balanced_accuracy", "macro_f1", "macro_auc", "melanoma_recall")
    return {"answer": code, **{k: full[k] for k in keys}}


HEADLINE = ("accuracy", "balanced_accuracy", "macro_auc", "melanoma_recall", "ece")


def headline_figures(y_true: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    """Return the headline figures (HEADLINE) of one set of probabilities, to four places."""
    metrics = classification_metrics(y_true, proba)
    return {k: round(float(metrics[k]), 4) for k in HEADLINE}

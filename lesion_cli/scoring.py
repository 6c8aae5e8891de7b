"""The figures `lesion score` reports. Balanced accuracy and the AUCs come from the ISIC
challenge's own scoring package (isic-challenge-scoring), which needs every class in the truth;
the confusion matrix, recall per class, accuracy and the calibration error (ECE) from
lesion_runtime.scoring.metrics, as training reports them (it needs scikit-learn, not TensorFlow)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score

from lesion_cli.errors import CliError
from lesion_core.labels import CLASS_CODES, CLASS_INDEX
from lesion_runtime.scoring.isic_challenge import ScoringError, isic_scores
from lesion_runtime.scoring.metrics import classification_metrics


@dataclass(frozen=True)
class Scores:
    """How predictions compare with the truth."""

    confusion: np.ndarray  # (7, 7) counts: rows the truth, columns the top class
    recall: dict[str, float]  # per class code, of the classes in the truth
    auc: dict[str, float]  # one-vs-rest, per class code, of the classes in the truth
    balanced_accuracy: float
    macro_auc: float
    accuracy: float
    ece: float
    by_isic: bool  # False: some class is absent from the truth, and ISIC's scoring cannot run

    @property
    def images(self) -> int:
        """Return the number of images scored."""
        return int(self.confusion.sum())


def score(labels: np.ndarray, probabilities: np.ndarray) -> Scores:
    """Return the scores of (N, 7) probabilities (class-code order) against integer labels."""
    figures = classification_metrics(labels, probabilities)
    present = [code for code in CLASS_CODES if (labels == CLASS_INDEX[code]).any()]
    by_isic = len(present) == len(CLASS_CODES)
    if by_isic:
        try:
            balanced_accuracy, macro_auc, auc = isic_scores(labels, probabilities)
        except ScoringError as exc:
            raise CliError(str(exc)) from None
    else:  # over the classes present, as lesion_runtime.scoring.metrics computes them
        balanced_accuracy, macro_auc = figures["balanced_accuracy"], figures["macro_auc"]
        auc = {code: class_auc(labels, probabilities, code) for code in present}
    return Scores(
        confusion=np.asarray(figures["confusion_matrix"]),
        recall={code: figures["per_class"][code]["recall"] for code in present},
        auc=auc,
        balanced_accuracy=balanced_accuracy,
        macro_auc=macro_auc,
        accuracy=figures["accuracy"],
        ece=figures["ece"],
        by_isic=by_isic,
    )


def class_auc(labels: np.ndarray, probabilities: np.ndarray, code: str) -> float:
    """Return the one-vs-rest ROC AUC of one class (NaN when every image is of that class)."""
    index = CLASS_INDEX[code]
    positive = labels == index
    if positive.all():
        return float("nan")
    return float(roc_auc_score(positive, probabilities[:, index]))

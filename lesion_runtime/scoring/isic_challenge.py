"""The ISIC challenge's own scoring (the `isic-challenge-scoring` package) of our probabilities,
and the challenge's submission format (image,MEL,NV,BCC,AKIEC,BKL,DF,VASC), for `lesion score`
and `make evaluate`. It needs every class in the truth."""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import numpy as np

from lesion_core.isic import ISIC_COLUMNS, ISIC_HEADER
from lesion_core.labels import CLASS_CODES, CLASS_INDEX

TO_ISIC = [CLASS_INDEX[column.lower()] for column in ISIC_COLUMNS]  # our columns, ISIC's order


class ScoringError(ValueError):
    """The ISIC scoring cannot score these predictions."""


def isic_scores(
    labels: np.ndarray, probabilities: np.ndarray
) -> tuple[float, float, dict[str, float]]:
    """Return the ISIC challenge's balanced accuracy, macro AUC and AUC per class code, from the
    submission and ground-truth CSVs its scoring reads."""
    from isic_challenge_scoring import ClassificationMetric, ClassificationScore, ScoreError

    # Names of our own: the package reads numeric names as numbers and weighs one ISIC image 0.
    names = [f"image_{i}" for i in range(len(labels))]
    truth = isic_csv(names, np.eye(len(CLASS_CODES))[labels][:, TO_ISIC])
    submission = isic_csv(names, probabilities[:, TO_ISIC])
    with warnings.catch_warnings():
        # Its CSV check calls DataFrame.applymap, deprecated by pandas 2.1 (and gone in 3).
        warnings.filterwarnings("ignore", "DataFrame.applymap", FutureWarning)
        try:
            result = ClassificationScore.from_stream(
                io.StringIO(truth), io.StringIO(submission), ClassificationMetric.BALANCED_ACCURACY
            )
        except ScoreError as exc:
            raise ScoringError(f"the ISIC scoring refuses the predictions: {exc}") from None
    auc = result.per_category["auc"]
    return (
        float(result.aggregate["balanced_accuracy"]),
        float(result.macro_average["auc"]),
        {column.lower(): float(auc[column]) for column in ISIC_COLUMNS},
    )


def isic_csv(names: list[str], values: np.ndarray) -> str:
    """Return an ISIC-format CSV (image,MEL,NV,BCC,AKIEC,BKL,DF,VASC) of one row per image."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(ISIC_HEADER)
    writer.writerows((name, *map(float, row)) for name, row in zip(names, values, strict=True))
    return text.getvalue()


def write_submission(path: Path, image_ids: np.ndarray, probabilities: np.ndarray) -> None:
    """Write (N, 7) probabilities (class-code order) as an ISIC submission CSV."""
    path.write_text(isic_csv([str(i) for i in image_ids], probabilities[:, TO_ISIC]))

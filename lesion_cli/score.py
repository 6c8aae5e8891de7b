"""`lesion score`: compare predictions with the truth, print the figures, and plot them."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from lesion_cli.arguments import ScoreOptions
from lesion_cli.errors import CliError
from lesion_cli.scoring import Scores, score
from lesion_cli.tables import read_predictions, read_truth
from lesion_core.labels import CLASS_CODES
from lesion_runtime.scoring.metrics import ECE_BINS

CONFUSION_PNG = "confusion_matrix.png"  # the names a training run gives its plots
RELIABILITY_PNG = "reliability.png"
SHOWN = 3  # image names a note quotes


def run(options: ScoreOptions) -> int:
    """Score, print the figures and save the plots asked for; return the exit status."""
    for path in (options.predictions, options.truth):
        if not path.is_file():
            raise CliError(f"{path}: no such file")
    predictions = read_predictions(options.predictions)
    truth = read_truth(options.truth)
    names = sorted(name for name in predictions.probabilities if name in truth)
    if not names:
        raise CliError(
            f"no image of {options.predictions} is in {options.truth}; do they name the same "
            "images?"
        )
    labels = np.array([truth[name] for name in names])
    probabilities = np.stack([predictions.probabilities[name] for name in names])
    scores = score(labels, probabilities)
    print(f"Scored {len(names)} images of {options.predictions} against {options.truth}.")
    untrue = [name for name in predictions.probabilities if name not in truth]
    if untrue:
        first = ", ".join(untrue[:SHOWN]) + (", …" if len(untrue) > SHOWN else "")
        print(f"Left out: {len(untrue)} of the predictions, not in the truth ({first}).")
    if predictions.failed:
        print(f"Left out: {len(predictions.failed)} of the predictions, an error in their row.")
    answered = {*predictions.probabilities, *predictions.failed}
    if unpredicted := sum(name not in answered for name in truth):
        print(f"Left out: {unpredicted} of the truth's images, not predicted.")
    print()
    print(report(scores))
    if options.plots:
        print(
            "\nPlots: "
            + ", ".join(
                map(
                    str,
                    save_plots(
                        scores,
                        labels,
                        probabilities,
                        options.plots,
                        ", ".join(sorted(predictions.models)) or options.predictions.name,
                    ),
                )
            )
        )
    return 0


def report(scores: Scores) -> str:
    """Return the confusion matrix with recall and AUC per class, then the overall figures."""
    width = max(6, len(str(scores.confusion.max())) + 1)
    header = f"{'':<6}" + "".join(f"{code:>{width}}" for code in CLASS_CODES)
    lines = [
        "Confusion matrix (rows: the truth, columns: the top class)",
        header + "  recall     AUC",
    ]
    for code, counts in zip(CLASS_CODES, scores.confusion, strict=True):
        cells = "".join(f"{int(count):>{width}}" for count in counts)
        recall, auc = figure(scores.recall.get(code)), figure(scores.auc.get(code))
        lines.append(f"{code:<6}{cells}  {recall:>6}  {auc:>6}")
    source = (
        "ISIC challenge scoring"
        if scores.by_isic
        else f"over the {len(scores.recall)} classes in the truth; ISIC's scoring needs all "
        f"{len(CLASS_CODES)}"
    )
    lines += [
        "",
        f"Balanced accuracy  {figure(scores.balanced_accuracy)}  ({source})",
        f"Macro AUC          {figure(scores.macro_auc)}  ({source})",
        f"Accuracy           {figure(scores.accuracy)}",
        f"ECE                {figure(scores.ece)}  (top-class calibration error, {ECE_BINS} bins)",
    ]
    return "\n".join(lines)


def figure(value: float | None) -> str:
    """Return a figure with 4 decimals, or "-" when there is none."""
    return "-" if value is None or math.isnan(value) else f"{value:.4f}"


def save_plots(
    scores: Scores, labels: np.ndarray, probabilities: np.ndarray, folder: Path, model: str
) -> list[Path]:
    """Save the confusion matrix and the reliability diagram of `model`'s answers (its name and
    version, or the predictions file's name) as PNG in `folder`; return them."""
    from lesion_runtime.scoring.plots import plot_confusion, plot_reliability  # matplotlib: slow

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"--plots {folder}: cannot make that folder ({exc.strerror})") from None
    confusion, reliability = folder / CONFUSION_PNG, folder / RELIABILITY_PNG
    plot_confusion(
        scores.confusion.tolist(), confusion, f"{model}\nConfusion matrix, {scores.images} images"
    )
    plot_reliability(
        labels, probabilities, reliability, f"{model}\nReliability, ECE {scores.ece:.3f}"
    )
    return [confusion, reliability]

"""The three PNG plots of a run: accuracy and loss against epochs, and the confusion heat-map."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
import numpy as np

from lesion_core.labels import CLASS_CODES
from lesion_runtime.scoring.metrics import ECE_BINS

# Point sizes: labels readable at the size a card or a report shows the PNG.
LABEL_SIZE = 12
CELL_SIZE = 9


def plot_curve(history: list[dict], metric: str, path: Path) -> None:
    """Plot training and validation `metric` against epoch into `path`."""
    epochs = [row["epoch"] for row in history]
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ax.plot(epochs, [row[metric] for row in history], label="train")
    if history and f"val_{metric}" in history[0]:
        ax.plot(epochs, [row[f"val_{metric}"] for row in history], label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} vs epochs")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_confusion(matrix: list[list[int]], path: Path, title: str = "Confusion matrix") -> None:
    """Plot the row-normalised confusion matrix (recall per true class) with counts."""
    counts = np.asarray(matrix, dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    normalised = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    fig, ax = plt.subplots(figsize=(7.5, 6.5), dpi=120)
    image = ax.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ticks = range(len(CLASS_CODES))
    ax.set_xticks(ticks, CLASS_CODES, fontsize=LABEL_SIZE)
    ax.set_yticks(ticks, CLASS_CODES, fontsize=LABEL_SIZE)
    ax.set_xlabel("predicted", fontsize=LABEL_SIZE)
    ax.set_ylabel("true", fontsize=LABEL_SIZE)
    ax.set_title(f"{title} (rows sum to 1)", fontsize=LABEL_SIZE)
    for i in ticks:
        for j in ticks:
            colour = "white" if normalised[i, j] > 0.5 else "black"
            text = f"{normalised[i, j]:.2f}\n({int(counts[i, j])})"
            ax.text(j, i, text, ha="center", va="center", fontsize=CELL_SIZE, color=colour)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_reliability(
    labels: np.ndarray,
    proba: np.ndarray,
    path: Path,
    title: str = "Reliability",
    bins: int = ECE_BINS,
) -> None:
    """Plot accuracy against mean top-class confidence per confidence bin (the diagonal is
    perfect calibration), with each bin's share of images, as the ECE is computed."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    filled = [b for b in range(bins) if (which == b).any()]
    mean_conf = [confidence[which == b].mean() for b in filled]
    accuracy = [correct[which == b].mean() for b in filled]
    share = [(which == b).mean() for b in filled]
    fig, ax = plt.subplots(figsize=(6, 6), dpi=120)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot(mean_conf, accuracy, marker="o", label="model")
    for x, y, s in zip(mean_conf, accuracy, share, strict=True):
        ax.annotate(
            f"{s:.0%}", (x, y), textcoords="offset points", xytext=(4, -12), fontsize=CELL_SIZE
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean confidence of the top class (per bin)", fontsize=LABEL_SIZE)
    ax.set_ylabel("accuracy (per bin)", fontsize=LABEL_SIZE)
    ax.set_title(f"{title}\n(labels: share of images per bin)", fontsize=LABEL_SIZE)
    ax.tick_params(labelsize=LABEL_SIZE - 1)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=LABEL_SIZE - 1)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)

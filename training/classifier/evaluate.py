"""Evaluate a saved model on a run's held-out part or on any labelled data; a thin CLI on top."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from training.classifier.robustness import robustness_metrics
from training.cli import add_data_arguments
from training.data import DataError, Dataset, load_dataset
from training.metrics import classification_metrics, majority_baseline
from training.reports.plots import plot_confusion, plot_reliability
from training.reports.report import write_report
from training.split import PARTS, load_split

log = logging.getLogger(__name__)

DEFAULT_MODEL = Path("models/resnet_small_2x/model.keras")


def predict_proba(model: keras.Model, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Return the model's (N, classes) probabilities for uint8 images."""
    return np.asarray(model.predict(images, batch_size=batch_size, verbose=0), dtype=np.float64)


def evaluate(
    model: keras.Model,
    dataset: Dataset,
    out_dir: Path,
    title: str,
    summary: dict,
    extra: dict | None = None,
    part: str = "test",
) -> dict:
    """Score `dataset`, write metrics.json (the figures under `part`, the name of the split's
    part scored, with any `extra` sections), report.md and the plots; return the metrics."""
    proba = predict_proba(model, dataset.images)
    metrics = classification_metrics(dataset.labels, proba)
    baseline = majority_baseline(dataset.labels)
    out_dir.mkdir(parents=True, exist_ok=True)
    plot_confusion(metrics["confusion_matrix"], out_dir / "confusion_matrix.png", title)
    plot_reliability(dataset.labels, proba, out_dir / "reliability.png", title)
    result = {"summary": summary, part: metrics, "baseline_always_nv": baseline, **(extra or {})}
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2) + "\n")
    write_report(out_dir / "report.md", title, summary, metrics, baseline)
    return metrics


@dataclass(frozen=True)
class EvaluateArgs:
    """Command-line settings of `python -m training.classifier.evaluate`."""

    model: Path
    data: Path
    split: Path | None
    part: str
    out: Path
    cache_dir: Path
    robustness: bool = False


def parse_args(argv: list[str] | None = None) -> EvaluateArgs:
    """Return validated arguments; exits with a usage message on a bad one."""
    parser = argparse.ArgumentParser(
        prog="python -m training.classifier.evaluate",
        description="Score a saved model: accuracy, loss, balanced accuracy, macro-F1, macro AUC, "
        "per-class figures, confusion matrix; writes metrics.json, report.md and plots.",
    )
    parser.add_argument(
        "--model", type=Path, default=DEFAULT_MODEL, help="the .keras model (default: %(default)s)"
    )
    add_data_arguments(parser)
    parser.add_argument(
        "--split",
        type=Path,
        default=None,
        help="split CSV of the run (default: split.csv beside the model); "
        "'none' scores every row of --data",
    )
    parser.add_argument(
        "--part",
        choices=PARTS,
        default="test",
        help="which part of the split to score (default: %(default)s)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: runs/eval-<model folder name>)",
    )
    parser.add_argument(
        "--robustness",
        action="store_true",
        help="also score centre crops and flips of the part's original image files "
        "(needs a release folder as --data)",
    )
    ns = parser.parse_args(argv)
    if ns.robustness and not ns.data.is_dir():
        parser.error("--robustness needs the original images: pass a release folder as --data")
    if not ns.model.is_file():
        parser.error(f"--model {ns.model}: no such file; train one with `make train`")
    split = ns.split
    if split is None and (ns.model.parent / "split.csv").is_file():
        split = ns.model.parent / "split.csv"
    if split is not None and str(split) == "none":
        split = None
    if split is not None and not split.is_file():
        parser.error(f"--split {split}: no such file")
    out = ns.out or Path("runs") / f"eval-{ns.model.parent.name}"
    return EvaluateArgs(ns.model, ns.data, split, ns.part, out, ns.cache_dir, ns.robustness)


def main(argv: list[str] | None = None) -> int:
    """Evaluate and print the headline figures; return the exit code."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        dataset = load_dataset(args.data, cache_dir=args.cache_dir)
        if args.split is not None:
            dataset = dataset.subset(load_split(dataset, args.split).part(args.part))
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    model = keras.models.load_model(args.model, compile=False)
    summary = {
        "model": str(args.model),
        "data": dataset.source,
        "split": f"{args.split} (part: {args.part})" if args.split else "none (all rows)",
    }
    extra = {}
    if args.robustness:
        try:
            extra["robustness"] = robustness_metrics(
                model, args.data, dataset.image_ids, dataset.labels
            )
        except DataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    title = f"Evaluation of {args.model}"
    part = args.part if args.split is not None else "test"
    metrics = evaluate(model, dataset, args.out, title, summary, extra, part)
    for key in ("accuracy", "balanced_accuracy", "macro_f1", "macro_auc", "melanoma_recall", "ece"):
        print(f"{key:>18}: {metrics[key]:.4f}")
    if args.robustness:
        for view, drop in extra["robustness"]["drop"].items():
            print(f"{view:>18}: balanced accuracy drop {drop:+.4f}")
    print(f"wrote {args.out}/metrics.json, report.md, confusion_matrix.png, reliability.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Evaluate a saved model on a run's held-out part or on any labelled data; a thin CLI on top."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lesion_core.labels import CLASS_CODES
from lesion_runtime.scoring.isic_challenge import ScoringError, isic_scores, write_submission
from lesion_runtime.scoring.metrics import classification_metrics, majority_baseline
from lesion_runtime.scoring.plots import plot_confusion, plot_reliability
from training.arguments import SettingsError, option, parse
from training.classifier.other_sources import (
    isic2017_figures,
    isic2017_lines,
    milk10k_figures,
    milk10k_lines,
)
from training.classifier.scored_model import (
    ScoredModel,
    as_scored,
    load_scored_model,
    saved_input_sizes,
)
from training.classifier.summary import (
    HEADLINE,
    baseline_lines,
    figure_lines,
    official_line,
    robustness_lines,
)
from training.cli import cache_option, check_data, data_option, setup_logging
from training.data import load_dataset
from training.dataset import DataError, Dataset
from training.reports.report import write_report
from training.split import PARTS, load_split, split_of

if TYPE_CHECKING:
    import keras

log = logging.getLogger(__name__)

SUBMISSION = "isic_predictions.csv"  # the predictions, in the ISIC challenge's format

DEFAULT_MODEL = Path("models/resnet_small_2x/model.keras")
DEFAULT_MILK10K = Path("../shared/data/milk10k")


def predict_proba(model: keras.Model, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Return the model's (N, classes) probabilities for uint8 images."""
    return np.asarray(model.predict(images, batch_size=batch_size, verbose=0), dtype=np.float64)


def official_scores(dataset: Dataset, proba: np.ndarray, out_dir: Path) -> dict:
    """Write the predictions as an ISIC submission (isic_predictions.csv) and return the ISIC
    challenge scorer's figures, or why it could not score them."""
    write_submission(out_dir / SUBMISSION, dataset.image_ids, proba)
    absent = [code for i, code in enumerate(CLASS_CODES) if not (dataset.labels == i).any()]
    if absent:
        return {"skipped": f"it needs every class in the truth; none of {', '.join(absent)}"}
    try:
        balanced, auc, per_class = isic_scores(dataset.labels, proba)
    except ImportError:
        return {"skipped": "isic-challenge-scoring is not installed (pip install -e '.[cli]')"}
    except ScoringError as exc:
        return {"skipped": str(exc)}
    return {
        "scorer": f"isic-challenge-scoring {version('isic-challenge-scoring')}",
        "submission": SUBMISSION,
        "balanced_accuracy": balanced,
        "macro_auc": auc,
        "auc": per_class,
    }


def evaluate(
    model: keras.Model | ScoredModel,
    dataset: Dataset | list[Dataset],
    out_dir: Path,
    title: str,
    summary: dict,
    extra: dict | None = None,
    part: str = "test",
) -> dict:
    """Score `dataset` (one per input size of the model, the same images), write metrics.json
    (the figures under `part`, the name of the split's part scored, the ISIC scorer's under
    `official`, with any `extra` sections), isic_predictions.csv, report.md and the plots;
    return the metrics."""
    datasets = dataset if isinstance(dataset, list) else [dataset]
    dataset = datasets[0]
    proba = as_scored(model).predict([d.images for d in datasets])
    metrics = classification_metrics(dataset.labels, proba)
    baseline = majority_baseline(dataset.labels)
    out_dir.mkdir(parents=True, exist_ok=True)
    plot_confusion(metrics["confusion_matrix"], out_dir / "confusion_matrix.png", title)
    plot_reliability(dataset.labels, proba, out_dir / "reliability.png", title)
    official = official_scores(dataset, proba, out_dir)
    result = {
        "summary": summary,
        part: metrics,
        "official": official,
        "baseline_always_nv": baseline,
        **(extra or {}),
    }
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2) + "\n")
    write_report(out_dir / "report.md", title, summary, metrics, baseline)
    return metrics


@dataclass(frozen=True, kw_only=True)
class EvaluateArgs:
    """Command-line settings of `python -m training.classifier.evaluate`."""

    model: Path = option(
        DEFAULT_MODEL, "the model to score: a .keras classifier or a served .onnx model"
    )
    data: Path = data_option()
    split: Path | None = option(
        None,
        "split CSV of the run; 'none' scores every row of --data",
        shown="split.csv beside the model, else the split_file its config.json names",
    )
    part: str = option("test", "which part of the split to score", choices=PARTS)
    out: Path | None = option(None, "output folder", shown="runs/eval-<model folder name>")
    cache_dir: Path = cache_option()
    robustness: bool = option(
        False,
        "also score crops, flips, exposure and other devices' looks of the part's original files "
        "(needs a release folder as --data), and MILK10k's dermoscopy when --milk10k is there",
    )
    milk10k: Path = option(
        DEFAULT_MILK10K,
        "MILK10k folder (metadata.csv, images/): its validation third is scored, and looked at "
        "under --robustness; skipped when absent",
    )
    isic2017: Path | None = option(
        None, "ISIC 2017 folder (labels.csv, images/): its val and test thirds are scored too"
    )

    def check(self) -> None:
        """Raise SettingsError for a setting that cannot work, saying how to fix it."""
        if not self.model.is_file():
            raise SettingsError(f"--model {self.model}: no such file; train one with `make train`")
        check_data(self.data)
        if self.robustness and not self.data.is_dir():
            raise SettingsError(
                "--robustness needs the original images: pass a release folder as --data"
            )
        split = self.split_file()
        if split is not None and not split.is_file():
            raise SettingsError(f"--split {split}: no such file; pass a run's split.csv or 'none'")

    def split_file(self) -> Path | None:
        """Return the split CSV: --split, else the model's (training.split.split_of); None for
        all rows."""
        if self.split is None:
            return split_of(self.model)
        return None if str(self.split) == "none" else self.split

    def out_folder(self) -> Path:
        """Return --out, else runs/eval-<model folder name>."""
        return self.out or Path("runs") / f"eval-{self.model.parent.name}"


def input_sizes(path: Path) -> list[tuple[int, int]]:
    """Return the (width, height) of each input of the saved model, or raise SettingsError."""
    try:
        return saved_input_sizes(path)
    except ValueError as exc:
        raise SettingsError(f"--model {path}: {exc}") from None


DESCRIPTION = (
    "Score a saved model: accuracy, loss, balanced accuracy, macro-F1, macro AUC, per-class "
    "figures, confusion matrix, against always answering nv; writes metrics.json, report.md "
    "and plots."
)


def load_part(data: Path, size: tuple[int, int], cache: Path, split: Path | None, part: str):
    """Return the images of `part` of `split` (all rows without one) at `size`."""
    dataset = load_dataset(data, size, cache)
    return dataset if split is None else dataset.subset(load_split(dataset, split).part(part))


def main(argv: list[str] | None = None) -> int:
    """Evaluate and print the headline figures against always `nv`; return the exit code."""
    args = parse(EvaluateArgs, argv, "python -m training.classifier.evaluate", DESCRIPTION)
    setup_logging()
    split, out = args.split_file(), args.out_folder()
    try:
        datasets = [
            load_part(args.data, size, args.cache_dir, split, args.part)
            for size in input_sizes(args.model)
        ]
    except (DataError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    dataset = datasets[0]
    from training.classifier.robustness import robustness_metrics  # loads TensorFlow

    model = load_scored_model(args.model)
    summary = {
        "model": str(args.model),
        "data": dataset.source,
        "split": f"{split} (part: {args.part})" if split else "none (all rows)",
    }
    extra = {}
    try:
        if args.robustness:
            milk10k = args.milk10k if (args.milk10k / "metadata.csv").is_file() else None
            extra["robustness"] = robustness_metrics(
                model, args.data, dataset.image_ids, dataset.labels, milk10k=milk10k
            )
        if args.isic2017 is not None:
            extra["isic2017"] = isic2017_figures(model, args.isic2017, args.cache_dir)
        if (args.milk10k / "metadata.csv").is_file():
            extra["milk10k"] = milk10k_figures(model, args.milk10k, args.cache_dir)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    title = f"Evaluation of {args.model}"
    part = args.part if split is not None else "test"
    metrics = evaluate(model, datasets, out, title, summary, extra, part)
    baseline = json.loads((out / "metrics.json").read_text())["baseline_always_nv"]
    print(f"{part} part ({metrics['n']} images):" if split else f"all {metrics['n']} images:")
    print("\n".join(figure_lines(metrics, (*HEADLINE, "ece"))))
    official = json.loads((out / "metrics.json").read_text())["official"]
    print(official_line(official))
    if args.robustness:
        print("\n".join(robustness_lines(extra["robustness"])))
    print("\n".join(isic2017_lines(extra.get("isic2017", {}))))
    print("\n".join(milk10k_lines(extra.get("milk10k", {}))))
    print("\n".join(baseline_lines(metrics, baseline)))
    print(f"wrote {out}/metrics.json, report.md, confusion_matrix.png, reliability.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

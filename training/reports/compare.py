"""Print shipped classifiers side by side on their test part, as the model card shows them.

    python -m training.reports.compare models/resnet_small_2x models/paper_cnn

reads each folder's metrics.json (written by `make evaluate`), checks that every model was
scored on the same test images, and prints a Markdown table with the always-nv baseline and
the published 28×28 figures, which are labelled as such: they come from per-image splits.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from lesion_core.labels import CLASS_CODES
from training.arguments import SettingsError, option, parse

# Published DermaMNIST (HAM10000 at 28×28) results: test accuracy and AUC, per-image splits.
PUBLISHED = (
    ("MedMNIST v2 ResNet-18 (28) [published]", 0.735, 0.917),
    ("MedMNIST v2 Google AutoML Vision [published]", 0.768, None),
    ("MedMNIST+ VGG16 end-to-end, 28×28 [published]", 0.766, 0.927),
)
ROWS = (
    ("accuracy", "accuracy"),
    ("balanced accuracy", "balanced_accuracy"),
    ("macro-F1", "macro_f1"),
    ("macro OvR AUC", "macro_auc"),
    ("ECE (top label, 15 bins)", "ece"),
)


# The ISIC challenge's own scorer (isic-challenge-scoring) on the same predictions.
OFFICIAL_ROWS = (
    ("balanced accuracy, ISIC challenge scorer", "balanced_accuracy"),
    ("macro AUC, ISIC challenge scorer", "macro_auc"),
)


def load(folder: Path) -> dict:
    """Return the metrics.json of a model folder."""
    return json.loads((folder / "metrics.json").read_text())


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _milk10k(metrics: dict, part: str) -> float | None:
    """Return a model's balanced accuracy on a part of MILK10k's dermoscopy, if measured."""
    milk = metrics.get("robustness", {}).get("milk10k", {}).get(part)
    return None if milk is None else milk["balanced_accuracy"]["original"]


def comparison_table(folders: list[Path]) -> str:
    """Return the Markdown table of the models in `folders`, the baseline and published figures."""
    metrics = [load(f) for f in folders]
    sizes = {m["test"]["n"] for m in metrics}
    if len(sizes) != 1:
        raise ValueError(f"the models were scored on different test parts (sizes {sizes})")
    baseline = metrics[0]["baseline_always_nv"]
    names = [f"`{f.name}`" for f in folders] + ["always `nv`"]
    lines = [
        "| metric (lesion-grouped test part) | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for label, key in ROWS:
        values = [m["test"][key] for m in metrics] + [baseline.get(key)]
        lines.append(f"| {label} | " + " | ".join(_cell(v) for v in values) + " |")
    for label, key in OFFICIAL_ROWS:
        values = [m.get("official", {}).get(key) for m in metrics] + [None]
        lines.append(f"| {label} | " + " | ".join(_cell(v) for v in values) + " |")
    for code in CLASS_CODES:
        values = [m["test"]["per_class"][code]["recall"] for m in metrics]
        values.append(1.0 if code == baseline["answer"] else 0.0)
        support = metrics[0]["test"]["per_class"][code]["support"]
        lines.append(
            f"| recall `{code}` ({support} images) | " + " | ".join(_cell(v) for v in values) + " |"
        )
    drops = [m.get("robustness", {}).get("max_drop") for m in metrics] + [None]
    lines.append(
        "| worst balanced-accuracy drop: 75 % centre crop, h/v flip | "
        + " | ".join(_cell(v) for v in drops)
        + " |"
    )
    exposure = [m.get("robustness", {}).get("max_exposure_drop") for m in metrics] + [None]
    lines.append(
        "| worst balanced-accuracy drop: 15 % darker or brighter | "
        + " | ".join(_cell(v) for v in exposure)
        + " |"
    )
    device = [m.get("robustness", {}).get("max_device_drop") for m in metrics] + [None]
    lines.append(
        "| worst balanced-accuracy drop: other devices (disc 100 / 85 %, 45° turn, colour cast, "
        "30 % darker, JPEG q40) | " + " | ".join(_cell(v) for v in device) + " |"
    )
    for part, label in (("val", "validation third"), ("rest", "other two thirds")):
        milk = [_milk10k(m, part) for m in metrics]
        lines.append(
            f"| balanced accuracy, MILK10k dermoscopy ({label}) | "
            + " | ".join(_cell(v) for v in milk)
            + " | – |"
        )
    for part, label in (("val", "validation third"), ("test", "test third")):
        isic = [m.get("isic2017", {}).get(part, {}).get("balanced_accuracy") for m in metrics]
        lines.append(
            f"| balanced accuracy, ISIC 2017 ({label}; mel, nv, bkl) | "
            + " | ".join(_cell(v) for v in isic)
            + " | – |"
        )
    lines += [
        "",
        "| published (per-image splits: the same lesion can sit in train and test) "
        "| accuracy | AUC |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {_cell(acc)} | {_cell(auc)} |" for name, acc, auc in PUBLISHED]
    return "\n".join(lines)


@dataclass(frozen=True, kw_only=True)
class CompareArgs:
    """Command-line settings of `python -m training.reports.compare`."""

    folders: tuple[Path, ...] = option(help="model folders with metrics.json", positional=True)

    def check(self) -> None:
        """Raise SettingsError for a folder without metrics.json, saying how to make one."""
        for folder in self.folders:
            if not (folder / "metrics.json").is_file():
                raise SettingsError(
                    f"{folder}: no metrics.json; run `make evaluate MODEL={folder}/model.keras`"
                )


def main(argv: list[str] | None = None) -> int:
    """Print the table; return the exit code."""
    args = parse(CompareArgs, argv, "python -m training.reports.compare", __doc__)
    try:
        print(comparison_table(list(args.folders)))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

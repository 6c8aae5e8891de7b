"""Build the ensemble: score its members on the validation part, choose the rule there, and
write the one ONNX model the service serves, with its config.json and split.csv.

    python -m training.ensemble.build --data data/ham10000 --out runs/ensemble

Then `make evaluate MODEL=runs/ensemble/model.onnx` scores it on the test part.
"""

from __future__ import annotations

import itertools
import json
import logging
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx

from lesion_core.labels import CLASS_CODES
from lesion_core.preprocess import PREPROCESSING_ID
from lesion_runtime.assemble import ensemble_model
from lesion_runtime.ensemble_graph import input_size
from lesion_runtime.model_file import model_version, read_sidecar
from training.classifier.scored_model import OnnxModel
from training.cli import (
    SettingsError,
    cache_option,
    check_data,
    check_model_name,
    check_out,
    data_option,
    option,
    parse,
    removed_if_left_empty,
    setup_logging,
)
from training.data import DataError, Dataset, load_dataset
from training.ensemble.rule import (
    CROSS_FOLDS,
    Rule,
    choose_rule,
    combine,
    cross_fitted,
    pooled,
)
from training.metrics import headline_figures
from training.quantize import member_name
from training.split import load_split

DEFAULT_MEMBERS = (
    Path("models/efficientnet_lite0/model.onnx"),
    Path("models/resnet_small_2x/model.onnx"),
)
GRAPH_TOLERANCE = 1e-4  # the ONNX graph against the rule in NumPy, on validation
GRAPH_CHECK_IMAGES = 256  # the validation images that check is made on

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class EnsembleConfig:
    """Settings of `python -m training.ensemble.build`."""

    members: tuple[Path, ...] = option(
        DEFAULT_MEMBERS, "the served ONNX classifiers to combine; the first draws the heat-map"
    )
    data: Path = data_option()
    out: Path = option(help="output folder; must be empty or absent")
    name: str = option("ensemble", "the name the service serves it under (?model=NAME)")
    cache_dir: Path = cache_option()

    def check(self) -> None:
        """Raise SettingsError for a setting that cannot work, saying how to fix it."""
        check_model_name(self.name)
        if len(self.members) < 2:
            raise SettingsError("--members: name at least two served classifiers (.onnx)")
        for member in self.members:
            if member.suffix != ".onnx" or not member.is_file():
                raise SettingsError(f"--members {member}: not a served classifier's model.onnx")
        check_data(self.data, folder_only=True)
        check_out(self.out, overwrite=False)
        self.split()

    def split(self) -> Path:
        """Return the members' common split.csv, or raise SettingsError when they differ."""
        texts = {(m.parent / "split.csv").read_text() if (m.parent / "split.csv").is_file()
                 else None for m in self.members}  # fmt: skip
        if None in texts or len(texts) > 1:
            raise SettingsError("--members: every member needs the same split.csv beside it")
        return self.members[0].parent / "split.csv"


def member_probabilities(
    config: EnsembleConfig, part: str
) -> tuple[np.ndarray, Dataset, list[np.ndarray]]:
    """Return each member's (M, N, 7) probabilities on a part of the split, that part (at the
    last member's size), and each member's first GRAPH_CHECK_IMAGES images of it at its own
    size, for `check_graph`."""
    probabilities, chosen, samples = [], None, []
    for member in config.members:
        size = input_size(onnx.load(member, load_external_data=False))
        dataset = load_dataset(config.data, size, config.cache_dir)
        chosen = dataset.subset(load_split(dataset, config.split()).part(part))
        log.info("%s on the %s part: %d images", member, part, len(chosen.labels))
        probabilities.append(OnnxModel(member).predict([chosen.images]))
        samples.append(chosen.images[:GRAPH_CHECK_IMAGES])
    return np.stack(probabilities), chosen, samples


def validation_table(members: np.ndarray, part: Dataset, rule: Rule, names: list[str]) -> dict:
    """Return the validation figures of each member, of the pooled members, of the rule, and of
    the rule fitted on some lesions and scored on the others (cross-fitted), with and without
    each kind of offset."""
    labels = part.labels
    table = {name: headline_figures(labels, p) for name, p in zip(names, members, strict=True)}
    table["pooled (weights only)"] = headline_figures(labels, pooled(members, rule.weights))
    rule_figures = headline_figures(labels, combine(members, rule))
    table["the rule, fitted on all of validation"] = rule_figures
    for offsets, melanoma in itertools.product((False, True), repeat=2):
        crossed = cross_fitted(members, labels, part.lesion_ids, offsets, melanoma)
        kind = "with" if offsets else "without"
        row = f"cross-fitted on {CROSS_FOLDS} lesion folds, {kind} offsets"
        if melanoma:
            row += ", with the melanoma offset"
        table[row] = headline_figures(labels, crossed)
    return table


def build(config: EnsembleConfig) -> Path:
    """Choose the rule, write model.onnx, config.json and split.csv; return the model's path."""
    for member in config.members:
        made = read_sidecar(member, "config.json").get("preprocessing")
        if made != PREPROCESSING_ID:
            raise SettingsError(f"{member} expects preprocessing {made}, not {PREPROCESSING_ID}")
    members, part, samples = member_probabilities(config, "val")
    rule = choose_rule(members, part.labels, part.lesion_ids)
    names = [member_name(m) for m in config.members]
    log.info("rule: %s", rule)
    model = ensemble_model(list(config.members), rule, names)
    config.out.mkdir(parents=True, exist_ok=True)
    path = config.out / "model.onnx"
    onnx.save(model, path)
    check_graph(path, samples, combine(members, rule)[:GRAPH_CHECK_IMAGES])
    record = {
        "name": config.name,
        "classes": list(CLASS_CODES),
        "preprocessing": PREPROCESSING_ID,
        "architecture": "ensemble of " + ", ".join(names),
        "members": [
            {"name": n, "version": model_version(m, n), "path": str(m), "weight": w}
            for n, m, w in zip(names, config.members, rule.weights, strict=True)
        ],
        "rule": rule.as_dict(),
        "heatmap_from": names[0],
        "chosen_on": f"validation part of {config.split()} ({len(part.labels)} images)",
        "validation": validation_table(members, part, rule, names),
    }
    (config.out / "config.json").write_text(json.dumps(record, indent=2) + "\n")
    shutil.copyfile(config.split(), config.out / "split.csv")
    return path


def check_graph(path: Path, inputs: list[np.ndarray], expected: np.ndarray) -> None:
    """Raise AssertionError unless the saved graph gives the rule's probabilities `expected` for
    validation images (`inputs`, one batch per member)."""
    got = OnnxModel(path).predict(inputs)
    difference = float(np.abs(got - expected).max())
    log.info("ONNX graph against the rule: largest difference %.2e", difference)
    if difference > GRAPH_TOLERANCE:
        raise AssertionError(f"the ensemble graph differs from its rule by {difference:.2e}")


DESCRIPTION = (
    "Combine served classifiers into one ONNX ensemble: weights, per-class offsets and a "
    "temperature chosen on the members' validation part."
)


def main(argv: list[str] | None = None) -> int:
    """Build; return 0, or 2 when the data cannot be loaded."""
    config = parse(EnsembleConfig, argv, "python -m training.ensemble.build", DESCRIPTION)
    setup_logging()
    try:
        with removed_if_left_empty(config.out):
            path = build(config)
    except (DataError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    table = json.loads((config.out / "config.json").read_text())["validation"]
    for name, row in table.items():
        print(f"{name:>42}: " + ", ".join(f"{k} {v:.4f}" for k, v in row.items()))
    print(f"saved {path}; next: make evaluate MODEL={path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

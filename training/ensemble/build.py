"""Build the ensemble: score its members on the validation part, choose the rule there, and
write the one ONNX model the service serves, with its config.json and split.csv.

    python -m training.ensemble.build --data data/ham10000 --out runs/ensemble

With --milk10k and --isic2017, validation holds those sources' validation parts too and every
choice weighs each source equally (`training.sources`); with --select, only the members whose
ensemble does best there, fitted on some lesions and scored on the others, are kept.

Then `make evaluate MODEL=runs/ensemble/model.onnx` scores it on the test part.
"""

from __future__ import annotations

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
from training.arguments import SettingsError, option, parse
from training.classifier.scored_model import OnnxModel
from training.cli import (
    cache_option,
    check_data,
    check_model_name,
    check_out,
    data_option,
    removed_if_left_empty,
    setup_logging,
)
from training.dataset import DataError
from training.ensemble.rule import (
    choose_rule,
    combine,
)
from training.ensemble.validation import Validation, select_members, validation_table
from training.quantize import member_name
from training.sources import SourceFolders, source_sets
from training.split import split_of

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
    milk10k: Path | None = option(
        None, "MILK10k's folder: its dermoscopic validation third joins validation"
    )
    isic2017: Path | None = option(
        None, "ISIC 2017's folder: its validation third joins validation"
    )
    select: bool = option(
        False, "keep only the members (two or more) whose ensemble does best on validation"
    )
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
        for flag, folder in (("--milk10k", self.milk10k), ("--isic2017", self.isic2017)):
            if folder is not None and not folder.is_dir():
                raise SettingsError(f"{flag} {folder}: no such folder")
        check_out(self.out, overwrite=False)
        self.split()

    def split(self) -> Path:
        """Return the members' common split, or raise SettingsError when they differ."""
        splits = [split_of(m) for m in self.members]
        texts = {None if s is None or not s.is_file() else s.read_text() for s in splits}
        if None in texts or len(texts) > 1:
            raise SettingsError(
                "--members: every member needs the same split (split.csv beside it, or the "
                "file its config.json's split_file names)"
            )
        return splits[0]

    def folders(self) -> SourceFolders:
        """Return where each validation source lies."""
        return SourceFolders(self.data, self.split(), self.milk10k, self.isic2017)


def member_probabilities(config: EnsembleConfig, part: str) -> Validation:
    """Return each member's probabilities on every source's `part`, and each member's first
    GRAPH_CHECK_IMAGES images of it at its own size, for `check_graph`."""
    probabilities, samples = [], []
    for member in config.members:
        size = input_size(onnx.load(member, load_external_data=False))
        sets = source_sets(config.folders(), part, size, config.cache_dir)
        log.info("%s on the %s parts: %s", member, part, {s.source: len(s.labels) for s in sets})
        images = np.concatenate([s.images for s in sets])
        probabilities.append(OnnxModel(member).predict([images]))
        samples.append(images[:GRAPH_CHECK_IMAGES])
    return Validation(
        np.stack(probabilities),
        np.concatenate([s.labels for s in sets]),
        np.concatenate([s.groups for s in sets]),
        np.concatenate([np.full(len(s.labels), s.source) for s in sets]),
        samples,
    )


def build(config: EnsembleConfig) -> Path:
    """Choose the members and the rule, write model.onnx, config.json and split.csv; return the
    model's path."""
    for member in config.members:
        made = read_sidecar(member, "config.json").get("preprocessing")
        if made != PREPROCESSING_ID:
            raise SettingsError(f"{member} expects preprocessing {made}, not {PREPROCESSING_ID}")
    validation = member_probabilities(config, "val")
    names = [member_name(m) for m in config.members]
    kept = select_members(validation, names) if config.select else list(range(len(names)))
    validation = validation.members(kept)
    paths, names = [config.members[i] for i in kept], [names[i] for i in kept]
    rule = choose_rule(
        validation.probabilities, validation.labels, validation.groups, validation.sources
    )
    log.info("members %s, rule: %s", names, rule)
    model = ensemble_model(paths, rule, names)
    config.out.mkdir(parents=True, exist_ok=True)
    path = config.out / "model.onnx"
    onnx.save(model, path)
    expected = combine(validation.probabilities, rule)[:GRAPH_CHECK_IMAGES]
    check_graph(path, validation.samples, expected)
    counts = {
        str(s): int(np.sum(validation.sources == s)) for s in dict.fromkeys(validation.sources)
    }
    record = {
        "name": config.name,
        "classes": list(CLASS_CODES),
        "preprocessing": PREPROCESSING_ID,
        "architecture": "ensemble of " + ", ".join(names),
        "members": [
            {"name": n, "version": model_version(m, n), "path": str(m), "weight": w}
            for n, m, w in zip(names, paths, rule.weights, strict=True)
        ],
        "rule": rule.as_dict(),
        "heatmap_from": names[0],
        "chosen_on": f"validation parts, each source weighing the same: {counts} images "
        f"(HAM10000's from {config.split()})",
        "validation": validation_table(validation, rule, names),
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


def against_best_member(table: dict, members: list[str]) -> str:
    """Return one line saying, per source, whether the rule's balanced accuracy reaches its best
    member's (issue 36)."""
    rule = table["the rule, fitted on all of validation"]
    sources = [s for s in rule if s != "mean over sources"]
    best = {s: max(table[m][s]["balanced_accuracy"] for m in members) for s in sources}
    held = all(rule[s]["balanced_accuracy"] >= best[s] for s in sources)
    figures = ", ".join(
        f"{s} {rule[s]['balanced_accuracy']:.4f} against {best[s]:.4f}" for s in sources
    )
    return f"at least its best member on every source: {'yes' if held else 'NO'} ({figures})"


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
    record = json.loads((config.out / "config.json").read_text())
    table = record["validation"]
    for name, by_source in table.items():
        for source, row in by_source.items():
            figures = ", ".join(f"{k} {v:.4f}" for k, v in row.items())
            print(f"{name:>62} | {source:>17}: {figures}")
    print(against_best_member(table, [m["name"] for m in record["members"]]))
    print(f"saved {path}; next: make evaluate MODEL={path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

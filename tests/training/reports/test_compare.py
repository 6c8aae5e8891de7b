"""The side-by-side table of the model card comes from the models' own metrics files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.servers import REPO_ROOT
from training.reports.compare import comparison_table, main

MODELS = REPO_ROOT / "models"


CLASSIFIERS = (
    "resnet_small_2x",
    "paper_cnn",
    "efficientnet_lite0",
    "efficientnet_lite1",
    "ensemble",
    "ensemble_int8",
)


def test_the_card_shows_the_table_the_metrics_files_give():
    table = comparison_table([MODELS / name for name in CLASSIFIERS])
    assert table in (MODELS / "README.md").read_text()


def test_table_has_both_models_the_baseline_and_published_rows_labelled():
    table = comparison_table([MODELS / "resnet_small_2x", MODELS / "paper_cnn"])
    header = table.splitlines()[0]
    assert "`resnet_small_2x`" in header and "`paper_cnn`" in header and "always `nv`" in header
    assert "recall `mel` (222 images)" in table
    assert table.count("[published]") == 3


def test_models_scored_on_different_test_parts_are_refused(tmp_path: Path):
    for name, n in (("a", 2004), ("b", 1999)):
        metrics = json.loads((MODELS / "paper_cnn" / "metrics.json").read_text())
        metrics["test"]["n"] = n
        (tmp_path / name).mkdir()
        (tmp_path / name / "metrics.json").write_text(json.dumps(metrics))
    with pytest.raises(ValueError, match="different test parts"):
        comparison_table([tmp_path / "a", tmp_path / "b"])
    assert main([str(tmp_path / "a"), str(tmp_path / "b")]) == 2


def test_a_folder_without_metrics_is_a_usage_error(tmp_path: Path):
    with pytest.raises(SystemExit):
        main([str(tmp_path)])


def test_device_and_milk10k_rows_come_from_the_robustness_section(tmp_path: Path):
    metrics = json.loads((MODELS / "paper_cnn" / "metrics.json").read_text())
    metrics["robustness"] = {
        "max_drop": 0.01,
        "max_exposure_drop": 0.02,
        "max_device_drop": 0.125,
        "milk10k": {"val": {"balanced_accuracy": {"original": 0.4567}}},
    }
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "metrics.json").write_text(json.dumps(metrics))
    table = comparison_table([tmp_path / "m"])
    assert "| worst balanced-accuracy drop: other devices" in table and "| 0.125 | – |" in table
    assert "| balanced accuracy, MILK10k dermoscopy (validation third) | 0.457 | – |" in table
    assert "| balanced accuracy, MILK10k dermoscopy (other two thirds) | – | – |" in table


def test_isic2017_rows_come_from_its_section(tmp_path: Path):
    metrics = json.loads((MODELS / "paper_cnn" / "metrics.json").read_text())
    metrics["isic2017"] = {"test": {"n": 666, "balanced_accuracy": 0.6491}}
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "metrics.json").write_text(json.dumps(metrics))
    table = comparison_table([tmp_path / "m"])
    assert "| balanced accuracy, ISIC 2017 (test third; mel, nv, bkl) | 0.649 | – |" in table
    assert "| balanced accuracy, ISIC 2017 (validation third; mel, nv, bkl) | – | – |" in table

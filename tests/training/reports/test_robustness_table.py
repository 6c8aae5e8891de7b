"""The robustness table of a card comes from metrics.json, and every shipped classifier's card
shows its own."""

from __future__ import annotations

import json

import pytest

from tests.servers import REPO_ROOT
from training.reports.robustness import SHIFTS, main, robustness_table

SCORES = {name: 0.5 + i / 100 for i, name in enumerate(SHIFTS)}


def test_the_table_has_a_column_per_shift_the_drops_and_milk10k_rows():
    metrics = {"robustness": {"n": 2004, "balanced_accuracy": SCORES, "device_drop": {},
               "milk10k": {"val": {"n": 780, "balanced_accuracy": SCORES}}}}  # fmt: skip
    lines = robustness_table(metrics).splitlines()
    assert lines[0].count("|") == len(SHIFTS) + 3
    assert lines[2].startswith("| HAM10000 test part | 2,004 | 0.500 | 0.510 |")
    assert lines[3].startswith("| drop on the test part | | | -0.010 | -0.020 |")
    assert lines[4].startswith("| MILK10k dermoscopic, validation third | 780 | 0.500 |")


def test_no_device_figures_no_table(tmp_path, capsys):
    assert robustness_table({"robustness": {"drop": {}}}) == ""
    (tmp_path / "metrics.json").write_text(json.dumps({"test": {}}))
    assert main([str(tmp_path)]) == 1
    assert "--robustness" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["resnet_small_2x", "paper_cnn", "efficientnet_lite0"])
def test_each_shipped_card_shows_its_measured_table(name):
    folder = REPO_ROOT / "models" / name
    table = robustness_table(json.loads((folder / "metrics.json").read_text()))
    assert table and table in (folder / "README.md").read_text()

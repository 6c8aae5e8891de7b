"""`make evaluate` on served ONNX models: one input or an ensemble's several, scored by our own
figures and by the ISIC challenge's scorer, the predictions written in its submission format."""

from __future__ import annotations

import csv
import json

import onnx
import pytest

from lesion_core.isic import ISIC_HEADER
from lesion_runtime.ensemble_graph import ensemble_graph
from lesion_runtime.ensemble_rule import Rule
from tests.backend.onnx_models import colour_classifier
from training.classifier import evaluate as evaluate_cli
from training.milk10k import load_milk10k


def scored(release_dir, model, out, capsys) -> dict:
    argv = ["--model", str(model), "--data", str(release_dir), "--split", "none", "--out", str(out)]
    argv += ["--milk10k", str(out.parent / "no-milk10k")]
    assert evaluate_cli.main([*argv, "--cache-dir", str(out.parent / "cache")]) == 0
    assert "ISIC challenge scoring (isic-challenge-scoring" in capsys.readouterr().out
    return json.loads((out / "metrics.json").read_text())


def test_an_onnx_classifier_is_scored_officially_and_written_for_submission(
    release_dir, tmp_path, capsys
):
    metrics = scored(
        release_dir, colour_classifier(tmp_path / "one", 30, 32), tmp_path / "e", capsys
    )
    official = metrics["official"]
    assert official["balanced_accuracy"] == pytest.approx(metrics["test"]["balanced_accuracy"])
    assert official["macro_auc"] == pytest.approx(metrics["test"]["macro_auc"], abs=1e-6)
    with (tmp_path / "e" / official["submission"]).open() as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == ISIC_HEADER and len(rows) == 1 + metrics["test"]["n"]


def test_an_ensemble_takes_the_images_at_each_members_size(release_dir, tmp_path, capsys):
    members = [colour_classifier(tmp_path / "a", 30, 32), colour_classifier(tmp_path / "b", 60, 64)]
    folder = tmp_path / "ensemble"
    folder.mkdir()
    graph = ensemble_graph(members, Rule((0.5, 0.5), (0.0,) * 7, 1.0), explained_by=0, doc={})
    onnx.save(graph, folder / "model.onnx")
    metrics = scored(release_dir, folder / "model.onnx", tmp_path / "e", capsys)
    assert metrics["test"]["n"] == 70 and "skipped" not in metrics["official"]


def test_isic2017_is_scored_on_its_val_and_test_thirds_when_given(release_dir, tmp_path, capsys):
    from tests.training.conftest import write_isic2017

    isic = write_isic2017(tmp_path / "isic2017")
    out = tmp_path / "e"
    argv = ["--model", str(colour_classifier(tmp_path / "one", 30, 32)), "--data", str(release_dir)]
    argv += ["--split", "none", "--out", str(out), "--isic2017", str(isic)]
    argv += ["--milk10k", str(tmp_path / "no-milk10k")]
    assert evaluate_cli.main([*argv, "--cache-dir", str(tmp_path / "cache")]) == 0
    figures = json.loads((out / "metrics.json").read_text())["isic2017"]
    assert [figures[part]["n"] for part in ("val", "test")] == [6, 6]
    assert 0 <= figures["test"]["balanced_accuracy"] <= 1
    assert "ISIC 2017 test (6 images): balanced accuracy" in capsys.readouterr().out


def test_milk10k_is_scored_on_its_validation_third_when_there(
    release_dir, milk10k_dir, tmp_path, capsys
):
    out = tmp_path / "e"
    argv = ["--model", str(colour_classifier(tmp_path / "one", 30, 32)), "--data", str(release_dir)]
    argv += ["--split", "none", "--out", str(out), "--milk10k", str(milk10k_dir)]
    assert evaluate_cli.main([*argv, "--cache-dir", str(tmp_path / "cache")]) == 0
    figures = json.loads((out / "metrics.json").read_text())["milk10k"]
    assert figures["n"] == len(load_milk10k(milk10k_dir).subset("val").labels)
    assert 0 <= figures["balanced_accuracy"] <= 1
    assert figures["nv_vs_mel_round_field"]["n"] <= figures["nv_vs_mel"]["n"]
    assert "MILK10k validation third (" in capsys.readouterr().out

"""The end-of-run console summary: headline figures and the comparison with always `nv`."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from training.classifier import evaluate as evaluate_cli
from training.classifier.summary import baseline_lines, figure_lines, not_beaten, robustness_lines

ALWAYS_NV = {"answer": "nv", "accuracy": 0.6692, "balanced_accuracy": 0.1429}


def test_figure_lines_align_names_and_round_to_four_places():
    assert figure_lines({"accuracy": 0.73551, "ece": 0.2}, ("accuracy", "ece")) == [
        "          accuracy: 0.7355",
        "               ece: 0.2000",
    ]


def test_a_model_that_beats_both_figures_gets_the_comparison_and_no_warning():
    lines = baseline_lines({"accuracy": 0.7355, "balanced_accuracy": 0.4275}, ALWAYS_NV)
    assert lines[1:] == [
        "          accuracy: 0.7355 vs 0.6692 (+0.0663)",
        " balanced_accuracy: 0.4275 vs 0.1429 (+0.2846)",
    ]


def test_a_model_that_answers_one_rare_class_is_warned_about_both_figures():
    # The 1-epoch run of issue 14: akiec for everything.
    lines = baseline_lines({"accuracy": 0.0327, "balanced_accuracy": 0.1429}, ALWAYS_NV)
    assert lines[-1].startswith(
        "WARNING: the model does NOT beat always answering `nv` on accuracy or on balanced accuracy"
    )
    assert "--epochs" in lines[-1]


def test_a_model_below_nv_on_accuracy_alone_is_warned_about_accuracy():
    lines = baseline_lines({"accuracy": 0.6517, "balanced_accuracy": 0.5844}, ALWAYS_NV)
    assert lines[-1].startswith(
        "WARNING: the model does NOT beat always answering `nv` on accuracy (0.6517 vs 0.6692); "
        "it does on balanced accuracy (0.5844 vs 0.1429)"
    )


def test_a_tie_does_not_beat_the_baseline():
    assert not_beaten({"accuracy": 0.6692, "balanced_accuracy": 0.5}, ALWAYS_NV) == ["accuracy"]


@pytest.fixture()
def one_class_model(tmp_path):
    """A model that answers akiec for every image, saved as .keras."""
    inputs = keras.Input((28, 28, 3))
    flat = keras.layers.Flatten()(inputs)
    dense = keras.layers.Dense(7, activation="softmax", kernel_initializer="zeros")
    model = keras.Model(inputs, dense(flat))
    dense.set_weights([np.zeros((28 * 28 * 3, 7)), np.eye(7)[0] * 5.0])
    path = tmp_path / "akiec" / "model.keras"
    path.parent.mkdir()
    model.save(path)
    return path


def test_evaluate_cli_warns_when_the_model_does_not_beat_always_nv(
    one_class_model, release_dir, tmp_path, capsys
):
    argv = ["--model", str(one_class_model), "--data", str(release_dir), "--split", "none"]
    argv += ["--cache-dir", str(tmp_path / "cache")]
    code = evaluate_cli.main([*argv, "--out", str(tmp_path / "eval")])
    printed = capsys.readouterr().out
    assert code == 0
    assert "all 70 images:" in printed
    assert " balanced_accuracy: 0.1429 vs 0.1429 (+0.0000)" in printed
    assert "WARNING: the model does NOT beat always answering `nv` on accuracy or on" in printed
    saved = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert saved["test"]["per_class"]["akiec"]["recall"] == 1.0


def test_robustness_lines_give_each_view_s_drop_and_milk10k_per_part():
    robustness = {
        "drop": {"rotate_45": -0.05},
        "exposure_drop": {"darker": 0.01},
        "device_drop": {},
        "milk10k": {"val": {"n": 780, "balanced_accuracy": {"original": 0.7, "rotate_45": 0.65}}},
    }
    assert robustness_lines(robustness) == [
        "         rotate_45: balanced accuracy drop -0.0500",
        "            darker: balanced accuracy drop +0.0100",
        "MILK10k val (780 images): balanced accuracy 0.7000; rotate_45 0.6500",
    ]

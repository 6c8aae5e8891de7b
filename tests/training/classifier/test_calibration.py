"""Temperature scaling: fitting, applying, folding into the model and the run-folder CLI."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from tests.conftest import run_keras
from tests.training.conftest import small_classifier, write_release
from training.classifier import calibration as calibration_cli
from training.classifier.calibration import (
    CALIBRATED_MODEL,
    CALIBRATED_ONNX,
    NotFoldableError,
    calibrate_run,
    fold_temperature,
)
from training.classifier.model import build_model, build_resnet_small
from training.classifier.temperature import (
    calibrated,
    tempered,
)
from training.classifier.tta import dihedral_views
from training.data import load_dataset
from training.split import make_split, save_split

pytestmark = pytest.mark.heavy(50)


def softmax(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("architecture", ["paper_cnn", "resnet_small"])
def test_folded_model_outputs_the_tempered_probabilities(architecture, tmp_path):
    model = build_model(architecture, (28, 28, 3))
    images = np.random.default_rng(2).integers(0, 256, (8, 28, 28, 3)).astype(np.float32)
    folded = fold_temperature(model, 2.0)
    folded.save(tmp_path / "folded.keras")
    reloaded = keras.models.load_model(tmp_path / "folded.keras", compile=False)
    expected = tempered(np.asarray(run_keras(model, images), dtype=np.float64), 2.0)
    np.testing.assert_allclose(run_keras(reloaded, images), expected, atol=1e-5)


def test_folded_prior_shift_moves_the_bias_like_the_numpy_version():
    model = build_resnet_small()
    images = np.random.default_rng(3).integers(0, 256, (8, 28, 28, 3)).astype(np.float32)
    shift = np.log(np.array([0.03, 0.05, 0.11, 0.01, 0.11, 0.67, 0.02]))
    folded = fold_temperature(model, 1.5, shift)
    expected = tempered(np.asarray(run_keras(model, images), dtype=np.float64), 1.5, shift)
    np.testing.assert_allclose(run_keras(folded, images), expected, atol=1e-5)


def test_folding_refuses_a_model_without_a_softmax_dense_last():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(7), keras.layers.Softmax()])
    with pytest.raises(NotFoldableError, match="not a softmax Dense"):
        fold_temperature(model, 2.0)


@pytest.fixture()
def release_dir(tmp_path):
    """A 140-image release: enough lesions for every class to reach the validation part."""
    return write_release(tmp_path / "ham10000", lesions_per_class=10)


@pytest.fixture()
def run_dir(release_dir, tmp_path):
    """A run folder with an untrained model and its split."""
    run = tmp_path / "run"
    run.mkdir()
    data = load_dataset(release_dir)
    save_split(data, make_split(data), run / "split.csv")
    small_classifier().save(run / "model.keras")
    return run


def test_calibrate_run_writes_the_temperature_and_a_calibrated_model(run_dir, release_dir):
    record = calibrate_run(run_dir, release_dir, None)
    saved = json.loads((run_dir / "calibration.json").read_text())
    assert saved["temperature"] == pytest.approx(record["temperature"]) and saved["temperature"] > 0
    for part in ("val", "test"):
        assert {"ece_before", "ece_after", "nll_before", "nll_after"} <= set(saved[part])
    assert saved["val"]["nll_after"] <= saved["val"]["nll_before"] + 1e-9
    model = keras.models.load_model(run_dir / CALIBRATED_MODEL, compile=False)
    assert model.output_shape == (None, 7)
    assert (run_dir / CALIBRATED_ONNX).is_file() and saved["onnx_max_difference"] <= 1e-4


def test_calibration_cli_prints_ece_before_and_after(run_dir, release_dir, capsys):
    cache = str(run_dir.parent / "cache")
    code = calibration_cli.main(
        ["--run", str(run_dir), "--data", str(release_dir), "--cache-dir", cache]
    )
    assert code == 0
    assert "test ECE before/after" in capsys.readouterr().out


def test_calibrate_run_records_the_prior_shift_and_its_validation_table(run_dir, release_dir):
    record = calibrate_run(run_dir, release_dir, None, prior_shift=0.5)
    assert record["prior_shift"] == 0.5
    assert len(record["val_prior_shift_table"]) == 9
    assert {"accuracy", "balanced_accuracy"} <= set(record["test"])


def test_calibrate_run_with_tta_saves_a_model_that_matches_its_record(run_dir, release_dir):
    record = calibrate_run(run_dir, release_dir, None, tta=True)
    assert record["tta"] is True
    model = keras.models.load_model(run_dir / CALIBRATED_MODEL, compile=False)
    assert model.name.endswith("_tta")
    base = keras.models.load_model(run_dir / "model.keras", compile=False)
    data = load_dataset(release_dir)
    per_view = np.stack([run_keras(base, v) for v in dihedral_views(data.images[:5])])
    expected = calibrated(per_view.astype(np.float64), record["temperature"])
    np.testing.assert_allclose(run_keras(model, data.images[:5]), expected, atol=1e-5)


def test_calibration_cli_rejects_a_prior_shift_out_of_range(run_dir, capsys):
    with pytest.raises(SystemExit):
        calibration_cli.main(["--run", str(run_dir), "--prior-shift", "2"])
    assert "--prior-shift must be between -1 and 1" in capsys.readouterr().err


def test_calibration_cli_refuses_a_folder_without_a_model(tmp_path, capsys):
    with pytest.raises(SystemExit):
        calibration_cli.main(["--run", str(tmp_path)])
    assert "no model.keras" in capsys.readouterr().err

"""A short real training run writes every output, and evaluation reproduces its figures."""

from __future__ import annotations

import io
import json
import zipfile

import h5py
import keras
import pandas as pd
import pytest

from training import evaluate as evaluate_cli
from training import train as train_cli
from training.train import TrainConfig, train

RUN_FILES = [
    "model.keras",
    "history.csv",
    "split.csv",
    "config.json",
    "metrics.json",
    "report.md",
    "accuracy.png",
    "loss.png",
    "confusion_matrix.png",
]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Two epochs of the paper's recipe on 70 synthetic images."""
    from tests.training.conftest import write_release

    root = tmp_path_factory.mktemp("train")
    data = write_release(root / "data")
    config = TrainConfig(data=data, out=root / "run", epochs=2, batch_size=16, augment=True)
    metrics = train(config)
    return config, metrics


def test_run_folder_has_every_output(run):
    config, _ = run
    for name in RUN_FILES:
        assert (config.out / name).is_file(), name
    assert not (config.out / "checkpoint.keras").exists()


def test_history_has_per_epoch_seconds_and_validation(run):
    history = pd.read_csv(run[0].out / "history.csv")
    assert history["epoch"].tolist() == [1, 2]
    assert {"seconds", "accuracy", "loss", "val_accuracy", "val_loss"} <= set(history.columns)
    assert (history["seconds"] > 0).all()


def test_metrics_cover_the_honest_figures(run):
    result = json.loads((run[0].out / "metrics.json").read_text())
    for key in (
        "accuracy",
        "loss",
        "balanced_accuracy",
        "macro_f1",
        "macro_auc",
        "melanoma_recall",
        "ece",
        "per_class",
        "confusion_matrix",
    ):
        assert key in result["test"]
    assert result["baseline_always_nv"]["answer"] == "nv"
    assert "grouped by lesion_id" in result["summary"]["split"]


def test_saved_model_has_no_optimizer_state_and_loads(run):
    path = run[0].out / "model.keras"
    with (
        zipfile.ZipFile(path) as archive,
        h5py.File(io.BytesIO(archive.read("model.weights.h5"))) as weights,
    ):
        assert "optimizer" not in weights
    assert keras.models.load_model(path, compile=False).output_shape == (None, 7)


def test_config_records_every_setting(run):
    config = json.loads((run[0].out / "config.json").read_text())
    assert config["settings"]["epochs"] == 2 and config["settings"]["augment"] is True
    assert config["classes"][4] == "mel" and config["input_size"] == 28
    assert config["lesion_grouped"] is True


def test_evaluate_cli_reproduces_the_run_figures(run, tmp_path, capsys):
    config, metrics = run
    code = evaluate_cli.main(
        [
            "--model",
            str(config.out / "model.keras"),
            "--data",
            str(config.data),
            "--out",
            str(tmp_path / "eval"),
        ]
    )
    assert code == 0
    again = json.loads((tmp_path / "eval" / "metrics.json").read_text())["test"]
    assert again["confusion_matrix"] == metrics["confusion_matrix"]
    assert again["macro_auc"] == pytest.approx(metrics["macro_auc"], abs=1e-6)
    assert "balanced_accuracy" in capsys.readouterr().out


def test_train_refuses_a_non_empty_output_folder(run, capsys):
    config, _ = run
    code = train_cli.main(["--data", str(config.data), "--out", str(config.out), "--epochs", "1"])
    assert code == 2
    assert "not empty" in capsys.readouterr().err


def test_train_cli_names_a_missing_data_folder(tmp_path, capsys):
    code = train_cli.main(["--data", str(tmp_path / "absent"), "--out", str(tmp_path / "o")])
    assert code == 2
    assert "absent: no such file" in capsys.readouterr().err


def test_train_cli_rejects_bad_arguments_with_advice(tmp_path, capsys):
    with pytest.raises(SystemExit):
        train_cli.main(["--epochs", "0", "--out", str(tmp_path)])
    assert "--epochs and --batch-size must be at least 1" in capsys.readouterr().err


def test_evaluate_cli_names_a_missing_model(tmp_path, capsys):
    with pytest.raises(SystemExit):
        evaluate_cli.main(["--model", str(tmp_path / "none.keras")])
    assert "make train" in capsys.readouterr().err

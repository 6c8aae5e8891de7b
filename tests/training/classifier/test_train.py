"""A short real training run through the CLI writes every output and prints its figures against
always answering nv; evaluation reproduces them; bad arguments are refused up front."""

from __future__ import annotations

import contextlib
import io
import json
import re
import zipfile

import h5py
import keras
import numpy as np
import pandas as pd
import pytest

from lesion_core.preprocess import INPUT_SIZE
from training.arguments import parse
from training.classifier import config as train_config
from training.classifier import evaluate as evaluate_cli
from training.classifier import recipe, run_record
from training.classifier import train as train_cli
from training.classifier.config import TrainConfig
from training.classifier.losses import LogitAdjustedCrossentropy
from training.classifier.model import ARCHITECTURES
from training.classifier.recipe import train
from training.data import load_dataset
from training.split import make_split, save_split

pytestmark = pytest.mark.heavy(85)

RUN_FILES = [
    "model.keras",
    "model.onnx",
    "history.csv",
    "split.csv",
    "config.json",
    "metrics.json",
    "report.md",
    "accuracy.png",
    "loss.png",
    "confusion_matrix.png",
    "reliability.png",
]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Two epochs of the paper's recipe on 70 synthetic images, through the CLI, named my_cnn;
    returns the config, the test metrics and what the CLI printed."""
    from tests.training.conftest import write_release

    root = tmp_path_factory.mktemp("train")
    data, out = write_release(root / "data"), root / "run"
    cache = root / "cache"  # not the repository's .cache
    argv = ["--data", str(data), "--out", str(out), "--cache-dir", str(cache)]
    argv += ["--epochs", "2", "--batch-size", "16", "--name", "my_cnn"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = train_cli.main([*argv, "--augment"])
    assert code == 0
    config = TrainConfig(
        data=data, out=out, cache_dir=cache, epochs=2, batch_size=16, augment=True, name="my_cnn"
    )
    metrics = json.loads((out / "metrics.json").read_text())["test"]
    return config, metrics, printed.getvalue()


def test_run_folder_has_every_output(run):
    config, _, _ = run
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
    assert config["name"] == config["settings"]["name"] == "my_cnn"


def test_a_run_named_with_name_is_served_beside_the_shipped_models_under_that_name(run):
    from backend.classifiers import Classifiers
    from lesion_runtime.predictor import Predictor
    from tests.conftest import PAPER_MODEL, SHIPPED_MODEL

    own = Predictor(run[0].out / "model.onnx")
    assert own.info.name == "my_cnn" and own.info.version.startswith("my_cnn-")
    served = Classifiers([Predictor(SHIPPED_MODEL), Predictor(PAPER_MODEL), own])
    assert served.names == ["resnet_small_2x", "paper_cnn", "my_cnn"]
    assert served.pick("my_cnn") is own


def test_train_cli_prints_the_test_figures_against_always_nv(run):
    printed = run[2]
    assert re.search(r"^ +balanced_accuracy: 0\.\d{4} vs 0\.1429 \([+-]0\.\d{4}\)$", printed, re.M)
    assert re.search(r"^ +accuracy: 0\.\d{4} vs 0\.\d{4} \([+-]0\.\d{4}\)$", printed, re.M)
    assert "against always answering `nv`" in printed
    assert printed.rstrip().endswith(f"wrote {run[0].out}")


def test_train_cli_shows_progress_within_each_epoch(run):
    # Not a terminal here: plain lines at a quarter, a half and three quarters of each epoch.
    lines = re.findall(r"^  batch (\d+)/(\d+) \((\d+)%\), \d+ s, loss \d", run[2], re.M)
    assert len(lines) >= 2 and all(int(share) >= 25 for _, _, share in lines)


def test_evaluate_cli_reproduces_the_run_figures(run, tmp_path, capsys):
    config, metrics, _ = run
    code = evaluate_cli.main(
        [
            "--model",
            str(config.out / "model.keras"),
            "--data",
            str(config.data),
            "--out",
            str(tmp_path / "eval"),
            "--cache-dir",
            str(config.cache_dir),
        ]
    )
    assert code == 0
    again = json.loads((tmp_path / "eval" / "metrics.json").read_text())["test"]
    assert again["confusion_matrix"] == metrics["confusion_matrix"]
    assert again["macro_auc"] == pytest.approx(metrics["macro_auc"], abs=1e-6)
    assert "balanced_accuracy" in capsys.readouterr().out


def test_evaluate_cli_files_validation_figures_under_val(run, tmp_path):
    config, _, _ = run
    out = tmp_path / "eval-val"
    model, data = str(config.out / "model.keras"), str(config.data)
    argv = ["--model", model, "--data", data, "--part", "val", "--out", str(out)]
    code = evaluate_cli.main([*argv, "--cache-dir", str(config.cache_dir)])
    assert code == 0
    result = json.loads((out / "metrics.json").read_text())
    val_size = (pd.read_csv(config.out / "split.csv")["part"] == "val").sum()
    assert "test" not in result and result["val"]["n"] == val_size
    assert result["summary"]["split"].endswith("(part: val)")


def test_train_refuses_a_non_empty_output_folder(run, capsys):
    config = run[0]
    with pytest.raises(SystemExit) as exited:
        train_cli.main(["--data", str(config.data), "--out", str(config.out), "--epochs", "1"])
    assert exited.value.code == 2
    assert "not empty; choose another --out or pass --overwrite" in capsys.readouterr().err


def test_train_cli_names_a_missing_data_folder_and_creates_no_run_folder(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        train_cli.main(["--data", str(tmp_path / "absent"), "--out", str(tmp_path / "o")])
    assert exited.value.code == 2
    assert "absent: no such file or folder" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_train_cli_leaves_no_run_folder_when_the_data_fails_to_load(tmp_path, capsys):
    (tmp_path / "not_a_release").mkdir()  # no HAM10000_metadata.csv in it
    code = train_cli.main(["--data", str(tmp_path / "not_a_release"), "--out", str(tmp_path / "o")])
    assert code == 2
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--epochs", "0"], "--epochs must be at least 1 (got 0)"),
        (["--batch-size", "-1"], "--batch-size must be at least 1 (got -1)"),
        (["--learning-rate", "0"], "--learning-rate must be between 1e-07 and 1 (got 0)"),
        (["--test-fraction", "0.9"], "--test-fraction must be between 0.05 and 0.5 (got 0.9)"),
        (["--label-smoothing", "0.9"], "--label-smoothing must be between 0 and 0.5 (got 0.9)"),
        (["--image-size", "4"], "--image-size must be at least 8 (got 4)"),
        (["--architecture", "vgg"], "invalid choice: 'vgg'"),
        (["--init", "none.keras"], "--init none.keras: no such file"),
        (["--name", "my cnn"], "--name 'my cnn': use 1 to 64 letters, digits, '_' or '-'"),
        (["--name", "2nd"], "starting with a letter"),
    ],
)
def test_train_cli_rejects_bad_arguments_with_advice(tmp_path, capsys, flags, message):
    with pytest.raises(SystemExit) as exited:
        train_cli.main(["--data", str(tmp_path), "--out", str(tmp_path / "o"), *flags])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_train_cli_choices_are_the_architectures_and_balances_the_recipe_knows():
    assert set(train_config.ARCHITECTURES) == set(ARCHITECTURES)
    assert set(train_config.BALANCES) == set(run_record.BALANCE_DESCRIPTIONS)
    assert TrainConfig().image_size == INPUT_SIZE


def test_evaluate_cli_names_a_missing_model(tmp_path, capsys):
    with pytest.raises(SystemExit):
        evaluate_cli.main(["--model", str(tmp_path / "none.keras")])
    assert "make train" in capsys.readouterr().err


def test_cli_defaults_are_the_published_recipe(tmp_path):
    config = parse(TrainConfig, ["--data", str(tmp_path), "--out", str(tmp_path / "o")])
    assert (config.architecture, config.epochs, config.batch_size) == ("paper_cnn", 50, 128)
    assert config.learning_rate == 1e-3 and config.augment is False
    assert (config.balance, config.label_smoothing, config.schedule) == (
        "oversample",
        0.0,
        "constant",
    )
    assert config.checkpoint_metric == "val_accuracy"
    assert recipe.loss_for(config, np.array([0, 5])) == "sparse_categorical_crossentropy"
    assert config.split_seed is None  # the split follows --seed
    argv = ["--data", str(tmp_path), "--seed", "3", "--split-seed", "42"]
    assert parse(TrainConfig, argv).split_seed == 42
    assert recipe.learning_rate(config, 100) == 1e-3


def test_the_default_run_folder_is_named_for_the_model_and_time(tmp_path):
    config = TrainConfig(data=tmp_path, architecture="resnet_small")
    assert re.fullmatch(r"runs/resnet_small-\d{8}-\d{6}", train_cli.default_out(config).as_posix())
    named = TrainConfig(data=tmp_path, architecture="resnet_small", name="my_cnn")
    assert re.fullmatch(r"runs/my_cnn-\d{8}-\d{6}", train_cli.default_out(named).as_posix())


def test_label_smoothing_uses_one_hot_targets_and_a_smoothed_loss(tmp_path):
    config = TrainConfig(data=tmp_path, out=tmp_path, label_smoothing=0.1)
    loss = recipe.loss_for(config, np.array([0, 5]))
    assert isinstance(loss, keras.losses.CategoricalCrossentropy)
    assert loss.get_config()["label_smoothing"] == 0.1
    targets = recipe.targets(np.array([4, 0]), config)
    assert targets.shape == (2, 7) and targets[0, 4] == 1.0 and targets.sum() == 2.0


def test_logit_adjust_uses_the_training_labels_prior(tmp_path):
    config = TrainConfig(data=tmp_path, out=tmp_path, balance="logit_adjust")
    loss = recipe.loss_for(config, np.array([5, 5, 5, 4]))
    assert isinstance(loss, LogitAdjustedCrossentropy)
    assert loss.log_prior[5] == pytest.approx(np.log(3 / 9))
    assert loss.log_prior[4] == pytest.approx(np.log(1 / 9))
    assert loss.log_prior[0] == pytest.approx(np.log(1 / 9))  # absent: counted as one row
    assert run_record.describe_loss(config) == "logit-adjusted cross-entropy"


def test_cosine_schedule_decays_to_zero_over_the_whole_run(tmp_path):
    config = TrainConfig(data=tmp_path, out=tmp_path, epochs=10, schedule="cosine")
    schedule = recipe.learning_rate(config, steps_per_epoch=5)
    assert float(schedule(0)) == pytest.approx(1e-3)
    assert float(schedule(50)) == pytest.approx(0.0, abs=1e-9)


def one_epoch_resnet(root, **settings) -> TrainConfig:
    """Return the config of one epoch of resnet_small on 70 synthetic images written under
    `root`, checkpointed on validation balanced accuracy, with `settings` on top."""
    from tests.training.conftest import write_release

    return TrainConfig(
        data=write_release(root / "data"),
        out=root / "run",
        cache_dir=root / "cache",
        architecture="resnet_small",
        epochs=1,
        batch_size=16,
        checkpoint_metric="val_balanced_accuracy",
        **settings,
    )


@pytest.fixture(scope="module")
def improved_run(tmp_path_factory):
    """One epoch of every alternative at once: resnet_small, class weights, label smoothing,
    cosine decay, augmentation, checkpoint on validation balanced accuracy."""
    config = one_epoch_resnet(
        tmp_path_factory.mktemp("improved"),
        augment=True,
        balance="class_weight",
        label_smoothing=0.1,
        schedule="cosine",
    )
    return config, train(config)


def test_improved_recipe_trains_and_scores(improved_run):
    config, metrics = improved_run
    assert 0.0 <= metrics["balanced_accuracy"] <= 1.0
    history = pd.read_csv(config.out / "history.csv")
    assert "val_balanced_accuracy" in history.columns
    model = keras.models.load_model(config.out / "model.keras", compile=False)
    assert model.name == "resnet_small" and model.output_shape == (None, 7)


def test_config_records_the_alternative_settings(improved_run):
    config = json.loads((improved_run[0].out / "config.json").read_text())
    settings = config["settings"]
    assert settings["balance"] == "class_weight" and settings["schedule"] == "cosine"
    assert settings["label_smoothing"] == 0.1
    assert settings["checkpoint_metric"] == "val_balanced_accuracy"
    assert config["loss"] == "categorical_crossentropy, label smoothing 0.1"
    assert "class weights" in config["oversampling"]
    assert config["checkpoint"] == "best val_balanced_accuracy"
    assert config["name"] == "resnet_small", "without --name, the architecture"


def test_a_run_can_start_from_a_trained_model(improved_run, tmp_path):
    trained = improved_run[0].out / "model.keras"
    config = one_epoch_resnet(tmp_path, init=trained, learning_rate=1e-7)
    train(config)
    start = keras.models.load_model(trained, compile=False)
    tuned = keras.models.load_model(config.out / "model.keras", compile=False)
    for before, after in zip(start.trainable_weights, tuned.trainable_weights, strict=True):
        np.testing.assert_allclose(after.numpy(), before.numpy(), atol=1e-5)  # lr 1e-7: no move
    recorded = json.loads((config.out / "config.json").read_text())
    assert recorded["settings"]["init"] == str(trained)
    started = recorded["init"]  # how the starting model was trained, from its own config.json
    assert started["model"] == str(trained) and started["settings"]["balance"] == "class_weight"


def test_logit_adjusted_recipe_trains_and_records_its_loss(tmp_path):
    config = one_epoch_resnet(tmp_path, balance="logit_adjust", seed=7, split_seed=42)
    metrics = train(config)
    assert 0.0 <= metrics["balanced_accuracy"] <= 1.0
    recorded = json.loads((config.out / "config.json").read_text())
    assert recorded["loss"] == "logit-adjusted cross-entropy"
    assert "logit-adjusted" in recorded["oversampling"]
    assert recorded["settings"]["seed"] == 7 and recorded["settings"]["split_seed"] == 42
    dataset = load_dataset(config.data)
    for seed, same in ((42, True), (7, False)):  # the split follows --split-seed, not --seed
        save_split(dataset, make_split(dataset, 0.2, 0.2, seed), tmp_path / f"{seed}.csv")
        same_text = (tmp_path / f"{seed}.csv").read_text() == (config.out / "split.csv").read_text()
        assert same_text is same
    assert keras.models.load_model(config.out / "model.keras", compile=False).output_shape == (
        None,
        7,
    )


def test_device_views_follow_the_training_images_with_their_labels(release_dir, tmp_path):
    config = TrainConfig(data=release_dir, out=tmp_path / "run", cache_dir=tmp_path / "cache",
                         device_views=2)  # fmt: skip
    data = load_dataset(release_dir, INPUT_SIZE).subset(np.arange(10))
    grown = recipe.with_device_views(data, config)
    assert len(grown) == 30
    np.testing.assert_array_equal(grown.images[:10], data.images)
    np.testing.assert_array_equal(
        grown.labels, np.concatenate([data.labels, np.repeat(data.labels, 2)])
    )
    np.testing.assert_array_equal(grown.image_ids[10:12], [data.image_ids[0]] * 2)
    assert not np.array_equal(grown.images[10], data.images[0])  # another device's look


def test_device_views_need_the_release_files(hmnist_csv, tmp_path, capsys):
    with pytest.raises(SystemExit):
        train_cli.main(
            ["--data", str(hmnist_csv), "--out", str(tmp_path / "r"), "--device-views", "2"]
        )
    assert "HMNIST" in capsys.readouterr().err

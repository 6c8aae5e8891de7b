"""A short real segmenter run writes every output; the CLI refuses bad arguments up front."""

from __future__ import annotations

import json
import re

import keras
import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest

from lesion_core.preprocess import SEGMENTER_INPUT
from tests.conftest import run_keras
from training.arguments import parse
from training.segmenter import config as segmenter_config
from training.segmenter import train as train_segmenter
from training.segmenter.config import SegmenterConfig
from training.segmenter.recipe import batches, binary_target, dice_bce_loss
from training.segmenter.unet import UNET_LEVELS

pytestmark = [
    pytest.mark.xdist_group("segmenter_run"),  # one worker trains it for both files
    pytest.mark.heavy(10),
]

WIDTH, HEIGHT = SEGMENTER_INPUT
RUN_FILES = ["model.keras", "model.onnx", "split.csv", "history.csv", "config.json", "loss.png"]
IMAGES = 70


def test_cli_run_exits_zero_and_names_the_run_folder(segmenter_run):
    assert segmenter_run.code == 0
    assert f"wrote {segmenter_run.out}" in segmenter_run.stdout


def test_cli_run_shows_progress_within_each_epoch(segmenter_run):
    assert re.search(r"^  batch \d+/\d+ \(\d+%\), \d+ s, loss \d", segmenter_run.stdout, re.M)


@pytest.mark.parametrize("name", RUN_FILES)
def test_run_folder_has_each_output(segmenter_run, name):
    assert (segmenter_run.out / name).is_file()


def test_checkpoint_is_removed_after_the_run(segmenter_run):
    assert not (segmenter_run.out / "checkpoint.keras").exists()


def test_images_and_masks_are_cached_for_the_next_run(segmenter_run):
    assert len(list(segmenter_run.cache_dir.glob("masks-*.npz"))) == 1


def test_training_raises_no_warning(segmenter_run):
    assert segmenter_run.warnings == []


def test_split_keeps_every_lesion_in_one_part(segmenter_run):
    split = pd.read_csv(segmenter_run.out / "split.csv")
    assert split.groupby("lesion_id")["image_id"].count().max() > 1  # the check means something
    assert (split.groupby("lesion_id")["part"].nunique() == 1).all()


def test_split_covers_every_masked_image_once(segmenter_run):
    split = pd.read_csv(segmenter_run.out / "split.csv")
    assert len(split) == IMAGES and split["image_id"].is_unique
    assert set(split["part"]) == {"train", "val", "test"}


def test_config_records_the_epochs_and_settings(segmenter_run):
    config = json.loads((segmenter_run.out / "config.json").read_text())
    settings = config["settings"]
    assert settings["epochs"] == 2 and config["epochs_run"] == 2
    assert settings["batch_size"] == 8 and settings["val_fraction"] == 0.25
    assert settings["cache_dir"] == str(segmenter_run.cache_dir)
    assert config["best_epoch"] in (1, 2)
    assert config["input_size"] == [WIDTH, HEIGHT] and config["lesion_grouped"] is True
    assert config["levels"] == list(UNET_LEVELS[:2]) and settings["levels"] == 2


def test_config_split_sizes_match_split_csv(segmenter_run):
    sizes = json.loads((segmenter_run.out / "config.json").read_text())["split_sizes"]
    parts = pd.read_csv(segmenter_run.out / "split.csv")["part"].value_counts().to_dict()
    assert sizes == {name: parts[name] for name in ("train", "val", "test")}
    assert sum(sizes.values()) == IMAGES


def test_history_has_one_row_per_epoch_with_validation_iou(segmenter_run):
    history = pd.read_csv(segmenter_run.out / "history.csv")
    assert history["epoch"].tolist() == [1, 2]
    assert {"seconds", "loss", "iou", "val_loss", "val_iou"} <= set(history.columns)


def test_saved_model_loads_and_outputs_a_mask_per_image(segmenter_run):
    model = keras.models.load_model(segmenter_run.out / "model.keras", compile=False)
    assert model.output_shape == (None, HEIGHT, WIDTH, 1)


def test_onnx_model_takes_uint8_images_and_agrees_with_keras(segmenter_run):
    session = ort.InferenceSession(
        str(segmenter_run.out / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    images = np.random.default_rng(1).integers(0, 256, (2, HEIGHT, WIDTH, 3), dtype=np.uint8)
    (served,) = session.run(None, {"images": images})
    model = keras.models.load_model(segmenter_run.out / "model.keras", compile=False)
    assert served.shape == (2, HEIGHT, WIDTH, 1)
    np.testing.assert_allclose(served, run_keras(model, images), atol=1e-4)


def test_a_non_empty_out_without_overwrite_is_a_usage_error(segmenter_run, capsys):
    with pytest.raises(SystemExit) as exited:
        train_segmenter.main(
            ["--data", str(segmenter_run.data), "--out", str(segmenter_run.out), "--epochs", "1"]
        )
    assert exited.value.code == 2
    assert "not empty; choose another --out or pass --overwrite" in capsys.readouterr().err


def test_a_batch_larger_than_the_training_part_is_refused_before_any_output(
    segmenter_run, tmp_path, capsys
):
    out = tmp_path / "run"
    argv = ["--data", str(segmenter_run.data), "--out", str(out), "--batch-size", "64"]
    argv += ["--cache-dir", str(segmenter_run.cache_dir), "--val-fraction", "0.25"]
    assert train_segmenter.main(argv) == 2
    assert "training images do not fill one batch of 64" in capsys.readouterr().err
    assert not out.exists()


def test_cli_defaults_are_the_recipe_constants(tmp_path):
    config = parse(SegmenterConfig, ["--data", str(tmp_path), "--out", str(tmp_path / "o")])
    assert config.epochs == segmenter_config.EPOCHS
    assert config.batch_size == segmenter_config.BATCH_SIZE
    assert config.learning_rate == segmenter_config.LEARNING_RATE
    assert config.overwrite is False
    assert config.levels == segmenter_config.LEVELS == len(UNET_LEVELS)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--epochs", "0"], "--epochs must be at least 1 (got 0)"),
        (["--batch-size", "0"], "--batch-size must be at least 1 (got 0)"),
        (["--test-fraction", "0.6"], "--test-fraction must be between 0.05 and 0.5"),
        (["--val-fraction", "0.01"], "--val-fraction must be between 0.05 and 0.5"),
        (["--levels", "5"], "--levels must be between 1 and 4 (got 5)"),
    ],
)
def test_parse_args_rejects_bad_numbers_with_advice(tmp_path, capsys, flags, message):
    with pytest.raises(SystemExit):
        parse(SegmenterConfig, ["--data", str(tmp_path), "--out", str(tmp_path / "o"), *flags])
    assert message in capsys.readouterr().err


def test_parse_args_rejects_a_data_file(tmp_path, capsys):
    data = tmp_path / "hmnist_28_28_RGB.csv"
    data.write_text("label\n0\n")
    with pytest.raises(SystemExit):
        parse(SegmenterConfig, ["--data", str(data), "--out", str(tmp_path / "o")])
    assert "pass the HAM10000 release folder (with masks/)" in capsys.readouterr().err


def test_a_release_without_masks_exits_with_code_2_and_leaves_no_run_folder(
    release_dir, tmp_path, capsys
):
    code = train_segmenter.main(["--data", str(release_dir), "--out", str(tmp_path / "run")])
    assert code == 2
    assert "no lesion masks found" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(("value", "expected"), [(0, 0.0), (127, 0.0), (128, 1.0), (255, 1.0)])
def test_binary_target_marks_pixels_the_lesion_covers_at_least_half(value, expected):
    assert float(binary_target(np.array([value], dtype=np.uint8))[0]) == expected


def test_loss_is_near_zero_for_a_perfect_mask_and_large_for_its_inverse():
    truth = np.zeros((2, 8, 8, 1), dtype=np.float32)
    truth[:, 2:6, 2:6] = 1.0
    perfect = dice_bce_loss(truth, truth).numpy()
    inverse = dice_bce_loss(truth, 1.0 - truth).numpy()
    assert perfect.shape == (2,)  # one loss per image
    assert (perfect < 1e-3).all() and (inverse > 1.0).all()


def test_training_batches_hold_images_and_binary_masks(tmp_path):
    images = np.full((5, HEIGHT, WIDTH, 3), 100, dtype=np.uint8)
    masks = np.zeros((5, HEIGHT, WIDTH), dtype=np.uint8)
    masks[:, 20:60, 30:90] = 200
    config = SegmenterConfig(data=tmp_path, out=tmp_path, batch_size=4)
    x, y = next(iter(batches(images, masks, config)))
    assert x.shape == (4, HEIGHT, WIDTH, 3) and y.shape == (4, HEIGHT, WIDTH, 1)
    assert set(np.unique(y.numpy())) == {0.0, 1.0}
    assert float(y.numpy().mean()) == pytest.approx(40 * 60 / (HEIGHT * WIDTH))

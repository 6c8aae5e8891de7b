"""Robustness figures: centre crops, flips and exposure changes from the original files, and the
evaluate flag."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from PIL import Image

from training.classifier import evaluate as evaluate_cli
from training.classifier.robustness import (
    DEVICE_SHIFTS,
    EXPOSURES,
    centre_crop,
    exposed,
    image_files,
    robustness_metrics,
    views,
)
from training.data import load_dataset
from training.dataset import DataError


def mean_colour_model() -> keras.Model:
    """A model that sees only each image's mean colour, so mirroring cannot change its answer."""
    return keras.Sequential(
        [
            keras.Input((28, 28, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(7, activation="softmax"),
        ]
    )


def test_centre_crop_keeps_the_middle_three_quarters():
    pixels = np.zeros((80, 120, 3), dtype=np.uint8)
    pixels[40, 60] = 255
    cropped = centre_crop(Image.fromarray(pixels))
    assert cropped.size == (90, 60)
    assert np.asarray(cropped)[30, 45].tolist() == [255, 255, 255]


def test_original_view_matches_the_training_images(release_dir):
    data = load_dataset(release_dir)
    images = views(image_files(release_dir, data.image_ids[:6]))
    np.testing.assert_array_equal(images["original"], data.images[:6])


def test_flipped_views_mirror_the_original(release_dir):
    data = load_dataset(release_dir)
    images = views(image_files(release_dir, data.image_ids[:3]))
    np.testing.assert_array_equal(images["flip_horizontal"], images["original"][:, :, ::-1])
    np.testing.assert_array_equal(images["flip_vertical"], images["original"][:, ::-1])
    assert not np.array_equal(images["centre_crop"], images["original"])


def test_robustness_reports_each_view_and_the_largest_drop(release_dir):
    data = load_dataset(release_dir)
    result = robustness_metrics(mean_colour_model(), release_dir, data.image_ids, data.labels)
    scores = result["balanced_accuracy"]
    framing = {"centre_crop", "flip_horizontal", "flip_vertical"}
    assert set(scores) == {"original", *framing, *EXPOSURES, *DEVICE_SHIFTS}
    assert set(result["drop"]) == framing and set(result["exposure_drop"]) == set(EXPOSURES)
    assert set(result["device_drop"]) == set(DEVICE_SHIFTS)
    assert result["max_device_drop"] == max(result["device_drop"].values())
    assert "milk10k" not in result
    assert result["drop"]["flip_horizontal"] == pytest.approx(0.0, abs=1e-9)
    assert result["max_drop"] == max(result["drop"].values())
    assert result["max_exposure_drop"] == max(result["exposure_drop"].values())
    assert result["n"] == len(data)


def test_exposure_views_scale_every_pixel_value_and_clip():
    images = np.array([[[[0, 100, 250]]]], dtype=np.uint8)
    assert exposed(images, 0.85).tolist() == [[[[0, 85, 212]]]]
    assert exposed(images, 1.15).tolist() == [[[[0, 115, 255]]]]


def test_exposure_views_are_scaled_copies_of_the_original(release_dir):
    data = load_dataset(release_dir)
    images = views(image_files(release_dir, data.image_ids[:4]))
    for name, factor in EXPOSURES.items():
        np.testing.assert_array_equal(images[name], exposed(images["original"], factor))
        assert images[name].mean() != pytest.approx(images["original"].mean(), rel=0.05)


def test_robustness_names_an_image_without_a_file(release_dir):
    with pytest.raises(DataError, match="ISIC_9999999"):
        image_files(release_dir, np.array(["ISIC_9999999"]))


def test_evaluate_robustness_flag_adds_the_figures_to_metrics(release_dir, tmp_path, capsys):
    model_path = tmp_path / "model.keras"
    mean_colour_model().save(model_path)
    args = ["--model", str(model_path), "--data", str(release_dir), "--split", "none"]
    code = evaluate_cli.main([*args, "--out", str(tmp_path / "eval"), "--robustness"])
    assert code == 0
    result = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert result["robustness"]["drop"]["centre_crop"] == pytest.approx(
        result["test"]["balanced_accuracy"]
        - result["robustness"]["balanced_accuracy"]["centre_crop"]
    )
    printed = capsys.readouterr().out
    assert "centre_crop: balanced accuracy drop" in printed
    assert "darker_15: balanced accuracy drop" in printed
    assert "disc_85: balanced accuracy drop" in printed


def test_device_views_are_other_devices_looks_through_the_shared_preprocessing(release_dir):
    data = load_dataset(release_dir)
    images = views(image_files(release_dir, data.image_ids[:3]))
    assert set(DEVICE_SHIFTS) <= set(images)
    rotated = images["rotate_45"].astype(int)
    assert rotated[:, 0, 0].max() < 10  # a 45° turn leaves black corners, which stay
    discs = images["disc_85"].astype(int)
    assert discs[:, 0, 0].max(axis=-1).min() > 60  # the corners are cropped and filled
    darker = images["darker_30"].mean() / images["original"].mean()
    assert darker == pytest.approx(0.7, abs=0.03)
    cast = images["colour_cast"].mean(axis=(0, 1, 2)) / images["original"].mean(axis=(0, 1, 2))
    assert cast[0] > 1.05 and cast[2] < 0.95


def test_robustness_scores_milk10k_per_part_when_given(release_dir, milk10k_dir):
    data = load_dataset(release_dir)
    result = robustness_metrics(
        mean_colour_model(), release_dir, data.image_ids, data.labels, milk10k=milk10k_dir
    )
    parts = result["milk10k"]
    assert set(parts) == {"val", "rest"}
    assert parts["val"]["n"] + parts["rest"]["n"] == 21  # dermoscopic, one of our seven classes
    assert set(parts["val"]["balanced_accuracy"]) == {"original", *DEVICE_SHIFTS}


def test_evaluate_robustness_needs_a_release_folder(hmnist_csv, tmp_path, capsys):
    model_path = tmp_path / "model.keras"
    mean_colour_model().save(model_path)
    with pytest.raises(SystemExit):
        evaluate_cli.main(["--model", str(model_path), "--data", str(hmnist_csv), "--robustness"])
    assert "release folder" in capsys.readouterr().err

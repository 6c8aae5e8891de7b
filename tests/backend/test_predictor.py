"""The worker's predictor: the compiled graph gives the Keras model's answers."""

from __future__ import annotations

import zipfile

import keras
import numpy as np
import pytest

from backend.model_file import ModelLoadError, check_model_file
from backend.predictor import Predictor


def test_compiled_graph_matches_keras_predict(predictor, model_path):
    images = np.random.default_rng(0).integers(0, 256, (16, 28, 28, 3), dtype=np.uint8)
    expected = keras.models.load_model(model_path, compile=False).predict(images, verbose=0)
    np.testing.assert_allclose(predictor.predict(images), expected, atol=1e-5)


def test_single_and_batched_predictions_agree(predictor):
    images = np.random.default_rng(1).integers(0, 256, (5, 28, 28, 3), dtype=np.uint8)
    batched = predictor.predict(images)
    for i in range(5):
        np.testing.assert_allclose(predictor.predict(images[i : i + 1])[0], batched[i], atol=1e-5)


def test_predictor_reads_input_size_and_version(predictor):
    assert predictor.info.input_size == 28
    assert predictor.info.version.startswith(predictor.info.name + "-")
    assert predictor.ready


def test_missing_model_is_named(tmp_path):
    with pytest.raises(ModelLoadError, match=str(tmp_path / "x.keras")):
        Predictor(tmp_path / "x.keras")


def test_zip_without_weights_is_not_a_model(tmp_path):
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}")
    with pytest.raises(ModelLoadError, match="config or weights missing"):
        check_model_file(path)


def test_model_with_wrong_output_count_is_refused(tmp_path):
    model = keras.Sequential(
        [
            keras.Input((28, 28, 3)),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.save(tmp_path / "three.keras")
    with pytest.raises(ModelLoadError, match="3 outputs"):
        Predictor(tmp_path / "three.keras")

"""The worker's predictor: the ONNX graph gives the Keras model's answers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lesion_core.size import Size
from lesion_runtime.model_file import ModelLoadError, check_model_file
from lesion_runtime.predictor import Predictor
from tests.backend.onnx_models import colour_classifier
from tests.conftest import run_keras
from training.export import export_onnx


def test_served_graph_matches_keras_predict(predictor, keras_model_path):
    images = np.random.default_rng(0).integers(0, 256, (16, 28, 28, 3), dtype=np.uint8)
    expected = run_keras(keras.models.load_model(keras_model_path, compile=False), images)
    np.testing.assert_allclose(predictor.predict(images), expected, atol=1e-5)


def test_single_and_batched_predictions_agree(predictor):
    images = np.random.default_rng(1).integers(0, 256, (5, 28, 28, 3), dtype=np.uint8)
    batched = predictor.predict(images)
    for i in range(5):
        np.testing.assert_allclose(predictor.predict(images[i : i + 1])[0], batched[i], atol=1e-5)


def test_predictor_reads_input_size_and_version(predictor):
    assert predictor.info.input_size == (28, 28)
    assert predictor.info.version.startswith(predictor.info.name + "-")
    assert predictor.ready


def test_a_non_square_model_takes_height_by_width_images(tmp_path):
    wide = Predictor(colour_classifier(tmp_path / "wide"))
    assert wide.info.input_size == Size(width=160, height=120)
    assert wide.info.name == "wide"  # config.json's name
    image = np.random.default_rng(2).integers(0, 256, (120, 160, 3), dtype=np.uint8)
    probabilities, activations, members = wide.predict_explained(image[None])
    assert probabilities.shape == (1, 7) and activations.shape == (1, 4, 5, 7)
    assert members is None  # not an ensemble
    np.testing.assert_allclose(wide.predict(image[None]), probabilities, atol=1e-6)


def test_a_model_without_a_config_is_named_after_its_folder(tmp_path):
    path = colour_classifier(tmp_path / "plain")
    (path.parent / "config.json").write_text("{}")
    assert Predictor(path).info.name == "plain"


def test_missing_model_is_named(tmp_path):
    with pytest.raises(ModelLoadError, match=str(tmp_path / "x.onnx")):
        Predictor(tmp_path / "x.onnx")


def test_keras_file_gets_advice_to_export(keras_model_path):
    with pytest.raises(ModelLoadError, match=r"python -m training\.export"):
        check_model_file(keras_model_path)


def test_garbage_with_onnx_suffix_is_corrupt(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"this is not a model " * 10)
    with pytest.raises(ModelLoadError, match="corrupt or not an ONNX model"):
        check_model_file(path)


def test_model_with_wrong_output_count_is_refused(tmp_path):
    model = keras.Sequential(
        [
            keras.Input((28, 28, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Flatten(),
            keras.layers.Dense(3, "softmax"),
        ]
    )
    model.save(tmp_path / "three.keras")
    export_onnx(tmp_path / "three.keras", tmp_path / "three.onnx")
    with pytest.raises(ModelLoadError, match="3 outputs"):
        Predictor(tmp_path / "three.onnx")


def test_a_model_trained_with_colour_constancy_sees_what_training_saw(tmp_path):
    from lesion_core.colour_constancy import SHADES_OF_GRAY, corrected
    from lesion_core.preprocess import preprocess
    from tests.conftest import encode, lesion_like_image

    path = colour_classifier(tmp_path / "corrected")
    plain = Predictor(path)
    (path.parent / "config.json").write_text(f'{{"colour_constancy": "{SHADES_OF_GRAY}"}}')
    served = Predictor(path)
    upload = encode(lesion_like_image(200, 150))
    image = preprocess(upload, served.info.input_size)[None]
    # Training corrects the shared preprocessing's output (training.highres.sources); serving
    # must give the network exactly that.
    trained_on = corrected(image, SHADES_OF_GRAY)
    np.testing.assert_array_equal(served.predict(image), plain.predict(trained_on))
    assert not np.allclose(served.predict(image), plain.predict(image))


def test_an_unknown_colour_constancy_is_refused_at_load(tmp_path):
    path = colour_classifier(tmp_path / "odd")
    (path.parent / "config.json").write_text('{"colour_constancy": "retinex"}')
    with pytest.raises(ModelLoadError, match="retinex"):
        Predictor(path)

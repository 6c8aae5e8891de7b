"""Grad-CAM on our classifiers, and the class activation output that serves it without TensorFlow.

Covers `training.classifier.gradcam` and `lesion_core.class_activation`: the heat-map the
service draws from the ONNX `class_activations` output must be Grad-CAM itself.
"""

from __future__ import annotations

import keras
import numpy as np
import onnxruntime as ort
import pytest
from keras import layers

from lesion_core.class_activation import CAM_OUTPUT, class_heatmap, normalise
from lesion_core.labels import NUM_CLASSES
from lesion_runtime.onnx_names import PROBABILITIES
from tests.conftest import run_keras
from training.classifier.gradcam import (
    grad_cam,
    last_feature_layer,
    supports_class_activations,
    with_class_activations,
)
from training.classifier.model import build_model
from training.export import INPUT_NAME, export_onnx

pytestmark = pytest.mark.heavy(30)

SHAPE = (28, 28, 3)
MAP = (7, 7)  # both architectures end their convolutions at a quarter of 28
IMAGES = 4


@pytest.fixture(scope="module")
def resnet() -> keras.Model:
    """An untrained resnet_small for 28×28 RGB, seeded."""
    keras.utils.set_random_seed(0)
    return build_model("resnet_small", SHAPE)


@pytest.fixture(scope="module")
def paper_cnn() -> keras.Model:
    """An untrained paper_cnn for 28×28 RGB, seeded."""
    keras.utils.set_random_seed(0)
    return build_model("paper_cnn", SHAPE)


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    """Four seeded random uint8 images."""
    return np.random.default_rng(0).integers(0, 256, (IMAGES, *SHAPE), dtype=np.uint8)


@pytest.fixture(scope="module")
def resnet_outputs(resnet, images) -> tuple[np.ndarray, np.ndarray]:
    """The probabilities and class activation maps of `with_class_activations(resnet)`."""
    return run_keras(with_class_activations(resnet), images)


def assert_normalised(maps: np.ndarray) -> None:
    """Assert each map lies in [0, 1] and peaks at 1, unless it is all zeros."""
    assert maps.min() >= 0.0 and maps.max() <= 1.0
    for peak in maps.max(axis=(-2, -1)).ravel():
        assert peak == pytest.approx(1.0) or peak == 0.0


@pytest.mark.parametrize("architecture", ["resnet", "paper_cnn"])
def test_grad_cam_returns_one_normalised_map_per_image(request, images, architecture):
    maps = grad_cam(request.getfixturevalue(architecture), images, 3)
    assert maps.shape == (IMAGES, *MAP) and maps.dtype == np.float32
    assert_normalised(maps)


@pytest.mark.parametrize("architecture", ["resnet", "paper_cnn"])
def test_one_class_index_applies_to_every_image(request, images, architecture):
    model = request.getfixturevalue(architecture)
    np.testing.assert_allclose(
        grad_cam(model, images, 2), grad_cam(model, images, np.full(IMAGES, 2)), atol=1e-6
    )


@pytest.mark.parametrize("architecture", ["resnet", "paper_cnn"])
def test_a_class_index_per_image_gives_each_image_its_own_class(request, images, architecture):
    model = request.getfixturevalue(architecture)
    classes = np.array([0, 3, 5, 6])
    maps = grad_cam(model, images, classes)
    for i, c in enumerate(classes):
        np.testing.assert_allclose(
            maps[i], grad_cam(model, images[i : i + 1], int(c))[0], atol=1e-5
        )


@pytest.mark.parametrize("architecture", ["resnet", "paper_cnn"])
def test_no_class_index_explains_each_predicted_class(request, images, architecture):
    model = request.getfixturevalue(architecture)
    predicted = run_keras(model, images).argmax(axis=1)
    np.testing.assert_allclose(
        grad_cam(model, images), grad_cam(model, images, predicted), atol=1e-6
    )


def test_grad_cam_refuses_a_model_that_does_not_end_in_dense():
    inputs = keras.Input((8, 8, 3))
    x = layers.Conv2D(NUM_CLASSES, 3)(inputs)
    outputs = layers.Softmax()(layers.GlobalAveragePooling2D()(x))
    with pytest.raises(ValueError, match="does not end in a Dense layer"):
        grad_cam(keras.Model(inputs, outputs, name="no_dense"), np.zeros((1, 8, 8, 3)))


def test_last_feature_layer_refuses_a_model_without_a_spatial_map():
    inputs = keras.Input((12,))
    model = keras.Model(inputs, layers.Dense(NUM_CLASSES)(inputs), name="flat")
    with pytest.raises(ValueError, match="flat has no spatial feature map"):
        last_feature_layer(model)


@pytest.mark.parametrize(
    ("architecture", "expected"),
    [("resnet_small", True), ("resnet_small_2x", True), ("paper_cnn", False)],
)
def test_supports_class_activations_only_after_global_average_pooling(architecture, expected):
    assert supports_class_activations(build_model(architecture, SHAPE)) is expected


def test_with_class_activations_adds_a_map_per_class(resnet_outputs):
    probabilities, maps = resnet_outputs
    assert probabilities.shape == (IMAGES, NUM_CLASSES)
    assert maps.shape == (IMAGES, *MAP, NUM_CLASSES)


def test_with_class_activations_keeps_the_probabilities(resnet, images, resnet_outputs):
    probabilities, _ = resnet_outputs
    np.testing.assert_allclose(probabilities, run_keras(resnet, images), atol=1e-6)


@pytest.mark.parametrize("class_index", range(NUM_CLASSES))
def test_class_heatmap_of_the_activations_is_grad_cam(resnet, images, resnet_outputs, class_index):
    _, maps = resnet_outputs
    expected = grad_cam(resnet, images, class_index)
    for i in range(IMAGES):
        np.testing.assert_allclose(class_heatmap(maps[i], class_index), expected[i], atol=1e-5)


def test_with_class_activations_refuses_the_paper_cnn(paper_cnn):
    with pytest.raises(ValueError, match="global average pooling"):
        with_class_activations(paper_cnn)


@pytest.fixture(scope="module")
def exported_resnet(resnet, tmp_path_factory):
    """The resnet saved as .keras and exported with export_onnx; returns the ONNX session."""
    folder = tmp_path_factory.mktemp("gradcam_export")
    resnet.save(folder / "model.keras")
    export_onnx(folder / "model.keras", folder / "model.onnx")
    return ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])


def test_exported_model_has_named_probability_and_activation_outputs(exported_resnet):
    # By name, not position: the graph lists the outputs alphabetically.
    assert {o.name for o in exported_resnet.get_outputs()} == {PROBABILITIES, CAM_OUTPUT}


def test_exported_class_activations_match_keras(exported_resnet, images, resnet_outputs):
    probabilities, maps = exported_resnet.run([PROBABILITIES, CAM_OUTPUT], {INPUT_NAME: images})
    expected_probabilities, expected_maps = resnet_outputs
    np.testing.assert_allclose(maps, expected_maps, atol=1e-4)
    np.testing.assert_allclose(probabilities, expected_probabilities, atol=1e-4)


def test_exported_activations_give_grad_cam_without_tensorflow(exported_resnet, resnet, images):
    (maps,) = exported_resnet.run([CAM_OUTPUT], {INPUT_NAME: images})
    expected = grad_cam(resnet, images, 4)
    for i in range(IMAGES):
        np.testing.assert_allclose(class_heatmap(maps[i], 4), expected[i], atol=1e-4)


def test_normalise_keeps_an_all_zero_map_at_zero():
    maps = normalise(np.zeros((2, 7, 7)))
    assert maps.dtype == np.float32 and not maps.any() and np.isfinite(maps).all()


def test_normalise_divides_each_map_by_its_own_peak():
    maps = np.stack([np.full((3, 3), 2.0), np.zeros((3, 3)), np.arange(9.0).reshape(3, 3)])
    result = normalise(maps)
    np.testing.assert_allclose(result[0], 1.0)
    np.testing.assert_allclose(result[1], 0.0)
    np.testing.assert_allclose(result[2], np.arange(9.0).reshape(3, 3) / 8)


def test_class_heatmap_drops_negative_evidence():
    activations = np.zeros((2, 2, 3), dtype=np.float32)
    activations[..., 1] = [[-4.0, 1.0], [2.0, -1.0]]
    np.testing.assert_allclose(class_heatmap(activations, 1), [[0.0, 0.5], [1.0, 0.0]])


def test_class_heatmap_of_only_negative_activations_is_zero():
    activations = np.full((2, 2, 3), -1.0, dtype=np.float32)
    assert not class_heatmap(activations, 0).any()


def test_tta_model_maps_are_each_views_map_turned_back_and_averaged(resnet, images):
    from training.classifier.tta import dihedral_views, with_tta

    tta = with_tta(resnet)
    assert supports_class_activations(tta)
    probabilities, maps = run_keras(with_class_activations(tta), images)
    np.testing.assert_allclose(probabilities, run_keras(tta, images), atol=1e-5)
    member = with_class_activations(resnet)
    expected = []
    for k, view in enumerate(dihedral_views(images)):  # numpy's views: k counter-clockwise turns
        _, view_maps = run_keras(member, view)
        if k >= 4:
            view_maps, k = view_maps[:, :, ::-1], k - 4
        expected.append(np.rot90(view_maps, -k, axes=(1, 2)))
    np.testing.assert_allclose(maps, np.mean(expected, axis=0), atol=1e-5)

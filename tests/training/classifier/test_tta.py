"""Test-time augmentation over the square's 8 symmetries or a rectangle's 4 flips."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tests.conftest import run_keras
from tests.training.conftest import small_classifier
from training.classifier.model import build_resnet_small
from training.classifier.tta import dihedral_views, flip_views, with_tta, with_tta_maps

pytestmark = pytest.mark.heavy(25)


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (6, 28, 28, 3)).astype(np.float32)


@pytest.fixture(scope="module")
def model() -> keras.Model:
    return small_classifier()


def test_dihedral_views_are_the_eight_distinct_symmetries(images):
    views = dihedral_views(images)
    assert len(views) == 8
    assert len({v[0].tobytes() for v in views}) == 8
    assert any(np.array_equal(v, images[:, :, ::-1]) for v in views)
    assert any(np.array_equal(v, images[:, ::-1]) for v in views)


def test_tta_model_averages_the_model_over_the_eight_views(model, images):
    expected = np.mean([run_keras(model, v) for v in dihedral_views(images)], axis=0)
    np.testing.assert_allclose(run_keras(with_tta(model), images), expected, atol=1e-5)


def test_tta_model_answers_the_same_for_mirrored_and_turned_images(model, images):
    tta = with_tta(model)
    reference = run_keras(tta, images)
    for view in dihedral_views(images)[1:]:
        np.testing.assert_allclose(run_keras(tta, view), reference, atol=1e-5)


def test_tta_model_saves_and_loads_without_custom_objects(model, images, tmp_path):
    tta = with_tta(model)
    tta.save(tmp_path / "tta.keras")
    again = keras.models.load_model(tmp_path / "tta.keras", compile=False)
    assert again.input_shape == (None, 28, 28, 3) and again.output_shape == (None, 7)
    np.testing.assert_allclose(run_keras(again, images), run_keras(tta, images), atol=1e-6)


def test_tta_of_a_rectangular_model_averages_its_four_flips():
    model = build_resnet_small((12, 16, 3))
    rectangles = np.random.default_rng(1).integers(0, 256, (4, 12, 16, 3)).astype(np.float32)
    views = flip_views(rectangles)
    assert len({v[0].tobytes() for v in views}) == 4
    expected = np.mean([run_keras(model, v) for v in views], axis=0)
    tta = with_tta(model)
    np.testing.assert_allclose(run_keras(tta, rectangles), expected, atol=1e-5)
    np.testing.assert_allclose(run_keras(tta, views[3]), expected, atol=1e-5)


def test_rectangular_tta_turns_each_views_map_back():
    # A "model" whose map output is its input: after undoing each flip, every view's map is the
    # original image, so the averaged map must equal the input exactly.
    inputs = keras.Input((6, 10, 3))
    probabilities = keras.layers.Dense(7, activation="softmax")(keras.layers.Flatten()(inputs))
    maps = keras.layers.Identity(name="class_activations")(inputs)
    model = keras.Model(inputs, [probabilities, maps])
    x = np.random.default_rng(2).uniform(0, 1, (2, 6, 10, 3)).astype(np.float32)
    _, averaged = run_keras(with_tta_maps(model), x)
    np.testing.assert_allclose(averaged, x, atol=1e-6)

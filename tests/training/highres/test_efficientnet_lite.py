"""The Keras EfficientNet-Lite0 port: architecture, weights, and ImageNet answers on real photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_keras
from training.highres.efficientnet_lite import (
    block_input_shape,
    build_efficientnet_lite0,
    default_checkpoint,
    efficientnet_lite0_layers,
    load_imagenet_weights,
)
from training.highres.imagenet_check import imagenet_eval_array, labelled_photos, top_k_accuracy

pytestmark = pytest.mark.heavy(20)

OOD = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "ood"


@pytest.fixture(scope="module")
def lite0():
    model = build_efficientnet_lite0((224, 224, 3))
    load_imagenet_weights(model, default_checkpoint())
    return model


def test_every_backbone_value_of_the_checkpoint_is_loaded(lite0):
    # 4,694,073 values less the 49 batch-norm step counters, which Keras does not keep.
    assert lite0.count_params() == 4_694_024


def test_block_input_shape_matches_the_network_for_a_4_3_image():
    import keras

    inputs = keras.Input((150, 200, 3))
    out = efficientnet_lite0_layers(inputs, blocks=(0, 5))
    assert tuple(out.shape[1:]) == block_input_shape(5, (150, 200)) == (19, 25, 40)


def test_split_network_equals_the_whole():
    import keras

    front_in = keras.Input((64, 96, 3))
    front = keras.Model(front_in, efficientnet_lite0_layers(front_in, blocks=(0, 8)))
    back_in = keras.Input(block_input_shape(8, (64, 96)))
    back = keras.Model(back_in, efficientnet_lite0_layers(back_in, blocks=(8, 16)))
    whole_in = keras.Input((64, 96, 3))
    whole = keras.Model(whole_in, efficientnet_lite0_layers(whole_in))
    for part in (front, back, whole):
        load_imagenet_weights(part, default_checkpoint())
    x = np.random.default_rng(0).uniform(0, 255, (2, 64, 96, 3)).astype(np.float32)
    np.testing.assert_allclose(run_keras(back, run_keras(front, x)), run_keras(whole, x), atol=1e-4)


def test_top_k_accuracy_counts_labels_among_the_k_best():
    proba = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]])
    assert top_k_accuracy(proba, np.array([1, 1]), 1) == 0.5
    assert top_k_accuracy(proba, np.array([1, 1]), 2) == 1.0


@pytest.mark.realdata
def test_port_names_a_handful_of_imagenet_photos(lite0):
    if not (OOD / "index.csv").is_file():
        pytest.skip(f"no ImageNet sample photos at {OOD}")
    photos = labelled_photos(OOD)[:20]
    images = np.stack([imagenet_eval_array(p.path) for p in photos])
    labels = np.array([p.label for p in photos])
    proba = run_keras(lite0, images)
    # All 400 score top-1 0.8875 / top-5 0.98 (models/efficientnet_lite0/README.md); a broken
    # port (wrong layout, padding or normalisation) falls far below on any 20 of them.
    assert top_k_accuracy(proba, labels, 1) >= 0.7
    assert top_k_accuracy(proba, labels, 5) >= 0.9

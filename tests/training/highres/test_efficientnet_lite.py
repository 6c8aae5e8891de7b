"""The Keras EfficientNet-Lite ports: architecture, weights, and ImageNet answers on real photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_keras
from training.highres.efficientnet_lite import (
    build_efficientnet_lite,
    default_checkpoint,
    efficientnet_lite_layers,
    load_imagenet_weights,
)
from training.highres.imagenet_check import imagenet_eval_array, labelled_photos, top_k_accuracy
from training.highres.torch_weights import CheckpointError
from training.highres.variants import LITE0, LITE1, LITE2, block_input_shape

pytestmark = pytest.mark.heavy(20)

OOD = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "ood"


@pytest.fixture(scope="module")
def lite0():
    model = build_efficientnet_lite(LITE0, (224, 224, 3))
    load_imagenet_weights(model, default_checkpoint())
    return model


def test_every_backbone_value_of_the_checkpoint_is_loaded(lite0):
    # 4,694,073 values less the 49 batch-norm step counters, which Keras does not keep.
    assert lite0.count_params() == 4_694_024


@pytest.mark.parametrize(
    # The checkpoints' 5,470,408 and 6,150,232 values less their 64 batch-norm step counters.
    ("variant", "values"),
    [(LITE1, 5_470_344), (LITE2, 6_150_168)],
)
def test_every_value_of_the_lite1_and_lite2_checkpoints_is_loaded(variant, values):
    model = build_efficientnet_lite(variant, (32, 32, 3))  # the weights do not depend on size
    assert load_imagenet_weights(model, default_checkpoint(variant), variant) == values
    assert model.count_params() == values


def test_a_checkpoint_of_another_variant_is_refused():
    import keras

    inputs = keras.Input((32, 32, 3))
    stem = keras.Model(inputs, efficientnet_lite_layers(inputs, LITE1, blocks=(0, 1)))
    with pytest.raises(CheckpointError, match="16 blocks, but EfficientNet-Lite1 has 21"):
        load_imagenet_weights(stem, default_checkpoint(LITE0), LITE1)


@pytest.mark.parametrize(("variant", "block"), [(LITE0, 5), (LITE1, 7), (LITE2, 12)])
def test_block_input_shape_matches_the_network_for_a_4_3_image(variant, block):
    import keras

    inputs = keras.Input((150, 200, 3))
    out = efficientnet_lite_layers(inputs, variant, blocks=(0, block))
    assert tuple(out.shape[1:]) == block_input_shape(block, (150, 200), variant)


def test_split_network_equals_the_whole():
    import keras

    front_in = keras.Input((64, 96, 3))
    front = keras.Model(front_in, efficientnet_lite_layers(front_in, blocks=(0, 8)))
    back_in = keras.Input(block_input_shape(8, (64, 96)))
    back = keras.Model(back_in, efficientnet_lite_layers(back_in, blocks=(8, 16)))
    whole_in = keras.Input((64, 96, 3))
    whole = keras.Model(whole_in, efficientnet_lite_layers(whole_in))
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

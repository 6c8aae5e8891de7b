"""The segmenter's U-Net: input and output shapes, probabilities, and the sizes it accepts."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lesion_core.preprocess import SEGMENTER_INPUT
from tests.conftest import run_keras
from training.segmenter.unet import UNET_LEVELS, build_unet

WIDTH, HEIGHT = SEGMENTER_INPUT


@pytest.fixture(scope="module")
def unet() -> keras.Model:
    """The default U-Net, untrained, with seeded weights."""
    keras.utils.set_random_seed(0)
    return build_unet()


def random_batch(n: int, height: int, width: int) -> np.ndarray:
    """Return a seeded (n, height, width, 3) batch of uint8 pixels."""
    return np.random.default_rng(0).integers(0, 256, (n, height, width, 3), dtype=np.uint8)


def test_default_input_is_the_segmenter_input_size(unet):
    assert unet.input_shape == (None, HEIGHT, WIDTH, 3)


def test_a_batch_maps_to_one_probability_per_pixel(unet):
    probabilities = run_keras(unet, random_batch(2, HEIGHT, WIDTH))
    assert probabilities.shape == (2, HEIGHT, WIDTH, 1)
    assert probabilities.min() >= 0.0 and probabilities.max() <= 1.0


def test_output_layer_is_named_for_what_it_holds(unet):
    assert unet.layers[-1].name == "lesion_probability"
    assert unet.name == "lesion_unet"


def test_the_bottom_is_sixteen_times_smaller_than_the_input(unet):
    bottom = unet.get_layer("bottom_relu2").output.shape
    factor = 2 ** len(UNET_LEVELS)
    assert tuple(bottom[1:3]) == (HEIGHT // factor, WIDTH // factor)


def test_fewer_levels_accept_sides_divisible_by_a_smaller_power_of_two():
    model = build_unet((20, 12), levels=(4, 8), bottleneck=8)
    assert model.output_shape == (None, 12, 20, 1)


@pytest.mark.parametrize("size", [(120, 90), (136, 96), (128, 100)])
def test_sides_that_do_not_divide_by_sixteen_are_refused_when_building(size):
    with pytest.raises(ValueError, match="must divide by 16"):
        build_unet(size)

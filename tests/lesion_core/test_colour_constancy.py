"""Shades of Gray: the light's colour is divided out, the same way wherever it is called."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from lesion_core.colour_constancy import SHADES_OF_GRAY, corrected, shades_of_gray
from lesion_core.preprocess import preprocess
from tests.conftest import encode, lesion_like_image

# Pinned: a change here means a colour-corrected model sees other input than it trained on.
PINNED_SHA256 = "677a31bea5d8d019ef523d0d00f6955c820ee99b7c6b9472f989c8bfcfab0982"


def lesion() -> np.ndarray:
    return preprocess(encode(lesion_like_image(200, 150)), (160, 120))


def test_a_colour_cast_is_divided_out():
    image = lesion()
    cast = np.clip(image * np.array([1.1, 0.9, 0.75]), 0, 255).astype(np.uint8)
    before = np.abs(image.astype(int) - cast).mean()
    after = np.abs(shades_of_gray(image).astype(int) - shades_of_gray(cast)).mean()
    assert after < before / 4  # not all of it: rounding, and pixels the cast clipped


def test_a_grey_light_leaves_the_image_alone_and_brightness_is_kept():
    grey = np.full((8, 8, 3), 100, np.uint8)
    np.testing.assert_array_equal(shades_of_gray(grey), grey)
    image = lesion()
    assert shades_of_gray(image).mean() == pytest.approx(image.mean(), rel=0.1)


def test_a_batch_is_corrected_image_by_image():
    image = lesion()
    batch = np.stack([image, image[::-1], np.roll(image, 20, axis=-1)])
    np.testing.assert_array_equal(shades_of_gray(batch)[1], shades_of_gray(image[::-1]))


def test_the_corrected_input_is_pinned():
    digest = hashlib.sha256(corrected(lesion(), SHADES_OF_GRAY).tobytes()).hexdigest()
    assert digest == PINNED_SHA256


def test_no_method_changes_nothing_and_an_unknown_one_is_refused():
    image = lesion()
    assert corrected(image, None) is image
    with pytest.raises(ValueError, match="retinex"):
        corrected(image, "retinex")

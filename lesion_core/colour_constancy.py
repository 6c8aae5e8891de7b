"""Colour constancy: the same lesion under another dermatoscope's light should give the same
input. Shades of Gray (Finlayson and Trezzi, 2004) estimates the light's colour as each
channel's Minkowski p-norm mean and divides it out; p = 6 is what the ISIC 2018 and 2019
challenges' leading teams used.

A model trained on corrected images says so in its config.json (`colour_constancy`), and the
service corrects its inputs the same way (lesion_runtime.predictor): training and serving both
call `corrected`, on the uint8 input the shared preprocessing made.
"""

from __future__ import annotations

import numpy as np

SHADES_OF_GRAY = "shades_of_gray_p6"  # the one method, as config.json names it
POWER = 6
_TINY = 1e-6


CHUNK = 256  # images corrected at a time: float copies of a whole training set do not fit


def shades_of_gray(images: np.ndarray, power: int = POWER) -> np.ndarray:
    """Return (..., H, W, 3) uint8 images with each image's light made neutral: every channel
    scaled by (the channels' norm / √3) / (its own p-norm mean), so a grey light leaves it as
    it is and a brighter image stays brighter."""
    images = np.asarray(images)
    if images.ndim > 3 and len(images) > CHUNK:
        return np.concatenate(
            [shades_of_gray(images[i : i + CHUNK], power) for i in range(0, len(images), CHUNK)]
        )
    pixels = images.astype(np.float32) / 255
    light = np.mean(pixels**power, axis=(-3, -2), keepdims=True) ** (1 / power)
    neutral = np.linalg.norm(light, axis=-1, keepdims=True) / np.sqrt(3)
    scaled = pixels * (255 * neutral / np.maximum(light, _TINY))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def corrected(images: np.ndarray, method: str | None) -> np.ndarray:
    """Return `images` corrected by `method` (SHADES_OF_GRAY), or unchanged when it is None."""
    if method is None:
        return images
    if method != SHADES_OF_GRAY:
        raise ValueError(f"unknown colour constancy {method!r}; known: {SHADES_OF_GRAY}")
    return shades_of_gray(images)

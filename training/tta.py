"""Test-time augmentation over the 8 symmetries of the square (flips and 90° rotations).

A lesion photo has no up or left, so the answer should not depend on how it was held.
`with_tta` wraps a model so that it averages its probabilities over the 8 views; the views are
made with built-in layers only (Permute for the transpose, a fixed 0/1 Dense for the mirror),
so the wrapped `.keras` file loads anywhere Keras does, the service included, unchanged.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

VIEWS = 8


def dihedral_views(images: np.ndarray) -> list[np.ndarray]:
    """Return the 8 views (rotations by 0-270°, each also mirrored) of a (N, H, W, C) batch."""
    rotations = [np.rot90(images, k, axes=(1, 2)) for k in range(4)]
    return rotations + [r[:, :, ::-1] for r in rotations]


def _mirror(size: int, name: str) -> layers.Layer:
    """Return a frozen Dense layer that reverses the last axis (an exact 0/1 permutation)."""
    mirror = layers.Dense(size, use_bias=False, trainable=False, name=name)
    mirror.build((None, size))
    mirror.set_weights([np.eye(size, dtype=np.float32)[::-1]])
    return mirror


def with_tta(model: keras.Model) -> keras.Model:
    """Return a model that averages `model`'s probabilities over the 8 symmetric views."""
    height, width, _ = model.input_shape[1:]
    if height != width:
        raise ValueError(
            f"{model.name}: test-time rotations need square inputs, not {height}x{width}"
        )
    inputs = keras.Input(shape=model.input_shape[1:], name="image")
    to_w_last = layers.Permute((1, 3, 2), name="width_last")  # (H, W, C) -> (H, C, W)
    mirror = _mirror(width, "mirror_width")
    back = layers.Permute((1, 3, 2), name="width_back")

    def flip_lr(x: keras.KerasTensor) -> keras.KerasTensor:
        return back(mirror(to_w_last(x)))

    transpose = layers.Permute((2, 1, 3), name="transpose")

    def quarter_turn(x: keras.KerasTensor) -> keras.KerasTensor:
        return flip_lr(transpose(x))  # a clockwise quarter turn

    rotations = [inputs]
    for _ in range(3):
        rotations.append(quarter_turn(rotations[-1]))
    views = rotations + [flip_lr(r) for r in rotations]
    outputs = layers.Average(name="mean_over_views")([model(v) for v in views])
    return keras.Model(inputs, outputs, name=f"{model.name}_tta")

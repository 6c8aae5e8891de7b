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


class _Symmetries:
    """The square's mirror and clockwise quarter turn for (N, size, size, C) tensors, made of
    reusable built-in layers; `prefix` keeps the names of two such sets apart."""

    def __init__(self, size: int, prefix: str = "") -> None:
        self._to_w_last = layers.Permute((1, 3, 2), name=f"{prefix}width_last")
        self._mirror = _mirror(size, f"{prefix}mirror_width")
        self._back = layers.Permute((1, 3, 2), name=f"{prefix}width_back")
        self._transpose = layers.Permute((2, 1, 3), name=f"{prefix}transpose")

    def flip_lr(self, x: keras.KerasTensor) -> keras.KerasTensor:
        """Return x mirrored left-right."""
        return self._back(self._mirror(self._to_w_last(x)))  # (H, W, C) -> (H, C, W) and back

    def quarter_turn(self, x: keras.KerasTensor, times: int = 1) -> keras.KerasTensor:
        """Return x turned clockwise by `times` quarter turns."""
        for _ in range(times % 4):
            x = self.flip_lr(self._transpose(x))
        return x

    def views(self, x: keras.KerasTensor) -> list[keras.KerasTensor]:
        """Return the 8 views of x in `dihedral_views`' order."""
        rotations = [x]
        for _ in range(3):
            rotations.append(self.quarter_turn(rotations[-1]))
        return rotations + [self.flip_lr(r) for r in rotations]

    def undo(self, view: int, x: keras.KerasTensor) -> keras.KerasTensor:
        """Return x, a map computed on view number `view`, turned back to the original's frame."""
        if view >= 4:
            x, view = self.flip_lr(x), view - 4
        return self.quarter_turn(x, 4 - view)


def _square_side(model: keras.Model) -> int:
    """Return the side of the model's square input, or raise ValueError."""
    height, width, _ = model.input_shape[1:]
    if height != width:
        raise ValueError(
            f"{model.name}: test-time rotations need square inputs, not {height}x{width}"
        )
    return width


def with_tta(model: keras.Model) -> keras.Model:
    """Return a model that averages `model`'s probabilities over the 8 symmetric views."""
    symmetries = _Symmetries(_square_side(model))
    inputs = keras.Input(shape=model.input_shape[1:], name="image")
    outputs = layers.Average(name="mean_over_views")([model(v) for v in symmetries.views(inputs)])
    return keras.Model(inputs, outputs, name=f"{model.name}_tta")


def tta_member(model: keras.Model) -> keras.Model | None:
    """Return the wrapped model of a `with_tta` model, or None for any other model."""
    if model.layers[-1].name != "mean_over_views":
        return None
    members = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    return members[0] if len(members) == 1 else None


def with_tta_maps(model: keras.Model) -> keras.Model:
    """Return a model like `with_tta` for a two-output model (probabilities, (N, h, h, C) maps):
    it averages the probabilities, and the maps after turning each view's map back."""
    symmetries = _Symmetries(_square_side(model))
    maps_side = model.outputs[1].shape[1]
    undo = _Symmetries(maps_side, prefix="maps_")
    inputs = keras.Input(shape=model.input_shape[1:], name="image")
    answers = [model(v) for v in symmetries.views(inputs)]
    probabilities = layers.Average(name="mean_over_views")([a[0] for a in answers])
    maps = layers.Average(name=model.output_names[1])(
        [undo.undo(i, a[1]) for i, a in enumerate(answers)]
    )
    return keras.Model(inputs, [probabilities, maps], name=f"{model.name}_tta")

"""Test-time augmentation over the 8 symmetries of the square (flips and 90° rotations), or the
4 flips of a rectangle (a quarter turn would change a 4:3 input's shape).

A lesion photo has no up or left, so the answer should not depend on how it was held.
`with_tta` wraps a model so that it averages its probabilities over the views; the views are
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


def flip_views(images: np.ndarray) -> list[np.ndarray]:
    """Return the 4 flips (none, left-right, up-down, both) of a (N, H, W, C) batch."""
    mirrored = images[:, :, ::-1]
    return [images, mirrored, images[:, ::-1], mirrored[:, ::-1]]


def symmetric_views(images: np.ndarray) -> list[np.ndarray]:
    """Return the views `with_tta` averages: dihedral for square images, flips otherwise."""
    return dihedral_views(images) if images.shape[1] == images.shape[2] else flip_views(images)


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


class _Flips:
    """The 4 flips of (N, H, W, C) tensors of any shape, with the same interface as _Symmetries."""

    def __init__(self, height: int, width: int, prefix: str = "") -> None:
        self._w_last = layers.Permute((1, 3, 2), name=f"{prefix}width_last")
        self._mirror_w = _mirror(width, f"{prefix}mirror_width")
        self._w_back = layers.Permute((1, 3, 2), name=f"{prefix}width_back")
        self._h_last = layers.Permute((3, 2, 1), name=f"{prefix}height_last")
        self._mirror_h = _mirror(height, f"{prefix}mirror_height")
        self._h_back = layers.Permute((3, 2, 1), name=f"{prefix}height_back")

    def flip_lr(self, x: keras.KerasTensor) -> keras.KerasTensor:
        """Return x mirrored left-right."""
        return self._w_back(self._mirror_w(self._w_last(x)))

    def flip_ud(self, x: keras.KerasTensor) -> keras.KerasTensor:
        """Return x mirrored top-bottom."""
        return self._h_back(self._mirror_h(self._h_last(x)))  # (H, W, C) -> (C, W, H) and back

    def views(self, x: keras.KerasTensor) -> list[keras.KerasTensor]:
        """Return the 4 views of x in `flip_views`' order."""
        mirrored = self.flip_lr(x)
        return [x, mirrored, self.flip_ud(x), self.flip_ud(mirrored)]

    def undo(self, view: int, x: keras.KerasTensor) -> keras.KerasTensor:
        """Return x, a map computed on view number `view`, flipped back (flips undo themselves)."""
        if view in (1, 3):
            x = self.flip_lr(x)
        return self.flip_ud(x) if view in (2, 3) else x


def _views_of(shape: tuple, prefix: str = "") -> _Symmetries | _Flips:
    """Return the symmetries for a (H, W, ...) shape: the square's 8, or a rectangle's 4 flips."""
    height, width = shape[0], shape[1]
    return _Symmetries(width, prefix) if height == width else _Flips(height, width, prefix)


def with_tta(model: keras.Model) -> keras.Model:
    """Return a model that averages `model`'s probabilities over its input's symmetric views."""
    symmetries = _views_of(model.input_shape[1:])
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
    """Return a model like `with_tta` for a two-output model (probabilities, (N, h, w, C) maps):
    it averages the probabilities, and the maps after turning each view's map back."""
    symmetries = _views_of(model.input_shape[1:])
    undo = _views_of(tuple(model.outputs[1].shape[1:]), prefix="maps_")
    inputs = keras.Input(shape=model.input_shape[1:], name="image")
    answers = [model(v) for v in symmetries.views(inputs)]
    probabilities = layers.Average(name="mean_over_views")([a[0] for a in answers])
    maps = layers.Average(name=model.output_names[1])(
        [undo.undo(i, a[1]) for i, a in enumerate(answers)]
    )
    return keras.Model(inputs, [probabilities, maps], name=f"{model.name}_tta")

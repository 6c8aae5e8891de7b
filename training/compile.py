"""Compiling a Keras model for training with its optimizer state already made."""

from __future__ import annotations

from typing import Any

import keras


def compile_for_training(
    model: keras.Model, optimizer: keras.optimizers.Optimizer, **settings: Any
) -> None:
    """Compile `model` with `optimizer` and `settings` (loss, metrics, ...), then build the
    optimizer's slots. Keras' TensorFlow trainer otherwise makes them inside the first call of
    its training step, and a tf.function that makes variables is traced twice: on a CPU the
    second trace of a U-Net's step costs as much as an epoch of a test-sized run."""
    model.compile(optimizer=optimizer, **settings)
    optimizer.build(model.trainable_variables)

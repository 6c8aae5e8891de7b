"""Model architectures, each built by one function with the same signature."""

from __future__ import annotations

from collections.abc import Callable

import keras
from keras import layers

from training.labels import NUM_CLASSES
from training.preprocess import INPUT_SIZE

DROPOUT = 0.2


def build_paper_cnn(
    input_shape: tuple[int, int, int] = (INPUT_SIZE, INPUT_SIZE, 3), num_classes: int = NUM_CLASSES
) -> keras.Model:
    """Return the published CNN, layer for layer; it takes uint8-valued RGB and outputs softmax."""

    def conv(filters: int) -> layers.Layer:
        return layers.Conv2D(filters, 3, padding="same", activation="relu")

    def dense_block(units: int, dropout: bool = True) -> list[layers.Layer]:
        block: list[layers.Layer] = [layers.Dense(units, activation="relu")]
        if dropout:
            block.append(layers.Dropout(DROPOUT))
        return [*block, layers.BatchNormalization()]

    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Rescaling(1.0 / 255),
            conv(16),
            layers.MaxPooling2D(2),
            layers.BatchNormalization(),
            conv(32),
            conv(64),
            layers.MaxPooling2D(2),
            layers.BatchNormalization(),
            conv(128),
            conv(256),
            layers.Flatten(),
            *dense_block(256),
            *dense_block(128),
            *dense_block(64),
            *dense_block(32, dropout=False),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="paper_cnn",
    )


ARCHITECTURES: dict[str, Callable[..., keras.Model]] = {"paper_cnn": build_paper_cnn}


def build_model(
    architecture: str, input_shape: tuple[int, int, int], num_classes: int = NUM_CLASSES
) -> keras.Model:
    """Return a fresh, uncompiled model of the named architecture."""
    try:
        builder = ARCHITECTURES[architecture]
    except KeyError:
        raise ValueError(
            f"unknown architecture {architecture!r}; choose from {', '.join(ARCHITECTURES)}"
        ) from None
    return builder(input_shape, num_classes)

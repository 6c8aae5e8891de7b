"""Model architectures, each built by one function with the same signature."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import keras
from keras import layers

from lesion_core.labels import NUM_CLASSES
from lesion_core.preprocess import INPUT_SIZE

DROPOUT = 0.2
RESNET_STAGES = (32, 64, 128)  # channels of the three stages; each later stage halves the size
RESNET_DROPOUT = 0.3
# Keras' default 0.99 left the moving statistics far behind the weights in a 3-epoch run (the
# model answered one class on validation); 0.9 (PyTorch's default) follows them within ~50 steps.
BN_MOMENTUM = 0.9


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


def residual_block(x: keras.KerasTensor, filters: int, stride: int) -> keras.KerasTensor:
    """Return the output of a basic residual block: two 3×3 conv+BatchNorm, identity shortcut."""
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        # Projection shortcut where the size or width changes.
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x)
        shortcut = layers.BatchNormalization(momentum=BN_MOMENTUM)(shortcut)
    x = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
    x = layers.ReLU()(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
    return layers.ReLU()(layers.Add()([x, shortcut]))


def build_resnet_small(
    input_shape: tuple[int, int, int] = (INPUT_SIZE, INPUT_SIZE, 3),
    num_classes: int = NUM_CLASSES,
    blocks_per_stage: int = 1,
) -> keras.Model:
    """Return a compact ResNet (stem, 3 stages of 32/64/128 channels, global average pooling,
    dropout, softmax); it takes uint8-valued RGB like the paper CNN and has no wide dense layer."""
    inputs = keras.Input(shape=input_shape)
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = layers.Conv2D(RESNET_STAGES[0], 3, padding="same", use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization(momentum=BN_MOMENTUM)(x))
    for stage, filters in enumerate(RESNET_STAGES):
        for block in range(blocks_per_stage):
            stride = 2 if stage > 0 and block == 0 else 1
            x = residual_block(x, filters, stride)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(RESNET_DROPOUT)(x)
    # The last layer stays a softmax Dense: calibration folds its temperature into it.
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    name = "resnet_small" if blocks_per_stage == 1 else f"resnet_small_{blocks_per_stage}x"
    return keras.Model(inputs, outputs, name=name)


ARCHITECTURES: dict[str, Callable[..., keras.Model]] = {
    "paper_cnn": build_paper_cnn,
    "resnet_small": build_resnet_small,
    "resnet_small_2x": partial(build_resnet_small, blocks_per_stage=2),
}


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

"""The lesion segmenter: a compact U-Net from uint8 RGB to per-pixel lesion probabilities."""

from __future__ import annotations

import keras
from keras import layers

from lesion_core.preprocess import SEGMENTER_INPUT

# Channels per encoder level; each level halves the resolution (128×96 → 16×12 at the bottom).
UNET_LEVELS = (16, 32, 48, 64)
BOTTLENECK = 96
BN_MOMENTUM = 0.9


def _conv_block(x: keras.KerasTensor, filters: int, name: str) -> keras.KerasTensor:
    """Return x after two 3×3 convolutions, each followed by BatchNorm and ReLU."""
    for i in (1, 2):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv{i}")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn{i}")(x)
        x = layers.ReLU(name=f"{name}_relu{i}")(x)
    return x


def build_unet(
    input_size: tuple[int, int] = SEGMENTER_INPUT,
    levels: tuple[int, ...] = UNET_LEVELS,
    bottleneck: int = BOTTLENECK,
) -> keras.Model:
    """Return a U-Net for a (width, height) input whose sides divide by 2**len(levels); it takes
    uint8-valued RGB and returns (height, width, 1) lesion probabilities."""
    width, height = input_size
    step = 2 ** len(levels)
    if width % step or height % step:
        raise ValueError(f"U-Net input sides must divide by {step}, not {width}x{height}")
    inputs = keras.Input(shape=(height, width, 3), name="image")
    x = layers.Rescaling(1.0 / 255, name="scale")(inputs)
    skips = []
    for level, filters in enumerate(levels):
        x = _conv_block(x, filters, f"down{level}")
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"pool{level}")(x)
    x = _conv_block(x, bottleneck, "bottom")
    for level in reversed(range(len(levels))):
        filters = levels[level]
        x = layers.Conv2DTranspose(filters, 2, strides=2, name=f"up{level}_transpose")(x)
        x = layers.Concatenate(name=f"up{level}_skip")([x, skips[level]])
        x = _conv_block(x, filters, f"up{level}")
    outputs = layers.Conv2D(1, 1, activation="sigmoid", name="lesion_probability")(x)
    return keras.Model(inputs, outputs, name="lesion_unet")

"""What the input check looks at: statistics of ImageNet features of a small, squashed copy of
the image (`lesion_core.check_input`).

EfficientNet-Lite0 with its ImageNet weights, cut after MBConv block 10 (stride 16, 112 channels):
the mean and the spread over the image of each channel that blocks 7 and 10 output, 384 numbers
that describe its textures and colours. The experiment log (docs/experiments.md, session 6)
compares the layers: the network's last feature map misses flat patterns and brain MRI when none
are in training and costs three times as much; these middle layers catch every kind but some
clinical photos, at about 1 ms per 64×64 image.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lesion_core.check_input import CHECK_SIZE, check_views
from lesion_core.size import Size, SizeLike
from training.data import Decoder

if TYPE_CHECKING:
    import keras

FEATURES = "imagenet_features"
TAPS = ("block7_add", "block10_add")  # the blocks whose outputs are summarised
STOP_BLOCK = 11  # the network is cut before this block
CHECK_DECODER = Decoder(
    "check-views/v2", lambda path, size: check_views(path, size).model_input
)  # how the check's images are read when it is fitted, as the service reads them


def build_feature_model(size: SizeLike = CHECK_SIZE) -> keras.Model:
    """Return Lite0 (ImageNet weights) up to block 10: a uint8-range image of `size` (a side, or
    (width, height)) to the per-channel mean and spread of the TAPS outputs (384 features)."""
    import keras  # here: the CLIs' --help must not load TensorFlow
    from keras import layers, ops

    from training.highres.efficientnet_lite import (
        default_checkpoint,
        efficientnet_lite_layers,
        load_imagenet_weights,
    )

    width, height = Size.of(size)
    inputs = keras.Input((height, width, 3), name="image")
    trunk = keras.Model(inputs, efficientnet_lite_layers(inputs, blocks=(0, STOP_BLOCK)))
    load_imagenet_weights(trunk, default_checkpoint())
    stats = []
    for name in TAPS:
        x = trunk.get_layer(name).output
        mean = ops.mean(x, axis=(1, 2), keepdims=True)
        spread = ops.sqrt(ops.mean(ops.square(x - mean), axis=(1, 2)) + 1e-6)
        stats += [ops.squeeze(mean, axis=(1, 2)), spread]
    outputs = layers.Concatenate(name=FEATURES)(stats)
    return keras.Model(inputs, outputs, name="input_check_features")


def imagenet_features(image_sets: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Return {name: (N, 1280) pooled ImageNet features} for named (N, size, size, 3) uint8
    image sets of one size, with one exported feature model for all of them."""
    from training.highres.features import exported, run_batched

    height, width = next(iter(image_sets.values())).shape[1:3]
    session = exported(build_feature_model((width, height)))
    return {name: run_batched(session, images) for name, images in image_sets.items()}


def colour_features(images: np.ndarray) -> np.ndarray:
    """Return cheap colour statistics: per-channel mean, spread and 8-bin histograms in HSV."""
    from PIL import Image

    rows = []
    for image in images:
        hsv = np.asarray(Image.fromarray(image).convert("HSV"), dtype=np.float32) / 255.0
        parts = [hsv.mean(axis=(0, 1)), hsv.std(axis=(0, 1))]
        parts += [np.histogram(hsv[..., c], bins=8, range=(0, 1))[0] / hsv[..., c].size
                  for c in range(3)]  # fmt: skip
        rows.append(np.concatenate(parts))
    return np.array(rows, dtype=np.float32)

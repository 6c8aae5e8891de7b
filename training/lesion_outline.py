"""Turn the segmenter's output into the lesion mask and box at an image's own size.

The service and the evaluation share this, so the figures in the card are those of the masks
that clients receive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from training.segmentation_metrics import Box, mask_box

THRESHOLD = 0.5  # a pixel is lesion when the upsampled probability reaches this


@dataclass(frozen=True)
class Outline:
    """A lesion mask at the image's size, its bounding box and the share of the image it covers."""

    mask: np.ndarray  # (height, width) bool
    box: Box | None
    area_fraction: float


def upsample(probabilities: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Return a (h, w) probability map resized to `size` = (width, height), bilinear, float32."""
    image = Image.fromarray(np.asarray(probabilities, dtype=np.float32))
    return np.asarray(image.resize(size, Image.Resampling.BILINEAR), dtype=np.float32)


def outline(probabilities: np.ndarray, size: tuple[int, int]) -> Outline:
    """Return the lesion outline at `size` = (width, height) for a (h, w[, 1]) probability map."""
    probabilities = np.asarray(probabilities).squeeze()
    mask = upsample(probabilities, size) >= THRESHOLD
    return Outline(mask, mask_box(mask), float(mask.mean()))

"""What the input check sees of an upload, from one decode: its model's input and the copy the
quality warnings measure. Fitting the check and serving it both read images through here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from lesion_core.image_quality import MEASURE_SIZE, quality_warnings
from lesion_core.preprocess import DEFAULT_MAX_PIXELS, Size, preprocess_views

CHECK_SIZE = 64  # side of the square the check's model sees, aspect ratio not kept


@dataclass(frozen=True)
class CheckViews:
    """One upload as the input check sees it."""

    model_input: np.ndarray  # (height, width, 3) uint8
    measured: Image.Image  # RGB at MEASURE_SIZE, for the quality warnings
    size: tuple[int, int]  # the upload's upright (width, height)

    def quality_warnings(self) -> list[str]:
        """Return the upload's quality warnings (see lesion_core.image_quality)."""
        return quality_warnings(self.measured, self.size)


def check_views(
    source: bytes | str | Path, size: Size = CHECK_SIZE, max_pixels: int = DEFAULT_MAX_PIXELS
) -> CheckViews:
    """Return the check's views of image bytes or a file, decoded once at the reduced JPEG scale
    that covers both the model input `size` and MEASURE_SIZE."""
    (model_input, measured), upright = preprocess_views(source, [size, MEASURE_SIZE], max_pixels)
    return CheckViews(model_input, Image.fromarray(measured), upright)

"""Image quality that makes any classifier's answer unreliable: too small, too dark, washed out,
or blurred. Each problem found is a short code for programs and one plain sentence for people.

Thresholds were set on HAM10000 (`python -m training.input_check.quality_thresholds`, which
prints the percentiles below): each flags under 0.5 % of it. Sharpness is the variance of the
Laplacian of the greyscale image at MEASURE_SIZE, so it means the same for any upload size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image

from lesion_core.preprocess import DECODE_FLOOR
from lesion_core.size import Size

# (width, height), 4:3 like the photos: the smallest decode there is, so the copy measured here
# comes from the decode that gives every model its input (lesion_core.check_input).
MEASURE_SIZE = DECODE_FLOOR
MIN_SIDE = 120  # px: the high-resolution classifier's input height
DARK_MEAN = 60.0  # mean luminance (0..255); HAM10000's 0.1st percentile is 94
BRIGHT_MEAN = 230.0  # HAM10000's 99.9th percentile is 220
MIN_CONTRAST = 5.0  # luminance standard deviation; HAM10000's 0.1st percentile is 6.4
# Laplacian variance at MEASURE_SIZE: flags 0.27 % of HAM10000 (its median is 46), 65 % of its
# images blurred with a Gaussian of radius 1.5 at 200×150 and 92 % of those with radius 2.
MIN_SHARPNESS = 10.0

QualityCode = Literal["too_small", "too_dark", "washed_out", "blurred"]

TOO_SMALL = (
    "The image is only {width}×{height} pixels: too small to show a lesion's detail; "
    "send the original photo."
)
TOO_DARK = "The image is very dark: the lesion's colours cannot be judged."
WASHED_OUT = "The image is washed out (over-exposed or without contrast)."
BLURRED = "The image is blurred: fine structures of the lesion are lost."


@dataclass(frozen=True)
class QualityWarning:
    """One quality problem: a short code for programs and a plain sentence for people."""

    code: QualityCode
    message: str


def luminance_at_measure_size(image: Image.Image) -> np.ndarray:
    """Return the image's greyscale (float32) resized to MEASURE_SIZE."""
    return np.asarray(
        image.convert("L").resize(MEASURE_SIZE, Image.Resampling.BILINEAR), dtype=np.float32
    )


def sharpness(grey: np.ndarray) -> float:
    """Return the variance of the 4-neighbour Laplacian of a greyscale array."""
    laplacian = (
        grey[1:-1, :-2] + grey[1:-1, 2:] + grey[:-2, 1:-1] + grey[2:, 1:-1] - 4 * grey[1:-1, 1:-1]
    )
    return float(laplacian.var())


def quality_warnings(image: Image.Image, size: Size | None = None) -> list[QualityWarning]:
    """Return each quality problem of an upright RGB image; [] when fine. `size` is the upload's
    when `image` is a smaller copy of it."""
    width, height = size or image.size
    found = []
    if min(width, height) < MIN_SIDE:
        found.append(QualityWarning("too_small", TOO_SMALL.format(width=width, height=height)))
    return found + pixel_warnings(luminance_at_measure_size(image))


def pixel_warnings(grey: np.ndarray) -> list[QualityWarning]:
    """Return the exposure or sharpness problem of a greyscale copy at MEASURE_SIZE, if any.
    Sharpness scales with the square of the contrast: a badly exposed image gets its exposure
    warning, not also "blurred"."""
    mean, contrast = float(grey.mean()), float(grey.std())
    if mean < DARK_MEAN:
        return [QualityWarning("too_dark", TOO_DARK)]
    if mean > BRIGHT_MEAN or contrast < MIN_CONTRAST:
        return [QualityWarning("washed_out", WASHED_OUT)]
    if sharpness(grey) < MIN_SHARPNESS:
        return [QualityWarning("blurred", BLURRED)]
    return []

"""What the input check sees of an upload: its model's input and the copy the quality warnings
measure, both resized from one decode at the reduced JPEG scale that covers MEASURE_SIZE. That is
the preprocessing's DECODE_FLOOR, so the service makes them from the decode that gives the 28×28
classifiers and the segmenter their input (lesion_core.preprocess.preprocess_groups). Fitting
the check and serving it both read images through here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from lesion_core.decode import DEFAULT_MAX_PIXELS
from lesion_core.image_quality import MEASURE_SIZE, QualityWarning, quality_warnings
from lesion_core.preprocess import preprocess_views
from lesion_core.size import Size, SizeLike

CHECK_SIZE = 64  # side of the square the check's model sees, aspect ratio not kept


@dataclass(frozen=True)
class CheckViews:
    """One upload as the input check sees it."""

    model_input: np.ndarray  # (height, width, 3) uint8
    measured: Image.Image  # RGB at MEASURE_SIZE, for the quality warnings
    size: Size  # the upload's, upright

    def quality_warnings(self) -> list[QualityWarning]:
        """Return the upload's quality warnings (see lesion_core.image_quality)."""
        return quality_warnings(self.measured, self.size)


def check_view_sizes(size: SizeLike = CHECK_SIZE) -> list[SizeLike]:
    """Return the views the check needs of an upload whose model takes `size`, in the order
    `as_check_views` takes them; ask preprocess_views for them beside any others."""
    return [size, MEASURE_SIZE]


def as_check_views(views: Sequence[np.ndarray], size: Size) -> CheckViews:
    """Return the CheckViews of the arrays made for `check_view_sizes` and the upload's upright
    size."""
    model_input, measured = views
    return CheckViews(model_input, Image.fromarray(measured), size)


def check_views(
    source: bytes | str | Path, size: SizeLike = CHECK_SIZE, max_pixels: int = DEFAULT_MAX_PIXELS
) -> CheckViews:
    """Return the check's views of image bytes or a file, for a model that takes `size`."""
    views, full_size, _ = preprocess_views(source, check_view_sizes(size), max_pixels)
    return as_check_views(views, full_size)

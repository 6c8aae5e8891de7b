"""Turn any image into model input: the one function that training and serving share.

Steps, in order: open and decode the image within its limits (lesion_core.decode: header checks,
a reduced decode never below the target size nor DECODE_FLOOR, EXIF orientation, 8-bit RGB);
crop to the imaged field inside a dark border, if any, and fill a round field's dark corners with
its mean colour (lesion_core.field_of_view); resize to `size`×`size` (or a Size) with Pillow's
antialiased bilinear filter, ignoring the aspect ratio as the published design does. The result
is uint8 HWC. The segmenter alone sees the whole frame, so that its mask covers the whole upload.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from lesion_core.decode import (
    DEFAULT_DECODE_BUDGET_MB,
    DEFAULT_MAX_PIXELS,
    decoded_rgb,
    open_image,
    upright_size,
)
from lesion_core.field_of_view import field_box, filled_corners
from lesion_core.segmentation_metrics import Box
from lesion_core.size import Size, SizeLike

INPUT_SIZE = 28
# The segmenter sees more than the classifier: outlines need detail. 4:3 like the photos.
SEGMENTER_INPUT = Size(128, 96)
# A JPEG is never decoded below this, whatever the target: the classifiers'
# 28×28 input then comes from the same decode as the segmenter's input and the input check's
# views (lesion_core.check_input), so a request decodes its upload once, not once per model.
# Version 2 of the preprocessing; version 1 decoded down to the target itself, which gives the
# same arrays for every target of at least 128×96 (the segmenter's, the high-resolution model's).
DECODE_FLOOR = SEGMENTER_INPUT
RESAMPLE = Image.Resampling.BILINEAR
PREPROCESSING_ID = "draft+exif+rgb(alpha-on-black)+field-crop+bilinear-squash/v3"
PREPROCESSING_DESCRIPTION = (
    "EXIF orientation applied; JPEG decoded at reduced DCT scale (never below the target nor "
    "128x96), other formats shrunk by a whole factor right after decoding (box filter, the same "
    "floor); "
    "converted to 8-bit RGB (alpha composited on black, 16-bit scaled to 8-bit); cropped to the "
    "imaged field inside a dark round or rectangular border, if any, a round field's dark "
    "corners filled with its mean colour; resized to "
    "{size}x{size} with Pillow's antialiased BILINEAR filter, aspect ratio not kept; uint8 RGB."
)


def decode_cover(sizes: Iterable[SizeLike]) -> Size:
    """Return the size a decode must cover to make every one of `sizes`: the largest of each
    side, never below DECODE_FLOOR."""
    widths, heights = zip(DECODE_FLOOR, *(Size.of(size) for size in sizes), strict=True)
    return Size(max(widths), max(heights))


def in_field(rgb: Image.Image) -> tuple[Image.Image, Box | None]:
    """Return the decoded image cropped to its imaged field, a round field's dark corners filled
    with its mean colour (lesion_core.field_of_view), and the field's box in the decoded image's
    pixels; or the image itself and None without a border."""
    box = field_box(np.asarray(rgb))
    return (rgb, None) if box is None else (filled_corners(rgb.crop(box)), box)


def resized_rgb(image: Image.Image, size: Size) -> np.ndarray:
    """Return an opened image as upright 8-bit RGB, cropped to its field, resized to `size`
    ((height, width, 3) uint8)."""
    field, _ = in_field(decoded_rgb(image, decode_cover([size])))
    return np.asarray(field.resize(size, RESAMPLE), dtype=np.uint8)


def scaled_box(box: Box | None, decoded: Size, full: Size) -> Box | None:
    """Return a box found in a decode of size `decoded` in the pixels of `full`."""
    if box is None:
        return None
    sx, sy = full[0] / decoded[0], full[1] / decoded[1]
    x0, y0, x1, y1 = box
    return round(x0 * sx), round(y0 * sy), round(x1 * sx), round(y1 * sy)


def preprocess_views(
    source: bytes | str | Path,
    sizes: Sequence[SizeLike],
    max_pixels: int = DEFAULT_MAX_PIXELS,
    whole_frame: Sequence[bool] | None = None,
    max_decode_mb: int = DEFAULT_DECODE_BUDGET_MB,
) -> tuple[list[np.ndarray], Size, Box | None]:
    """Return the image resized to each of `sizes` from one decode, at the reduced JPEG scale
    that covers them all, its upright size and its field's box in those pixels (None
    without a border): several views for the price of one decode, each made the way
    `preprocess` makes one, except that views whose `whole_frame` flag is set keep the border."""
    pairs = [Size.of(size) for size in sizes]
    whole = [False] * len(pairs) if whole_frame is None else list(whole_frame)
    with open_image(source, max_pixels, max_decode_mb) as image:
        full_size = upright_size(image)  # before decoding: JPEG drafting shrinks image.size
        rgb = decoded_rgb(image, decode_cover(pairs))
        field, box = in_field(rgb)
        views = [
            np.asarray((rgb if keep else field).resize(p, RESAMPLE), dtype=np.uint8)
            for p, keep in zip(pairs, whole, strict=True)
        ]
        return views, full_size, scaled_box(box, Size(*rgb.size), full_size)


def preprocess_groups(
    source: bytes | str | Path,
    groups: Sequence[Sequence[SizeLike]],
    max_pixels: int = DEFAULT_MAX_PIXELS,
    whole_frame: Sequence[bool] | None = None,
    max_decode_mb: int = DEFAULT_DECODE_BUDGET_MB,
) -> tuple[list[list[np.ndarray]], Size, Box | None]:
    """Return each group of views of an image (e.g. one model's input, or the input check's
    views), the image's upright size and its field's box (see preprocess_views);
    groups flagged in `whole_frame` keep the border (the segmenter's). Groups whose decode_cover
    is the same are made from one decode, so each view is exactly what it would be alone."""
    if not groups:
        raise ValueError("preprocess_groups needs at least one group of sizes")
    whole = [False] * len(groups) if whole_frame is None else list(whole_frame)
    covers = [decode_cover(group) for group in groups]
    made: dict[Size, Iterator[np.ndarray]] = {}
    field: Box | None = None
    for cover in dict.fromkeys(covers):
        members = [i for i, c in enumerate(covers) if c == cover]
        sizes = [size for i in members for size in groups[i]]
        flags = [whole[i] for i in members for _ in groups[i]]
        views, full_size, box = preprocess_views(source, sizes, max_pixels, flags, max_decode_mb)
        field = box if field is None else field  # the first decode's: at most 1 px apart
        made[cover] = iter(views)
    return (
        [[next(made[c]) for _ in group] for group, c in zip(groups, covers, strict=True)],
        full_size,
        field,
    )


def image_to_array(image: Image.Image, size: SizeLike = INPUT_SIZE) -> np.ndarray:
    """Return the classifier input (height, width, 3) uint8 for an opened PIL image; `size` is
    a square side or a Size."""
    return resized_rgb(image, Size.of(size))


def preprocess(
    source: bytes | str | Path, size: SizeLike = INPUT_SIZE, max_pixels: int = DEFAULT_MAX_PIXELS
) -> np.ndarray:
    """Return the classifier input (height, width, 3) uint8 for image bytes or a file path;
    `size` is a square side or a Size."""
    with open_image(source, max_pixels) as image:
        return image_to_array(image, size)


def preprocess_for_segmenter(
    source: bytes | str | Path,
    size: Size = SEGMENTER_INPUT,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> tuple[np.ndarray, Size]:
    """Return the segmenter input (height, width, 3) uint8 of `size`, and the image's upright
    size, which its mask is scaled back to. The segmenter sees the
    whole frame, border included, so that its mask covers the whole upload."""
    (array,), full_size, _ = preprocess_views(source, [size], max_pixels, [True])
    return array, full_size

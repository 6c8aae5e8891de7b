"""Find the imaged field inside a dark border: the round field of view of a contact
dermatoscope, black corners, a letterbox.

HAM10000's images fill their frame; many other dermatoscopes leave a black (or dark grey, JPEG
noisy) border around a round or rectangular field. Cropping to the field before the resize makes
a lesion fill the model's input as it does in HAM10000. Part of the shared preprocessing
(lesion_core.preprocess), so training and serving crop alike.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageStat

from lesion_core.segmentation_metrics import Box

# A pixel is border when its brightest channel is below this: black and dark grey borders with
# JPEG noise on them, but not skin, even 30 % under-exposed.
DARK_LEVEL = 48
# A row or column is border while at most this share of it is brighter than DARK_LEVEL: a dark
# lesion touching the edge leaves skin beside it in the same row.
MAX_BRIGHT_SHARE = 0.04
# Borders thinner than this share of a side are left alone (a thin dark seam is no frame).
MIN_BORDER = 0.02
# A "field" smaller than this share of the image is a dark photo, not a vignette: keep it whole.
MIN_FIELD = 0.2
# The border is found on a copy subsampled to about this many pixels on its longer side.
PROBE_SIDE = 100


def field_box(rgb: np.ndarray) -> Box | None:
    """Return the imaged field's box (x0, y0, x1, y1; x1 and y1 exclusive) inside a dark border
    of a (height, width, 3) uint8 image, or None when there is no border worth cropping."""
    height, width = rgb.shape[:2]
    step = max(1, max(height, width) // PROBE_SIDE)
    probe = rgb[::step, ::step]
    # The brightest channel, channel by channel: faster than a reduction over the last axis.
    brightest = np.maximum(np.maximum(probe[..., 0], probe[..., 1]), probe[..., 2])
    bright = brightest >= DARK_LEVEL
    rows = np.flatnonzero(np.count_nonzero(bright, axis=1) > MAX_BRIGHT_SHARE * bright.shape[1])
    cols = np.flatnonzero(np.count_nonzero(bright, axis=0) > MAX_BRIGHT_SHARE * bright.shape[0])
    if rows.size == 0 or cols.size == 0:
        return None
    x0, x1 = _edges(cols, step, width)
    y0, y1 = _edges(rows, step, height)
    if (x1 - x0) * (y1 - y0) < MIN_FIELD * width * height:
        return None
    margin_x, margin_y = MIN_BORDER * width, MIN_BORDER * height
    if x0 < margin_x and width - x1 < margin_x and y0 < margin_y and height - y1 < margin_y:
        return None
    return x0, y0, x1, y1


def _edges(inside: np.ndarray, step: int, full: int) -> tuple[int, int]:
    """Return the full-resolution [start, stop) of the probe's first and last inside lines."""
    return int(inside[0]) * step, min(full, (int(inside[-1]) + 1) * step)


def filled_corners(field: Image.Image) -> Image.Image:
    """Return an RGB field with its dark pixels outside the ellipse inscribed in it (a round
    field of view's corners) set to the mean colour inside that ellipse; a rectangular field,
    whose corners are not dark, comes back unchanged. Pillow's C operations keep it well under
    a millisecond even for a phone photo's decode."""
    inside = Image.new("L", field.size, 0)
    ImageDraw.Draw(inside).ellipse((0, 0, field.width - 1, field.height - 1), fill=255)
    brightest = ImageChops.lighter(ImageChops.lighter(*field.split()[:2]), field.split()[2])
    dark = brightest.point(lambda v: 255 if v < DARK_LEVEL else 0)
    corners = ImageChops.subtract(dark, inside)  # dark and outside the ellipse
    if corners.getbbox() is None:
        return field
    colour = tuple(round(c) for c in ImageStat.Stat(field, mask=inside).mean)
    return Image.composite(Image.new("RGB", field.size, colour), field, corners)

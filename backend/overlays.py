"""Encode the lesion mask and the heat-map as base64 PNGs a client can lay over the upload."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from lesion_core.lesion_outline import scaled_to_fit
from lesion_core.preprocess import scaled_box
from lesion_core.segmentation_metrics import Box

HEATMAP_MAX_SIDE = 1024  # larger uploads get a heat-map scaled down to this (same aspect)
HEATMAP_OPACITY = 0.6  # alpha where the map is 1; it fades to transparent toward 0


def png_base64(image: Image.Image) -> str:
    """Return `image` as a base64-encoded PNG."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)  # masks compress well even at level 1
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def mask_png(mask: np.ndarray) -> str:
    """Return a boolean (height, width) mask as a base64 greyscale PNG of 0 and 255."""
    return png_base64(Image.fromarray(mask).convert("L"))  # bool → mode "1" → 0/255, no copies


def heatmap_size(size: tuple[int, int]) -> tuple[int, int]:
    """Return the heat-map's (width, height) for an upload of `size`: at most HEATMAP_MAX_SIDE."""
    return scaled_to_fit(size, HEATMAP_MAX_SIDE)


def jet(values: np.ndarray) -> np.ndarray:
    """Return (…, 3) uint8 colours of the jet colour map (blue → cyan → yellow → red) for [0, 1]."""
    x = np.clip(values, 0.0, 1.0)[..., None]
    centres = np.array([0.75, 0.5, 0.25])  # where red, green and blue peak
    return (np.clip(1.5 - np.abs(4.0 * (x - centres)), 0.0, 1.0) * 255).astype(np.uint8)


def heatmap_png(heatmap: np.ndarray, size: tuple[int, int], field: Box | None = None) -> str:
    """Return a (h, w) map in [0, 1] as a base64 RGBA PNG of `size` (see `heatmap_size`):
    jet colours, transparent where the map is 0 and HEATMAP_OPACITY opaque where it is 1. The
    map covers `field` (the box the classifier saw, in `size`'s pixels), or all of the image."""
    small = Image.fromarray(np.asarray(heatmap, dtype=np.float32))
    width, height = heatmap_size(size)
    if field is None:
        values = np.asarray(small.resize((width, height), Image.Resampling.BILINEAR))
    else:
        x0, y0, x1, y1 = scaled_box(field, size, (width, height))
        x1, y1 = max(x0 + 1, x1), max(y0 + 1, y1)
        values = np.zeros((height, width), dtype=np.float32)
        values[y0:y1, x0:x1] = small.resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR)
    alpha = (np.clip(values, 0.0, 1.0) * HEATMAP_OPACITY * 255).astype(np.uint8)
    return png_base64(Image.fromarray(np.dstack([jet(values), alpha])))

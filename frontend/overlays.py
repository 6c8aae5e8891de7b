"""Draw /localize's answer on the uploaded image: the lesion outline and box, and the heat-map."""

from __future__ import annotations

import base64
import binascii
import io

import numpy as np
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from frontend.dicom_preview import dicom_picture, is_dicom
from frontend.responses import Localization

# Magenta and cyan stand out on skin tones and are rare in a jet-coloured heat-map.
OUTLINE_COLOUR = (255, 0, 255)
BOX_COLOUR = (0, 255, 255)
# How the page's legend names them.
OUTLINE_COLOUR_NAME = "magenta"
BOX_COLOUR_NAME = "cyan"
# Lines one pixel wide vanish when a large image is shown in a narrow column.
LINE_WIDTH_FRACTION = 1 / 150


class OverlayError(ValueError):
    """An image or overlay cannot be decoded, or does not fit the image it belongs to."""


def decode_png(data: str) -> Image.Image:
    """Return the image in a base64-encoded PNG string, or raise OverlayError."""
    try:
        raw = base64.b64decode(data, validate=True)
        image = Image.open(io.BytesIO(raw))
        image.load()
    except (binascii.Error, UnidentifiedImageError, OSError, ValueError) as exc:
        raise OverlayError(
            f"the backend sent an overlay that is not a base64 PNG ({exc})"
        ) from None
    return image


def open_upload(data: bytes) -> Image.Image:
    """Return the uploaded image upright (EXIF rotation applied, as the backend does) in RGB; a
    DICOM file's pixels."""
    if is_dicom(data):
        if (picture := dicom_picture(data)) is None:
            raise OverlayError("this DICOM file's image cannot be shown here")
        return picture
    try:
        image = Image.open(io.BytesIO(data))
        return ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise OverlayError(f"the uploaded image cannot be read here ({exc})") from None


def line_width(size: tuple[int, int]) -> int:
    """Return a line width in pixels that stays visible when an image of `size` is shown small."""
    return max(1, round(min(size) * LINE_WIDTH_FRACTION))


def outline(mask: Image.Image, width: int = 1) -> np.ndarray:
    """Return the lesion pixels within `width` pixels of the background or the image's border.

    The result is a boolean (height, width) array; lesion pixels are those of 128 or more.
    """
    inside = np.asarray(mask.convert("L")) >= 128
    core = inside
    for _ in range(width):
        padded = np.pad(core, 1, constant_values=False)
        core = core & padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    return inside & ~core


def draw_lesion(
    image: Image.Image,
    mask: Image.Image | None,
    box: tuple[int, int, int, int] | None,
    width: int = 1,
) -> Image.Image:
    """Return a copy of `image` in RGB with the mask's outline and the box (x1, y1 exclusive)."""
    pixels = np.array(image.convert("RGB"))
    if mask is not None:
        _check_size(mask, image, "lesion mask")
        pixels[outline(mask, width)] = OUTLINE_COLOUR
    drawn = Image.fromarray(pixels)
    if box is not None:
        x0, y0, x1, y1 = box
        ImageDraw.Draw(drawn).rectangle((x0, y0, x1 - 1, y1 - 1), outline=BOX_COLOUR, width=width)
    return drawn


def add_heatmap(image: Image.Image, heatmap: Image.Image) -> Image.Image:
    """Return `image` in RGB with the RGBA `heatmap` stretched over it and alpha-composited
    (the backend scales heat-maps of large uploads down; their aspect ratio stays the image's)."""
    _check_aspect(heatmap, image, "heat-map")
    if heatmap.size != image.size:
        heatmap = heatmap.convert("RGBA").resize(image.size, Image.Resampling.BILINEAR)
    over = Image.alpha_composite(image.convert("RGBA"), heatmap.convert("RGBA"))
    return over.convert("RGB")


def render(
    upload: bytes, localization: Localization, show_outline: bool, show_heatmap: bool
) -> Image.Image:
    """Return the uploaded image with the chosen overlays of `localization` drawn on it."""
    image = open_upload(upload)
    heatmap = localization.heatmap
    if show_heatmap and heatmap is not None:
        image = add_heatmap(image, decode_png(heatmap.png))
    lesion = localization.lesion
    if show_outline and lesion.found:
        mask = decode_png(lesion.mask_png) if lesion.mask_png else None
        image = draw_lesion(image, mask, lesion.box, line_width(image.size))
    return image


def _check_aspect(overlay: Image.Image, image: Image.Image, what: str) -> None:
    """Raise OverlayError unless `overlay` has `image`'s aspect ratio (to within a pixel)."""
    scale = overlay.width / image.width
    if abs(image.height * scale - overlay.height) > 1:
        raise OverlayError(
            f"the {what} is {overlay.width}×{overlay.height} pixels, not the shape of the "
            f"{image.width}×{image.height} image"
        )


def _check_size(overlay: Image.Image, image: Image.Image, what: str) -> None:
    """Raise OverlayError unless `overlay` has the same width and height as `image`."""
    if overlay.size != image.size:
        raise OverlayError(
            f"the {what} is {overlay.width}×{overlay.height} pixels but the image is "
            f"{image.width}×{image.height}"
        )

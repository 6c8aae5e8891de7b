"""Open an upload within its limits and decode it as upright 8-bit RGB, no larger than needed.

Read the header and refuse oversized images before decoding (too many pixels, or more decoded
bytes than the budget); let JPEG decode at a reduced scale (DCT scaling), and shrink other formats
by a whole factor right after decoding, in their own mode (a box filter), so no full-size copy or
float temporary is made; apply the EXIF orientation; convert to 8-bit RGB (alpha composited on
black, 16-bit scaled down, palette, greyscale and CMYK converted). lesion_core.preprocess turns
the result into model input.
"""

from __future__ import annotations

import io
import threading
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from lesion_core.size import Size

Image.init()  # register every format plugin, so `formats=` below can name them (JPEG covers MPO)

EXIF_ORIENTATION = 0x0112
TRANSPOSING_ORIENTATIONS = (5, 6, 7, 8)  # the EXIF orientations that swap width and height
# 6000×4000 phone photos must work; a 30000×30000 "bomb" must not be decoded.
DEFAULT_MAX_PIXELS = 50_000_000
# What decoding one non-JPEG upload may hold at full size, in MB (DECODE_BYTES): a 50-megapixel
# RGB PNG costs 200 MB, a palette one 250 MB; a 16-megapixel WebP 256 MB.
DEFAULT_DECODE_BUDGET_MB = 256
# Bytes per pixel that decoding holds at full size, by Pillow mode (measured: its
# own storage plus the one full-size conversion `_shrunk` needs); modes not listed take 4. WebP
# holds 16 whatever the mode: libwebp's buffer, Pillow's copy and the image.
DECODE_BYTES = {"1": 2, "L": 1, "P": 5, "I;16": 3, "I;16L": 3, "I;16B": 3, "I;16N": 3}
WEBP_DECODE_BYTES = 16
TRANSPOSES = {  # EXIF orientation -> the transpose that makes the image upright
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
SIXTEEN_BIT_ROWS = 16  # output rows a 16-bit image is shrunk by at a time
# Formats accepted from users; others (EPS, PSD, ICO, ...) are refused before decoding.
ACCEPTED_FORMATS = ("JPEG", "PNG", "BMP", "WEBP", "TIFF")

DAMAGED = "the image data is truncated or damaged"


class DecodeLimits(NamedTuple):
    """What one upload may cost before it is decoded: its pixels, and the MB decoding it holds."""

    max_pixels: int = DEFAULT_MAX_PIXELS
    max_decode_mb: int = DEFAULT_DECODE_BUDGET_MB


_PILLOW_LIMIT_LOCK = threading.Lock()


class InvalidImageError(ValueError):
    """The bytes or file are not an image Pillow can decode completely."""


class ImageTooLargeError(ValueError):
    """The image has more pixels than allowed (e.g. a decompression bomb)."""


class UnsupportedFormatError(ValueError):
    """The bytes are an image, but in a format outside ACCEPTED_FORMATS."""


def open_image(
    source: bytes | str | Path,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_decode_mb: int = DEFAULT_DECODE_BUDGET_MB,
) -> Image.Image:
    """Return a lazily opened PIL image after checking its header, raising our own errors."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            # Our own pixel limit below replaces Pillow's global bomb warning.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(stream, formats=ACCEPTED_FORMATS)
    except UnidentifiedImageError as exc:
        raise _unreadable(source) from exc
    except Image.DecompressionBombError:
        # Pillow refuses huge headers in its own words; read the size anyway (nothing is
        # decoded), so that the check below refuses it in ours, whatever its size.
        image = _open_beyond_pillows_limit(source)
    except (OSError, ValueError, SyntaxError) as exc:
        raise InvalidImageError(DAMAGED) from exc
    width, height = image.size
    if width < 1 or height < 1:
        raise InvalidImageError(f"image has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"image is {width}x{height} = {width * height:,} pixels; the limit is {max_pixels:,}"
        )
    cost_mb = decode_cost(image) / 2**20
    if cost_mb > max_decode_mb:
        raise ImageTooLargeError(
            f"decoding this {width}x{height} {image.format} ({image.mode}) image takes "
            f"{cost_mb:,.0f} MB; the limit is {max_decode_mb:,} MB: send it as JPEG or smaller"
        )
    return image


def decode_cost(image: Image.Image) -> int:
    """Return the bytes decoding an opened image holds at full size: none beyond a reduced
    decode for JPEG (DCT scaling), its pixels and one conversion for the other formats."""
    if image.format == "JPEG":
        return 0
    width, height = image.size
    per_pixel = WEBP_DECODE_BYTES if image.format == "WEBP" else DECODE_BYTES.get(image.mode, 4)
    return width * height * per_pixel


def _open_beyond_pillows_limit(source: bytes | str | Path) -> Image.Image:
    """Return a lazily opened image whose header Pillow's own pixel limit refused."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    with _PILLOW_LIMIT_LOCK:  # the limit is Pillow's global: lift it for this thread only
        limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
        try:
            return Image.open(stream, formats=ACCEPTED_FORMATS)
        except (OSError, ValueError, SyntaxError) as exc:
            raise InvalidImageError(DAMAGED) from exc
        finally:
            Image.MAX_IMAGE_PIXELS = limit


def _unreadable(source: bytes | str | Path) -> ValueError:
    """Return the error for bytes no accepted format reads: unsupported format, or not an image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            other = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
        found = other.format  # header only: nothing of it is decoded
        other.close()
    except (OSError, ValueError, Image.DecompressionBombError):
        return InvalidImageError("not an image, or damaged beyond reading")
    return UnsupportedFormatError(
        f"{found} images are not accepted; send one of {', '.join(ACCEPTED_FORMATS)}"
    )


def _to_rgb(image: Image.Image) -> Image.Image:
    """Return an 8-bit RGB copy of any Pillow mode we expect from uploads."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit (or 32-bit integer) greyscale: scale to 8 bits instead of clipping at 255.
        pixels = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if pixels.max(initial=0) <= 65535 else float(pixels.max())
        grey = np.clip(pixels / peak * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if image.mode == "F":
        grey = np.clip(np.asarray(image, dtype=np.float64), 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _is_transposed(image: Image.Image) -> bool:
    """Return whether the image's EXIF orientation swaps its width and height."""
    return image.getexif().get(EXIF_ORIENTATION, 1) in TRANSPOSING_ORIENTATIONS


def upright_size(image: Image.Image) -> Size:
    """Return the size of an opened image as displayed, i.e. after its EXIF rotation."""
    width, height = image.size
    return Size(height, width) if _is_transposed(image) else Size(width, height)


def decoded_rgb(image: Image.Image, cover: Size) -> Image.Image:
    """Return an opened image decoded as upright 8-bit RGB: a JPEG at the smallest DCT scale
    that still covers `cover` on both sides, another format shrunk by the largest whole factor
    that does (`_shrunk`)."""
    width, height = cover
    try:
        if image.format == "JPEG":
            image.draft("RGB", (height, width) if _is_transposed(image) else (width, height))
            return _to_rgb(ImageOps.exif_transpose(image))
        orientation = image.getexif().get(EXIF_ORIENTATION, 1)
        stored = (height, width) if orientation in TRANSPOSING_ORIENTATIONS else (width, height)
        factor = min(image.width // stored[0], image.height // stored[1])
        if factor < 2:
            return _to_rgb(ImageOps.exif_transpose(image))
        shrunk = _shrunk(image, factor)
        upright = shrunk.transpose(TRANSPOSES[orientation]) if orientation in TRANSPOSES else shrunk
        return _to_rgb(upright)
    except (OSError, ValueError, SyntaxError) as exc:
        # Truncated or corrupt data surfaces only when pixels are decoded; the decoder's own
        # words ("(20 bytes not processed)") stay in the cause, for logs.
        raise InvalidImageError(DAMAGED) from exc


def _shrunk(image: Image.Image, factor: int) -> Image.Image:
    """Return a decoded image `factor` times smaller on each side (the mean of each
    factor×factor box), made without a full-size float copy."""
    if image.mode.startswith("I;16"):
        return Image.fromarray(_box_mean_16(image, factor))
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif image.mode == "1":
        image = image.convert("L")
    return image.reduce(factor)


def _box_mean_16(image: Image.Image, factor: int) -> np.ndarray:
    """Return the factor×factor box means of a 16-bit greyscale image as uint16, cropped and
    averaged a band of SIXTEEN_BIT_ROWS output rows at a time (no full-size copy)."""
    rows, columns = image.height // factor, image.width // factor
    out = np.empty((rows, columns), dtype=np.uint16)
    for top in range(0, rows, SIXTEEN_BIT_ROWS):
        bottom = min(rows, top + SIXTEEN_BIT_ROWS)
        band = np.asarray(image.crop((0, top * factor, columns * factor, bottom * factor)))
        boxes = band.reshape(bottom - top, factor, columns, factor).astype(np.float32)
        out[top:bottom] = np.rint(boxes.mean(axis=(1, 3)))
    return out

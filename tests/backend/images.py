"""Upload bodies for backend tests: every format that must work, and every bad input."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

from tests.conftest import encode, lesion_like_image


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """Return a few-hundred-byte PNG that claims width×height greyscale pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * (width + 1) * 64, 9)  # only the first rows, all zero
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def exif_rotated_jpeg() -> bytes:
    """Return a JPEG whose EXIF orientation says: rotate 90° to display."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(lesion_like_image(80, 60), "JPEG", exif=exif)


def sixteen_bit_png() -> bytes:
    """Return a 16-bit greyscale PNG."""
    grey = np.asarray(lesion_like_image(60, 45).convert("L"), dtype=np.uint16) * 257
    return encode(Image.fromarray(grey), "PNG")


def palette_png() -> bytes:
    """Return a palette PNG."""
    return encode(lesion_like_image(60, 45).convert("P"), "PNG")


GOOD_IMAGES = {
    "jpeg": lambda: encode(lesion_like_image(), "JPEG"),
    "progressive_jpeg": lambda: encode(lesion_like_image(), "JPEG", progressive=True),
    "cmyk_jpeg": lambda: encode(lesion_like_image().convert("CMYK"), "JPEG"),
    "exif_rotated_jpeg": exif_rotated_jpeg,
    "png_rgba": lambda: encode(lesion_like_image().convert("RGBA"), "PNG"),
    "png_palette": palette_png,
    "png_greyscale": lambda: encode(lesion_like_image().convert("L"), "PNG"),
    "png_16bit": sixteen_bit_png,
    "bmp": lambda: encode(lesion_like_image(), "BMP"),
    "webp": lambda: encode(lesion_like_image(), "WEBP"),
    "tiff": lambda: encode(lesion_like_image(), "TIFF"),
    "tiny_1x1": lambda: encode(Image.new("RGB", (1, 1), (120, 80, 60)), "PNG"),
    "large_6000x4000": lambda: encode(
        Image.linear_gradient("L").resize((6000, 4000)).convert("RGB"), "JPEG", quality=80
    ),
}


def multipart_body(payloads: list[bytes], names: list[str], field: str = "file"):
    """Return (content_type, body) of a multipart form, encoded in memory.

    Werkzeug's test client would spool bodies over 500 KB to a temporary file of its own.
    """
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    values = MultiDict(
        [
            (field, FileStorage(io.BytesIO(p), filename=n, content_type="image/jpeg"))
            for p, n in zip(payloads, names, strict=True)
        ]
    )
    boundary, body = encode_multipart(values)
    return f"multipart/form-data; boundary={boundary}", body


def not_dermoscopy() -> bytes:
    """Return a PNG of a grey gradient crossed by stripes, which the input check flags."""
    x = np.linspace(0, 255, 400)[None, :].repeat(300, axis=0)
    grey = np.clip(x * 0.6 + (np.arange(300)[:, None] // 20 % 2) * 60 + 40, 0, 255)
    return encode(Image.fromarray(grey.astype(np.uint8)).convert("RGB"), "PNG")

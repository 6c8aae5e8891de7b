"""A DICOM upload as a picture the page can show and draw on. The file itself goes to the service
as it is, which classifies it and reads its age, sex and site tags (lesion_core.dicom); the page
only needs its pixels, and reads nothing else of it."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

DICOM_MAGIC = b"DICM"  # after a 128-byte preamble


def is_dicom(data: bytes) -> bool:
    """Return whether the bytes are a DICOM file (Part 10)."""
    return data[128:132] == DICOM_MAGIC


def dicom_picture(data: bytes) -> Image.Image | None:
    """Return the first frame of a DICOM file's image in RGB, or None when it has none this can
    decode (the service's answer then says why)."""
    import pydicom  # here: only DICOM uploads need it

    try:
        pixels = pydicom.dcmread(io.BytesIO(data)).pixel_array  # YBR comes back as RGB
    except Exception:  # any unreadable file: there is simply no picture to show
        return None
    if pixels.ndim == 4 or (pixels.ndim == 3 and pixels.shape[-1] not in (3, 4)):
        pixels = pixels[0]  # the first of several frames
    if pixels.dtype != np.uint8:
        top = float(pixels.max(initial=0)) or 1.0
        pixels = (pixels.astype(np.float32) / top * 255.0).astype(np.uint8)
    return Image.fromarray(pixels).convert("RGB")

"""DICOM dermoscopy in: the image a DICOM file holds, as PNG bytes the shared preprocessing takes,
and the context its tags carry (age, sex, body site). Nothing else of the file is kept: no
patient identifier (name, ID, birth date) leaves this module.

VL photographic and dermoscopic images (DICOM Supplement 221), RGB, YBR or greyscale, 8-bit,
uncompressed or JPEG-compressed (pydicom decodes JPEG through Pillow).
"""

from __future__ import annotations

import io
import re

import numpy as np
from PIL import Image

from lesion_core.context import Context, ContextError, parse_age, parse_sex
from lesion_core.decode import ImageTooLargeError, InvalidImageError, UnsupportedFormatError

DICOM_MAGIC = b"DICM"  # after a 128-byte preamble
# Words of a DICOM body part or anatomic region (its code meaning), as our sites.
SITE_WORDS = (
    ("palm", "palms/soles"),
    ("sole", "palms/soles"),
    ("genital", "oral/genital"),
    ("oral", "oral/genital"),
    ("mouth", "oral/genital"),
    ("back", "posterior torso"),
    ("chest", "anterior torso"),
    ("breast", "anterior torso"),
    ("abdomen", "anterior torso"),
    ("flank", "lateral torso"),
    ("trunk", "torso"),
    ("torso", "torso"),
    ("head", "head/neck"),
    ("face", "head/neck"),
    ("scalp", "head/neck"),
    ("neck", "head/neck"),
    ("ear", "head/neck"),
    ("nose", "head/neck"),
    ("cheek", "head/neck"),
    ("forehead", "head/neck"),
    ("arm", "upper extremity"),
    ("hand", "upper extremity"),
    ("finger", "upper extremity"),
    ("shoulder", "upper extremity"),
    ("elbow", "upper extremity"),
    ("wrist", "upper extremity"),
    ("leg", "lower extremity"),
    ("thigh", "lower extremity"),
    ("knee", "lower extremity"),
    ("ankle", "lower extremity"),
    ("foot", "lower extremity"),
    ("toe", "lower extremity"),
    ("hip", "lower extremity"),
)
AGE_UNITS = {"D": 1 / 365.25, "W": 7 / 365.25, "M": 1 / 12, "Y": 1.0}


def is_dicom(data: bytes) -> bool:
    """Return whether the bytes are a DICOM file (Part 10: preamble, then DICM)."""
    return data[128:132] == DICOM_MAGIC


def dicom_image(data: bytes, max_pixels: int) -> tuple[bytes, Context, list[str]]:
    """Return a DICOM file's image as PNG bytes, the context its tags give and which fields
    they gave; raise InvalidImageError for a file without an image, UnsupportedFormatError for
    one this cannot decode, ImageTooLargeError for one with too many pixels."""
    import pydicom  # here: only DICOM uploads need it
    from pydicom.errors import InvalidDicomError

    try:
        dataset = pydicom.dcmread(io.BytesIO(data))
    except (InvalidDicomError, ValueError, EOFError, OSError, KeyError, TypeError) as exc:
        raise InvalidImageError(f"not a readable DICOM file ({type(exc).__name__})") from None
    if "PixelData" not in dataset:
        raise InvalidImageError("this DICOM file holds no image (no Pixel Data)")
    rows, columns = int(dataset.get("Rows", 0)), int(dataset.get("Columns", 0))
    if rows * columns > max_pixels:
        raise ImageTooLargeError(
            f"image is {columns}x{rows} = {rows * columns:,} pixels; the limit is {max_pixels:,}"
        )
    pixels = _pixels(dataset)
    png = io.BytesIO()
    Image.fromarray(pixels).save(png, "PNG", compress_level=1)
    context, fields = dicom_context(dataset)
    return png.getvalue(), context, fields


def _pixels(dataset) -> np.ndarray:
    """Return the first frame as (rows, columns, 3) or (rows, columns) uint8."""
    syntax = dataset.file_meta.get("TransferSyntaxUID", "unknown")
    try:
        pixels = dataset.pixel_array  # YBR is converted to RGB on the way
    except (NotImplementedError, RuntimeError, ValueError) as exc:
        name = getattr(syntax, "name", str(syntax))
        raise UnsupportedFormatError(
            f"DICOM with transfer syntax {name} cannot be decoded here; send it uncompressed "
            f"or JPEG-compressed ({type(exc).__name__})"
        ) from None
    if int(dataset.get("NumberOfFrames", 1) or 1) > 1:
        pixels = pixels[0]
    if pixels.ndim == 3 and pixels.shape[-1] == 3:
        return _eight_bit(pixels)
    if pixels.ndim == 2:
        return _eight_bit(pixels)
    raise UnsupportedFormatError(
        f"DICOM images of {dataset.get('SamplesPerPixel', '?')} samples per pixel are not "
        "accepted; send RGB, YBR or greyscale"
    )


def _eight_bit(pixels: np.ndarray) -> np.ndarray:
    """Return the pixels as uint8, more bits scaled down to 8."""
    if pixels.dtype == np.uint8:
        return pixels
    top = float(pixels.max(initial=0)) or 1.0
    return np.clip(pixels.astype(np.float32) / top * 255.0 + 0.5, 0, 255).astype(np.uint8)


def dicom_context(dataset) -> tuple[Context, list[str]]:
    """Return the context a dataset's tags give (PatientAge, PatientSex, the anatomic region
    or body part) and which fields they gave; a tag that cannot be read counts as not given."""
    age = _quietly(parse_age, _age_years(str(dataset.get("PatientAge", "") or "")))
    sex = _quietly(parse_sex, {"M": "male", "F": "female"}.get(str(dataset.get("PatientSex", ""))))
    site = None
    for text in _site_texts(dataset):
        words = re.findall(r"[a-z]+", text.lower())
        site = next((s for key, s in SITE_WORDS if any(_names(w, key) for w in words)), None)
        if site:
            break
    context = Context(age, sex, site)
    return context, [f for f in ("age", "sex", "site") if getattr(context, f) is not None]


def _age_years(value: str) -> float | None:
    """Return DICOM's age string (e.g. 064Y, 018M) in years, or None."""
    match = re.fullmatch(r"(\d{1,3})([DWMY])", value.strip())
    return None if match is None else int(match[1]) * AGE_UNITS[match[2]]


def _site_texts(dataset) -> list[str]:
    """Return what the dataset says of the body site: the anatomic region's code meaning, then
    the body part examined."""
    texts = [
        str(item.get("CodeMeaning", ""))
        for item in dataset.get("AnatomicRegionSequence", None) or []
    ]
    return [*texts, str(dataset.get("BodyPartExamined", "") or "")]


def _quietly(parse, raw):
    """Return `parse(raw)`, or None where the tag held a value the API would refuse."""
    try:
        return parse(raw)
    except ContextError:
        return None


def _names(word: str, key: str) -> bool:
    """Return whether `word` names the body part `key`: it is the key, or starts or ends with it
    (forearm, arms; never a key inside a word, as ear in forearm)."""
    return word.startswith(key) or word.endswith(key)

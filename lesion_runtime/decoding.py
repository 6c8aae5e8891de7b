"""The decode step of a request: each upload decoded once with the shared preprocessing, into
one input per model size and the input check's views, or refused with a stable code."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from lesion_core.check_input import CheckViews, as_check_views
from lesion_core.decode import (
    DecodeLimits,
    ImageTooLargeError,
    InvalidImageError,
    UnsupportedFormatError,
)
from lesion_core.dicom import dicom_image, is_dicom
from lesion_core.preprocess import preprocess_groups
from lesion_core.segmentation_metrics import Box
from lesion_core.size import Size
from lesion_runtime.image_context import DicomContext
from lesion_runtime.input_check import InputChecker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    """One image's bytes and the name its sender gave it."""

    data: bytes
    filename: str | None


def describe(upload: Upload, position: int, count: int) -> str:
    """Return how an error message names an upload (its position, and its name if it has one)."""
    name = f"'{upload.filename}'" if upload.filename else "the upload"
    return f"file {position} ({name})" if count > 1 else name


class Refused(Exception):
    """An image that cannot be classified: a stable code (one of REFUSALS) and a message that
    names the image."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# Why an image is refused: empty, too large to decode, a format not read, or unreadable.
REFUSALS = ("empty_file", "image_too_large", "unsupported_image_type", "invalid_image")


@contextmanager
def decoding(upload: Upload, label: str) -> Iterator[None]:
    """Turn the shared preprocessing's errors inside the block into Refused naming `label`."""
    if not upload.data:
        raise Refused("empty_file", f"{label} is empty")
    try:
        yield
    except ImageTooLargeError as exc:
        raise Refused("image_too_large", f"{label}: {exc}") from None
    except UnsupportedFormatError as exc:
        raise Refused("unsupported_image_type", f"{label}: {exc}") from None
    except InvalidImageError as exc:
        raise Refused("invalid_image", f"{label}: {exc}") from None
    except Exception as exc:  # a decoder bug on hostile bytes is still the sender's bad image
        log.warning("decoder raised %s on a %d-byte image", type(exc).__name__, len(upload.data))
        raise Refused("invalid_image", f"{label}: cannot decode image") from None


@dataclass(frozen=True)
class DecodedUpload:
    """One upload as the models see it."""

    inputs: list[np.ndarray]  # one per model size asked for
    check_views: CheckViews | None  # None without a checker
    size: Size  # the upload's, upright
    field: Box | None  # the imaged field inside a dark border, in those pixels; None: no border
    dicom: DicomContext | None = None  # what a DICOM upload's tags said; None: not DICOM


def decoded_inputs(
    upload: Upload,
    sizes: list[Size],
    checker: InputChecker | None,
    limits: DecodeLimits,
    label: str,
    whole_frame: list[bool] | None = None,
) -> DecodedUpload:
    """Return one input per model size (cropped to the imaged field, unless its `whole_frame`
    flag is set), the input check's views and the upload's size and field, or raise Refused
    naming what is wrong with it. Models that share a decode get one
    (lesion_core.preprocess.preprocess_groups), as the shipped ones do."""
    groups = [[size] for size in sizes] + ([checker.view_sizes] if checker else [])
    whole = (whole_frame or [False] * len(sizes)) + ([False] if checker else [])
    data, dicom = upload.data, None
    with decoding(upload, label):
        if is_dicom(data):
            data, tags, fields = dicom_image(data, limits.max_pixels)
            dicom = DicomContext(tags, tuple(fields))
        made, full_size, field = preprocess_groups(
            data, groups, limits.max_pixels, whole, limits.max_decode_mb
        )
    inputs = [model_input for (model_input,) in made[: len(sizes)]]
    views = as_check_views(made[-1], full_size) if checker else None
    return DecodedUpload(inputs, views, full_size, field, dicom)


def decoded_or_refused(
    upload: Upload,
    sizes: list[Size],
    checker: InputChecker | None,
    limits: DecodeLimits,
    label: str,
) -> DecodedUpload | Refused:
    """Return the upload decoded for the classifier (one input per size) and the input check,
    or the Refused that refuses it."""
    try:
        return decoded_inputs(upload, sizes, checker, limits, label)
    except Refused as exc:
        return exc

"""Classify images: decode each once with the shared preprocessing (for the classifier and the
input check), predict them as one batch, move the answers by their context, check them, and
shape each answer. The service (backend.service) and the CLI's in-process mode
(lesion_cli.local) both classify through `classify`."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from lesion_api.predictions import Prediction
from lesion_core.check_input import CheckViews, as_check_views
from lesion_core.context import Context
from lesion_core.dicom import dicom_image, is_dicom
from lesion_core.preprocess import (
    DecodeLimits,
    ImageTooLargeError,
    InvalidImageError,
    Size,
    UnsupportedFormatError,
    preprocess_groups,
)
from lesion_core.segmentation_metrics import Box
from lesion_runtime.answers import prediction
from lesion_runtime.image_context import DicomContext, context_used, merged
from lesion_runtime.input_check import InputChecker
from lesion_runtime.predictor import Predictor

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
    size: tuple[int, int]  # the upload's upright (width, height)
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


def _named(
    names: list[str], probabilities: np.ndarray | None
) -> tuple[list[str], np.ndarray] | None:
    return None if probabilities is None else (names, probabilities)


def classify(
    uploads: list[Upload],
    predictor: Predictor,
    limits: DecodeLimits,
    checker: InputChecker | None = None,
    contexts: Sequence[Context] | None = None,
) -> list[Prediction | Refused]:
    """Return a Prediction per upload, in upload order, or the Refused refusing it: with the
    input check's verdict when there is a checker, moved by the upload's context (`contexts`,
    one per upload, and a DICOM file's tags) where the classifier has a context model. The
    images that decode go through the model in one call, and through the check in another."""
    started = time.perf_counter()
    decoded = [
        decoded_or_refused(u, predictor.sizes, checker, limits, describe(u, i, len(uploads)))
        for i, u in enumerate(uploads, start=1)
    ]
    read = [d for d in decoded if not isinstance(d, Refused)]
    done_decoding = time.perf_counter()
    batches = [np.stack(images) for images in zip(*(d.inputs for d in read), strict=True)]
    answered, members = predictor.predict_members(batches) if read else ([], None)
    given = contexts or [Context()] * len(uploads)
    kept = [c for c, d in zip(given, decoded, strict=True) if not isinstance(d, Refused)]
    merged_contexts = [merged(c, d.dicom) for c, d in zip(kept, read, strict=True)]
    if read:
        answered, used = predictor.with_context(answered, [c for c, _ in merged_contexts])
    else:
        used = []
    probabilities = iter(answered)
    per_member = iter([None] * len(read) if members is None else members)
    said = iter(
        context_used(c, fields, u) for (c, fields), u in zip(merged_contexts, used, strict=True)
    )
    done = time.perf_counter()
    checks = iter(checker.judge([d.check_views for d in read]) if checker else [None] * len(read))
    # Sizes and timings only: never image content, file names or context.
    log.info(
        "classified %d image(s) (%d refused), %d bytes, decode %.1f ms, model %.1f ms, "
        "input check %.1f ms",
        len(uploads),
        len(uploads) - len(read),
        sum(len(u.data) for u in uploads),
        (done_decoding - started) * 1e3,
        (done - done_decoding) * 1e3,
        (time.perf_counter() - done) * 1e3,
    )
    return [
        x
        if isinstance(x, Refused)
        else prediction(
            next(probabilities),
            predictor.info.name,
            predictor.info.version,
            upload.filename,
            next(checks),
            _named(predictor.info.members, next(per_member)),
            next(said),
        )
        for x, upload in zip(decoded, uploads, strict=True)
    ]

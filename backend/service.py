"""Classify uploaded images: preprocess each with the shared function (one decode for the
classifier and the input check), predict them as one batch."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from backend.errors import ApiError
from backend.input_check import InputChecker
from backend.responses import prediction
from backend.uploads import Upload, describe
from lesion_api.predictions import Prediction
from lesion_core.check_input import CheckViews, as_check_views
from lesion_core.preprocess import (
    DecodeLimits,
    ImageTooLargeError,
    InvalidImageError,
    Size,
    UnsupportedFormatError,
    preprocess_groups,
)
from lesion_core.segmentation_metrics import Box
from lesion_runtime.predictor import Predictor

log = logging.getLogger(__name__)


@contextmanager
def decoding(upload: Upload, label: str) -> Iterator[None]:
    """Turn the shared preprocessing's errors inside the block into ApiErrors naming `label`."""
    if not upload.data:
        raise ApiError(400, "empty_file", f"{label} is empty")
    try:
        yield
    except ImageTooLargeError as exc:
        raise ApiError(413, "image_too_large", f"{label}: {exc}") from None
    except UnsupportedFormatError as exc:
        raise ApiError(415, "unsupported_image_type", f"{label}: {exc}") from None
    except InvalidImageError as exc:
        raise ApiError(400, "invalid_image", f"{label}: {exc}") from None
    except Exception as exc:  # a decoder bug on hostile bytes is still the client's bad image
        log.warning("decoder raised %s on a %d-byte upload", type(exc).__name__, len(upload.data))
        raise ApiError(400, "invalid_image", f"{label}: cannot decode image") from None


@dataclass(frozen=True)
class DecodedUpload:
    """One upload as the models see it."""

    inputs: list[np.ndarray]  # one per model size asked for
    check_views: CheckViews | None  # None without a checker
    size: tuple[int, int]  # the upload's upright (width, height)
    field: Box | None  # the imaged field inside a dark border, in those pixels; None: no border


def decoded_inputs(
    upload: Upload,
    sizes: list[Size],
    checker: InputChecker | None,
    limits: DecodeLimits,
    label: str,
    whole_frame: list[bool] | None = None,
) -> DecodedUpload:
    """Return one input per model size (cropped to the imaged field, unless its `whole_frame`
    flag is set), the input check's views and the upload's size and field, or raise ApiError
    naming what is wrong with it. Models that share a decode get one
    (lesion_core.preprocess.preprocess_groups), as the shipped ones do."""
    groups = [[size] for size in sizes] + ([checker.view_sizes] if checker else [])
    whole = (whole_frame or [False] * len(sizes)) + ([False] if checker else [])
    with decoding(upload, label):
        made, full_size, field = preprocess_groups(
            upload.data, groups, limits.max_pixels, whole, limits.max_decode_mb
        )
    inputs = [model_input for (model_input,) in made[: len(sizes)]]
    views = as_check_views(made[-1], full_size) if checker else None
    return DecodedUpload(inputs, views, full_size, field)


def model_and_check_inputs(
    upload: Upload,
    sizes: list[Size],
    checker: InputChecker | None,
    limits: DecodeLimits,
    label: str,
) -> tuple[list[np.ndarray], CheckViews | None] | ApiError:
    """Return the classifier's inputs (one per size) and the input check's views (None without
    a checker), or the ApiError that refuses the upload."""
    try:
        decoded = decoded_inputs(upload, sizes, checker, limits, label)
    except ApiError as exc:
        return exc
    return decoded.inputs, decoded.check_views


def _named(
    names: list[str], probabilities: np.ndarray | None
) -> tuple[list[str], np.ndarray] | None:
    return None if probabilities is None else (names, probabilities)


def classify(
    uploads: list[Upload],
    predictor: Predictor,
    limits: DecodeLimits,
    checker: InputChecker | None = None,
) -> list[Prediction | ApiError]:
    """Return a Prediction (with the input check's verdict when there is a checker), or the
    ApiError refusing that image, per upload, in upload order; the images that decode go through
    the model in one call, and through the check in another."""
    started = time.perf_counter()
    inputs = [
        model_and_check_inputs(u, predictor.sizes, checker, limits, describe(u, i, len(uploads)))
        for i, u in enumerate(uploads, start=1)
    ]
    read = [x for x in inputs if not isinstance(x, ApiError)]
    decoded = time.perf_counter()
    batches = [np.stack(images) for images in zip(*(made for made, _ in read), strict=True)]
    answered, members = predictor.predict_members(batches) if read else ([], None)
    probabilities = iter(answered)
    per_member = iter([None] * len(read) if members is None else members)
    done = time.perf_counter()
    checks = iter(checker.judge([v for _, v in read]) if checker else [None] * len(read))
    # Sizes and timings only: never image content or file names.
    log.info(
        "classified %d image(s) (%d refused), %d bytes, decode %.1f ms, model %.1f ms, "
        "input check %.1f ms",
        len(uploads),
        len(uploads) - len(read),
        sum(len(u.data) for u in uploads),
        (decoded - started) * 1e3,
        (done - decoded) * 1e3,
        (time.perf_counter() - done) * 1e3,
    )
    return [
        x
        if isinstance(x, ApiError)
        else prediction(
            next(probabilities),
            predictor.info.name,
            predictor.info.version,
            upload.filename,
            next(checks),
            _named(predictor.info.members, next(per_member)),
        )
        for x, upload in zip(inputs, uploads, strict=True)
    ]

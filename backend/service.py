"""Classify uploaded images: preprocess each with the shared function, predict them as one batch."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from backend.errors import ApiError
from backend.input_check import InputChecker
from backend.predictor import Predictor
from backend.responses import prediction
from backend.uploads import Upload, describe
from lesion_api.predictions import Prediction
from lesion_core.preprocess import (
    ImageTooLargeError,
    InvalidImageError,
    Size,
    UnsupportedFormatError,
    preprocess,
)

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


def to_model_input(upload: Upload, size: Size, max_pixels: int, label: str) -> np.ndarray:
    """Return the preprocessed image, or raise ApiError naming what is wrong with it."""
    with decoding(upload, label):
        return preprocess(upload.data, size, max_pixels)


def _model_input_or_error(
    upload: Upload, size: Size, max_pixels: int, label: str
) -> np.ndarray | ApiError:
    """Return the preprocessed image, or the ApiError that refuses it."""
    try:
        return to_model_input(upload, size, max_pixels, label)
    except ApiError as exc:
        return exc


def classify(
    uploads: list[Upload],
    predictor: Predictor,
    max_pixels: int,
    checker: InputChecker | None = None,
) -> list[Prediction | ApiError]:
    """Return a Prediction (with the input check's verdict when there is a checker), or the
    ApiError refusing that image, per upload, in upload order; the images that decode go through
    the model in one call, and through the check in another."""
    started = time.perf_counter()
    inputs = [
        _model_input_or_error(u, predictor.width_height, max_pixels, describe(u, i, len(uploads)))
        for i, u in enumerate(uploads, start=1)
    ]
    images = [x for x in inputs if isinstance(x, np.ndarray)]
    decoded = time.perf_counter()
    probabilities = iter(predictor.predict(np.stack(images)) if images else [])
    done = time.perf_counter()
    read = [u for x, u in zip(inputs, uploads, strict=True) if isinstance(x, np.ndarray)]
    checks = iter(checker.check(read, max_pixels) if checker else [None] * len(read))
    # Sizes and timings only: never image content or file names.
    log.info(
        "classified %d image(s) (%d refused), %d bytes, decode %.1f ms, model %.1f ms, "
        "input check %.1f ms",
        len(uploads),
        len(uploads) - len(images),
        sum(len(u.data) for u in uploads),
        (decoded - started) * 1e3,
        (done - decoded) * 1e3,
        (time.perf_counter() - done) * 1e3,
    )
    return [
        x
        if isinstance(x, ApiError)
        else prediction(next(probabilities), predictor.info.version, upload.filename, next(checks))
        for x, upload in zip(inputs, uploads, strict=True)
    ]

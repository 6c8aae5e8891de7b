"""Classify uploaded images: preprocess each with the shared function, predict them as one batch."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from backend.errors import ApiError
from backend.predictor import Predictor
from backend.responses import prediction_body
from backend.uploads import Upload, describe
from lesion_core.preprocess import (
    ImageTooLargeError,
    InvalidImageError,
    UnsupportedFormatError,
    preprocess,
)

log = logging.getLogger(__name__)


@contextmanager
def decoding(upload: Upload, label: str) -> Iterator[None]:
    """Turn the shared preprocessing's errors inside the block into ApiErrors naming `label`."""
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


def to_model_input(upload: Upload, size: int, max_pixels: int, label: str) -> np.ndarray:
    """Return the preprocessed image, or raise ApiError naming what is wrong with it."""
    with decoding(upload, label):
        return preprocess(upload.data, size, max_pixels)


def classify(uploads: list[Upload], predictor: Predictor, max_pixels: int) -> list[dict]:
    """Return one prediction body per upload, in upload order, from a single model call."""
    started = time.perf_counter()
    size = predictor.info.input_size
    batch = np.stack(
        [
            to_model_input(u, size, max_pixels, describe(u, i, len(uploads)))
            for i, u in enumerate(uploads, start=1)
        ]
    )
    decoded = time.perf_counter()
    probabilities = predictor.predict(batch)
    done = time.perf_counter()
    # Sizes and timings only: never image content or file names.
    log.info(
        "classified %d image(s), %d bytes, decode %.1f ms, model %.1f ms",
        len(uploads),
        sum(len(u.data) for u in uploads),
        (decoded - started) * 1e3,
        (done - decoded) * 1e3,
    )
    return [prediction_body(p, predictor.info.version) for p in probabilities]

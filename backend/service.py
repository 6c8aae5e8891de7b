"""The service's side of classifying uploads: lesion_runtime.classify does the work; here its
refusals become HTTP errors and the input check's flags are counted."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from backend.errors import ApiError
from backend.metrics import record_input_check_flag
from backend.model_timing import timed
from lesion_api.predictions import Prediction
from lesion_core.context import Context
from lesion_core.decode import DecodeLimits
from lesion_runtime import classify as runtime
from lesion_runtime.decoding import Refused, Upload
from lesion_runtime.input_check import InputChecker
from lesion_runtime.predictor import Predictor

# The HTTP status of each reason an image is refused (lesion_runtime.classify.REFUSALS).
REFUSAL_STATUS = {
    "empty_file": 400,
    "image_too_large": 413,
    "unsupported_image_type": 415,
    "invalid_image": 400,
}


def api_error(refused: Refused) -> ApiError:
    """Return the HTTP error that tells a client why its image was refused."""
    return ApiError(REFUSAL_STATUS[refused.code], refused.code, refused.message)


@contextmanager
def refusals_as_api_errors() -> Iterator[None]:
    """Turn a Refused raised inside the block into its ApiError."""
    try:
        yield
    except Refused as exc:
        raise api_error(exc) from None


def count_flags(answers: Sequence[Prediction]) -> None:
    """Count what the input check flagged in `answers` (the service's metrics)."""
    for answer in answers:
        check = answer.input_check
        if check is None:
            continue
        if not check.dermoscopic:
            record_input_check_flag("not_dermoscopic")
        if any(code != "not_dermoscopic" for code in check.warning_codes):
            record_input_check_flag("quality")


def classify(
    uploads: list[Upload],
    predictor: Predictor,
    limits: DecodeLimits,
    checker: InputChecker | None = None,
    contexts: Sequence[Context] | None = None,
) -> list[Prediction | ApiError]:
    """Return lesion_runtime.classify's answer per upload (each model call timed), each refusal
    as its ApiError."""
    results = runtime.classify(uploads, predictor, limits, checker, contexts, timed)
    count_flags([r for r in results if isinstance(r, Prediction)])
    return [api_error(r) if isinstance(r, Refused) else r for r in results]

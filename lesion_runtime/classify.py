"""Classify images, in the steps of TorchServe's handler: `decode` each upload once with the
shared preprocessing (lesion_runtime.decoding), `infer` (the classifier on one batch, the context
model, the input check), `respond` (shape each answer). The service (backend.service) and the
CLI's in-process mode (lesion_cli.local) both classify through `classify`; a `timer` wraps each
model call."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lesion_api.predictions import ContextUsed, InputCheck, Prediction
from lesion_core.context import Context
from lesion_core.decode import DecodeLimits
from lesion_core.labels import CLASS_CODES
from lesion_runtime.answers import prediction
from lesion_runtime.decoding import DecodedUpload, Refused, Upload, decoded_or_refused, describe
from lesion_runtime.image_context import context_used, merged
from lesion_runtime.input_check import InputChecker
from lesion_runtime.model_calls import ModelCall, ModelTimer, untimed
from lesion_runtime.predictor import Predictor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inferred:
    """What the models said of the uploads that decoded, in order."""

    probabilities: np.ndarray  # (N, 7), moved by each image's context where used
    members: np.ndarray | None  # an ensemble's (N, members, 7); None for one classifier
    contexts: list[ContextUsed | None]
    checks: list[InputCheck | None]


def decode(
    uploads: list[Upload], predictor: Predictor, checker: InputChecker | None, limits: DecodeLimits
) -> list[DecodedUpload | Refused]:
    """Return each upload decoded for the classifier and the input check, or its Refused."""
    return [
        decoded_or_refused(u, predictor.sizes, checker, limits, describe(u, i, len(uploads)))
        for i, u in enumerate(uploads, start=1)
    ]


def infer(
    read: list[DecodedUpload],
    predictor: Predictor,
    checker: InputChecker | None,
    contexts: Sequence[Context],
    timer: ModelTimer = untimed,
) -> Inferred:
    """Return what the classifier (one call for all of `read`), the context model and the input
    check (one call) say of the decoded uploads; `contexts` has one per upload in `read`."""
    info = predictor.info
    batches = [np.stack(images) for images in zip(*(d.inputs for d in read), strict=True)]
    with timer(ModelCall("classifier", info.name, info.version, len(read))):
        probabilities, members = predictor.predict_members(batches)
    merged_contexts = [merged(c, d.dicom) for c, d in zip(contexts, read, strict=True)]
    probabilities, used = predictor.with_context(probabilities, [c for c, _ in merged_contexts])
    said = [
        context_used(c, fields, u) for (c, fields), u in zip(merged_contexts, used, strict=True)
    ]
    if checker is None:
        return Inferred(probabilities, members, said, [None] * len(read))
    check = checker.info
    with timer(ModelCall("input_check", check.name, check.version, len(read))):
        checks = checker.judge([d.check_views for d in read])
    return Inferred(probabilities, members, said, list(checks))


def respond(
    uploads: list[Upload],
    decoded: list[DecodedUpload | Refused],
    inferred: Inferred,
    predictor: Predictor,
) -> list[Prediction | Refused]:
    """Return the Prediction of each upload that decoded and the Refused of each that did not,
    in upload order."""
    info = predictor.info
    answers = iter(range(len(inferred.probabilities)))
    results: list[Prediction | Refused] = []
    for upload, made in zip(uploads, decoded, strict=True):
        if isinstance(made, Refused):
            results.append(made)
            continue
        i = next(answers)
        members = None if inferred.members is None else (info.members, inferred.members[i])
        results.append(
            prediction(
                inferred.probabilities[i],
                info.name,
                info.version,
                upload.filename,
                inferred.checks[i],
                members,
                inferred.contexts[i],
            )
        )
    return results


def classify(
    uploads: list[Upload],
    predictor: Predictor,
    limits: DecodeLimits,
    checker: InputChecker | None = None,
    contexts: Sequence[Context] | None = None,
    timer: ModelTimer = untimed,
) -> list[Prediction | Refused]:
    """Return a Prediction per upload, in upload order, or the Refused refusing it: with the
    input check's verdict when there is a checker, moved by the upload's context (`contexts`,
    one per upload, and a DICOM file's tags) where the classifier has a context model. The
    images that decode go through the model in one call, and through the check in another;
    `timer` wraps each model call."""
    started = time.perf_counter()
    decoded = decode(uploads, predictor, checker, limits)
    read = [d for d in decoded if not isinstance(d, Refused)]
    given = contexts or [Context()] * len(uploads)
    kept = [c for c, d in zip(given, decoded, strict=True) if not isinstance(d, Refused)]
    decoded_at = time.perf_counter()
    inferred = (
        infer(read, predictor, checker, kept, timer)
        if read
        else Inferred(np.empty((0, len(CLASS_CODES))), None, [], [])
    )
    # Sizes and timings only: never image content, file names or context.
    log.info(
        "classified %d image(s) (%d refused), %d bytes, decode %.1f ms, models %.1f ms",
        len(uploads),
        len(uploads) - len(read),
        sum(len(u.data) for u in uploads),
        (decoded_at - started) * 1e3,
        (time.perf_counter() - decoded_at) * 1e3,
    )
    return respond(uploads, decoded, inferred, predictor)

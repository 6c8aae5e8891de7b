"""Localize the lesion in one upload: classify it, outline it, and draw what the model looked
at, in the steps of TorchServe's handler (decode, infer, respond), each model call timed."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from backend.model_timing import timed
from backend.overlays import heatmap_png, heatmap_size, mask_png
from backend.responses import localization
from backend.service import count_flags, refusals_as_api_errors
from lesion_api.localization import LocalizeAnswer
from lesion_api.predictions import ContextUsed, InputCheck
from lesion_core.class_activation import class_heatmap
from lesion_core.context import Context
from lesion_core.decode import DecodeLimits
from lesion_core.labels import CLASS_CODES
from lesion_core.lesion_outline import Outline, outline
from lesion_runtime.answers import prediction
from lesion_runtime.decoding import DecodedUpload, Upload, decoded_inputs, describe
from lesion_runtime.image_context import context_used, merged
from lesion_runtime.input_check import InputChecker
from lesion_runtime.model_calls import ModelCall
from lesion_runtime.predictor import Predictor
from lesion_runtime.segmenter import Segmenter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Seen:
    """What the models said of one upload: the classifier (moved by the context), what the
    classifier looked at, the lesion and the input check's verdict."""

    probabilities: np.ndarray  # (7,)
    activations: np.ndarray | None  # (h, w, 7); None for a model without activation maps
    members: np.ndarray | None  # an ensemble's (members, 7)
    context: ContextUsed | None
    lesion: Outline
    check: InputCheck | None


def decode(
    upload: Upload,
    predictor: Predictor,
    segmenter: Segmenter,
    checker: InputChecker | None,
    limits: DecodeLimits,
) -> DecodedUpload:
    """Return the upload decoded once for the classifier, the segmenter (the whole frame: the
    outline covers the whole upload) and the input check, or raise the ApiError refusing it."""
    with refusals_as_api_errors():
        return decoded_inputs(
            upload,
            [*predictor.sizes, segmenter.info.input_size],
            checker,
            limits,
            describe(upload, 1, 1),
            whole_frame=[False] * len(predictor.sizes) + [True],
        )


def infer(
    made: DecodedUpload,
    predictor: Predictor,
    segmenter: Segmenter,
    checker: InputChecker | None,
    context: Context | None,
) -> Seen:
    """Return what the classifier, its context model, the segmenter and the input check say of
    one decoded upload, each model call timed."""
    *images, segmenter_input = made.inputs
    batches = [image[None] for image in images]
    info = predictor.info
    with timed(ModelCall("classifier", info.name, info.version, 1)):
        if predictor.explains:
            probabilities, activations, members = predictor.predict_explained(batches)
            activations = activations[0]
        else:
            (probabilities, members), activations = predictor.predict_members(batches), None
    image_context, from_dicom = merged(context, made.dicom)
    moved, (used,) = predictor.with_context(probabilities, [image_context])
    with timed(ModelCall("segmenter", segmenter.info.name, segmenter.info.version, 1)):
        lesion = outline(segmenter.probabilities(segmenter_input), made.size)
    check = None
    if checker is not None and made.check_views is not None:
        with timed(ModelCall("input_check", checker.info.name, checker.info.version, 1)):
            (check,) = checker.judge([made.check_views])
    return Seen(
        moved[0],
        activations,
        None if members is None else members[0],
        context_used(image_context, from_dicom, used),
        lesion,
        check,
    )


def respond(
    upload: Upload,
    made: DecodedUpload,
    seen: Seen,
    predictor: Predictor,
    segmenter: Segmenter,
    requested_class_code: str | None,
) -> LocalizeAnswer:
    """Return the /localize answer: the prediction, the lesion's mask and the heat-map of the
    class asked for (else the top class)."""
    probabilities = seen.probabilities
    explained = (
        int(probabilities.argmax())
        if requested_class_code is None
        else CLASS_CODES.index(requested_class_code)
    )
    heatmap = (
        None
        if seen.activations is None
        else heatmap_png(class_heatmap(seen.activations, explained), made.size, made.field)
    )
    info = predictor.info
    answer = prediction(
        probabilities,
        info.name,
        info.version,
        upload.filename,
        seen.check,
        None if seen.members is None else (info.members, seen.members),
        seen.context,
    )
    count_flags([answer])
    return localization(
        answer,
        seen.lesion,
        mask_png(seen.lesion.mask),
        heatmap,
        CLASS_CODES[explained] if heatmap else None,
        heatmap_size(made.size) if heatmap else None,
        segmenter.info.version,
    )


def localize_upload(
    upload: Upload,
    predictor: Predictor,
    segmenter: Segmenter,
    limits: DecodeLimits,
    requested_class_code: str | None = None,
    checker: InputChecker | None = None,
    context: Context | None = None,
) -> LocalizeAnswer:
    """Return the /predict answer for one upload (with the input check's verdict when there is a
    checker, moved by its context where the classifier has a context model) plus its lesion
    outline and heat-map: decode, infer, respond."""
    started = time.perf_counter()
    made = decode(upload, predictor, segmenter, checker, limits)
    decoded = time.perf_counter()
    seen = infer(made, predictor, segmenter, checker, context)
    modelled = time.perf_counter()
    body = respond(upload, made, seen, predictor, segmenter, requested_class_code)
    log.info(
        "localized a %d-byte upload (%dx%d): decode %.1f ms, models %.1f ms, drawing %.1f ms",
        len(upload.data),
        *made.size,
        (decoded - started) * 1e3,
        (modelled - decoded) * 1e3,
        (time.perf_counter() - modelled) * 1e3,
    )
    return body

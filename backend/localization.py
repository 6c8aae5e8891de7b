"""Localise the lesion in one upload: classify it, outline it, and draw what the model looked at."""

from __future__ import annotations

import logging
import time

from backend.overlays import heatmap_png, heatmap_size, mask_png
from backend.responses import localisation
from backend.service import count_flags, refusals_as_api_errors
from lesion_api.localisation import Localisation
from lesion_core.class_activation import class_heatmap
from lesion_core.context import Context
from lesion_core.labels import CLASS_CODES
from lesion_core.lesion_outline import outline
from lesion_core.preprocess import DecodeLimits
from lesion_runtime.answers import prediction
from lesion_runtime.classify import Upload, decoded_inputs, describe
from lesion_runtime.image_context import context_used, merged
from lesion_runtime.input_check import InputChecker
from lesion_runtime.predictor import Predictor
from lesion_runtime.segmenter import Segmenter

log = logging.getLogger(__name__)


def localise(
    upload: Upload,
    predictor: Predictor,
    segmenter: Segmenter,
    limits: DecodeLimits,
    requested_class_code: str | None = None,
    checker: InputChecker | None = None,
    context: Context | None = None,
) -> Localisation:
    """Return the /predict answer for one upload (with the input check's verdict when there is a
    checker, moved by its context where the classifier has a context model) plus its lesion
    outline and heat-map."""
    started = time.perf_counter()
    chosen = None if requested_class_code is None else CLASS_CODES.index(requested_class_code)
    label = describe(upload, 1, 1)
    with refusals_as_api_errors():
        made = decoded_inputs(
            upload,
            [*predictor.sizes, segmenter.info.input_size],
            checker,
            limits,
            label,
            whole_frame=[False] * len(predictor.sizes) + [True],  # the outline: the whole upload
        )
    *images, segmenter_input = made.inputs
    views, size = made.check_views, made.size
    batches = [image[None] for image in images]
    decoded = time.perf_counter()
    if predictor.explains:
        probabilities, activations, members = predictor.predict_explained(batches)
        activations = activations[0]
    else:
        (probabilities, members), activations = predictor.predict_members(batches), None
    image_context, from_dicom = merged(context, made.dicom)
    moved, (used,) = predictor.with_context(probabilities, [image_context])
    probabilities = moved[0]
    explained = int(probabilities.argmax()) if chosen is None else chosen
    lesion = outline(segmenter.probabilities(segmenter_input), size)
    (check,) = checker.judge([views]) if checker and views is not None else [None]
    modelled = time.perf_counter()
    heatmap = (
        None
        if activations is None
        else heatmap_png(class_heatmap(activations, explained), size, made.field)
    )
    answer = prediction(
        probabilities,
        predictor.info.name,
        predictor.info.version,
        upload.filename,
        check,
        None if members is None else (predictor.info.members, members[0]),
        context_used(image_context, from_dicom, used),
    )
    count_flags([answer])
    body = localisation(
        answer,
        lesion,
        mask_png(lesion.mask),
        heatmap,
        CLASS_CODES[explained] if heatmap else None,
        heatmap_size(size) if heatmap else None,
        segmenter.info.version,
    )
    log.info(
        "localised a %d-byte upload (%dx%d): decode %.1f ms, models %.1f ms, drawing %.1f ms",
        len(upload.data),
        *size,
        (decoded - started) * 1e3,
        (modelled - decoded) * 1e3,
        (time.perf_counter() - modelled) * 1e3,
    )
    return body

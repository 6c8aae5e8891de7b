"""Localise the lesion in one upload: classify it, outline it, and draw what the model looked at."""

from __future__ import annotations

import logging
import time

from backend.input_check import InputChecker
from backend.overlays import heatmap_png, heatmap_size, mask_png
from backend.predictor import Predictor
from backend.responses import localisation, prediction
from backend.segmenter import Segmenter
from backend.service import decoded_inputs
from backend.uploads import Upload, describe
from lesion_api.localisation import Localisation
from lesion_core.class_activation import class_heatmap
from lesion_core.labels import CLASS_CODES
from lesion_core.lesion_outline import outline

log = logging.getLogger(__name__)


def localise(
    upload: Upload,
    predictor: Predictor,
    segmenter: Segmenter,
    max_pixels: int,
    requested_class_code: str | None = None,
    checker: InputChecker | None = None,
) -> Localisation:
    """Return the /predict answer for one upload (with the input check's verdict when there is a
    checker) plus its lesion outline and heat-map."""
    started = time.perf_counter()
    chosen = None if requested_class_code is None else CLASS_CODES.index(requested_class_code)
    label = describe(upload, 1, 1)
    made = decoded_inputs(
        upload,
        [predictor.width_height, segmenter.info.input_size],
        checker,
        max_pixels,
        label,
        whole_frame=[False, True],  # the outline covers the whole upload, border included
    )
    (image, segmenter_input), views, size = made.inputs, made.check_views, made.size
    decoded = time.perf_counter()
    if predictor.explains:
        probabilities, activations = predictor.predict_explained(image)
    else:
        probabilities, activations = predictor.predict(image[None])[0], None
    explained = int(probabilities.argmax()) if chosen is None else chosen
    lesion = outline(segmenter.probabilities(segmenter_input), size)
    (check,) = checker.judge([views]) if checker and views is not None else [None]
    modelled = time.perf_counter()
    heatmap = (
        None
        if activations is None
        else heatmap_png(class_heatmap(activations, explained), size, made.field)
    )
    body = localisation(
        prediction(probabilities, predictor.info.version, upload.filename, check),
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

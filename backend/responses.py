"""The one place that shapes answers for clients, with the wire types of lesion_api."""

from __future__ import annotations

import numpy as np
from flask import Response, current_app

from backend.errors import ApiError
from lesion_api.base import WireModel
from lesion_api.errors import ErrorDetail
from lesion_api.localisation import Lesion, Localisation
from lesion_api.predictions import (
    Agreement,
    ContextUsed,
    FileError,
    InputCheck,
    MemberAnswer,
    Prediction,
    PredictionList,
)
from lesion_core.labels import CLASS_CODES, CLASSES
from lesion_core.lesion_outline import Outline


def json_response(body: WireModel, status: int = 200) -> Response:
    """Return `body` as a JSON response (fields in declaration order)."""
    return current_app.response_class(
        body.model_dump_json(by_alias=True), status=status, mimetype="application/json"
    )


def agreement(top: int, members: list[str], member_probabilities: np.ndarray) -> Agreement:
    """Return how many of an ensemble's members (their (members, 7) probabilities) put its
    answer `top` first, each member's top class and its probability of `top`."""
    tops = member_probabilities.argmax(axis=1)
    return Agreement(
        agree=bool((tops == top).all()),
        agreeing=int((tops == top).sum()),
        members=[
            MemberAnswer(
                model=name,
                label=CLASS_CODES[t],
                confidence=float(p[t]),
                answer_probability=float(p[top]),
            )
            for name, t, p in zip(members, tops, member_probabilities, strict=True)
        ],
    )


def prediction(
    probabilities: np.ndarray,
    model: str,
    model_version: str,
    file: str | None,
    input_check: InputCheck | None = None,
    members: tuple[list[str], np.ndarray] | None = None,
    context: ContextUsed | None = None,
) -> Prediction:
    """Return the Prediction of one image's (7,) probabilities (rounded by the type) from the
    classifier `model`, the input check's verdict on it and, for an ensemble, its members' names
    and (members, 7) probabilities."""
    top = int(np.argmax(probabilities))
    return Prediction(
        file=file,
        input_check=input_check,
        model=model,
        label=CLASS_CODES[top],
        label_name=CLASSES[top].name,
        malignant=CLASSES[top].malignant,
        confidence=float(probabilities[top]),
        probabilities={code: float(p) for code, p in zip(CLASS_CODES, probabilities, strict=True)},
        model_version=model_version,
        context=context,
        agreement=None if members is None else agreement(top, *members),
    )


def prediction_list(
    results: list[Prediction | ApiError], files: list[str | None], model_version: str
) -> PredictionList:
    """Return a multi-file answer: each prediction as is, each refused image as its error."""
    return PredictionList(
        results=[
            r
            if isinstance(r, Prediction)
            else FileError(file=file, error=ErrorDetail(code=r.code, message=r.message))
            for r, file in zip(results, files, strict=True)
        ],
        model_version=model_version,
    )


def localisation(
    answer: Prediction,
    lesion: Outline,
    mask: str,
    heatmap: str | None,
    heatmap_class: str | None,
    heatmap_size: tuple[int, int] | None,
    segmenter_version: str,
) -> Localisation:
    """Return the /predict answer plus the lesion, the heat-map and the segmenter's version."""
    return Localisation(
        **answer.model_dump(),
        lesion=Lesion(
            found=lesion.box is not None,
            box=lesion.box,
            area_fraction=lesion.area_fraction,
            mask_png=mask,
        ),
        heatmap_png=heatmap,
        heatmap_class=heatmap_class,
        heatmap_size=heatmap_size,
        segmenter_version=segmenter_version,
    )

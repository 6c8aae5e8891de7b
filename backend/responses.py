"""The HTTP side of answers: JSON responses, multi-file lists with their errors, and /localize's
body (one answer is shaped by lesion_runtime.answers)."""

from __future__ import annotations

from flask import Response, current_app

from backend.errors import ApiError
from lesion_api.base import WireModel
from lesion_api.errors import ErrorDetail
from lesion_api.localization import Lesion, LocalizeAnswer
from lesion_api.predictions import FileError, Prediction, PredictionList
from lesion_core.lesion_outline import Outline


def json_response(body: WireModel, status: int = 200) -> Response:
    """Return `body` as a JSON response (fields in declaration order)."""
    return current_app.response_class(
        body.model_dump_json(by_alias=True), status=status, mimetype="application/json"
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


def localization(
    answer: Prediction,
    lesion: Outline,
    mask: str,
    heatmap: str | None,
    heatmap_class: str | None,
    heatmap_size: tuple[int, int] | None,
    segmenter_version: str,
) -> LocalizeAnswer:
    """Return the /predict answer plus the lesion, the heat-map and the segmenter's version."""
    return LocalizeAnswer(
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

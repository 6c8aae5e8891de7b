"""The upload routes, /predict and /localize: each parses the request, calls one service
function and returns JSON (the others: backend.info_routes).

Each route declares, beside it, what the OpenAPI document says about it (`@documented`).
"""

from __future__ import annotations

from flask import Blueprint, request

from backend import route_support as parts
from backend.context import request_context
from backend.errors import ApiError
from backend.localization import localize_upload
from backend.openapi import Operation, Reply, documented
from backend.rate_limit import charge_megapixels
from backend.responses import json_response, prediction_list
from backend.route_support import PARAMETER_ERRORS
from backend.service import classify
from backend.uploads import FIELD, read_uploads
from lesion_api.errors import ErrorBody
from lesion_api.localization import LocalizeAnswer
from lesion_api.predictions import PredictAnswer
from lesion_api.requests import (
    LocalizeForm,
    LocalizeQuery,
    PredictForm,
    PredictQuery,
)

api = Blueprint("api", __name__)

UPLOAD_ERRORS = {
    400: Reply(
        "missing_file, empty_file, invalid_image, too_many_files, " + PARAMETER_ERRORS,
        ErrorBody,
    ),
    413: Reply(
        "payload_too_large, or image_too_large: more pixels, or more to decode, than allowed",
        ErrorBody,
    ),
    429: Reply("rate_limited: too many requests or decoded megapixels", ErrorBody),
    415: Reply("unsupported_media_type, or unsupported_image_type: not accepted", ErrorBody),
}
ONE_IMAGE = "/localize takes one image; send several to /predict, up to {max_files} per request"
LIMITS = (
    "Accepted formats: {formats}. At most {max_upload_mb} MB per request and {max_image_pixels} "
    "pixels per image. Probabilities are rounded to 4 decimals."
)


@api.post("/predict")
@documented(
    Operation(
        "Classify one or several images",
        {
            200: Reply(
                "one Prediction for one image; for several `file` fields a PredictionList with "
                "one entry per file, in order: a Prediction, or the error that image alone gets",
                PredictAnswer,
            ),
            **UPLOAD_ERRORS,
            404: Reply("unknown_model: no classifier of that name (GET /models)", ErrorBody),
            503: Reply(
                "not_ready: the model is still loading; busy: every slot and queue place is "
                "taken (Retry-After)",
                ErrorBody,
            ),
        },
        description=LIMITS + " Up to {max_files} `file` fields per request; one image may be "
        "sent as the raw body instead, with its media type as the Content-Type. `model` (a "
        "query parameter or a form field; given in both, the two must agree) picks the "
        "classifier; any other parameter is refused. Every "
        "prediction carries `input_check`: whether the image looks like dermoscopy, and "
        "warnings on what makes the answer unreliable; it never refuses an image.",
        query=PredictQuery,
        upload=PredictForm,
    )
)
def predict():
    """Classify one image (a single answer) or several `file` fields (a `results` list)."""
    parts.ready_predictor(None)
    uploads = read_uploads(request, parts.settings().max_files)
    params = parts.params(PredictQuery, FIELD)
    predictor = parts.ready_predictor(params.model)
    context = request_context(params)
    charge_megapixels(uploads)
    with parts.slots().held():
        results = classify(
            uploads,
            predictor,
            parts.settings().decode_limits,
            parts.checker(),
            [context] * len(uploads),
        )
    if len(results) == 1:
        (result,) = results
        if isinstance(result, ApiError):
            raise result
        return json_response(result)
    files = [u.filename for u in uploads]
    return json_response(prediction_list(results, files, predictor.info.version))


@api.post("/localize")
@documented(
    Operation(
        "Classify one image, outline its lesion and show what the classifier looked at",
        {
            200: Reply("the prediction, the lesion's outline and the heat-map", LocalizeAnswer),
            **UPLOAD_ERRORS,
            400: Reply(
                "missing_file, empty_file, invalid_image, too_many_files, unknown_class, "
                + PARAMETER_ERRORS,
                ErrorBody,
            ),
            404: Reply("unknown_model: no classifier of that name (GET /models)", ErrorBody),
            503: Reply(
                "not_ready, busy (Retry-After), or localization_unavailable: no segmenter "
                "configured",
                ErrorBody,
            ),
        },
        description="The /predict answer for one image plus the lesion's mask and box from the "
        "segmentation model, and a Grad-CAM heat-map for the predicted class or the class named "
        "by `class` (a query parameter or a form field; given in both, the two must agree). "
        "`model` picks the classifier the same way; any other parameter is refused. One image "
        "per request (several go to /predict). " + LIMITS,
        query=LocalizeQuery,
        upload=LocalizeForm,
    )
)
def localize():
    """Classify one image, outline the lesion and draw the heat-map of a class (`class`)."""
    parts.ready_predictor(None)
    segmenter = parts.segmenter()
    if segmenter is None:
        raise ApiError(
            503, "localization_unavailable", "this server runs without a lesion segmenter"
        )
    settings = parts.settings()
    (upload,) = read_uploads(request, 1, ONE_IMAGE.format(max_files=settings.max_files))
    chosen = parts.params(LocalizeQuery, FIELD)
    predictor = parts.ready_predictor(chosen.model)
    charge_megapixels([upload])
    with parts.slots().held():
        answer = localize_upload(
            upload,
            predictor,
            segmenter,
            settings.decode_limits,
            chosen.class_,
            parts.checker(),
            request_context(chosen),
        )
    return json_response(answer)

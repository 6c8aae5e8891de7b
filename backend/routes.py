"""HTTP routes: each parses the request, calls one service function and returns JSON.

Each route declares, beside it, what the OpenAPI document says about it (`@documented`).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from backend.errors import ApiError
from backend.localisation import localise
from backend.metadata import describe_service
from backend.openapi import Operation, Reply, documented, openapi_document
from backend.params import parse_params
from backend.predictor import Predictor
from backend.responses import json_response, prediction_list
from backend.segmenter import Segmenter
from backend.service import classify
from backend.settings import Settings
from backend.uploads import read_uploads
from lesion_api.errors import ErrorBody
from lesion_api.localisation import Localisation
from lesion_api.predictions import PredictAnswer
from lesion_api.requests import ClassChoice, LocalizeForm, PredictForm, PredictQuery
from lesion_api.service import Liveness, Metadata, ModelRef, Ready, Unavailable
from lesion_core.labels import CLASS_CODES

api = Blueprint("api", __name__)

UPLOAD_ERRORS = {
    400: Reply("missing_file, empty_file, invalid_image or too_many_files", ErrorBody),
    413: Reply("payload_too_large, or image_too_large: more pixels than allowed", ErrorBody),
    415: Reply("unsupported_media_type, or unsupported_image_type: not accepted", ErrorBody),
}
LIMITS = (
    "Accepted formats: {formats}. At most {max_upload_mb} MB per request and {max_image_pixels} "
    "pixels per image. Probabilities are rounded to 4 decimals."
)


def _predictor() -> Predictor:
    return current_app.extensions["predictor"]


def _settings() -> Settings:
    return current_app.extensions["settings"]


def _segmenter() -> Segmenter | None:
    return current_app.extensions.get("segmenter")


def _ready_predictor() -> Predictor:
    """Return the predictor, or refuse with 503 while it is still loading."""
    predictor = _predictor()
    if not predictor.ready:
        raise ApiError(503, "not_ready", "the model is not loaded yet; retry shortly")
    return predictor


@api.get("/livez")
@documented(
    Operation("Liveness: the process answers", {200: Reply("alive", Liveness)}),
)
def livez():
    """Liveness: the process answers HTTP."""
    return json_response(Liveness())


@api.get("/health")
@documented(
    Operation(
        "Readiness: can the service classify now?",
        {200: Reply("ready", Ready), 503: Reply("not ready yet, with a reason", Unavailable)},
    )
)
def health():
    """Readiness: 200 once the model is loaded and warmed up, 503 otherwise."""
    predictor = _predictor()
    if not predictor.ready:
        return json_response(Unavailable(reason="model not warmed up"), 503)
    info, segmenter = predictor.info, _segmenter()
    return json_response(
        Ready(
            model=ModelRef(name=info.name, version=info.version),
            classes=list(CLASS_CODES),
            localisation=None
            if segmenter is None
            else ModelRef(name=segmenter.info.name, version=segmenter.info.version),
        )
    )


@api.get("/metadata")
@documented(
    Operation(
        "Model, classes, accepted formats, preprocessing, limits and the model card's figures",
        {200: Reply("what the service runs and accepts", Metadata)},
    )
)
def metadata():
    """Classes, input size, preprocessing, model version and the model card's headline figures."""
    segmenter = _segmenter()
    return json_response(
        describe_service(
            _predictor().info, _settings(), None if segmenter is None else segmenter.info
        )
    )


@api.get("/openapi.json")
@documented(Operation("This document", {200: Reply("OpenAPI 3.1")}))
def openapi():
    """The OpenAPI 3 document of this API."""
    return jsonify(openapi_document(current_app, _settings()))


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
            503: Reply("not_ready: the model is still loading", ErrorBody),
        },
        description=LIMITS + " Up to {max_files} `file` fields per request; one image may be "
        "sent as the raw body instead, with its media type as the Content-Type.",
        query=PredictQuery,
        upload=PredictForm,
    )
)
def predict():
    """Classify one image (a single answer) or several `file` fields (a `results` list)."""
    predictor = _ready_predictor()
    parse_params(PredictQuery, request.args)
    uploads = read_uploads(request, _settings().max_files)
    results = classify(uploads, predictor, _settings().max_image_pixels)
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
            200: Reply("the prediction, the lesion's outline and the heat-map", Localisation),
            **UPLOAD_ERRORS,
            400: Reply(
                "missing_file, empty_file, invalid_image, too_many_files or unknown_class",
                ErrorBody,
            ),
            503: Reply(
                "not_ready, or localisation_unavailable: no segmenter configured", ErrorBody
            ),
        },
        description="The /predict answer for one image plus the lesion's mask and box from the "
        "segmentation model, and a Grad-CAM heat-map for the predicted class or the class named "
        "by `class` (a query parameter or a form field; the form field wins). One image per "
        "request. " + LIMITS,
        query=ClassChoice,
        upload=LocalizeForm,
    )
)
def localize():
    """Classify one image, outline the lesion and draw the heat-map of a class (`class`)."""
    predictor, segmenter = _ready_predictor(), _segmenter()
    if segmenter is None:
        raise ApiError(
            503, "localisation_unavailable", "this server runs without a lesion segmenter"
        )
    asked = parse_params(ClassChoice, request.args, "unknown_class").class_
    (upload,) = read_uploads(request, max_files=1)
    chosen = parse_params(ClassChoice, request.form, "unknown_class").class_ or asked
    return json_response(
        localise(upload, predictor, segmenter, _settings().max_image_pixels, chosen)
    )

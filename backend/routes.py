"""HTTP routes: each parses the request, calls one service function and returns JSON.

Each route declares, beside it, what the OpenAPI document says about it (`@documented`).
"""

from __future__ import annotations

from typing import TypeVar

from flask import Blueprint, current_app, jsonify, request
from werkzeug.datastructures import MultiDict

from backend.classifiers import Classifiers
from backend.context import request_context
from backend.errors import ApiError
from backend.localisation import localise
from backend.metadata import describe_models, describe_readiness, describe_service
from backend.openapi import Operation, Reply, documented, openapi_document
from backend.params import agreed, parse_params, refuse_unknown
from backend.rate_limit import charge_megapixels
from backend.responses import json_response, prediction_list
from backend.service import classify
from backend.settings import Settings
from backend.uploads import FIELD, read_uploads, request_parts
from backend.work_slots import WorkSlots
from lesion_api.errors import ErrorBody
from lesion_api.localisation import Localisation
from lesion_api.predictions import PredictAnswer
from lesion_api.requests import (
    LocalizeForm,
    LocalizeQuery,
    MetadataQuery,
    ModelChoice,
    PredictForm,
    PredictQuery,
)
from lesion_api.service import Liveness, Metadata, ModelList, Ready, Unavailable
from lesion_runtime.input_check import InputChecker
from lesion_runtime.predictor import Predictor
from lesion_runtime.segmenter import Segmenter

api = Blueprint("api", __name__)
Choice = TypeVar("Choice", bound=ModelChoice)

PARAMETER_ERRORS = (
    "unknown_parameter (a name the route does not take), or conflicting_parameters (the query "
    "and the form give different values)"
)
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
PARAMETER_CODES = {
    "model": "invalid_model",
    "class": "unknown_class",
    "age": "invalid_age",
    "sex": "invalid_sex",
    "site": "invalid_site",
}
LIMITS = (
    "Accepted formats: {formats}. At most {max_upload_mb} MB per request and {max_image_pixels} "
    "pixels per image. Probabilities are rounded to 4 decimals."
)


def _classifiers() -> Classifiers:
    return current_app.extensions["classifiers"]


def _settings() -> Settings:
    return current_app.extensions["settings"]


def _segmenter() -> Segmenter | None:
    return current_app.extensions.get("segmenter")


def _checker() -> InputChecker | None:
    return current_app.extensions.get("input_checker")


def _slots() -> WorkSlots:
    return current_app.extensions["work_slots"]


def _ready_predictor(name: str | None) -> Predictor:
    """Return the classifier called `name` (None: the default), or refuse with 503 while the
    classifiers are still loading and 404 for a name this server does not have."""
    classifiers = _classifiers()
    if not classifiers.ready:
        raise ApiError(503, "not_ready", "the model is not loaded yet; retry shortly")
    return classifiers.pick(name)


def _params(query_type: type[Choice], upload: str | None = None) -> Choice:
    """Return the request's parameters, from its query and its form fields, as `query_type`:
    every name one the route takes (`upload` names its image field), each value valid wherever
    it is given (an unknown model is a 404 even beside a served one), query and form agreeing."""
    parts = request_parts(request)
    form = MultiDict(
        [(p.name, p.data.decode("utf-8", "replace")) for p in parts if p.filename is None]
    )
    form.poplist(upload)
    names = dict.fromkeys(p.name for p in parts)
    refuse_unknown(request.path, query_type, request.args, names, upload)
    for values in (request.args, form):
        _classifiers().pick(parse_params(query_type, values, PARAMETER_CODES).model)
    return parse_params(query_type, agreed(request.args, form), PARAMETER_CODES)


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
    """Readiness: 200 once every model is loaded and warmed up, 503 otherwise."""
    classifiers, segmenter, checker = _classifiers(), _segmenter(), _checker()
    if not classifiers.ready:
        return json_response(Unavailable(reason="model not warmed up"), 503)
    return json_response(
        describe_readiness(
            classifiers,
            None if segmenter is None else segmenter.info,
            None if checker is None else checker.info,
        )
    )


@api.get("/metadata")
@documented(
    Operation(
        "A classifier in full (the default, or the one `model` names), every model served, "
        "classes, accepted formats, preprocessing, limits and the model card's figures",
        {
            200: Reply("what the service runs and accepts", Metadata),
            400: Reply(PARAMETER_ERRORS, ErrorBody),
            404: Reply("unknown_model: no classifier of that name (GET /models)", ErrorBody),
        },
        query=MetadataQuery,
    )
)
def metadata():
    """Classes, input size, preprocessing, model version and the model card's headline figures."""
    segmenter, checker = _segmenter(), _checker()
    return json_response(
        describe_service(
            _classifiers(),
            _settings(),
            None if segmenter is None else segmenter.info,
            None if checker is None else checker.info,
            _params(MetadataQuery).model,
        )
    )


@api.get("/models")
@documented(
    Operation(
        "Every classifier this server serves, with its held-out test figures",
        {200: Reply("the default's name and each model; pick one with ?model=NAME", ModelList)},
    )
)
def models():
    """The classifiers a request can pick with `model`, the default first."""
    return json_response(describe_models(_classifiers()))


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
    _ready_predictor(None)
    uploads = read_uploads(request, _settings().max_files)
    params = _params(PredictQuery, FIELD)
    predictor = _ready_predictor(params.model)
    context = request_context(params)
    charge_megapixels(uploads)
    with _slots().held():
        results = classify(
            uploads, predictor, _settings().decode_limits, _checker(), [context] * len(uploads)
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
            200: Reply("the prediction, the lesion's outline and the heat-map", Localisation),
            **UPLOAD_ERRORS,
            400: Reply(
                "missing_file, empty_file, invalid_image, too_many_files, unknown_class, "
                + PARAMETER_ERRORS,
                ErrorBody,
            ),
            404: Reply("unknown_model: no classifier of that name (GET /models)", ErrorBody),
            503: Reply(
                "not_ready, busy (Retry-After), or localisation_unavailable: no segmenter "
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
    _ready_predictor(None)
    segmenter = _segmenter()
    if segmenter is None:
        raise ApiError(
            503, "localisation_unavailable", "this server runs without a lesion segmenter"
        )
    settings = _settings()
    (upload,) = read_uploads(request, 1, ONE_IMAGE.format(max_files=settings.max_files))
    chosen = _params(LocalizeQuery, FIELD)
    predictor = _ready_predictor(chosen.model)
    charge_megapixels([upload])
    with _slots().held():
        answer = localise(
            upload,
            predictor,
            segmenter,
            settings.decode_limits,
            chosen.class_,
            _checker(),
            request_context(chosen),
        )
    return json_response(answer)

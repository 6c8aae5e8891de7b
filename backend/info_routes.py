"""The routes that describe the service: liveness, readiness, metadata, the models and the
OpenAPI document. Each declares beside it what the OpenAPI document says (`@documented`)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from backend import route_support as parts
from backend.metadata import describe_models, describe_readiness, describe_service
from backend.openapi import Operation, Reply, documented, openapi_document
from backend.responses import json_response
from backend.route_support import PARAMETER_ERRORS
from lesion_api.errors import ErrorBody
from lesion_api.requests import MetadataQuery
from lesion_api.service import Liveness, Metadata, ModelList, Ready, Unavailable

info = Blueprint("info", __name__)


@info.get("/livez")
@documented(
    Operation("Liveness: the process answers", {200: Reply("alive", Liveness)}),
)
def livez():
    """Liveness: the process answers HTTP."""
    return json_response(Liveness())


@info.get("/health")
@documented(
    Operation(
        "Readiness: can the service classify now?",
        {200: Reply("ready", Ready), 503: Reply("not ready yet, with a reason", Unavailable)},
    )
)
def health():
    """Readiness: 200 once every model is loaded and warmed up, 503 otherwise."""
    classifiers, segmenter, checker = parts.classifiers(), parts.segmenter(), parts.checker()
    if not classifiers.ready:
        return json_response(Unavailable(reason="model not warmed up"), 503)
    return json_response(
        describe_readiness(
            classifiers,
            None if segmenter is None else segmenter.info,
            None if checker is None else checker.info,
        )
    )


@info.get("/metadata")
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
    segmenter, checker = parts.segmenter(), parts.checker()
    return json_response(
        describe_service(
            parts.classifiers(),
            parts.settings(),
            None if segmenter is None else segmenter.info,
            None if checker is None else checker.info,
            parts.params(MetadataQuery).model,
        )
    )


@info.get("/models")
@documented(
    Operation(
        "Every classifier this server serves, with its held-out test figures",
        {200: Reply("the default's name and each model; pick one with ?model=NAME", ModelList)},
    )
)
def models():
    """The classifiers a request can pick with `model`, the default first."""
    return json_response(describe_models(parts.classifiers()))


@info.get("/openapi.json")
@documented(Operation("This document", {200: Reply("OpenAPI 3.1")}))
def openapi():
    """The OpenAPI 3 document of this API."""
    return jsonify(openapi_document(current_app, parts.settings()))

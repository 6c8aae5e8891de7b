"""HTTP routes: each parses the request, calls one service function and returns JSON."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from backend.errors import ApiError
from backend.localisation import localise
from backend.metadata import describe_service
from backend.openapi import openapi_document
from backend.predictor import Predictor
from backend.segmenter import Segmenter
from backend.service import classify
from backend.settings import Settings
from backend.uploads import read_uploads
from lesion_core.labels import CLASS_CODES

api = Blueprint("api", __name__)


def _predictor() -> Predictor:
    return current_app.extensions["predictor"]


def _settings() -> Settings:
    return current_app.extensions["settings"]


def _segmenter() -> Segmenter | None:
    return current_app.extensions.get("segmenter")


@api.get("/livez")
def livez():
    """Liveness: the process answers HTTP."""
    return jsonify({"status": "alive"})


@api.get("/health")
def health():
    """Readiness: 200 once the model is loaded and warmed up, 503 otherwise."""
    predictor = _predictor()
    if not predictor.ready:
        return jsonify({"status": "unavailable", "reason": "model not warmed up"}), 503
    info, segmenter = predictor.info, _segmenter()
    return jsonify(
        {
            "status": "ok",
            "model": {"name": info.name, "version": info.version},
            "classes": list(CLASS_CODES),
            "localisation": None
            if segmenter is None
            else {"name": segmenter.info.name, "version": segmenter.info.version},
        }
    )


@api.get("/metadata")
def metadata():
    """Classes, input size, preprocessing, model version and the model card's headline figures."""
    segmenter = _segmenter()
    return jsonify(
        describe_service(
            _predictor().info, _settings(), None if segmenter is None else segmenter.info
        )
    )


@api.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of this API."""
    return jsonify(openapi_document(_settings()))


@api.post("/predict")
def predict():
    """Classify one image (a single answer) or several `file` fields (a `results` list)."""
    predictor = _predictor()
    if not predictor.ready:
        raise ApiError(503, "not_ready", "the model is not loaded yet; retry shortly")
    uploads = read_uploads(request, _settings().max_files)
    results = classify(uploads, predictor, _settings().max_image_pixels)
    if len(results) == 1:
        return jsonify(results[0])
    return jsonify({"results": results, "model_version": predictor.info.version})


@api.post("/localize")
def localize():
    """Classify one image, outline the lesion and draw the heat-map of a class (`class`)."""
    predictor, segmenter = _predictor(), _segmenter()
    if not predictor.ready:
        raise ApiError(503, "not_ready", "the model is not loaded yet; retry shortly")
    if segmenter is None:
        raise ApiError(
            503, "localisation_unavailable", "this server runs without a lesion segmenter"
        )
    (upload,) = read_uploads(request, max_files=1)
    code = request.form.get("class") or request.args.get("class")
    return jsonify(localise(upload, predictor, segmenter, _settings().max_image_pixels, code))

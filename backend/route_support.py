"""What the routes share: the service's parts as create_app set them up, and a request's
parameters read from its query and its form."""

from __future__ import annotations

from typing import TypeVar

from flask import current_app, request
from werkzeug.datastructures import MultiDict

from backend.classifiers import Classifiers
from backend.errors import ApiError
from backend.params import agreed, parse_params, refuse_unknown
from backend.settings import Settings
from backend.uploads import request_parts
from backend.work_slots import WorkSlots
from lesion_api.requests import ModelChoice
from lesion_runtime.input_check import InputChecker
from lesion_runtime.predictor import Predictor
from lesion_runtime.segmenter import Segmenter

Choice = TypeVar("Choice", bound=ModelChoice)

PARAMETER_ERRORS = (
    "unknown_parameter (a name the route does not take), or conflicting_parameters (the query "
    "and the form give different values)"
)
PARAMETER_CODES = {
    "model": "invalid_model",
    "class": "unknown_class",
    "age": "invalid_age",
    "sex": "invalid_sex",
    "site": "invalid_site",
}


def classifiers() -> Classifiers:
    return current_app.extensions["classifiers"]


def settings() -> Settings:
    return current_app.extensions["settings"]


def segmenter() -> Segmenter | None:
    return current_app.extensions.get("segmenter")


def checker() -> InputChecker | None:
    return current_app.extensions.get("input_checker")


def slots() -> WorkSlots:
    return current_app.extensions["work_slots"]


def ready_predictor(name: str | None) -> Predictor:
    """Return the classifier called `name` (None: the default), or refuse with 503 while the
    classifiers are still loading and 404 for a name this server does not have."""
    served = classifiers()
    if not served.ready:
        raise ApiError(503, "not_ready", "the model is not loaded yet; retry shortly")
    return served.pick(name)


def params(query_type: type[Choice], upload: str | None = None) -> Choice:
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
        classifiers().pick(parse_params(query_type, values, PARAMETER_CODES).model)
    return parse_params(query_type, agreed(request.args, form), PARAMETER_CODES)

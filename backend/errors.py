"""One error type for bad requests, and the handlers that turn every error into JSON."""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from lesion_api.errors import ErrorBody

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A client error with its HTTP status, a stable code and a human message."""

    def __init__(
        self, status: int, code: str, message: str, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after  # seconds, sent as Retry-After


def error_body(code: str, message: str) -> dict:
    """Return the JSON shape of every error, {"error": {"code", "message"}}, as a dict."""
    return ErrorBody.of(code, message).model_dump()


HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}
AUTOMATIC_METHODS = ("HEAD", "OPTIONS")  # Flask answers these itself: not worth suggesting


def no_such_path(app: Flask, path: str) -> str:
    """Return the 404 message for a path that no route serves: the path, a hint when it only
    differs by a trailing slash, and every endpoint with its methods."""
    endpoints = {}
    for rule in app.url_map.iter_rules():
        methods = sorted((rule.methods or set()) - set(AUTOMATIC_METHODS))
        endpoints[rule.rule] = f"{' or '.join(methods)} {rule.rule}"
    near = path.rstrip("/")
    hint = f" (did you mean {near}?)" if near != path and near in endpoints else ""
    listed = ", ".join(endpoints[rule] for rule in sorted(endpoints))
    return f"there is no endpoint at {path}{hint}; the API's endpoints are {listed}"


def error_response(app: Flask, status: int, code: str, message: str) -> Response:
    """Return the JSON error answer {"error": {"code", "message"}} with `status`."""
    body = ErrorBody.of(code, message).model_dump_json()
    return app.response_class(body, status=status, mimetype="application/json")


def register_error_handlers(app: Flask) -> None:
    """Answer ApiError, werkzeug's HTTP errors and anything unexpected with JSON."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        response = error_response(app, exc.status, exc.code, exc.message)
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        message = exc.description or exc.name
        if status == 404 and request.url_rule is None:  # no route matched, not a route's 404
            message = no_such_path(app, request.path)
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = f"the upload is larger than the limit of {limit:,} bytes"
        allowed = getattr(exc, "valid_methods", None) or []
        if status == 405:
            usable = [m for m in allowed if m not in AUTOMATIC_METHODS] or allowed
            use = " or ".join(usable)
            message = f"{request.method} is not allowed on {request.path}: use {use}"
        response = error_response(app, status, HTTP_CODES.get(status, "http_error"), message)
        if status == 405 and allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(app, 500, "internal_error", "the server failed; see its log")

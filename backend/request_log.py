"""Per request: an id (X-Request-ID), one log line and the request metrics.

The line carries the time, request id, method, endpoint, status, duration, the model that
answered with its time, the number of images classified and the upload's size in bytes (each
image's size too, once the upload reader reports them through `note_upload_sizes`); never image
content, file names or keys.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Request, Response, current_app, g, has_request_context, request
from werkzeug.exceptions import MethodNotAllowed

from backend.metrics import IN_PROGRESS, record_request

log = logging.getLogger("backend.request")

REQUEST_ID_HEADER = "X-Request-ID"
# A client's id is kept only when it is short and plain, so it cannot forge log content.
CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Any other method is counted as "other", so clients cannot mint metric labels.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_id_for(header: str | None) -> str:
    """Return the client's X-Request-ID when it is plain enough, else a new random id."""
    if header and CLIENT_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def endpoint_label(req: Request) -> str:
    """Return the route a request reached (e.g. "/predict", also for a method it does not
    allow), or "unmatched" for unknown paths, so clients cannot mint metric labels."""
    if req.url_rule is not None:
        return req.url_rule.rule
    if isinstance(req.routing_exception, MethodNotAllowed) and req.routing_exception.valid_methods:
        adapter = current_app.url_map.bind_to_environ(req.environ)
        method = next(iter(req.routing_exception.valid_methods))
        rule, _ = adapter.match(method=method, return_rule=True)
        return rule.rule
    return "unmatched"


def note_upload_sizes(sizes: list[int]) -> None:
    """Record the byte size of each uploaded image for this request's log line (upload reader)."""
    if has_request_context():
        g.upload_sizes = list(sizes)


def register_request_log(app: Flask) -> None:
    """Give every request an id, and log and count it once answered. Register it first, so that
    it also times what the other before-request checks refuse."""

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        g.request_id = request_id_for(request.headers.get(REQUEST_ID_HEADER))
        g.in_progress = IN_PROGRESS.labels(endpoint_label(request))
        g.in_progress.inc()

    @app.teardown_request
    def _done(_exc: BaseException | None) -> None:
        if "in_progress" in g:
            g.in_progress.dec()

    @app.after_request
    def _finish(response: Response) -> Response:
        seconds = time.perf_counter() - g.get("started", time.perf_counter())
        endpoint = endpoint_label(request)
        method = request.method if request.method in METHODS else "other"
        images = g.get("images", 0)
        upload_bytes = (request.content_length or 0) if method == "POST" else 0
        record_request(endpoint, method, response.status_code, seconds, images, upload_bytes)
        request_id = g.get("request_id") or request_id_for(None)
        response.headers[REQUEST_ID_HEADER] = request_id
        model_ms = {name: round(s * 1e3, 1) for name, s in g.get("model_seconds", {}).items()}
        fields = {
            "method": method,
            "endpoint": endpoint,
            "status": response.status_code,
            "duration_ms": round(seconds * 1e3, 1),
            "model": g.get("model"),
            "model_ms": model_ms,
            "images": images,
            "upload_bytes": upload_bytes,
        }
        if "upload_sizes" in g:
            fields["image_bytes"] = g.upload_sizes
        models = ", ".join(f"{name} {ms} ms" for name, ms in model_ms.items()) or "none"
        log.info(
            "%s %s %d in %.1f ms; %d image(s) classified from %d bytes; models: %s; request %s",
            method,
            endpoint,
            response.status_code,
            seconds * 1e3,
            images,
            upload_bytes,
            models,
            request_id,
            extra={"fields": fields},
        )
        return response

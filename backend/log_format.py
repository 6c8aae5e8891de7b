"""How the backend's log lines look: one JSON object per line (LOG_FORMAT=json) or plain text."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from flask import g, has_request_context

TEXT_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"
TEXT_DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"
HANDLER_NAME = "backend-stderr"
LOGGERS = ("backend", "lesion_runtime")  # the service's lines and its inference code's


class RequestIdFilter(logging.Filter):
    """Stamp each record made while answering a request with that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add `request_id` to the record (None outside a request); keep every record."""
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


class StderrHandler(logging.StreamHandler):
    """A handler that writes to sys.stderr as it is at each line, not as it was when made (so a
    replaced sys.stderr, as test captures make, still gets the lines)."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self):
        """The current sys.stderr."""
        return sys.stderr


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, request id, and the
    record's `fields` (the request line's endpoint, status, duration, ...)."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a single-line JSON object."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        if getattr(record, "request_id", None):
            entry["request_id"] = record.request_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str, log_format: str) -> logging.Handler:
    """Send the log lines of the backend and of the inference code it runs (lesion_runtime) to
    stderr, beside gunicorn's own, through one handler per process (made once, its format set
    each call); return that handler."""
    loggers = [logging.getLogger(name) for name in LOGGERS]
    handler = next((h for h in loggers[0].handlers if h.get_name() == HANDLER_NAME), None)
    if handler is None:
        handler = StderrHandler()
        handler.set_name(HANDLER_NAME)
        handler.addFilter(RequestIdFilter())
    for logger in loggers:
        logger.setLevel(level.upper())
        if handler not in logger.handlers:
            logger.addHandler(handler)
        logger.propagate = False
    text = logging.Formatter(TEXT_FORMAT, TEXT_DATE_FORMAT)
    handler.setFormatter(JsonFormatter() if log_format == "json" else text)
    return handler

"""Time every model call: the block around a call reports its seconds to the metrics and to the
current request's log line (a lesion_runtime.model_calls timer)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import g, has_request_context

from backend.metrics import record_model_time
from lesion_runtime.model_calls import ModelCall


@contextmanager
def timed(call: ModelCall) -> Iterator[None]:
    """Measure the block as `call`; add it to the metrics and to the request's
    `g.model_seconds` (keyed by version, as the request log names models). A classifier call
    also names the request's model and counts its images."""
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - started
        record_model_time(call.name, seconds)
        if has_request_context():
            spent = g.setdefault("model_seconds", {})
            spent[call.version] = spent.get(call.version, 0.0) + seconds
            if call.kind == "classifier":
                g.model = call.version
                g.images = g.get("images", 0) + call.images

"""Time every model call: stand-ins for the predictor and the segmenter that report each call's
seconds to the metrics and to the current request's log line."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from flask import g, has_request_context

from backend.metrics import record_model_time
from backend.predictor import Predictor
from backend.segmenter import Segmenter


@contextmanager
def timed(name: str, version: str) -> Iterator[None]:
    """Measure the block as one call of model `name`; add it to the metrics and to the request's
    `g.model_seconds` (keyed by version, as the request log names models)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - started
        record_model_time(name, seconds)
        if has_request_context():
            spent = g.setdefault("model_seconds", {})
            spent[version] = spent.get(version, 0.0) + seconds


class TimedPredictor:
    """A Predictor whose predict calls are timed; everything else is the wrapped predictor's."""

    def __init__(self, predictor: Predictor) -> None:
        self.wrapped = predictor

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Return the wrapped predictor's probabilities, timed."""
        if has_request_context():
            g.model = self.info.version
            g.images = g.get("images", 0) + len(images)
        with timed(self.info.name, self.info.version):
            return self.wrapped.predict(images)

    def predict_explained(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the wrapped predictor's probabilities and activation maps, timed."""
        if has_request_context():
            g.model = self.info.version
            g.images = g.get("images", 0) + 1
        with timed(self.info.name, self.info.version):
            return self.wrapped.predict_explained(image)


class TimedSegmenter:
    """A Segmenter whose calls are timed; everything else is the wrapped segmenter's."""

    def __init__(self, segmenter: Segmenter) -> None:
        self.wrapped = segmenter

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)

    def probabilities(self, image: np.ndarray) -> np.ndarray:
        """Return the wrapped segmenter's lesion probabilities, timed."""
        with timed(self.info.name, self.info.version):
            return self.wrapped.probabilities(image)

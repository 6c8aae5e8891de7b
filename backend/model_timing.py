"""Time every model call: stand-ins for the predictor, the segmenter and the input check that
report each call's seconds to the metrics and to the current request's log line."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from flask import g, has_request_context

from backend.metrics import record_model_time
from lesion_api.predictions import InputCheck
from lesion_core.check_input import CheckViews
from lesion_runtime.input_check import InputChecker
from lesion_runtime.predictor import Explained, Inputs, Predictor
from lesion_runtime.segmenter import Segmenter


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

    def _count(self, inputs: Inputs) -> None:
        if has_request_context():
            g.model = self.info.version
            first = inputs if isinstance(inputs, np.ndarray) else inputs[0]
            g.images = g.get("images", 0) + len(first)

    def predict(self, inputs: Inputs) -> np.ndarray:
        """Return the wrapped predictor's probabilities, timed."""
        self._count(inputs)
        with timed(self.info.name, self.info.version):
            return self.wrapped.predict(inputs)

    def predict_members(self, inputs: Inputs) -> tuple[np.ndarray, np.ndarray | None]:
        """Return the wrapped predictor's probabilities and its members', timed."""
        self._count(inputs)
        with timed(self.info.name, self.info.version):
            return self.wrapped.predict_members(inputs)

    def predict_explained(self, inputs: Inputs) -> Explained:
        """Return the wrapped predictor's probabilities and activation maps, timed."""
        self._count(inputs)
        with timed(self.info.name, self.info.version):
            return self.wrapped.predict_explained(inputs)


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


class TimedInputChecker:
    """An InputChecker whose model calls are timed; everything else is the wrapped checker's."""

    def __init__(self, checker: InputChecker) -> None:
        self.wrapped = checker

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)

    def scores(self, images: np.ndarray) -> np.ndarray:
        """Return the wrapped checker's dermoscopic scores, timed."""
        with timed(self.info.name, self.info.version):
            return self.wrapped.scores(images)

    def judge(self, views: Sequence[CheckViews]) -> list[InputCheck]:
        """Return the wrapped checker's verdicts, its model call timed."""
        with timed(self.info.name, self.info.version):
            return self.wrapped.judge(views)

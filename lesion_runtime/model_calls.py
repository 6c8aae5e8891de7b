"""Model calls as a timer sees them: the service records each call's time around the call
(backend.model_timing); callers that do not time models pass `untimed`."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Literal

ModelKind = Literal["classifier", "segmenter", "input_check"]


@dataclass(frozen=True)
class ModelCall:
    """One call of a model, as a timer sees it: its kind, served name and version, and the
    images in the call."""

    kind: ModelKind
    name: str
    version: str
    images: int


# Wraps each model call (the service records its time; the CLI does not look).
ModelTimer = Callable[[ModelCall], AbstractContextManager[object]]


def untimed(call: ModelCall) -> AbstractContextManager[object]:
    """Return a block that measures nothing: the timer of callers that do not time models."""
    return nullcontext()

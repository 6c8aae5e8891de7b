"""Typed views of the backend's JSON answers, parsed with the API's own types (lesion_api).

A malformed answer raises ValueError (pydantic's ValidationError is one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lesion_api.localization import Lesion, LocalizeAnswer
from lesion_api.predictions import (
    Agreement,
    FileError,
    InputCheck,
    PredictAnswer,
    Prediction,
    PredictionList,
)
from lesion_api.service import ClassInfo, ImageFormat, ModelList, ModelSummary, Ready
from lesion_api.service import Metadata as ServiceMetadata

__all__ = [
    "Agreement",
    "FileError",
    "Health",
    "Heatmap",
    "InputCheck",
    "Lesion",
    "LesionClass",
    "Localization",
    "Metadata",
    "ModelList",
    "ModelSummary",
    "Prediction",
    "held_out_figures",
    "parse_health",
    "parse_localization",
    "parse_metadata",
    "parse_models",
    "parse_prediction",
    "parse_predictions",
]

LesionClass = ClassInfo  # one diagnostic class: code, name, malignant
# What the page offers when a server does not list its formats (one older than the list).
FALLBACK_EXTENSIONS = ("jpg", "jpeg", "png")


@dataclass(frozen=True)
class Health:
    """What /health says when the backend is ready."""

    model_name: str
    model_version: str


@dataclass(frozen=True)
class Metadata:
    """The parts of /metadata the UI shows or obeys."""

    model_version: str
    classes: tuple[LesionClass, ...]
    max_upload_bytes: int
    max_files: int
    disclaimer: str
    metrics: dict[str, Any] | None
    input_size: int = 28  # the side of the square the classifier sees
    max_image_pixels: int = 50_000_000
    formats: tuple[ImageFormat, ...] = ()

    @property
    def accepted_extensions(self) -> tuple[str, ...]:
        """Return the file name extensions (no dot) of every accepted format."""
        listed = tuple(ext for f in self.formats for ext in f.extensions)
        return listed or FALLBACK_EXTENSIONS


@dataclass(frozen=True)
class Heatmap:
    """Which image regions pushed the model toward `class_code`, as a base64 RGBA PNG."""

    class_code: str
    png: str


@dataclass(frozen=True)
class Localization:
    """One /localize answer: the prediction, the lesion and (if the model has one) a heat-map."""

    prediction: Prediction
    lesion: Lesion
    heatmap: Heatmap | None
    segmenter_version: str


def held_out_figures(meta: Metadata, model: ModelSummary | None) -> dict[str, float]:
    """Return `model`'s figures on the held-out test part (None: the only model of a backend
    without /models, from /metadata); empty when it has none."""
    figures = model.metrics if model is not None else (meta.metrics or {}).get("test") or {}
    return {name: value for name, value in figures.items() if value is not None}


def parse_health(body: Any) -> Health:
    """Return the Health in a 200 /health body."""
    ready = Ready.model_validate(body)
    return Health(ready.model.name, ready.model.version)


def parse_metadata(body: Any) -> Metadata:
    """Return the Metadata in a /metadata body."""
    meta = ServiceMetadata.model_validate(body)
    return Metadata(
        model_version=meta.model.version,
        classes=tuple(meta.classes),
        max_upload_bytes=meta.limits.max_upload_bytes,
        max_files=meta.limits.max_files,
        disclaimer=meta.disclaimer,
        metrics=None if meta.metrics is None else meta.metrics.model_dump(),
        input_size=meta.model.input_size[0],
        max_image_pixels=meta.limits.max_image_pixels,
        formats=tuple(meta.formats),
    )


def parse_models(body: Any) -> ModelList:
    """Return the ModelList in a /models body."""
    return ModelList.model_validate(body)


def parse_prediction(body: Any) -> Prediction:
    """Return the Prediction in one /predict result object."""
    return Prediction.model_validate(body)


def parse_predictions(body: Any, count: int) -> list[Prediction | FileError]:
    """Return the `count` outcomes of a /predict body, in upload order: a Prediction, or the
    FileError (file, error.code, error.message) of an image the backend refused."""
    answer = PredictAnswer.model_validate(body).root
    results = answer.results if isinstance(answer, PredictionList) else [answer]
    if len(results) != count or (count > 1) != isinstance(answer, PredictionList):
        raise ValueError(f"expected {count} results, got {len(results)}")
    return list(results)


def parse_localization(body: Any) -> Localization:
    """Return the Localization in a 200 /localize body."""
    answer = LocalizeAnswer.model_validate(body)
    return Localization(
        prediction=Prediction(**{name: getattr(answer, name) for name in Prediction.model_fields}),
        lesion=answer.lesion,
        heatmap=None
        if answer.heatmap_png is None or answer.heatmap_class is None
        else Heatmap(answer.heatmap_class, answer.heatmap_png),
        segmenter_version=answer.segmenter_version,
    )

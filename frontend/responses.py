"""Typed views of the backend's JSON answers; a malformed answer raises ValueError."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Health:
    """What /health says when the backend is ready."""

    model_name: str
    model_version: str


@dataclass(frozen=True)
class LesionClass:
    """One diagnostic class as the backend names it."""

    code: str
    name: str
    malignant: bool


@dataclass(frozen=True)
class Metadata:
    """The parts of /metadata the UI shows or obeys."""

    model_version: str
    classes: tuple[LesionClass, ...]
    max_upload_bytes: int
    max_files: int
    disclaimer: str
    metrics: dict[str, Any] | None


@dataclass(frozen=True)
class Prediction:
    """One image's top class and the probabilities of all seven classes."""

    label: str
    label_name: str
    malignant: bool
    confidence: float
    probabilities: dict[str, float]
    model_version: str


def _require(body: Any, key: str) -> Any:
    """Return body[key], or raise ValueError naming the missing field."""
    if not isinstance(body, dict) or key not in body:
        raise ValueError(f"the answer has no {key!r} field")
    return body[key]


def parse_health(body: Any) -> Health:
    """Return the Health in a 200 /health body."""
    model = _require(body, "model")
    return Health(str(_require(model, "name")), str(_require(model, "version")))


def parse_metadata(body: Any) -> Metadata:
    """Return the Metadata in a /metadata body."""
    model = _require(body, "model")
    limits = _require(body, "limits")
    classes = tuple(
        LesionClass(
            str(_require(c, "code")), str(_require(c, "name")), bool(_require(c, "malignant"))
        )
        for c in _require(body, "classes")
    )
    return Metadata(
        model_version=str(_require(model, "version")),
        classes=classes,
        max_upload_bytes=int(_require(limits, "max_upload_bytes")),
        max_files=int(_require(limits, "max_files")),
        disclaimer=str(body.get("disclaimer") or ""),
        metrics=body.get("metrics"),
    )


def parse_prediction(body: Any) -> Prediction:
    """Return the Prediction in one /predict result object."""
    probabilities = _require(body, "probabilities")
    if not isinstance(probabilities, dict):
        raise ValueError("'probabilities' is not an object")
    return Prediction(
        label=str(_require(body, "label")),
        label_name=str(_require(body, "label_name")),
        malignant=bool(_require(body, "malignant")),
        confidence=float(_require(body, "confidence")),
        probabilities={str(k): float(v) for k, v in probabilities.items()},
        model_version=str(_require(body, "model_version")),
    )


def parse_predictions(body: Any, count: int) -> list[Prediction]:
    """Return the `count` Predictions of a /predict body (one object, or a `results` list)."""
    items = [body] if count == 1 else _require(body, "results")
    if not isinstance(items, list) or len(items) != count:
        raise ValueError(f"expected {count} results")
    if count > 1:
        version = _require(body, "model_version")
        items = [{"model_version": version, **item} for item in items]
    return [parse_prediction(item) for item in items]


@dataclass(frozen=True)
class Lesion:
    """Where the segmenter found the lesion: a mask (base64 PNG) and its bounding box."""

    found: bool
    box: tuple[int, int, int, int] | None  # x0, y0, x1, y1 in pixels; x1 and y1 exclusive
    mask_png: str | None
    area_fraction: float


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


def _parse_box(box: Any) -> tuple[int, int, int, int] | None:
    """Return a [x0, y0, x1, y1] box as four ints, or None for null."""
    if box is None:
        return None
    if not isinstance(box, list) or len(box) != 4:
        raise ValueError("'box' is not a list of four numbers")
    x0, y0, x1, y1 = (int(v) for v in box)
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"'box' {box} is empty")
    return (x0, y0, x1, y1)


def parse_localization(body: Any) -> Localization:
    """Return the Localization in a 200 /localize body."""
    lesion = _require(body, "lesion")
    heatmap_png = _require(body, "heatmap_png")
    mask_png = _require(lesion, "mask_png")
    return Localization(
        prediction=parse_prediction(body),
        lesion=Lesion(
            found=bool(_require(lesion, "found")),
            box=_parse_box(_require(lesion, "box")),
            mask_png=None if mask_png is None else str(mask_png),
            area_fraction=float(_require(lesion, "area_fraction")),
        ),
        heatmap=(
            None
            if heatmap_png is None
            else Heatmap(str(_require(body, "heatmap_class")), str(heatmap_png))
        ),
        segmenter_version=str(_require(body, "segmenter_version")),
    )

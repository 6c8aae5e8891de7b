"""What the service says about itself: liveness, readiness and /metadata."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from lesion_api.base import WireModel
from lesion_api.predictions import ClassCode, Fraction

# Sizes differ in order, and clients rely on each: a model's input is [height, width], like the
# shape of its input array; an image's size is [width, height].
HEIGHT_FIRST = (
    "height first, like the shape of its input array (heatmap_size and the segmenter's "
    "input_size are [width, height])"
)


class Liveness(WireModel):
    """/livez: the process answers HTTP."""

    status: Literal["alive"] = "alive"


class ModelRef(WireModel):
    """A model's name and its version (the name and the file's content hash)."""

    name: str
    version: str


class Ready(WireModel):
    """/health when the service can classify."""

    status: Literal["ok"] = "ok"
    model: ModelRef = Field(description="the default classifier")
    models: list[ModelRef] = Field(
        default=[], description="every classifier loaded, the default first (?model=NAME)"
    )
    classes: list[ClassCode] = Field(description="the class codes, in model output order")
    localization: ModelRef | None = Field(
        default=None, description="the lesion segmenter behind /localize; null when it is off"
    )
    input_check: ModelRef | None = Field(
        default=None, description="the model behind each answer's input_check; null when off"
    )


class ModelSummary(ModelRef):
    """One classifier the service serves, with its figures on the held-out test part."""

    input_size: tuple[int, int] = Field(description="[height, width] it sees: " + HEIGHT_FIRST)
    metrics: dict[str, Fraction] = Field(
        description="its model card's held-out test figures (accuracy, balanced_accuracy, "
        "macro_f1, macro_auc, melanoma_recall, ece, where known); empty when it has none"
    )
    uses_context: bool = Field(
        default=False,
        description="whether age, sex and site move its answers (a context model beside it)",
    )


class ModelList(WireModel):
    """/models: every classifier a request can pick with ?model=NAME, the default first."""

    default: str = Field(description="the name of the model that answers without ?model=")
    models: list[ModelSummary]


class InputCheckDescription(ModelRef):
    """The input check behind every answer's input_check."""

    input_size: tuple[int, int] = Field(description="[height, width] it sees: " + HEIGHT_FIRST)
    threshold: float = Field(description="scores below it are flagged as not dermoscopic")


class Unavailable(WireModel):
    """/health while the service cannot classify yet."""

    status: Literal["unavailable"] = "unavailable"
    reason: str


class ServedModel(ModelRef):
    """The classifier the service runs, and how it sees an image."""

    file: str = Field(
        description="the model file: its path inside the repository (or the image's /app), or "
        "just its name when it lives elsewhere"
    )
    why_served: str | None = Field(default=None, description="why this model, in a few sentences")
    input_size: tuple[int, int, int] = Field(
        description="[height, width, channels] it sees: " + HEIGHT_FIRST
    )
    preprocessing: str = Field(description="how an upload becomes model input")
    trained: dict[str, Any] = Field(description="the training settings, best epoch and time")


class ClassInfo(WireModel):
    """One diagnostic class."""

    code: ClassCode
    name: str
    malignant: bool


class ImageFormat(WireModel):
    """One image format the service accepts."""

    name: str = Field(description="e.g. JPEG")
    media_type: str = Field(description="e.g. image/jpeg, for a raw-body upload's Content-Type")
    extensions: list[str] = Field(description="usual file name extensions, without the dot")


class HeadlineMetrics(WireModel):
    """The model card's figures on the held-out test part, beside the always-nv baseline."""

    test: dict[str, float]
    test_images: int | None
    baseline_always_nv: dict[str, Any] | None
    split: str | None


class SegmenterDescription(ModelRef):
    """The lesion segmenter behind /localize."""

    input_size: tuple[int, int] = Field(
        description="[width, height] it sees: width first, like an image size (the "
        "classifiers' input_size is [height, width])"
    )
    metrics: dict[str, dict[str, int | float]] | None = Field(
        description="its figures on the held-out test part"
    )
    heatmap: str = Field(description="how the heat-map is made")


class Limits(WireModel):
    """What one request may carry."""

    max_upload_bytes: int = Field(description="per request, all files together")
    max_files: int = Field(description="`file` fields per /predict request")
    max_image_pixels: int = Field(description="width × height of one image")


class Metadata(WireModel):
    """/metadata: one classifier in full (the default, or the one ?model= names) and its
    figures, every model, the classes, accepted formats and limits."""

    model: ServedModel = Field(
        description="the default classifier, or the one ?model=NAME names, in full"
    )
    classes: list[ClassInfo]
    formats: list[ImageFormat] = Field(default=[], description="the image formats accepted")
    metrics: HeadlineMetrics | None = None
    localization: SegmenterDescription | None = Field(
        default=None, description="null when /localize is off"
    )
    models: list[ModelSummary] = Field(
        default=[], description="every classifier served, the default first"
    )
    input_check: InputCheckDescription | None = Field(
        default=None, description="null when the server runs without an input check"
    )
    limits: Limits
    disclaimer: str

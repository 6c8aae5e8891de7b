"""What clients send: the query parameters and multipart forms of the upload routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from lesion_api.base import WireModel
from lesion_api.predictions import ClassCode

# One uploaded image: any bytes on the wire, refused unless they are an accepted image.
ImageBytes = Annotated[bytes, Field(min_length=1, description="an image file")]
# One of several: an empty or unreadable one gets its own error in the answer's `results`.
BatchImageBytes = Annotated[
    bytes,
    Field(description="an image file; among several, an empty or unreadable one is answered "
          "with its own error in `results` while the others are classified"),
]  # fmt: skip


class ModelChoice(WireModel):
    """Which classifier answers: a query parameter, or a form field (given in both, the two must
    agree)."""

    model: str | None = Field(
        default=None,
        description="the name of a classifier this server has (GET /models lists them); "
        "default: the server's default classifier",
    )


class PredictQuery(ModelChoice):
    """/predict's query parameters."""


class MetadataQuery(ModelChoice):
    """/metadata's query parameters: which classifier it describes in full."""


class ClassChoice(WireModel):
    """Which class /localize's heat-map explains: a query parameter, or a form field (given in
    both, the two must agree)."""

    class_: ClassCode | None = Field(
        default=None,
        alias="class",
        description="the class the heat-map explains; default: the predicted class",
    )


class LocalizeQuery(ClassChoice, ModelChoice):
    """/localize's query parameters."""


class PredictForm(ModelChoice):
    """/predict's multipart form: one `file` field per image, and optionally the model."""

    file: list[BatchImageBytes] = Field(
        min_length=1,
        description="one or more images, in order; a single one that is empty or unreadable is "
        "refused (400)",
    )


class LocalizeForm(ClassChoice, ModelChoice):
    """/localize's multipart form: one image, and optionally the class to explain and the
    model."""

    file: ImageBytes

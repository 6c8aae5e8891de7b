"""What clients send: the query parameters and multipart forms of the upload routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from lesion_api.base import WireModel
from lesion_api.predictions import ClassCode

# One uploaded image: any bytes on the wire, refused unless they are an accepted image.
ImageBytes = Annotated[bytes, Field(min_length=1, description="an image file")]


class PredictQuery(WireModel):
    """/predict's query parameters (none yet)."""


class ClassChoice(WireModel):
    """Which class /localize's heat-map explains: a query parameter, or a form field."""

    class_: ClassCode | None = Field(
        default=None,
        alias="class",
        description="the class the heat-map explains; default: the predicted class",
    )


class PredictForm(WireModel):
    """/predict's multipart form: one `file` field per image."""

    file: list[ImageBytes] = Field(min_length=1, description="one or more images, in order")


class LocalizeForm(ClassChoice):
    """/localize's multipart form: one image, and optionally the class to explain."""

    file: ImageBytes

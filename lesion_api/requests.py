"""What clients send: the query parameters and multipart forms of the upload routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from lesion_api.base import WireModel
from lesion_api.predictions import ClassCode
from lesion_core.context import ACCEPTED_SITES, ISIC_SITES, MAX_AGE, SEXES, UNKNOWN

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


# What a form offers: the ISIC sites, and a torso without a side.
SITE_CHOICES = (*ISIC_SITES, "torso")
Age = Annotated[float, Field(ge=0, le=MAX_AGE)]
Sex = Literal[(*SEXES, UNKNOWN)]
Site = Literal[(*ACCEPTED_SITES, UNKNOWN)]


class ContextChoice(WireModel):
    """What is known of the patient and the lesion, each optional: query parameters or form
    fields (given in both, the two must agree). For a DICOM upload a field not given here is
    read from the file; one given here wins. `unknown` means not given."""

    age: Age | Literal[UNKNOWN] | None = Field(
        default=None, description=f"the patient's age in years, 0 to {MAX_AGE}"
    )
    sex: Sex | None = Field(default=None, description="the patient's sex")
    site: Site | None = Field(
        default=None,
        description="where the lesion is: the ISIC anatomic sites, or HAM10000's localization "
        "names (mapped onto them: lesion_core/context.py)",
    )


class PredictQuery(ContextChoice, ModelChoice):
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


class LocalizeQuery(ContextChoice, ClassChoice, ModelChoice):
    """/localize's query parameters."""


class PredictForm(ContextChoice, ModelChoice):
    """/predict's multipart form: one `file` field per image, and optionally the model and the
    context (which then holds for every image of the request)."""

    file: list[BatchImageBytes] = Field(
        min_length=1,
        description="one or more images, in order; a single one that is empty or unreadable is "
        "refused (400)",
    )


class LocalizeForm(ContextChoice, ClassChoice, ModelChoice):
    """/localize's multipart form: one image, and optionally the class to explain, the model
    and the context."""

    file: ImageBytes

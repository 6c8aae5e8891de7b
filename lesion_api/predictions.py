"""What /predict answers: one prediction per image, or a refusal of that one image."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, ConfigDict, Field, RootModel, with_config
from typing_extensions import TypedDict

from lesion_api.base import WireModel
from lesion_api.errors import ErrorDetail
from lesion_core.labels import CLASS_CODES, CLASSES

# Probabilities and fractions go on the wire rounded to this many decimals: float32 carries
# about 7 significant digits, and nobody reads a skin-lesion probability beyond 0.01 %.
DECIMALS = 4

ClassCode = Literal[CLASS_CODES]  # the seven codes, in model order
ClassName = Literal[tuple(c.name for c in CLASSES)]


def _rounded(value: object) -> object:
    """Return a float rounded to DECIMALS decimals (before the range check); anything else as is."""
    return round(value, DECIMALS) if isinstance(value, float) else value


Fraction = Annotated[
    float,
    Field(ge=0, le=1, description=f"between 0 and 1, rounded to {DECIMALS} decimals"),
    BeforeValidator(_rounded),
]

# All seven class probabilities, keyed by class code in model order; a plain dict at run time.
Probabilities = with_config(ConfigDict(extra="forbid"))(
    TypedDict("Probabilities", dict.fromkeys(CLASS_CODES, Fraction))
)


WarningCode = Literal["not_dermoscopic", "too_small", "too_dark", "washed_out", "blurred"]


class InputCheck(WireModel):
    """Whether the model can say anything about this image: is it dermoscopy, and is it usable?

    It informs; it never refuses an image."""

    dermoscopic: bool = Field(
        description="whether the image looks like the dermoscopic lesion images the models "
        "learnt from; false: the classification is unreliable"
    )
    score: Fraction = Field(description="higher is more like the training dermoscopy")
    warnings: list[str] = Field(
        description="plain sentences on what makes the answer unreliable (not dermoscopy, too "
        "small, too dark or washed out, blurred); when not dermoscopic, the first says so; empty "
        "when nothing was found"
    )
    warning_codes: list[WarningCode] = Field(
        default_factory=list,
        description="one short code per warning, in the same order, for programs to act on",
    )


class MemberAnswer(WireModel):
    """What one member of an ensemble answered on its own."""

    model: str = Field(description="the member's name")
    label: ClassCode = Field(description="code of the member's most probable class")
    confidence: Fraction = Field(description="the member's probability of that class")
    answer_probability: Fraction = Field(
        description="the member's probability of the ensemble's answer (its `label`), which "
        "may not be the member's own top class"
    )


class Agreement(WireModel):
    """How many of an ensemble's members put its answer first, and what each answered."""

    agree: bool = Field(description="whether every member's top class is the ensemble's")
    agreeing: int = Field(ge=0, description="how many members put the ensemble's answer first")
    members: list[MemberAnswer] = Field(
        description="each member's own top class, and its probability of the ensemble's answer"
    )


class ContextUsed(WireModel):
    """The clinical context an answer had, and whether the classifier's context model used it."""

    age: float | None = Field(description="years; null: not given")
    sex: Literal["male", "female"] | None = Field(description="null: not given")
    site: str | None = Field(
        description="the ISIC anatomic site (or `torso`, no side given); null: not given"
    )
    from_dicom: list[str] = Field(
        default_factory=list, description="the fields read from the DICOM file's tags"
    )
    used: bool = Field(
        description="whether it moved the answer: false when nothing was given, or the "
        "classifier has no context model (GET /models says which have one)"
    )


class Prediction(WireModel):
    """One image's top class and the probabilities of all seven classes."""

    file: str | None = Field(
        default=None, description="the upload's filename; null for a raw image body"
    )
    input_check: InputCheck | None = Field(
        default=None,
        description="the input check's verdict on this image, first: when it says the image is not "
        "dermoscopy, the class below is unreliable; null when the server runs "
        "without one (INPUT_CHECK_PATH=off)",
    )
    model: str | None = Field(
        default=None, description="the name of the classifier that answered (GET /models)"
    )
    label: ClassCode = Field(description="code of the most probable class")
    label_name: ClassName = Field(description="full name of that class")
    malignant: bool = Field(description="whether the top class is malignant")
    confidence: Fraction = Field(description="probability of the top class")
    probabilities: Probabilities = Field(
        description=f"all seven class probabilities, each rounded to {DECIMALS} decimals; they "
        "sum to 1 within that rounding"
    )
    model_version: str = Field(description="name and content hash of the model that answered")
    context: ContextUsed | None = Field(
        default=None,
        description="the age, sex and site the answer had (from the request or a DICOM file's "
        "tags) and whether the classifier's context model used them; null when none was given",
    )
    agreement: Agreement | None = Field(
        default=None,
        description="for an ensemble, how many of its members put its answer first, what "
        "each answered and its probability of the ensemble's answer; null for a single "
        "classifier",
    )


class FileError(WireModel):
    """One image of a multi-file /predict that was refused, with the error it alone would get."""

    file: str | None = Field(default=None, description="the upload's filename")
    error: ErrorDetail


class PredictionList(WireModel):
    """What /predict answers for several `file` fields: one entry per file, in upload order."""

    results: list[Prediction | FileError] = Field(
        description="one per `file` field, in upload order: a prediction, or the error that "
        "image alone would get"
    )
    model_version: str = Field(description="name and content hash of the model that answered")


class PredictAnswer(RootModel[Prediction | PredictionList]):
    """/predict's 200 answer: a Prediction for one image, a PredictionList for several."""

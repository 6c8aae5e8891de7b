"""The seven HAM10000 diagnostic classes: the single source of truth for codes, names and order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LesionClass:
    """One diagnostic class as the dataset names it."""

    code: str
    name: str
    malignant: bool


# Model output index i is CLASSES[i]: alphabetical by code, as in HAM10000's `dx` column.
CLASSES: tuple[LesionClass, ...] = (
    LesionClass("akiec", "Actinic keratoses and intraepithelial carcinoma", True),
    LesionClass("bcc", "Basal cell carcinoma", True),
    LesionClass("bkl", "Benign keratosis-like lesions", False),
    LesionClass("df", "Dermatofibroma", False),
    LesionClass("mel", "Melanoma", True),
    LesionClass("nv", "Melanocytic nevi", False),
    LesionClass("vasc", "Vascular lesions", False),
)

CLASS_CODES: tuple[str, ...] = tuple(c.code for c in CLASSES)
CLASS_INDEX: dict[str, int] = {code: i for i, code in enumerate(CLASS_CODES)}
NUM_CLASSES = len(CLASSES)
MELANOMA_INDEX = CLASS_INDEX["mel"]

# Kaggle's HMNIST CSVs number the classes in another order.
HMNIST_LABEL_TO_CODE: dict[int, str] = {
    0: "akiec",
    1: "bcc",
    2: "bkl",
    3: "df",
    4: "nv",
    5: "vasc",
    6: "mel",
}


class UnknownLabelError(ValueError):
    """A label that is not one of the seven class codes."""


def index_of(code: str) -> int:
    """Return the model output index of a class code, or raise UnknownLabelError."""
    try:
        return CLASS_INDEX[code.strip().lower()]
    except KeyError:
        raise UnknownLabelError(
            f"unknown label {code!r}: expected one of {', '.join(CLASS_CODES)}"
        ) from None


def class_of(code: str) -> LesionClass:
    """Return the LesionClass for a code."""
    return CLASSES[index_of(code)]

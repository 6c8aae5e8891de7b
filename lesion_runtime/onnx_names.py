"""The names of the ONNX inputs and outputs that exporters write and the runtime reads."""

from __future__ import annotations

from lesion_core.class_activation import CAM_OUTPUT
from lesion_core.size import Size

PROBABILITIES = "probabilities"  # (N, 7) class probabilities of every classifier
MEMBER_PROBABILITIES = "member_probabilities"  # an ensemble's (N, members, 7)
CLASS_ACTIVATIONS = CAM_OUTPUT  # (N, h, w, 7) class activation maps, where a model has them
DERMOSCOPIC_SCORE = "dermoscopic_score"  # the input check's (N,) score
ENSEMBLE_METADATA = "ensemble"  # the metadata key of an ensemble's members and rule


def image_input(size: Size) -> str:
    """Return the name of an ensemble's uint8 input of that size, e.g. `images_224x168`."""
    return f"images_{size}"

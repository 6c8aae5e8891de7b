"""The one place that shapes an answer: a classifier's probabilities for one image, with what
the input check and the image's context said, as the wire type lesion_api.Prediction."""

from __future__ import annotations

import numpy as np

from lesion_api.predictions import Agreement, ContextUsed, InputCheck, MemberAnswer, Prediction
from lesion_core.labels import CLASS_CODES, CLASSES


def agreement(top: int, members: list[str], member_probabilities: np.ndarray) -> Agreement:
    """Return how many of an ensemble's members (their (members, 7) probabilities) put its
    answer `top` first, each member's top class and its probability of `top`."""
    tops = member_probabilities.argmax(axis=1)
    return Agreement(
        agree=bool((tops == top).all()),
        agreeing=int((tops == top).sum()),
        members=[
            MemberAnswer(
                model=name,
                label=CLASS_CODES[t],
                confidence=float(p[t]),
                answer_probability=float(p[top]),
            )
            for name, t, p in zip(members, tops, member_probabilities, strict=True)
        ],
    )


def prediction(
    probabilities: np.ndarray,
    model: str,
    model_version: str,
    file: str | None,
    input_check: InputCheck | None = None,
    members: tuple[list[str], np.ndarray] | None = None,
    context: ContextUsed | None = None,
) -> Prediction:
    """Return the Prediction of one image's (7,) probabilities (rounded by the type) from the
    classifier `model`, the input check's verdict on it and, for an ensemble, its members' names
    and (members, 7) probabilities."""
    top = int(np.argmax(probabilities))
    return Prediction(
        file=file,
        input_check=input_check,
        model=model,
        label=CLASS_CODES[top],
        label_name=CLASSES[top].name,
        malignant=CLASSES[top].malignant,
        confidence=float(probabilities[top]),
        probabilities={code: float(p) for code, p in zip(CLASS_CODES, probabilities, strict=True)},
        model_version=model_version,
        context=context,
        agreement=None if members is None else agreement(top, *members),
    )

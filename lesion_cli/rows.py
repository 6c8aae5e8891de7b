"""One output row per image: the answer (or the error) and the columns the output files use."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lesion_api.predictions import Prediction
from lesion_core.labels import CLASS_CODES

# The ISIC challenge's submission and ground-truth columns, in its order; each is a class code
# in capitals, so the class list itself stays in lesion_core.labels.
ISIC_COLUMNS = ("MEL", "NV", "BCC", "AKIEC", "BKL", "DF", "VASC")

COLUMNS = (
    "path",
    *CLASS_CODES,
    "label",
    "model",
    "model_version",
    "dermoscopic",
    "input_check_score",
    "warning_codes",
    "error",
)


@dataclass(frozen=True)
class Row:
    """What one image got: its probabilities and the input check's verdict, or an error."""

    path: str
    model: str
    model_version: str
    probabilities: dict[str, float] | None = None  # by class code; None when it failed
    label: str | None = None
    dermoscopic: bool | None = None  # None: no input check ran, or it failed
    input_check_score: float | None = None
    warning_codes: tuple[str, ...] = ()
    error: str | None = None  # "code: message"

    @classmethod
    def answered(cls, path: str, model: str, prediction: Prediction) -> Row:
        """Return the row of a prediction (rounded as the service answers)."""
        check = prediction.input_check
        return cls(
            path=path,
            model=model,
            model_version=prediction.model_version,
            probabilities=dict(prediction.probabilities),
            label=prediction.label,
            dermoscopic=None if check is None else check.dermoscopic,
            input_check_score=None if check is None else check.score,
            warning_codes=() if check is None else tuple(check.warning_codes),
        )

    @classmethod
    def failed(cls, path: str, model: str, version: str, code: str, message: str, name: str) -> Row:
        """Return the row of an image refused with the service's `code` and `message`. A
        multi-file answer names the file by its position in the request ("file 3 ('x.jpg')");
        the row says what that file alone gets ("'x.jpg'"), as positions mean nothing here."""
        alone = f"'{name}'"
        message = re.sub(rf"^file \d+ \({re.escape(alone)}\)", lambda _: alone, message)
        return cls(path=path, model=model, model_version=version, error=f"{code}: {message}")

    def record(self) -> dict[str, object]:
        """Return the row as a flat dict keyed by COLUMNS (None where there is no value)."""
        probabilities = self.probabilities or {}
        return {
            "path": self.path,
            **{code: probabilities.get(code) for code in CLASS_CODES},
            "label": self.label,
            "model": self.model,
            "model_version": self.model_version,
            "dermoscopic": self.dermoscopic,
            "input_check_score": self.input_check_score,
            "warning_codes": list(self.warning_codes),
            "error": self.error,
        }

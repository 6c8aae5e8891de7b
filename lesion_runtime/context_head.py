"""The context model beside a classifier: its probabilities moved by what is known of the patient
and the lesion (lesion_core.context), read from the `context.json` next to the model file.

    log p' = log p + (x - c)·W, then normalised

x codes the context and c is each feature's mean over the fit's images, both taken only over the
fields given (a field not given adds nothing), so an answer without context is the classifier's
own, unchanged, and a field moves the answer only by how this patient differs from the average
one, never by a prior of its own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lesion_core.context import Context
from lesion_core.labels import CLASS_CODES
from lesion_runtime.model_file import ModelLoadError

CONTEXT_FILE = "context.json"
SERVED_FILE = "model.onnx"  # the file a context.json without `model_file` belongs to
_TINY = 1e-30
SITE_FEATURES = (
    "head/neck",
    "upper extremity",
    "lower extremity",
    "torso",
    "anterior torso",
    "posterior torso",
    "lateral torso",
    "palms/soles",
    "oral/genital",
)
# The features the context model reads, in order (all zero: no context given), and the field
# each belongs to.
FEATURES = ("age", "age_squared", "male", "female", *(f"site:{s}" for s in SITE_FEATURES))
FIELD_OF_FEATURE = ("age", "age", "sex", "sex", *(["site"] * len(SITE_FEATURES)))
AGE_SCALE = 50.0  # years: ages are centred on 50 and scaled by it


def features_of(context: Context) -> np.ndarray:
    """Return the (len(FEATURES),) coding of a context; zeros stand for what was not given."""
    out = np.zeros(len(FEATURES), dtype=np.float64)
    if context.age is not None:
        centred_age = (context.age - AGE_SCALE) / AGE_SCALE
        out[0], out[1] = centred_age, centred_age**2
    if context.sex is not None:
        out[FEATURES.index(context.sex)] = 1.0
    for part in context.site_parts():
        out[FEATURES.index(f"site:{part}")] = 1.0
    return out


def given_of(context: Context) -> np.ndarray:
    """Return a (len(FEATURES),) bool mask of the features whose field was given."""
    given = {f for f in ("age", "sex", "site") if getattr(context, f) is not None}
    return np.array([field in given for field in FIELD_OF_FEATURE])


@dataclass(frozen=True)
class ContextHead:
    """Per-feature log-probability shifts, (len(FEATURES), 7), fitted for one classifier."""

    weights: np.ndarray
    centres: np.ndarray  # (len(FEATURES),): each feature's mean where its field is given
    model_version: str  # the classifier version it was fitted on

    def adjust(self, probabilities: np.ndarray, contexts: Sequence[Context]) -> np.ndarray:
        """Return (N, 7) probabilities moved by each image's context."""
        features = centred(contexts, self.centres)
        logits = np.log(np.clip(probabilities, _TINY, None)) + features @ self.weights
        logits -= logits.max(axis=1, keepdims=True)
        moved = np.exp(logits)
        return moved / moved.sum(axis=1, keepdims=True)

    def as_dict(self) -> dict:
        """Return what context.json holds."""
        return {
            "features": list(FEATURES),
            "classes": list(CLASS_CODES),
            "weights": np.round(self.weights, 6).tolist(),
            "centres": np.round(self.centres, 6).tolist(),
            "model_version": self.model_version,
        }


def load_context_head(model_path: Path, model_version: str) -> ContextHead | None:
    """Return the context model beside `model_path` (None when there is none, or when it
    belongs to another file of the folder, such as model.onnx beside its int8 copy), or raise
    ModelLoadError when it is broken or was fitted on another version of the classifier."""
    path = model_path.parent / CONTEXT_FILE
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
        if record.get("model_file", SERVED_FILE) != model_path.name:
            return None
        weights = np.asarray(record["weights"], dtype=np.float64)
        centres = np.asarray(record["centres"], dtype=np.float64)
        features, classes = record["features"], record["classes"]
        fitted_on = record["model_version"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelLoadError(f"{path}: not a context model ({exc})") from None
    if features != list(FEATURES) or classes != list(CLASS_CODES):
        raise ModelLoadError(f"{path}: fitted on other features or classes than these")
    if weights.shape != (len(FEATURES), len(CLASS_CODES)) or centres.shape != (len(FEATURES),):
        raise ModelLoadError(f"{path}: weights of shape {weights.shape}")
    if fitted_on != model_version:
        raise ModelLoadError(
            f"{path} was fitted on {fitted_on}, not {model_version}; refit it with "
            "`make context` (python -m training.context.build)"
        )
    return ContextHead(weights, centres, fitted_on)


def centred(contexts: Sequence[Context], centres: np.ndarray) -> np.ndarray:
    """Return (N, len(FEATURES)) codings minus `centres`, over the fields given only."""
    features = np.stack([features_of(c) for c in contexts])
    given = np.stack([given_of(c) for c in contexts])
    return np.where(given, features - centres, 0.0)

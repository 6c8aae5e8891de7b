"""The input check: does an image look like the dermoscopy the classifiers learnt from, and is
its quality good enough? Loaded once and warmed up; it informs every answer and never refuses
one. The service times its calls and counts its flags (backend.service)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lesion_api.predictions import InputCheck
from lesion_core.check_input import CheckViews, check_view_sizes, check_views
from lesion_core.image_quality import QualityWarning
from lesion_core.size import Size, SizeLike
from lesion_runtime.model_file import ModelLoadError, load_model
from lesion_runtime.onnx_names import DERMOSCOPIC_SCORE

NOT_DERMOSCOPIC = (
    "This does not look like a dermoscopic image of a skin lesion; the classification below is "
    "unreliable."
)


@dataclass(frozen=True)
class InputCheckInfo:
    """What the service says about its input check."""

    name: str
    version: str
    path: Path
    input_size: Size
    threshold: float


class InputChecker:
    """Load an exported input check (a dermoscopic score in 0..1 per image, and its threshold in
    config.json) and give each upload its verdict and quality warnings."""

    def __init__(self, model_path: Path, inference_threads: int = 1) -> None:
        model = load_model(model_path, inference_threads)
        (tensor,) = model.session.get_inputs()
        size = model.image_size(tensor, "input check")
        outputs = [o.name for o in model.session.get_outputs()]
        threshold = model.config.get("threshold")
        if not isinstance(threshold, int | float) or not 0 <= threshold <= 1:
            raise ModelLoadError(
                f"input check {model_path}: its config.json needs a `threshold` between 0 and 1"
            )
        self._session = model.session
        self._input = tensor.name
        self._output = DERMOSCOPIC_SCORE if DERMOSCOPIC_SCORE in outputs else outputs[0]
        self.info = InputCheckInfo(
            name=model.name,
            version=model.version,
            path=model_path,
            input_size=size,
            threshold=float(threshold),
        )
        self.scores(np.zeros((1, *size.shape, 3), dtype=np.uint8))

    def scores(self, images: np.ndarray) -> np.ndarray:
        """Return the (N,) dermoscopic scores of (N, height, width, 3) uint8 images."""
        (scores,) = self._session.run([self._output], {self._input: images})
        return np.asarray(scores, dtype=np.float64).reshape(len(images))

    @property
    def view_sizes(self) -> list[SizeLike]:
        """Return the views the check needs of an upload (lesion_core.check_input), for a caller
        that decodes it for other models too."""
        return check_view_sizes(self.info.input_size)

    def views(self, data: bytes, max_pixels: int) -> CheckViews:
        """Return the check's views of an encoded image, from one decode of it."""
        return check_views(data, self.info.input_size, max_pixels)

    def judge(self, views: Sequence[CheckViews]) -> list[InputCheck]:
        """Return the verdict on each upload's views, in order; the images go through the model
        in one call."""
        if not views:
            return []
        images = np.stack([v.model_input for v in views])
        found = [v.quality_warnings() for v in views]
        scores = self.scores(images)
        return [self.verdict(float(s), w) for s, w in zip(scores, found, strict=True)]

    def verdict(self, score: float, quality: list[QualityWarning]) -> InputCheck:
        """Return the InputCheck of one image's score and quality warnings."""
        dermoscopic = score >= self.info.threshold
        found = [] if dermoscopic else [("not_dermoscopic", NOT_DERMOSCOPIC)]
        found += [(warning.code, warning.message) for warning in quality]
        return InputCheck(
            dermoscopic=dermoscopic,
            score=score,
            warnings=[message for _, message in found],
            warning_codes=[code for code, _ in found],
        )

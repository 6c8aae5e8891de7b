"""The lesion segmenter in a worker: an ONNX Runtime session, loaded once and warmed up."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lesion_core.size import Size
from lesion_runtime.model_file import ModelLoadError, load_model, read_sidecar


@dataclass
class SegmenterInfo:
    """What the service says about the segmenter it runs."""

    name: str
    version: str
    path: Path
    input_size: Size
    metrics: dict = field(default_factory=dict)


class Segmenter:
    """Load an exported segmenter (training.segmenter.train) and map images to lesion
    probabilities."""

    def __init__(self, model_path: Path, inference_threads: int = 1) -> None:
        model = load_model(model_path, inference_threads)
        (tensor,) = model.session.get_inputs()
        size = model.image_size(tensor, "segmenter")
        output = model.session.get_outputs()[0]
        if list(output.shape[1:]) != [*size.shape, 1]:
            raise ModelLoadError(
                f"segmenter {model_path} outputs {output.shape}, not one map per input pixel"
            )
        self._session = model.session
        self._input = tensor.name
        self._output = output.name
        self.info = SegmenterInfo(
            name=model.name,
            version=model.version,
            path=model_path,
            input_size=size,
            metrics=read_sidecar(model_path, "segmentation_metrics.json"),
        )
        self.probabilities(np.zeros((*size.shape, 3), dtype=np.uint8))

    def probabilities(self, image: np.ndarray) -> np.ndarray:
        """Return the (height, width) lesion probabilities of one (height, width, 3) uint8 image."""
        (maps,) = self._session.run([self._output], {self._input: image[None]})
        return maps[0, ..., 0]

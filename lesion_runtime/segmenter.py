"""The lesion segmenter in a worker: an ONNX Runtime session, loaded once and warmed up."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lesion_runtime.model_file import ModelLoadError, model_version, open_session, read_sidecar


@dataclass
class SegmenterInfo:
    """What the service says about the segmenter it runs."""

    name: str
    version: str
    path: Path
    input_size: tuple[int, int]  # (width, height)
    metrics: dict = field(default_factory=dict)


class Segmenter:
    """Load an exported segmenter (training.segmenter.train) and map images to lesion
    probabilities."""

    def __init__(self, model_path: Path, inference_threads: int = 1) -> None:
        session = open_session(model_path, inference_threads)
        (tensor,) = session.get_inputs()
        shape = tensor.shape
        if tensor.type != "tensor(uint8)" or len(shape) != 4 or shape[3] != 3:
            raise ModelLoadError(
                f"segmenter {model_path} takes {tensor.type} {shape}, not uint8 RGB images"
            )
        output = session.get_outputs()[0]
        if list(output.shape[1:]) != [shape[1], shape[2], 1]:
            raise ModelLoadError(
                f"segmenter {model_path} outputs {output.shape}, not one map per input pixel"
            )
        self._session = session
        self._input = tensor.name
        self._output = output.name
        config = read_sidecar(model_path, "config.json")
        name = config.get("name", model_path.stem)
        self.info = SegmenterInfo(
            name=name,
            version=model_version(model_path, name),
            path=model_path,
            input_size=(int(shape[2]), int(shape[1])),
            metrics=read_sidecar(model_path, "segmentation_metrics.json"),
        )
        self.probabilities(np.zeros((int(shape[1]), int(shape[2]), 3), dtype=np.uint8))

    def probabilities(self, image: np.ndarray) -> np.ndarray:
        """Return the (height, width) lesion probabilities of one (height, width, 3) uint8 image."""
        (maps,) = self._session.run([self._output], {self._input: image[None]})
        return maps[0, ..., 0]

"""The model in a worker: an ONNX Runtime session, loaded once and warmed up."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from backend.model_file import (
    ModelLoadError,
    model_name,
    model_version,
    open_session,
    read_sidecar,
)
from lesion_core.class_activation import CAM_OUTPUT
from lesion_core.labels import CLASS_CODES

log = logging.getLogger(__name__)


@dataclass
class ModelInfo:
    """What the service says about the model it serves."""

    name: str
    version: str
    path: Path
    input_size: tuple[int, int]  # (height, width)
    config: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)


class Predictor:
    """Load an exported classifier (training.export) and turn uint8 batches into probabilities."""

    def __init__(self, model_path: Path, inference_threads: int = 1) -> None:
        session = open_session(model_path, inference_threads)
        (tensor,) = session.get_inputs()
        shape = tensor.shape
        if (
            tensor.type != "tensor(uint8)"
            or len(shape) != 4
            or not all(isinstance(side, int) for side in shape[1:3])
            or shape[3] != 3
        ):
            raise ModelLoadError(
                f"model {model_path} takes {tensor.type} {shape}, not uint8 RGB images of a "
                "fixed size"
            )
        outputs = session.get_outputs()
        # The class probabilities: the only output, or the one beside the activation maps.
        (output,) = [o for o in outputs if o.name != CAM_OUTPUT][:1] or [outputs[0]]
        if output.shape[-1] != len(CLASS_CODES):
            raise ModelLoadError(
                f"model {model_path} has {output.shape[-1]} outputs, not {len(CLASS_CODES)} "
                f"({', '.join(CLASS_CODES)})"
            )

        self._session = session
        self._input = tensor.name
        self._output = output.name
        # Models ending in global average pooling carry their class activation maps too.
        self._activations = next((o.name for o in outputs if o.name == CAM_OUTPUT), None)
        config = read_sidecar(model_path, "config.json")
        name = model_name(model_path, config)
        self.info = ModelInfo(
            name=name,
            version=model_version(model_path, name),
            path=model_path,
            input_size=(int(shape[1]), int(shape[2])),
            config=config,
            metrics=read_sidecar(model_path, "metrics.json"),
        )
        self.ready = False
        self.warm_up()

    @property
    def explains(self) -> bool:
        """Whether the model can say which regions pushed it toward a class (a heat-map)."""
        return self._activations is not None

    @property
    def width_height(self) -> tuple[int, int]:
        """Return (width, height) of the model's input, as the shared preprocessing takes it."""
        height, width = self.info.input_size
        return width, height

    def warm_up(self) -> None:
        """Run batch sizes 1 and many once, and mark the predictor ready."""
        for batch in (1, 4):
            self.predict(np.zeros((batch, *self.info.input_size, 3), dtype=np.uint8))
        self.ready = True

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Return (N, 7) float64 probabilities for (N, height, width, 3) uint8 images."""
        (probabilities,) = self._session.run([self._output], {self._input: images})
        return probabilities.astype(np.float64)

    def predict_explained(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (7,) probabilities and (h, w, 7) class activation maps for one (height, width, 3)
        image; raise ValueError for a model that has no activation output."""
        if self._activations is None:
            raise ValueError(f"{self.info.name} has no class activation output")
        probabilities, activations = self._session.run(
            [self._output, self._activations], {self._input: image[None]}
        )
        return probabilities[0].astype(np.float64), activations[0]

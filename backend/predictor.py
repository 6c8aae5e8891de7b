"""The model in a worker: an ONNX Runtime session, loaded once and warmed up."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from backend.model_file import ModelLoadError, check_model_file, read_sidecar
from training.labels import CLASS_CODES

log = logging.getLogger(__name__)


@dataclass
class ModelInfo:
    """What the service says about the model it serves."""

    name: str
    version: str
    path: Path
    input_size: int
    config: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)


class Predictor:
    """Load an exported classifier (training.export) and turn uint8 batches into probabilities."""

    def __init__(self, model_path: Path, inference_threads: int = 1) -> None:
        check_model_file(model_path)
        import onnxruntime as ort  # imported here: the runtime starts inside each worker

        options = ort.SessionOptions()
        options.intra_op_num_threads = inference_threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: no per-worker banner
        try:
            session = ort.InferenceSession(
                str(model_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own, unexported error types
            raise ModelLoadError(f"cannot load model {model_path}: {exc}") from exc
        (tensor,) = session.get_inputs()
        shape = tensor.shape
        if (
            tensor.type != "tensor(uint8)"
            or len(shape) != 4
            or shape[1:] != [shape[1], shape[1], 3]
        ):
            raise ModelLoadError(
                f"model {model_path} takes {tensor.type} {shape}, not uint8 square RGB images"
            )
        outputs = session.get_outputs()
        if outputs[0].shape[-1] != len(CLASS_CODES):
            raise ModelLoadError(f"model {model_path} has {outputs[0].shape[-1]} outputs, not 7")

        self._session = session
        self._input = tensor.name
        self._output = outputs[0].name
        config = read_sidecar(model_path, "config.json")
        digest = hashlib.sha256(model_path.read_bytes()).hexdigest()[:12]
        name = config.get("name", model_path.stem)
        self.info = ModelInfo(
            name=name,
            version=f"{name}-{digest}",
            path=model_path,
            input_size=int(shape[1]),
            config=config,
            metrics=read_sidecar(model_path, "metrics.json"),
        )
        self.ready = False
        self.warm_up()

    def warm_up(self) -> None:
        """Run batch sizes 1 and many once, and mark the predictor ready."""
        size = self.info.input_size
        for batch in (1, 4):
            self.predict(np.zeros((batch, size, size, 3), dtype=np.uint8))
        self.ready = True

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Return (N, 7) float64 probabilities for (N, size, size, 3) uint8 images."""
        (probabilities,) = self._session.run([self._output], {self._input: images})
        return probabilities.astype(np.float64)

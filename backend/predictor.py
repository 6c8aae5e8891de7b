"""The model in a worker: loaded once, compiled to one fixed-signature graph, warmed up."""

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
    """Load a `.keras` classifier and turn uint8 image batches into class probabilities."""

    def __init__(self, model_path: Path, inference_threads: int = 1) -> None:
        check_model_file(model_path)
        import tensorflow as tf  # imported here: TensorFlow must start inside each worker

        if inference_threads > 0:
            try:
                tf.config.threading.set_intra_op_parallelism_threads(inference_threads)
                tf.config.threading.set_inter_op_parallelism_threads(inference_threads)
            except RuntimeError:
                log.debug("TensorFlow already initialised; keeping its thread settings")
        import keras

        try:
            model = keras.models.load_model(model_path, compile=False)
        except Exception as exc:  # Keras raises many types for a damaged archive
            raise ModelLoadError(f"cannot load model {model_path}: {exc}") from exc
        shape = model.input_shape
        if len(shape) != 4 or shape[1] != shape[2] or shape[3] != 3:
            raise ModelLoadError(f"model {model_path} takes {shape}, not square RGB images")
        if model.output_shape[-1] != len(CLASS_CODES):
            raise ModelLoadError(f"model {model_path} has {model.output_shape[-1]} outputs, not 7")

        self.model = model
        size = int(shape[1])
        spec = tf.TensorSpec([None, size, size, 3], tf.uint8)

        def forward(images: tf.Tensor) -> tf.Tensor:
            return model(tf.cast(images, tf.float32), training=False)

        # One graph for any batch size: no retracing per request, no autograph needed.
        self._forward = tf.function(forward, input_signature=[spec], autograph=False)
        config = read_sidecar(model_path, "config.json")
        digest = hashlib.sha256(model_path.read_bytes()).hexdigest()[:12]
        name = config.get("name", model_path.stem)
        self.info = ModelInfo(
            name=name,
            version=f"{name}-{digest}",
            path=model_path,
            input_size=size,
            config=config,
            metrics=read_sidecar(model_path, "metrics.json"),
        )
        self.ready = False
        self.warm_up()

    def warm_up(self) -> None:
        """Trace the graph for batch sizes 1 and many, and mark the predictor ready."""
        size = self.info.input_size
        for batch in (1, 4):
            self.predict(np.zeros((batch, size, size, 3), dtype=np.uint8))
        self.ready = True

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Return (N, 7) float64 probabilities for (N, size, size, 3) uint8 images."""
        return np.asarray(self._forward(images), dtype=np.float64)

"""A model to score, whatever it was saved as: a .keras classifier, or a served ONNX model (one
input, or an ensemble with one input per member size), behind one small interface."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    import keras

BATCH = 256


class ScoredModel(Protocol):
    """Turns one uint8 batch per input size into (N, 7) probabilities."""

    sizes: list[tuple[int, int]]  # (width, height) of each input, as the preprocessing takes it

    def predict(self, inputs: list[np.ndarray]) -> np.ndarray:
        """Return (N, 7) float64 probabilities."""


class KerasModel:
    """A Keras classifier with one image input."""

    def __init__(self, model: keras.Model) -> None:
        self.model = model
        _, height, width, _ = model.inputs[0].shape
        self.sizes = [(int(width), int(height))]

    def predict(self, inputs: list[np.ndarray]) -> np.ndarray:
        """Return the model's probabilities for its one input."""
        (images,) = inputs
        return np.asarray(self.model.predict(images, batch_size=512, verbose=0), np.float64)


class OnnxModel:
    """A served ONNX model, run by the service's own predictor on every core."""

    def __init__(self, path: Path) -> None:
        from lesion_runtime.predictor import Predictor

        self.predictor = Predictor(path, inference_threads=os.cpu_count() or 1)
        self.sizes = self.predictor.sizes

    def predict(self, inputs: list[np.ndarray]) -> np.ndarray:
        """Return the model's probabilities, BATCH images at a time."""
        starts = range(0, len(inputs[0]), BATCH)
        chunks = [self.predictor.predict([x[i : i + BATCH] for x in inputs]) for i in starts]
        return np.concatenate(chunks) if chunks else np.empty((0, 7))


def as_scored(model: keras.Model | ScoredModel) -> ScoredModel:
    """Return `model` behind the ScoredModel interface (a Keras model is wrapped)."""
    return model if hasattr(model, "sizes") else KerasModel(model)


def load_scored_model(path: Path) -> ScoredModel:
    """Return the .keras or .onnx model at `path`, ready to score."""
    if path.suffix == ".onnx":
        return OnnxModel(path)
    import keras  # only now: the CLIs' --help never loads TensorFlow

    return KerasModel(keras.models.load_model(path, compile=False))


def saved_input_sizes(path: Path) -> list[tuple[int, int]]:
    """Return the (width, height) of each input of a saved .keras or .onnx model, read without
    loading TensorFlow or ONNX Runtime; raise ValueError when they cannot be read."""
    try:
        if path.suffix == ".onnx":
            import onnx

            graph = onnx.load(path, load_external_data=False).graph
            shapes = [[d.dim_value for d in x.type.tensor_type.shape.dim] for x in graph.input]
            return [(int(shape[2]), int(shape[1])) for shape in shapes]
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
        _, height, width, _ = config["config"]["layers"][0]["config"]["batch_shape"]
    except (OSError, KeyError, IndexError, TypeError, ValueError, zipfile.BadZipFile) as exc:
        raise ValueError(f"cannot read the input size of {path} ({exc})") from None
    return [(int(width), int(height))]

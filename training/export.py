"""Export a trained `.keras` classifier to ONNX for serving, and prove the two agree."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lesion_runtime.onnx_names import PROBABILITIES
from training.arguments import SettingsError, option, parse

INPUT_NAME = "images"
OPSET = 17
PARITY_TOLERANCE = 1e-4  # the service contract: served probabilities within 1e-4 of Keras


class ExportError(RuntimeError):
    """The ONNX graph could not be written, or disagrees with the Keras model."""


def export_onnx(keras_path: Path, onnx_path: Path, seed: int = 0) -> float:
    """Write `onnx_path` for the `.keras` model at `keras_path` (see `export_model`); a
    classifier that ends in global average pooling also gets its class activation maps."""
    import keras

    from training.classifier.gradcam import supports_class_activations, with_class_activations

    model = keras.models.load_model(keras_path, compile=False)
    if supports_class_activations(model):
        model = with_class_activations(model)
    return export_model(model, onnx_path, seed)


def export_model(model, onnx_path: Path, seed: int = 0) -> float:
    """Write `onnx_path` (uint8 NHWC `images` in; `probabilities`, and any further outputs by
    their layer's name: read them by name, the graph does not keep their order) and return the
    largest difference from Keras on random images; raise ExportError above tolerance."""
    import onnxruntime as ort
    import tensorflow as tf
    import tf2onnx

    _, height, width, channels = model.input_shape
    spec = [tf.TensorSpec([None, height, width, channels], tf.uint8, name=INPUT_NAME)]
    names = output_names(model)

    def forward(images: tf.Tensor) -> dict[str, tf.Tensor]:
        outputs = model(tf.cast(images, tf.float32), training=False)
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        return dict(zip(names, outputs, strict=True))

    function = tf.function(forward, input_signature=spec, autograph=False)
    tf2onnx.convert.from_function(
        function, input_signature=spec, opset=OPSET, output_path=str(onnx_path)
    )
    images = np.random.default_rng(seed).integers(0, 256, (32, height, width, channels), np.uint8)
    expected = model.predict(images, verbose=0)
    if not isinstance(expected, (list, tuple)):
        expected = [expected]
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    served = session.run(names, {INPUT_NAME: images})
    difference = max(float(np.abs(s - e).max()) for s, e in zip(served, expected, strict=True))
    if difference > PARITY_TOLERANCE:
        onnx_path.unlink()
        raise ExportError(f"{onnx_path}: ONNX differs from {model.name} by {difference:.2e}")
    return difference


def output_names(model) -> list[str]:
    """Return the ONNX output names: `probabilities` first, then the other outputs' layer names."""
    return [PROBABILITIES] + [t._keras_history.operation.name for t in model.outputs[1:]]


@dataclass(frozen=True, kw_only=True)
class ExportArgs:
    """Command-line settings of `python -m training.export`."""

    model: Path = option(help="the .keras model", positional=True)
    out: Path | None = option(None, "the ONNX file to write", shown="model.onnx beside the model")

    def check(self) -> None:
        """Raise SettingsError for a model file that is not there."""
        if not self.model.is_file():
            raise SettingsError(f"{self.model}: no such file; pass a .keras model")


def main(argv: list[str] | None = None) -> int:
    """Export from the command line; return the exit code."""
    args = parse(
        ExportArgs,
        argv,
        "python -m training.export",
        "Write model.onnx beside a .keras model, for the inference service, and check that the "
        "two agree within 1e-4.",
    )
    out = args.out or args.model.with_suffix(".onnx")
    try:
        difference = export_onnx(args.model, out)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out} (largest difference from Keras on 32 random images: {difference:.1e})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

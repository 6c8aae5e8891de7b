"""Check a model file before anything heavy loads, so start-up fails with one clear line."""

from __future__ import annotations

import json
from pathlib import Path

# Every ONNX file is a ModelProto whose first field is ir_version (field 1, varint): byte 0x08.
ONNX_FIRST_BYTE = b"\x08"


class ModelLoadError(RuntimeError):
    """The model file is missing, not an ONNX model, or fails to load."""


def check_model_file(path: Path) -> None:
    """Raise ModelLoadError unless `path` looks like an ONNX model (cheap: no runtime loaded)."""
    if not path.is_file():
        raise ModelLoadError(f"model file not found: {path}")
    if path.suffix != ".onnx":
        raise ModelLoadError(
            f"the service serves ONNX models; export {path} with "
            f"`python -m training.export {path}` and point MODEL_PATH at the .onnx file"
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError as exc:
        raise ModelLoadError(f"cannot read model file: {path} ({exc})") from exc
    if len(head) < 64 or not head.startswith(ONNX_FIRST_BYTE):
        raise ModelLoadError(f"model file is corrupt or not an ONNX model: {path}")


def read_sidecar(model_path: Path, name: str) -> dict:
    """Return the JSON file `name` beside the model (config.json, metrics.json), or {}."""
    try:
        return json.loads((model_path.parent / name).read_text())
    except (OSError, ValueError):
        return {}

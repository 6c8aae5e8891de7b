"""Read a model file: check it before anything heavy loads, so start-up fails with one clear
line; open it in ONNX Runtime with its sidecar (config.json) and the name and version it is served
under. The classifier, the segmenter and the input check all load through `load_model`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lesion_core.size import Size

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
    """Return the JSON object in file `name` beside the model (config.json, metrics.json), {}
    when there is none; raise ModelLoadError when it cannot be read or is not a JSON object."""
    path = model_path.parent / name
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ModelLoadError(f"cannot read {path}: {exc}") from exc
    try:
        found = json.loads(text)
    except ValueError as exc:
        raise ModelLoadError(f"{path} is not valid JSON ({exc}): fix or remove it") from exc
    if not isinstance(found, dict):
        raise ModelLoadError(f"{path} holds a JSON {type(found).__name__}, not an object")
    return found


def model_name(model_path: Path, config: dict | None = None) -> str:
    """Return the name a classifier is served under: `name` in its config.json (`config`, else
    read from beside the model), or else its folder's name."""
    if config is None:
        config = read_sidecar(model_path, "config.json")
    return config.get("name") or model_path.parent.name


def check_unique_names(named: Iterable[tuple[str, Path]]) -> None:
    """Raise ModelLoadError when two of the (name, model file) pairs share a name: a request's
    `?model=NAME` could not tell them apart."""
    seen: dict[str, Path] = {}
    for name, path in named:
        if name in seen:
            raise ModelLoadError(
                f"two classifiers are named {name!r} ({seen[name]} and {path}); serve one under "
                "another name: train it with --name NAME, or change `name` in the config.json "
                "beside it"
            )
        seen[name] = path


def open_session(model_path: Path, threads: int):
    """Return an ONNX Runtime CPU session for a checked model file, or raise ModelLoadError."""
    check_model_file(model_path)
    import onnxruntime as ort  # imported here: the runtime starts inside each worker

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: no per-worker banner
    try:
        return ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own, unexported error types
        raise ModelLoadError(f"cannot load model {model_path}: {exc}") from exc


def model_version(model_path: Path, name: str) -> str:
    """Return `name-<first 12 hex digits of the file's sha256>`."""
    return f"{name}-{hashlib.sha256(model_path.read_bytes()).hexdigest()[:12]}"


@dataclass(frozen=True)
class OnnxModel:
    """A checked model file open in ONNX Runtime, with its config.json and served identity."""

    path: Path
    session: Any  # onnxruntime.InferenceSession
    config: dict
    name: str
    version: str

    def image_size(self, tensor: Any, kind: str) -> Size:
        """Return the Size of an input `tensor` of this model, or raise ModelLoadError unless it
        takes uint8 RGB images (N, height, width, 3) of a fixed size."""
        shape = tensor.shape
        if (
            tensor.type != "tensor(uint8)"
            or len(shape) != 4
            or not all(isinstance(side, int) for side in shape[1:3])
            or shape[3] != 3
        ):
            raise ModelLoadError(
                f"{kind} {self.path} takes {tensor.type} {shape}, not uint8 RGB images of a "
                "fixed size"
            )
        return Size.of_array(shape)


def load_model(model_path: Path, threads: int) -> OnnxModel:
    """Return a model file opened for `threads` threads with its config.json, name and version;
    raise ModelLoadError when the file or its config is missing, broken or not ONNX."""
    session = open_session(model_path, threads)
    config = read_sidecar(model_path, "config.json")
    name = model_name(model_path, config)
    return OnnxModel(model_path, session, config, name, model_version(model_path, name))

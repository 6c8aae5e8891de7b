"""Check a model file before anything heavy loads, so start-up fails with one clear line."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path


class ModelLoadError(RuntimeError):
    """The model file is missing, not a Keras archive, or fails to load."""


def check_model_file(path: Path) -> None:
    """Raise ModelLoadError unless `path` is a readable Keras 3 `.keras` archive."""
    if not path.is_file():
        raise ModelLoadError(f"model file not found: {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if not {"config.json", "model.weights.h5"} <= names:
                raise ModelLoadError(
                    f"not a Keras .keras model (config or weights missing): {path}"
                )
            json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ModelLoadError(f"model file is corrupt or not a .keras archive: {path}") from exc


def read_sidecar(model_path: Path, name: str) -> dict:
    """Return the JSON file `name` beside the model (config.json, metrics.json), or {}."""
    try:
        return json.loads((model_path.parent / name).read_text())
    except (OSError, ValueError):
        return {}

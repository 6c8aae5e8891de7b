"""Start a training run from a trained classifier's weights instead of random ones (fine-tuning),
e.g. to carry a shipped model over to a new version of the shared preprocessing without training
it again from scratch."""

from __future__ import annotations

import json
from pathlib import Path

import keras

# What config.json says of the model a run started from, read from that model's own config.json.
PROVENANCE_KEYS = ("name", "preprocessing", "settings", "best_epoch", "train_seconds", "init")


class WarmStartError(ValueError):
    """The saved model cannot start this run: another architecture, or not a classifier."""


def trained_network(saved: keras.Model, name: str) -> keras.Model:
    """Return the network called `name` in a saved model: the model itself, or the network a
    test-time-augmentation wrapper (training.classifier.tta) holds."""
    if saved.name == name:
        return saved
    inner = [layer for layer in saved.layers if isinstance(layer, keras.Model)]
    if len(inner) == 1 and inner[0].name == name:
        return inner[0]
    raise WarmStartError(f"the saved model is {saved.name!r}, not a {name!r} network")


def start_from(model: keras.Model, path: Path) -> None:
    """Give `model` the weights of the same network saved at `path`; a temperature folded into
    its last layer by calibration stays there (the run trains on from it)."""
    try:
        network = trained_network(keras.models.load_model(path, compile=False), model.name)
        model.set_weights(network.get_weights())
    except (ValueError, OSError) as exc:
        raise WarmStartError(f"--init {path}: {exc}") from exc


def provenance(path: Path) -> dict:
    """Return what a run records of the model it started from: its path and, from the
    config.json beside it, how that model was trained (itself perhaps from another)."""
    config_file = path.parent / "config.json"
    config = json.loads(config_file.read_text()) if config_file.is_file() else {}
    return {"model": str(path), **{k: config[k] for k in PROVENANCE_KEYS if k in config}}

"""Keras callbacks used by training: the per-epoch log and validation balanced accuracy."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import keras
import numpy as np

from lesion_runtime.scoring.metrics import balanced_accuracy


class EpochLog(keras.callbacks.Callback):
    """Append each epoch's metrics and wall-clock seconds to history.csv as training goes."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.rows: list[dict] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        row = {"epoch": epoch + 1, "seconds": round(time.perf_counter() - self._start, 2)}
        row.update({k: float(v) for k, v in (logs or {}).items()})
        self.rows.append(row)
        with self.path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(row))
            writer.writeheader()
            writer.writerows(self.rows)


class ValBalancedAccuracy(keras.callbacks.Callback):
    """Add `val_balanced_accuracy` to each epoch's logs, for checkpointing and the history.

    Must come before the callbacks that read it (ModelCheckpoint, EpochLog): Keras hands the
    same logs dict to each callback in order.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, batch_size: int = 512) -> None:
        super().__init__()
        self.images = images
        self.labels = labels
        self.batch_size = batch_size

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is None:
            return
        proba = self.model.predict(self.images, batch_size=self.batch_size, verbose=0)
        logs["val_balanced_accuracy"] = balanced_accuracy(self.labels, np.argmax(proba, axis=1))

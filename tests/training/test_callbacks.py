"""Training callbacks: the per-epoch CSV log and validation balanced accuracy."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest

from tests.conftest import run_keras
from training.callbacks import EpochLog, ValBalancedAccuracy


@pytest.fixture(scope="module")
def tiny():
    """A linear softmax model and 42 rows, 6 of each class, with one-hot-like features."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(7), 6)
    features = (np.eye(7)[labels] + rng.normal(0, 0.1, (42, 7))).astype(np.float32)
    model = keras.Sequential([keras.Input((7,)), keras.layers.Dense(7, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model, features, labels


def test_val_balanced_accuracy_reaches_later_callbacks_and_the_log(tiny, tmp_path):
    model, features, labels = tiny
    log = EpochLog(tmp_path / "history.csv")
    model.fit(
        features,
        labels,
        epochs=2,
        verbose=0,
        callbacks=[ValBalancedAccuracy(features, labels), log],
    )
    history = pd.read_csv(tmp_path / "history.csv")
    assert history["epoch"].tolist() == [1, 2]
    assert history["val_balanced_accuracy"].between(0, 1).all()
    assert (history["seconds"] > 0).all()


def test_val_balanced_accuracy_is_the_mean_per_class_recall(tiny):
    model, features, labels = tiny
    callback = ValBalancedAccuracy(features, labels)
    callback.set_model(model)
    logs: dict = {}
    callback.on_epoch_end(0, logs)
    predicted = run_keras(model, features).argmax(1)
    recalls = [(predicted[labels == c] == c).mean() for c in range(7)]
    assert logs["val_balanced_accuracy"] == pytest.approx(np.mean(recalls))

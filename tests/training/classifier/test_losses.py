"""The logit-adjusted cross-entropy: its formula, its special cases and its saved form."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from training.classifier.losses import LogitAdjustedCrossentropy
from training.split import log_prior


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.fixture
def batch():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 7)).astype(np.float32)
    labels = np.array([0, 5, 5, 4, 6, 3])
    prior = log_prior(np.array([5] * 60 + [4] * 10 + [0, 1, 2, 3, 6] * 2))
    return logits, labels, prior


def test_loss_is_the_cross_entropy_of_the_shifted_logits(batch):
    logits, labels, prior = batch
    loss = LogitAdjustedCrossentropy(prior)
    shifted = softmax(logits + prior)
    expected = -np.mean(np.log(shifted[np.arange(len(labels)), labels]))
    assert float(loss(labels, softmax(logits))) == pytest.approx(expected, rel=1e-5)


def test_a_uniform_prior_gives_the_plain_cross_entropy(batch):
    logits, labels, _ = batch
    loss = LogitAdjustedCrossentropy(np.full(7, np.log(1 / 7)))
    plain = keras.losses.SparseCategoricalCrossentropy()
    proba = softmax(logits)
    assert float(loss(labels, proba)) == pytest.approx(float(plain(labels, proba)), rel=1e-5)


def test_rare_classes_cost_more_when_missed_than_common_ones(batch):
    _, _, prior = batch
    loss = LogitAdjustedCrossentropy(prior)
    uniform = np.full((1, 7), 1 / 7, dtype=np.float32)
    assert float(loss(np.array([3]), uniform)) > float(loss(np.array([5]), uniform))


def test_smoothing_takes_one_hot_targets(batch):
    logits, labels, prior = batch
    smoothed = LogitAdjustedCrossentropy(prior, label_smoothing=0.1)
    one_hot = np.eye(7, dtype=np.float32)[labels]
    expected = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)(
        one_hot, np.log(softmax(logits)) + prior
    )
    assert float(smoothed(one_hot, softmax(logits))) == pytest.approx(float(expected), rel=1e-5)


def test_loss_survives_a_saved_and_reloaded_model(batch, tmp_path):
    _, _, prior = batch
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(7, activation="softmax")])
    model.compile(loss=LogitAdjustedCrossentropy(prior), optimizer="adam")
    model.fit(np.ones((4, 3)), np.array([0, 5, 5, 4]), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loss = keras.models.load_model(tmp_path / "m.keras").loss
    assert isinstance(loss, LogitAdjustedCrossentropy)
    assert loss.log_prior == pytest.approx(list(prior)) and loss.label_smoothing == 0.0

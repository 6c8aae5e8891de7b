"""A model compiled for training traces its training step once."""

from __future__ import annotations

import keras
import numpy as np

from training.compile import compile_for_training


def test_optimizer_slots_exist_before_fit_and_the_step_is_traced_once():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    optimizer = keras.optimizers.Adam()
    compile_for_training(model, optimizer, loss="sparse_categorical_crossentropy")
    assert optimizer.built and len(optimizer.variables) > 2  # iterations, rate, then the slots

    traces = []
    train_step = model.train_step
    model.train_step = lambda data: traces.append(1) or train_step(data)  # runs once per trace
    x, y = np.zeros((12, 4), "float32"), np.zeros(12, "int32")
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert len(traces) == 1

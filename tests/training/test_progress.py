"""Progress within an epoch: plain lines at each quarter in a log, a live bar on a terminal."""

from __future__ import annotations

import io
import re

import keras
import numpy as np
import pytest

from training.progress import BatchProgress


@pytest.fixture(scope="module")
def tiny():
    """A linear softmax model and 64 rows: 8 steps of 8 rows per epoch."""
    rng = np.random.default_rng(0)
    features = rng.normal(size=(64, 4)).astype(np.float32)
    labels = rng.integers(0, 7, 64)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(7, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model, features, labels


def fit_with(tiny, progress: BatchProgress, epochs: int = 2) -> None:
    model, features, labels = tiny
    model.fit(features, labels, batch_size=8, epochs=epochs, verbose=0, callbacks=[progress])


def test_a_log_gets_a_line_at_each_quarter_of_every_epoch(tiny):
    stream = io.StringIO()
    fit_with(tiny, BatchProgress(stream, live=False))
    lines = stream.getvalue().splitlines()
    assert [re.sub(r", \d+ s, loss \d+\.\d{4}$", "", line) for line in lines] == [
        "  batch 2/8 (25%)",
        "  batch 4/8 (50%)",
        "  batch 6/8 (75%)",
    ] * 2


def test_a_log_gets_no_carriage_returns_or_colour_codes(tiny):
    stream = io.StringIO()
    fit_with(tiny, BatchProgress(stream, live=False), epochs=1)
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()


class RecordingProgress(BatchProgress):
    """BatchProgress that records where its bar stood when each epoch ended."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.reached, self.postfix = self._bar.n, self._bar.postfix
        super().on_epoch_end(epoch, logs)


def test_a_terminal_gets_a_bar_that_reaches_every_step_and_is_cleared(tiny):
    stream = io.StringIO()
    progress = RecordingProgress(stream, live=True)
    fit_with(tiny, progress, epochs=1)
    assert progress.reached == 8 and progress.postfix.startswith("loss=")
    assert "/8 [" in stream.getvalue()
    assert progress._bar is None  # closed before Keras prints the epoch's line


def test_without_a_stream_it_writes_to_stdout_and_asks_it_whether_it_is_a_terminal(capsys):
    progress = BatchProgress()
    assert progress.live is False  # pytest's captured stdout is no terminal

"""Progress within a training epoch: a live bar on a terminal, a few plain lines in a log."""

from __future__ import annotations

import sys
import time
from typing import TextIO

import keras
from tqdm import tqdm

# Without a terminal (make train > log, CI), one line at each quarter of an epoch.
LOG_MARKS = (0.25, 0.5, 0.75)


class BatchProgress(keras.callbacks.Callback):
    """Show how far the current epoch has got, between Keras' "Epoch k/n" line and its
    end-of-epoch line (fit's verbose=2): a tqdm bar with the running loss on a terminal; in a log,
    a line such as `  batch 43/86 (50%), 12 s, loss 1.0312` at each quarter."""

    def __init__(self, stream: TextIO | None = None, live: bool | None = None) -> None:
        super().__init__()
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self._bar: tqdm | None = None
        self._marks: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()
        self._marks = list(LOG_MARKS)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        done, steps = batch + 1, self.params.get("steps")
        loss = (logs or {}).get("loss")
        if self.live:
            self._update_bar(done, steps, loss)
        elif steps and self._marks and done / steps >= self._marks[0]:
            self._log_line(done, steps, loss)

    def _update_bar(self, done: int, steps: int | None, loss: float | None) -> None:
        if self._bar is None:  # made here, after Keras has printed "Epoch k/n"
            self._bar = tqdm(total=steps, unit="batch", leave=False, file=self.stream)
        self._bar.update(done - self._bar.n)
        if loss is not None:
            self._bar.set_postfix(loss=f"{float(loss):.4f}", refresh=False)

    def _log_line(self, done: int, steps: int, loss: float | None) -> None:
        while self._marks and done / steps >= self._marks[0]:  # a short epoch passes several
            self._marks.pop(0)
        line = f"  batch {done}/{steps} ({done / steps:.0%}), "
        line += f"{time.perf_counter() - self._start:.0f} s"
        if loss is not None:
            line += f", loss {float(loss):.4f}"
        print(line, file=self.stream, flush=True)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self._bar is not None:  # cleared before Keras prints the epoch's line
            self._bar.close()
            self._bar = None

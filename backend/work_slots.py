"""How many requests a worker decodes and classifies at once, and how many may wait for that.

gunicorn's gthread workers run many threads, so that a slow client, a queued request or a
liveness probe never waits behind model work; the heavy part of a request (decoding, the models)
runs in one of a few slots. A request that finds every slot taken waits at most `wait_s`; when
too many already wait, or the wait runs out, it is refused with 503 and a Retry-After, which
keeps threads free for everything else.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from backend.errors import ApiError
from backend.heap import give_back_freed

RETRY_AFTER_S = 2
# Threads a worker keeps out of the queue for everything else (probes, metrics, models lists).
RESERVED_THREADS = 4


class WorkSlots:
    """A worker's slots for model work, with a bounded queue in front of them."""

    def __init__(self, slots: int, max_waiting: int, wait_s: float) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self._waiting = 0
        self.max_waiting = max_waiting
        self.wait_s = wait_s

    @contextmanager
    def held(self) -> Iterator[None]:
        """Run the block in a slot, or raise a 503 ApiError when none comes free in time."""
        if not self._slots.acquire(blocking=False):
            with self._lock:
                if self._waiting >= self.max_waiting:
                    raise busy()
                self._waiting += 1
            try:
                acquired = self._slots.acquire(timeout=self.wait_s)
            finally:
                with self._lock:
                    self._waiting -= 1
            if not acquired:
                raise busy()
        try:
            yield
        finally:
            self._slots.release()
            give_back_freed()  # a decode's buffers, freed, go back to the system


def busy() -> ApiError:
    """Return the 503 of a request that found the worker's slots and queue full."""
    return ApiError(503, "busy", f"the service is busy; retry in {RETRY_AFTER_S} s", RETRY_AFTER_S)

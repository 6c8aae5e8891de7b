"""Model work runs in a worker's few slots; a request that finds them and their queue full gets
a 503 with Retry-After instead of holding a thread."""

from __future__ import annotations

import threading

import pytest

from backend.errors import ApiError
from backend.work_slots import WorkSlots


def test_a_free_slot_runs_the_block_at_once():
    slots = WorkSlots(1, max_waiting=0, wait_s=0)
    with slots.held():
        pass
    with slots.held():  # released again
        pass


def test_with_every_slot_taken_and_no_queue_a_request_is_refused_with_retry_after():
    slots = WorkSlots(1, max_waiting=0, wait_s=5)
    with slots.held(), pytest.raises(ApiError) as refused, slots.held():
        pass
    assert (refused.value.status, refused.value.code) == (503, "busy")
    assert refused.value.retry_after == 2


def test_a_queued_request_runs_once_the_slot_is_free():
    slots = WorkSlots(1, max_waiting=1, wait_s=5)
    done = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with slots.held():
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()

    def waiter() -> None:
        with slots.held():
            done.set()

    queued = threading.Thread(target=waiter)
    queued.start()
    assert not done.wait(0.2), "waits while the slot is held"
    release.set()
    assert done.wait(5)
    thread.join()
    queued.join()


def test_a_request_that_waits_past_its_limit_is_refused():
    slots = WorkSlots(1, max_waiting=4, wait_s=0.05)
    with slots.held(), pytest.raises(ApiError, match="busy"), slots.held():
        pass


def test_busy_reaches_the_client_as_a_503_with_retry_after(app, monkeypatch, sample_jpeg):
    import io

    slots = app.extensions["work_slots"]
    monkeypatch.setattr(slots, "max_waiting", 0)
    with slots.held():
        answer = app.test_client().post(
            "/predict", data={"file": (io.BytesIO(sample_jpeg), "a.jpg")}
        )
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "2"
    assert answer.get_json()["error"]["code"] == "busy"

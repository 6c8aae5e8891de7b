"""The worker's heap: capped at two arenas, and trimmed once it holds much freed memory."""

from __future__ import annotations

import ctypes

from backend import heap


def test_the_heap_is_capped_and_trimmed_on_glibc(monkeypatch):
    assert heap.return_big_buffers() is True  # the machines and images here run glibc
    trimmed = []
    monkeypatch.setattr(heap, "TRIM_ABOVE", -1)  # anything freed is "much"
    monkeypatch.setattr(heap._LIBC, "malloc_trim", lambda pad: trimmed.append(pad) or 1)
    heap.give_back_freed()
    assert trimmed == [0]


def test_little_freed_memory_is_left_alone(monkeypatch):
    heap.return_big_buffers()
    trimmed = []
    monkeypatch.setattr(heap, "TRIM_ABOVE", 2**62)
    monkeypatch.setattr(heap._LIBC, "malloc_trim", lambda pad: trimmed.append(pad) or 1)
    heap.give_back_freed()
    assert trimmed == []
    assert isinstance(heap._LIBC, ctypes.CDLL)

"""Work on a pool of threads, results in order."""

from __future__ import annotations

import threading
import time

import pytest

from lesion_cli.pool import in_order


def test_results_come_in_order_from_several_threads():
    threads = set()

    def work(item: int) -> int:
        threads.add(threading.get_ident())
        time.sleep(0.01 * (item % 3))  # later items often finish first
        return item * 10

    assert list(in_order(work, range(20), workers=3)) == [i * 10 for i in range(20)]
    assert len(threads) > 1


def test_stopping_early_abandons_the_items_not_started():
    started = []

    def work(item: int) -> int:
        started.append(item)
        if item == 2:
            raise ValueError("boom")
        return item

    with pytest.raises(ValueError, match="boom"):
        list(in_order(work, range(1000), workers=2))
    assert len(started) < 10

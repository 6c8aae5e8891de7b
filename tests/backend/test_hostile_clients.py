"""Nothing a client sends takes the service down: the real gunicorn server, as gunicorn.conf.py
runs it, against slow clients, pixel bombs and a load that keeps every worker busy."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.hostile import (
    peak_memory_mb,
    pixel_bomb,
    reset_peak_memory,
    worker_pids,
)
from tests.servers import REPO_ROOT, gunicorn_server
from tests.slow_clients import slow_clients

pytestmark = [pytest.mark.server, pytest.mark.heavy(60)]

SAMPLE = REPO_ROOT / "samples" / "ISIC_0024400.jpg"
WORKER_PEAK_MB = 700  # issue 34: what one worker may reach for any accepted upload


@pytest.fixture(scope="module")
def server(model_path, input_check_path) -> Iterator[tuple[str, int]]:
    """The service with its default workers and threads; yields (URL, master pid)."""
    env = {"WEB_CONCURRENCY": "2", "INPUT_CHECK_PATH": str(input_check_path)}
    with gunicorn_server(model_path, env=env, workers=2) as (url, process):
        yield url, process.pid


def classify_sample(url: str) -> int:
    """Return the status of one ordinary /predict of a demo sample (5 s at most)."""
    with SAMPLE.open("rb") as image:
        return requests.post(f"{url}/predict", files={"file": image}, timeout=5).status_code


def test_slow_clients_do_not_keep_ordinary_requests_waiting(server):
    url, _ = server
    with slow_clients(url, 16):
        assert [classify_sample(url) for _ in range(5)] == [200] * 5
        assert requests.get(f"{url}/livez", timeout=5).status_code == 200


@pytest.mark.parametrize(
    ("kind", "side", "status"),
    [
        ("png8", 7000, 200),
        ("png16", 7000, 200),
        ("tiff", 7000, 200),
        ("webp", 4000, 200),
        # libwebp holds 16 bytes a pixel: 49 megapixels would cost 750 MB, over the budget.
        ("webp", 7000, 413),
    ],
)
def test_a_pixel_bomb_is_answered_within_a_workers_memory_budget(server, kind, side, status):
    url, master = server
    name, data, media_type = pixel_bomb(kind, side)
    workers = worker_pids(master)
    for pid in workers:
        reset_peak_memory(pid)
    for route in ("/predict", "/localize"):
        answer = requests.post(
            f"{url}{route}", files={"file": (name, data, media_type)}, timeout=120
        )
        assert answer.status_code == status, answer.text
        if status == 413:
            assert answer.json()["error"]["code"] == "image_too_large"
            assert "the limit is 256 MB" in answer.json()["error"]["message"]
        else:
            assert answer.json()["label"]
    peaks = [peak_memory_mb(pid) for pid in workers]
    assert max(peaks) < WORKER_PEAK_MB, f"{kind}: worker peaks {peaks} MB"


def test_liveness_is_answered_while_every_worker_is_classifying(server):
    url, _ = server
    name, data, media_type = pixel_bomb("png8", 4500)  # 20 megapixels: slow to decode
    busy = threading.Event()

    def heavy() -> int:
        busy.set()
        files = {"file": (name, data, media_type)}
        return requests.post(f"{url}/localize", files=files, timeout=120).status_code

    with ThreadPoolExecutor(8) as pool:
        answers = [pool.submit(heavy) for _ in range(8)]
        busy.wait(10)
        checks = [requests.get(f"{url}/livez", timeout=2).status_code for _ in range(3)]
        assert not all(a.done() for a in answers), "the load was over before the probes"
        assert checks == [200] * 3
        assert {a.result() for a in answers} <= {200, 503}
    assert classify_sample(url) == 200, "and it serves on afterwards"

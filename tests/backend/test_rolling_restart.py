"""A rolling restart loses nothing: steady traffic while gunicorn is stopped with SIGTERM and
started again on the same port, and every request the server accepted is answered 200.

A request counts as accepted when the server answered it or logged it. A connection refused (or
closed before any answer) while no server listens is not accepted: the client may retry it, and
the test checks against both servers' request logs that the server never saw it.
"""

from __future__ import annotations

import io
import json
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import requests
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families

from tests.servers import BIN, REPO_ROOT, free_port, running

pytestmark = pytest.mark.server

SAMPLE = REPO_ROOT / "samples" / "ISIC_0024400.jpg"
MAX_REQUESTS = 3000  # bounds the traffic loop whatever happens
POLLS = 3000  # bounds every wait (20 ms apart)


def large_jpeg() -> bytes:
    """Return a smooth 7000×7000 JPEG: /localize takes a good second on it."""
    side = 7000
    ramp = np.linspace(0, 255, side).astype(np.uint8)
    pixels = np.empty((side, side, 3), dtype=np.uint8)
    pixels[..., 0], pixels[..., 1], pixels[..., 2] = ramp[None, :], ramp[:, None], 128
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def send(url: str, path: str, data: bytes, request_id: str) -> str:
    """POST one image on a fresh connection; return "ok", "refused" or "failed: <why>"."""
    try:
        response = requests.post(
            f"{url}{path}",
            files={"file": ("x.jpg", data, "image/jpeg")},
            headers={"X-Request-ID": request_id},
            timeout=(2, 60),
        )
    except requests.ConnectionError:  # refused, or closed before any answer
        return "refused"
    except requests.RequestException as exc:  # a read timeout or a broken answer
        return f"failed: {type(exc).__name__}"
    return "ok" if response.status_code == 200 else f"failed: HTTP {response.status_code}"


def in_progress(url: str, endpoint: str) -> float:
    """Return how many requests to `endpoint` the server is answering now (its /metrics)."""
    text = requests.get(f"{url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "lesion_http_requests_in_progress" and sample.labels == {
                "endpoint": endpoint
            }:
                return sample.value
    return 0.0


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll `condition` every 20 ms, a bounded number of times."""
    for _ in range(POLLS):
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"gave up waiting for {what}")


def answered_ids(log: Path) -> dict[str, int]:
    """Return {request id: status} of every request line a server logged."""
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return {line["request_id"]: line["status"] for line in lines if "status" in line}


def test_rolling_restart_loses_no_accepted_request(tmp_path, model_path: Path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(BIN / "gunicorn"), "backend.app:create_app()"]
    logs = [tmp_path / "first.log", tmp_path / "second.log"]

    def env(log: Path) -> dict[str, str]:
        return {
            "MODEL_PATH": str(model_path),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_CONCURRENCY": "2",
            "LOG_FORMAT": "json",
            "GUNICORN_CMD_ARGS": f"--capture-output --error-logfile {log}",
        }

    image, outcomes, stop = SAMPLE.read_bytes(), {}, threading.Event()

    def traffic() -> None:
        for i in range(MAX_REQUESTS):
            if stop.is_set():
                return
            outcomes[f"steady-{i}"] = outcome = send(url, "/predict", image, f"steady-{i}")
            if outcome == "refused":
                time.sleep(0.05)  # nobody listens yet: do not spin

    def count(kind: str) -> int:
        return sum(o == kind for o in list(outcomes.values()))

    client = threading.Thread(target=traffic)
    slow_image = large_jpeg()
    with running(command, env(logs[0]), url, "/health") as first:
        client.start()
        wait_for(lambda: count("ok") >= 5, "answers from the first server")
        with ThreadPoolExecutor(max_workers=1) as pool:
            slow = pool.submit(send, url, "/localize", slow_image, "slow-1")
            wait_for(lambda: in_progress(url, "/localize") >= 1, "the slow request to start")
            first.send_signal(signal.SIGTERM)  # the master drains its workers, then exits
            assert first.wait(timeout=60) == 0
            assert slow.result() == "ok"  # in flight at SIGTERM, answered all the same
    served_before = count("ok")
    with running(command, env(logs[1]), url, "/health"):
        wait_for(lambda: count("ok") >= served_before + 5, "answers from the second server")
        stop.set()
        client.join(timeout=120)

    failed = {rid: o for rid, o in outcomes.items() if o.startswith("failed")}
    answered = {**answered_ids(logs[0]), **answered_ids(logs[1])}
    lost = [rid for rid, o in outcomes.items() if o == "refused" and rid in answered]
    assert failed == {} and lost == []
    assert answered["slow-1"] == 200
    assert count("refused") >= 1  # the traffic did run through the gap between the servers

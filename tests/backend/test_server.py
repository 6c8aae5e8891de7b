"""The real gunicorn server on a loopback port: contract, parity, concurrency, start-up errors."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import keras
import numpy as np
import pytest
import requests

from lesion_core.preprocess import preprocess
from tests.backend.images import png_bomb
from tests.conftest import run_keras
from tests.servers import BIN, REPO_ROOT, free_port

pytestmark = [pytest.mark.server, pytest.mark.heavy(35)]

SAMPLES = sorted((REPO_ROOT / "samples").glob("*.jpg"))


def predict(url: str, data: bytes, name: str = "x.jpg", timeout: float = 30) -> requests.Response:
    return requests.post(
        f"{url}/predict", files={"file": (name, data, "image/jpeg")}, timeout=timeout
    )


def test_real_sample_is_classified_over_http(live_backend):
    response = predict(live_backend, SAMPLES[0].read_bytes())
    assert response.status_code == 200
    body = response.json()
    assert len(body["probabilities"]) == 7
    assert sum(body["probabilities"].values()) == pytest.approx(1, abs=1e-5)


def test_served_probabilities_match_the_keras_model(live_backend, keras_model_path):
    """Parity: API answer == training's preprocessing + the Keras model's predict, to 1e-4."""
    model = keras.models.load_model(keras_model_path, compile=False)
    for sample in SAMPLES:
        data = sample.read_bytes()
        served = predict(live_backend, data).json()["probabilities"]
        expected = run_keras(model, preprocess(data)[None])[0]
        np.testing.assert_allclose(list(served.values()), expected, atol=1e-4)


def test_oversized_upload_is_413_over_http(live_backend):
    response = predict(live_backend, b"\xff" * (11 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_unknown_route_is_json_404_over_http(live_backend):
    response = requests.get(f"{live_backend}/nothing-here", timeout=10)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_mixed_concurrent_load_keeps_answers_right_and_server_healthy(live_backend):
    """8 threads × 20 requests, good and bad mixed: every answer right, server still up."""
    good = {s.name: s.read_bytes() for s in SAMPLES}
    reference = {
        name: predict(live_backend, data).json()["probabilities"] for name, data in good.items()
    }
    bad = [
        (b"", 400, "empty_file"),
        (b"not an image", 400, "invalid_image"),
        (png_bomb(), 413, "image_too_large"),
        (next(iter(good.values()))[:500], 400, "invalid_image"),
    ]

    def one(i: int) -> str | None:
        if i % 3 == 2:
            data, status, code = bad[i % len(bad)]
            response = predict(live_backend, data)
            if response.status_code != status or response.json()["error"]["code"] != code:
                return f"request {i}: {response.status_code} {response.text[:100]}"
            return None
        name = list(good)[i % len(good)]
        response = predict(live_backend, good[name], name)
        if response.status_code != 200:
            return f"request {i}: {response.status_code}"
        got = response.json()["probabilities"]
        if any(abs(got[k] - reference[name][k]) > 1e-5 for k in got):
            return f"request {i}: probabilities of {name} changed"
        return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        failures = [f for f in pool.map(one, range(160)) if f]
    assert failures == []
    assert requests.get(f"{live_backend}/health", timeout=10).status_code == 200


def start_with_model(model: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MODEL_PATH": str(model), "PORT": str(free_port()), **extra}
    return subprocess.run(
        [str(BIN / "gunicorn"), "backend.app:create_app()"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_model_stops_start_up_with_one_line_naming_the_path(tmp_path):
    missing = tmp_path / "absent.keras"
    result = start_with_model(missing)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if "[ERROR]" in line]
    assert len(errors) == 1 and f"model file not found: {missing}" in errors[0]
    assert "Traceback" not in result.stderr


def test_corrupt_model_stops_start_up_with_one_line_naming_the_path(tmp_path):
    corrupt = tmp_path / "model.onnx"
    corrupt.write_bytes(b"\x00 half-written download " * 100)
    result = start_with_model(corrupt)
    assert result.returncode != 0
    assert f"corrupt or not an ONNX model: {corrupt}" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_segmenter_stops_start_up_with_one_line_naming_the_path(tmp_path, model_path):
    missing = tmp_path / "segmenter.onnx"
    result = start_with_model(model_path, SEGMENTER_PATH=str(missing))
    assert result.returncode != 0
    assert f"model file not found: {missing}" in result.stderr
    assert "Traceback" not in result.stderr


def test_localize_contract_over_http(live_backend):
    """A real 600×450 sample through gunicorn: prediction, mask and heat-map of its size."""
    import base64
    import io

    from PIL import Image

    data = SAMPLES[0].read_bytes()
    response = requests.post(
        f"{live_backend}/localize",
        files={"file": ("lesion.jpg", data, "image/jpeg")},
        data={"class": "mel"},
        timeout=30,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["probabilities"] == predict(live_backend, data).json()["probabilities"]
    size = Image.open(io.BytesIO(data)).size
    mask = Image.open(io.BytesIO(base64.b64decode(body["lesion"]["mask_png"])))
    heatmap = Image.open(io.BytesIO(base64.b64decode(body["heatmap_png"])))
    assert mask.size == size and heatmap.size == size and heatmap.mode == "RGBA"
    x0, y0, x1, y1 = body["lesion"]["box"]
    assert 0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1]
    assert body["heatmap_class"] == "mel"
    bad = requests.post(
        f"{live_backend}/localize", files={"file": ("x.jpg", b"junk", "image/jpeg")}, timeout=30
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_image"

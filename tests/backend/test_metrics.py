"""GET /metrics: what the service counts, in-process and summed over gunicorn's workers."""

from __future__ import annotations

import io
import os
import runpy
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from backend.metrics import exposition, record_input_check_flag
from tests.servers import REPO_ROOT

GUNICORN_CONF = REPO_ROOT / "gunicorn.conf.py"
SAMPLE = REPO_ROOT / "samples" / "ISIC_0024400.jpg"


def sample_value(text: str, metric: str, **labels: str) -> float:
    """Return the value of sample `metric` with exactly `labels` in a /metrics page (0 if
    absent)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == metric and sample.labels == labels:
                return sample.value
    return 0.0


def scrape(client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_metrics_page_is_prometheus_text(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    names = {family.name for family in text_string_to_metric_families(response.get_data(True))}
    assert {
        "lesion_http_requests",
        "lesion_http_request_duration_seconds",
        "lesion_model_inference_seconds",
        "lesion_images_per_request",
        "lesion_upload_bytes",
        "lesion_input_check_flags",
        "lesion_model_info",
    } <= names


def test_a_prediction_is_counted_with_its_images_bytes_and_model_time(client, sample_jpeg):
    before = scrape(client)
    files = [(io.BytesIO(sample_jpeg), "a.jpg"), (io.BytesIO(sample_jpeg), "b.jpg")]
    assert client.post("/predict", data={"file": files}).status_code == 200
    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return sample_value(after, name, **labels) - sample_value(before, name, **labels)

    ok = {"endpoint": "/predict", "method": "POST", "status": "200"}
    assert grew("lesion_http_requests_total", **ok) == 1
    assert grew("lesion_http_request_duration_seconds_count", endpoint="/predict") == 1
    assert grew("lesion_images_per_request_sum", endpoint="/predict") == 2
    assert grew("lesion_upload_bytes_count", endpoint="/predict") == 1
    assert grew("lesion_upload_bytes_sum", endpoint="/predict") > 2 * len(sample_jpeg)
    assert grew("lesion_model_inference_seconds_count", model="resnet_small_2x") == 1
    assert grew("lesion_model_inference_seconds_sum", model="resnet_small_2x") > 0


@pytest.mark.parametrize("path", ["/predict", "/localize"])
def test_every_model_a_request_runs_is_timed_once(app, client, path):
    models = ["resnet_small_2x", app.extensions["input_checker"].info.name]
    models += ["lesion_unet"] if path == "/localize" else []
    before = scrape(client)
    response = client.post(path, data={"file": (SAMPLE.open("rb"), "x.jpg")})
    assert response.status_code == 200
    after = scrape(client)
    for model in models:
        name = "lesion_model_inference_seconds_count"
        assert sample_value(after, name, model=model) - sample_value(before, name, model=model) == 1


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "labels"),
    [
        ("post", "/predict", {"data": b"text", "content_type": "text/plain"}, ("/predict", "415")),
        ("get", "/predict", {}, ("/predict", "405")),
        ("get", "/no/such/page", {}, ("unmatched", "404")),
    ],
)
def test_refusals_are_counted_by_status_under_their_route(client, method, path, kwargs, labels):
    endpoint, status = labels
    name, key = "lesion_http_requests_total", {"endpoint": endpoint, "status": status}
    before = sample_value(scrape(client), name, method=method.upper(), **key)
    getattr(client, method)(path, **kwargs)
    assert sample_value(scrape(client), name, method=method.upper(), **key) == before + 1


def test_made_up_methods_do_not_make_new_labels(client):
    client.open("/predict", method="BREW")
    text = scrape(client)
    assert 'method="BREW"' not in text
    labels = {"endpoint": "/predict", "method": "other", "status": "405"}
    assert sample_value(text, "lesion_http_requests_total", **labels) >= 1


def test_served_models_appear_in_the_info_metric(client, predictor, segmenter):
    text = scrape(client)
    for role, info in (("classifier", predictor.info), ("segmenter", segmenter.info)):
        labels = {"role": role, "name": info.name, "version": info.version}
        assert sample_value(text, "lesion_model_info", **labels) == 1


def test_input_check_flags_are_counted_by_flag(client):
    before = sample_value(scrape(client), "lesion_input_check_flags_total", flag="not_dermoscopy")
    record_input_check_flag("not_dermoscopy")
    record_input_check_flag("not_dermoscopy")
    after = sample_value(scrape(client), "lesion_input_check_flags_total", flag="not_dermoscopy")
    assert after == before + 2


@pytest.mark.server
def test_metrics_add_up_every_gunicorn_worker(live_backend):
    """20 predictions spread over both workers: one scrape counts all 20, whoever answers it."""
    url = f"{live_backend}/metrics"
    name, labels = "lesion_http_requests_total", {"endpoint": "/predict", "method": "POST"}
    before = sample_value(requests.get(url, timeout=10).text, name, status="200", **labels)
    data = SAMPLE.read_bytes()

    def predict(_: int) -> int:
        files = {"file": ("x.jpg", data, "image/jpeg")}
        return requests.post(f"{live_backend}/predict", files=files, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert set(pool.map(predict, range(20))) == {200}
    scrapes = [requests.get(url, timeout=10).text for _ in range(4)]
    assert {sample_value(t, name, status="200", **labels) - before for t in scrapes} == {20}
    assert sample_value(scrapes[0], "lesion_http_requests_in_progress", endpoint="/predict") == 0


@pytest.fixture()
def gunicorn_conf(monkeypatch):
    """Load gunicorn.conf.py as gunicorn would, with PROMETHEUS_MULTIPROC_DIR as a test sets it;
    the variable the file sets is undone afterwards."""

    def load(metrics_dir: Path | None) -> dict:
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir or ""))
        if metrics_dir is None:
            monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
        return runpy.run_path(str(GUNICORN_CONF))

    return load


def test_gunicorn_conf_clears_stale_metrics_of_an_earlier_server(gunicorn_conf, tmp_path):
    (tmp_path / "counter_4242.db").write_bytes(b"old counts")
    conf = gunicorn_conf(tmp_path)
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path)
    conf["on_starting"](SimpleNamespace(log=None))
    assert list(tmp_path.iterdir()) == []
    conf["on_exit"](None)
    assert tmp_path.is_dir()  # a folder the operator chose is left in place


def test_gunicorn_conf_makes_and_removes_its_own_metrics_folder(gunicorn_conf):
    conf = gunicorn_conf(None)
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert not folder.exists()
    conf["on_starting"](SimpleNamespace(log=None))
    assert folder.is_dir()
    conf["on_exit"](None)
    assert not folder.exists()


def test_gunicorn_conf_drops_a_dead_workers_live_gauges(gunicorn_conf, tmp_path):
    conf = gunicorn_conf(tmp_path)
    conf["on_starting"](SimpleNamespace(log=None))
    for name in ("gauge_livesum_4242.db", "gauge_livemax_4242.db", "counter_4242.db"):
        (tmp_path / name).write_bytes(b"")
    conf["child_exit"](None, SimpleNamespace(pid=4242))
    assert [p.name for p in tmp_path.iterdir()] == ["counter_4242.db"]  # counts outlive workers


def test_a_workers_file_not_sized_yet_leaves_the_scrape_whole(tmp_path):
    """A worker creates each metrics file empty and sizes it a moment later; a scrape in between
    still gives every other file's counts (client_python issue 1199)."""
    count = "from backend.metrics import REQUESTS; REQUESTS.labels('/predict', 'POST', '200').inc()"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", count], cwd=REPO_ROOT, env=env, check=True)
    (tmp_path / "gauge_livemax_4242.db").write_bytes(b"")  # created, not sized yet
    text = exposition(tmp_path).decode()
    labels = {"endpoint": "/predict", "method": "POST", "status": "200"}
    assert sample_value(text, "lesion_http_requests_total", **labels) == 1

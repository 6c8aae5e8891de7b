"""`lesion predict --url`: the real service on a loopback port answers as the in-process run."""

from __future__ import annotations

import shutil

import pytest
import requests

from lesion_core.labels import CLASS_CODES
from tests.cli.conftest import SAMPLES, damaged_jpeg, read_csv
from tests.servers import free_port, gunicorn_server

KEY = "cli-test-key-0123456789"


@pytest.mark.server
def test_the_service_and_the_in_process_run_give_the_same_rows(lesion, live_backend, tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    for copy in ("a", "b"):  # 14 images and two bad files: more than a request takes (16)
        for sample in SAMPLES:
            shutil.copy(sample, folder / f"{copy}_{sample.name}")
    (folder / "empty.png").write_bytes(b"")
    damaged_jpeg(folder / "zz_broken.jpg")  # last, alone in its request
    served, local = tmp_path / "served.csv", tmp_path / "local.csv"
    ran = lesion("predict", folder, "--url", live_backend, "--workers", 1, "--out", served)
    assert ran.status == 0, ran.err
    served_model = requests.get(f"{live_backend}/models", timeout=30).json()["default"]
    assert lesion("predict", folder, "--model", served_model, "--out", local).status == 0
    served_rows, local_rows = read_csv(served), read_csv(local)
    assert len(served_rows) == 16
    for over_http, in_process in zip(served_rows, local_rows, strict=True):
        for code in CLASS_CODES:
            if in_process["error"]:
                assert over_http[code] == in_process[code] == ""
            else:
                assert float(over_http[code]) == pytest.approx(float(in_process[code]), abs=1e-4)
        assert {k: v for k, v in over_http.items() if k not in CLASS_CODES} == {
            k: v for k, v in in_process.items() if k not in CLASS_CODES
        }
    assert served_rows[-1]["error"].startswith("invalid_image: 'zz_broken.jpg': ")


@pytest.mark.server
def test_a_model_the_service_does_not_serve_exits_2(lesion, live_backend, tmp_path):
    ran = lesion("predict", SAMPLES[0], "--url", live_backend, "--model", "paper_cnn")
    assert ran.status == 2 and "no model named 'paper_cnn' here" in ran.err


@pytest.mark.server
def test_the_api_key_is_sent_as_the_service_expects(lesion, model_path, tmp_path):
    out = tmp_path / "preds.csv"
    with gunicorn_server(model_path, env={"API_KEYS": KEY, "LOG_LEVEL": "warning"}) as (url, _):
        without = lesion("predict", SAMPLES[0], "--url", url)
        wrong = lesion("predict", SAMPLES[0], "--url", url, "--api-key", KEY[::-1])
        right = lesion("predict", SAMPLES[0], "--url", url, "--api-key", KEY, "--out", out)
    assert without.status == 2 and "needs an API key: pass --api-key" in without.err
    assert wrong.status == 2 and "refused the API key (invalid_api_key)" in wrong.err
    assert right.status == 0 and read_csv(out)[0]["label"] in CLASS_CODES


def test_no_service_at_the_address_exits_2(lesion):
    ran = lesion("predict", SAMPLES[0], "--url", f"http://127.0.0.1:{free_port()}")
    assert ran.status == 2 and "cannot reach the service" in ran.err


def test_a_model_file_cannot_be_sent_to_a_service(lesion, tmp_path):
    ran = lesion("predict", SAMPLES[0], "--url", "http://127.0.0.1:9", "--model", "m.onnx")
    assert ran.status == 2 and "names a classifier the service serves, not a file" in ran.err

"""One log line per request, with its X-Request-ID: what it carries and what it never does."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from flask import g

from backend.log_format import JsonFormatter, RequestIdFilter, configure_logging
from backend.request_log import note_upload_sizes, request_id_for
from backend.settings import Settings, SettingsError
from tests.servers import REPO_ROOT, gunicorn_server

SAMPLE = REPO_ROOT / "samples" / "ISIC_0024400.jpg"
KEY = "log-test-key-0123456789"


@pytest.fixture()
def request_lines() -> Iterator[Callable[[], list[dict]]]:
    """Return a function giving the `backend.request` lines logged so far, parsed from JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("backend.request")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


@pytest.mark.parametrize("given", ["abc-123", "trace.42:7_x", "a" * 128])
def test_a_plain_client_request_id_is_kept(given):
    assert request_id_for(given) == given


@pytest.mark.parametrize("given", [None, "", "has space", "a\nb", "a" * 129, '{"json": 1}'])
def test_any_other_request_id_is_replaced_by_a_new_one(given):
    made = request_id_for(given)
    assert made != given and len(made) == 32 and int(made, 16) >= 0


def test_log_format_is_json_by_default_or_text():
    assert Settings.from_env({}).log_format == "json"
    assert Settings.from_env({"LOG_FORMAT": "TEXT"}).log_format == "text"
    with pytest.raises(SettingsError, match="LOG_FORMAT='xml'"):
        Settings.from_env({"LOG_FORMAT": "xml"})


def test_text_format_keeps_readable_lines():
    try:
        handler = configure_logging("info", "text")
        assert handler in logging.getLogger("backend").handlers
        record = logging.LogRecord("backend.x", logging.INFO, __file__, 1, "hi %s", ("you",), None)
        line = handler.formatter.format(record)
        assert line.endswith("[INFO] backend.x: hi you") and not line.startswith("{")
    finally:
        configure_logging("info", "json")


def test_json_format_is_one_object_per_line_with_the_fields():
    record = logging.LogRecord("backend.request", logging.INFO, __file__, 1, "a\nb", (), None)
    record.request_id, record.fields = "r-1", {"status": 200}
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "a\nb" and entry["level"] == "info"
    assert (entry["request_id"], entry["status"]) == ("r-1", 200)
    assert entry["time"].endswith("+00:00")


def test_lines_logged_inside_a_request_carry_its_id(app):
    record = logging.LogRecord("backend.service", logging.INFO, __file__, 1, "m", (), None)
    with app.test_request_context("/predict"):
        g.request_id = "inner-7"
        assert RequestIdFilter().filter(record) and record.request_id == "inner-7"


def test_the_client_request_id_comes_back(client):
    response = client.get("/health", headers={"X-Request-ID": "trace-42"})
    assert response.headers["X-Request-ID"] == "trace-42"


def test_a_request_id_is_made_when_the_client_sends_none(client):
    first = client.get("/livez").headers["X-Request-ID"]
    second = client.get("/livez").headers["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_prediction_logs_one_line_with_sizes_model_and_timing(
    client, predictor, sample_jpeg, request_lines
):
    files = [(io.BytesIO(sample_jpeg), "jane-doe.jpg"), (io.BytesIO(sample_jpeg), "j-d2.jpg")]
    response = client.post("/predict", data={"file": files}, headers={"X-Request-ID": "p-1"})
    assert response.status_code == 200
    (line,) = request_lines()
    assert line["request_id"] == "p-1" and line["logger"] == "backend.request"
    assert (line["method"], line["endpoint"], line["status"]) == ("POST", "/predict", 200)
    assert line["images"] == 2
    assert line["upload_bytes"] == int(response.request.headers["Content-Length"])
    assert line["model"] == predictor.info.version
    assert line["model_ms"][predictor.info.version] > 0
    assert line["duration_ms"] >= line["model_ms"][predictor.info.version]


def test_the_line_never_holds_file_names_or_image_content(client, sample_jpeg, request_lines):
    client.post("/predict", data={"file": (io.BytesIO(sample_jpeg), "jane-doe-1970.jpg")})
    client.post("/predict", data=sample_jpeg, content_type="image/jpeg")
    lines = request_lines()
    assert [line["images"] for line in lines] == [1, 1]
    assert lines[1]["upload_bytes"] == len(sample_jpeg)
    text = json.dumps(lines)
    assert "jane-doe" not in text and len(text) < 2000


def test_a_refused_request_is_logged_with_its_status(client, request_lines):
    client.post("/predict", data=b"text", content_type="text/plain")
    (line,) = request_lines()
    assert (line["status"], line["images"], line["model"]) == (415, 0, None)


def test_a_multi_file_predict_logs_each_images_size_in_bytes(client, request_lines, sample_jpeg):
    client.post(
        "/predict",
        data={"file": [(io.BytesIO(sample_jpeg), "a.jpg"), (io.BytesIO(b"x" * 10), "b.jpg")]},
    )
    (line,) = request_lines()
    assert line["image_bytes"] == [len(sample_jpeg), 10]


def test_the_upload_reader_can_add_each_images_size(app, request_lines):
    app.add_url_rule("/sized", "sized", lambda: note_upload_sizes([120, 3400]) or "ok")
    app.test_client().get("/sized")
    (line,) = request_lines()
    assert line["image_bytes"] == [120, 3400]


@pytest.fixture(scope="module")
def logging_server(tmp_path_factory, model_path: Path) -> Iterator[tuple[str, Path]]:
    """gunicorn with an API key, its output in a file; yields (URL, log file)."""
    log = tmp_path_factory.mktemp("logged") / "server.log"
    env = {"API_KEYS": KEY, "GUNICORN_CMD_ARGS": f"--capture-output --error-logfile {log}"}
    with gunicorn_server(model_path, env=env, workers=1) as (url, _):
        yield url, log


@pytest.mark.server
def test_real_server_writes_one_json_line_per_request(logging_server):
    url, log = logging_server
    data = SAMPLE.read_bytes()
    response = requests.post(
        f"{url}/predict",
        files={"file": ("jane-doe-1970.jpg", data, "image/jpeg")},
        headers={"X-Request-ID": "real-1", "Authorization": f"Bearer {KEY}"},
        timeout=30,
    )
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "real-1"
    backend_lines = [json.loads(line) for line in log.read_text().splitlines() if line[:1] == "{"]
    (line,) = [x for x in backend_lines if x.get("request_id") == "real-1" and "status" in x]
    assert (line["endpoint"], line["status"], line["images"]) == ("/predict", 200, 1)
    assert line["model"] == response.json()["model_version"]
    assert line["upload_bytes"] > len(data)
    text = log.read_text()
    assert "jane-doe" not in text and KEY not in text

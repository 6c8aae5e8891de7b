"""The HTTP contract through Flask's test client."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from lesion_core.labels import CLASS_CODES
from tests.backend.images import GOOD_IMAGES, multipart_body
from tests.conftest import encode, lesion_like_image


def post_files(client, *payloads: bytes, names: tuple[str, ...] = ()):
    filenames = [names[i] if i < len(names) else f"img{i}.jpg" for i in range(len(payloads))]
    content_type, body = multipart_body(list(payloads), filenames)
    return client.post("/predict", data=body, content_type=content_type)


def assert_prediction(body: dict) -> None:
    assert list(body["probabilities"]) == list(CLASS_CODES)
    assert sum(body["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)
    assert body["label"] == max(body["probabilities"], key=body["probabilities"].get)
    assert body["confidence"] == body["probabilities"][body["label"]]
    assert body["label_name"] and isinstance(body["malignant"], bool)


def test_predict_returns_seven_probabilities_summing_to_one(client, sample_jpeg):
    response = post_files(client, sample_jpeg)
    assert response.status_code == 200
    assert_prediction(response.json)
    assert response.json["model_version"] == client.get("/health").json["model"]["version"]


def test_predict_accepts_a_raw_image_body(client, sample_jpeg):
    raw = client.post("/predict", data=sample_jpeg, content_type="image/jpeg")
    multipart = post_files(client, sample_jpeg)
    assert raw.status_code == 200
    assert raw.json["probabilities"] == multipart.json["probabilities"]


def test_several_files_give_results_in_upload_order(client):
    images = [encode(lesion_like_image(seed=s).rotate(90 * s), "PNG") for s in range(3)]
    together = post_files(client, *images)
    assert together.status_code == 200
    singles = [post_files(client, image).json["probabilities"] for image in images]
    results = together.json["results"]
    assert len(results) == 3
    for alone, batched in zip(singles, results, strict=True):
        assert_prediction(batched)
        np.testing.assert_allclose(
            list(batched["probabilities"].values()), list(alone.values()), atol=1e-5
        )


@pytest.mark.parametrize("kind", sorted(GOOD_IMAGES))
def test_every_supported_image_kind_is_classified(client, kind):
    response = post_files(client, GOOD_IMAGES[kind]())
    assert response.status_code == 200, response.json
    assert_prediction(response.json)


def test_health_reports_model_and_classes(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["classes"] == list(CLASS_CODES)


def test_health_is_503_with_a_reason_until_the_model_is_warm(client, predictor, sample_jpeg):
    predictor.ready = False
    try:
        response = client.get("/health")
        refused = post_files(client, sample_jpeg)
    finally:
        predictor.ready = True
    assert response.status_code == 503 and response.json["reason"]
    assert refused.status_code == 503 and refused.json["error"]["code"] == "not_ready"
    assert client.get("/livez").status_code == 200


def test_metadata_describes_classes_input_and_limits(client):
    body = client.get("/metadata").json
    assert [c["code"] for c in body["classes"]] == list(CLASS_CODES)
    assert body["classes"][4] == {"code": "mel", "name": "Melanoma", "malignant": True}
    assert body["model"]["input_size"] == [28, 28, 3]
    assert "BILINEAR" in body["model"]["preprocessing"]
    assert body["limits"]["max_upload_bytes"] == 1024 * 1024
    assert "not a diagnosis" in body["disclaimer"]


def test_openapi_document_describes_predict_and_its_shapes(client):
    body = client.get("/openapi.json").json
    assert body["openapi"].startswith("3.")
    assert {"/predict", "/health", "/metadata"} <= set(body["paths"])
    schema = body["components"]["schemas"]["Prediction"]
    assert schema["properties"]["probabilities"]["required"] == list(CLASS_CODES)


def test_large_upload_stays_in_memory(client, monkeypatch):
    from werkzeug import formparser

    def no_disk(*args, **kwargs):
        raise AssertionError("an upload was spooled to disk")

    monkeypatch.setattr(formparser, "SpooledTemporaryFile", no_disk)
    big = encode(lesion_like_image(700, 550), "PNG")  # well over werkzeug's 500 KB spool limit
    assert 500_000 < len(big) < 1024 * 1024
    assert post_files(client, big).status_code == 200


def test_log_has_sizes_and_timings_but_no_file_names(client, sample_jpeg, caplog):
    with caplog.at_level(logging.INFO, logger="backend"):
        logging.getLogger("backend").propagate = True
        try:
            post_files(client, sample_jpeg, names=("jane-doe-left-arm.jpg",))
        finally:
            logging.getLogger("backend").propagate = False
    assert f"{len(sample_jpeg)} bytes" in caplog.text
    assert "jane-doe" not in caplog.text

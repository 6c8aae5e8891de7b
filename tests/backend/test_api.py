"""The HTTP contract through Flask's test client."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from backend.log_format import LOGGERS
from lesion_core.labels import CLASS_CODES
from tests.backend.images import GOOD_IMAGES, multipart_body
from tests.conftest import encode, lesion_like_image


def post_files(client, *payloads: bytes, names: tuple[str, ...] = ()):
    filenames = [names[i] if i < len(names) else f"img{i}.jpg" for i in range(len(payloads))]
    content_type, body = multipart_body(list(payloads), filenames)
    return client.post("/predict", data=body, content_type=content_type)


# Seven probabilities rounded to 4 decimals sum to 1 within 7 × 0.00005.
ROUNDED_SUM = 3.5e-4


def assert_prediction(body: dict) -> None:
    assert list(body["probabilities"]) == list(CLASS_CODES)
    assert sum(body["probabilities"].values()) == pytest.approx(1.0, abs=ROUNDED_SUM)
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
    assert raw.json["file"] is None and multipart.json["file"] == "img0.jpg"


def test_several_files_give_results_in_upload_order(client):
    images = [encode(lesion_like_image(seed=s).rotate(90 * s), "PNG") for s in range(3)]
    together = post_files(client, *images)
    assert together.status_code == 200
    singles = [post_files(client, image).json["probabilities"] for image in images]
    results = together.json["results"]
    assert [r["file"] for r in results] == ["img0.jpg", "img1.jpg", "img2.jpg"]
    for alone, batched in zip(singles, results, strict=True):
        assert_prediction(batched)
        # Batched and single runs may differ in the 7th digit, so by one step after rounding.
        np.testing.assert_allclose(
            list(batched["probabilities"].values()), list(alone.values()), atol=1.5e-4
        )


def test_probabilities_are_rounded_to_four_decimals(client, sample_jpeg):
    body = post_files(client, sample_jpeg).json
    for value in [body["confidence"], *body["probabilities"].values()]:
        assert value == round(value, 4)


def test_a_bad_file_among_several_gets_its_own_error_entry(client, sample_jpeg):
    gif = encode(lesion_like_image(), "GIF")
    response = post_files(
        client, sample_jpeg, b"not an image", gif, b"", names=("a.jpg", "b.jpg", "c.gif", "d.png")
    )
    assert response.status_code == 200
    good, text, animated, empty = response.json["results"]
    assert_prediction(good)
    assert good["file"] == "a.jpg"
    assert text == {
        "file": "b.jpg",
        "error": {
            "code": "invalid_image",
            "message": "file 2 ('b.jpg'): not an image, or damaged beyond reading",
        },
    }
    assert (animated["file"], animated["error"]["code"]) == ("c.gif", "unsupported_image_type")
    assert (empty["file"], empty["error"]["code"]) == ("d.png", "empty_file")


def test_the_entry_of_a_refused_file_is_the_error_it_alone_gets(client):
    together = post_files(client, b"junk", b"junk", names=("x.jpg", "y.jpg"))
    alone = post_files(client, b"junk", names=("x.jpg",))
    assert together.status_code == 200 and alone.status_code == 400
    assert together.json["results"][0]["error"]["code"] == alone.json["error"]["code"]
    assert [r["file"] for r in together.json["results"]] == ["x.jpg", "y.jpg"]


def test_a_file_part_without_a_filename_is_still_an_image(client, sample_jpeg):
    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + sample_jpeg
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        "/predict", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 200
    assert response.json["file"] is None
    assert_prediction(response.json)


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


def test_metadata_lists_the_accepted_formats(client):
    formats = client.get("/metadata").json["formats"]
    assert [f["media_type"] for f in formats] == [
        "image/jpeg",
        "image/png",
        "image/bmp",
        "image/webp",
        "image/tiff",
        "application/dicom",
    ]
    assert {"jpg", "jpeg"} <= set(formats[0]["extensions"])
    assert formats[-1]["extensions"] == ["dcm"]


def test_large_upload_stays_in_memory(client, monkeypatch):
    from werkzeug import formparser

    def no_disk(*args, **kwargs):
        raise AssertionError("an upload was spooled to disk")

    monkeypatch.setattr(formparser, "SpooledTemporaryFile", no_disk)
    big = encode(lesion_like_image(700, 550), "PNG")  # well over werkzeug's 500 KB spool limit
    assert 500_000 < len(big) < 1024 * 1024
    assert post_files(client, big).status_code == 200


def test_log_has_sizes_and_timings_but_no_file_names(client, sample_jpeg, caplog):
    loggers = [logging.getLogger(name) for name in LOGGERS]  # the service's and lesion_runtime's
    with caplog.at_level(logging.INFO, "backend"), caplog.at_level(logging.INFO, "lesion_runtime"):
        for logger in loggers:
            logger.propagate = True
        try:
            post_files(client, sample_jpeg, names=("jane-doe-left-arm.jpg",))
        finally:
            for logger in loggers:
                logger.propagate = False
    assert f"{len(sample_jpeg)} bytes" in caplog.text
    assert "jane-doe" not in caplog.text

"""Every bad input gets a JSON error with the right status and code, never a 500."""

from __future__ import annotations

import pytest

from tests.backend.images import multipart_body, png_bomb
from tests.conftest import encode, lesion_like_image


def multipart(client, *payloads: bytes, field: str = "file"):
    names = [f"f{i}.jpg" for i in range(len(payloads))]
    content_type, body = multipart_body(list(payloads), names, field)
    return client.post("/predict", data=body, content_type=content_type)


def jpeg() -> bytes:
    return encode(lesion_like_image(), "JPEG")


BAD_UPLOADS = {
    "no_file_field": (lambda c: multipart(c, jpeg(), field="image"), 400, "missing_file"),
    "no_body": (lambda c: c.post("/predict"), 400, "missing_file"),
    "empty_file": (lambda c: multipart(c, b""), 400, "empty_file"),
    "text_file": (lambda c: multipart(c, b"name,age\njane,40\n"), 400, "invalid_image"),
    "truncated_jpeg": (lambda c: multipart(c, jpeg()[:400]), 400, "invalid_image"),
    "corrupt_png": (
        lambda c: multipart(c, encode(lesion_like_image(), "PNG")[:60] + b"x" * 99),
        400,
        "invalid_image",
    ),
    "gif": (
        lambda c: multipart(c, encode(lesion_like_image(), "GIF")),
        415,
        "unsupported_image_type",
    ),
    "text_body": (
        lambda c: c.post("/predict", data="hi", content_type="text/plain"),
        415,
        "unsupported_media_type",
    ),
    "json_body": (lambda c: c.post("/predict", json={"file": "x"}), 415, "unsupported_media_type"),
    "over_size_limit": (
        lambda c: multipart(c, b"\xff" * (1024 * 1024 + 10)),
        413,
        "payload_too_large",
    ),
    "raw_over_size_limit": (
        lambda c: c.post("/predict", data=b"\0" * (1024 * 1024 + 10), content_type="image/jpeg"),
        413,
        "payload_too_large",
    ),
    "decompression_bomb": (lambda c: multipart(c, png_bomb()), 413, "image_too_large"),
    "too_many_files": (lambda c: multipart(c, *[jpeg()] * 5), 400, "too_many_files"),
    "multipart_without_boundary": (
        lambda c: c.post("/predict", data=b"x", content_type="multipart/form-data"),
        400,
        "invalid_form",
    ),
    "wrong_route": (lambda c: c.get("/classify"), 404, "not_found"),
    "get_predict": (lambda c: c.get("/predict"), 405, "method_not_allowed"),
    "post_health": (lambda c: c.post("/health"), 405, "method_not_allowed"),
}


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_bad_input_gets_json_error(client, case):
    send, status, code = BAD_UPLOADS[case]
    response = send(client)
    assert response.status_code == status
    assert response.is_json
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]


def test_bomb_is_small_on_the_wire():
    assert len(png_bomb()) < 10_000


def test_error_names_which_of_several_files_is_bad(client):
    response = multipart(client, jpeg(), b"garbage")
    assert response.status_code == 200
    assert "file 2 ('f1.jpg')" in response.json["results"][1]["error"]["message"]


def test_method_not_allowed_lists_allowed_methods(client):
    assert "POST" in client.get("/predict").headers["Allow"]


@pytest.mark.parametrize("path", ["/predict", "/localize"])
def test_get_on_an_upload_route_says_to_use_post(client, path):
    response = client.get(path)
    assert response.status_code == 405
    assert response.json["error"]["message"] == f"GET is not allowed on {path}: use POST"


def test_an_unexpected_decoder_error_is_still_a_400(client, monkeypatch):
    from lesion_runtime import decoding

    def broken(*args, **kwargs):
        raise IndexError("a decoder bug")

    monkeypatch.setattr(decoding, "preprocess_groups", broken)
    response = multipart(client, jpeg())
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_image"


@pytest.mark.parametrize("path", ["/nope", "/predict/", "/api/predict"])
def test_an_unknown_path_gets_a_json_404_naming_it_and_listing_the_endpoints(client, path):
    response = client.post(path, data=jpeg(), content_type="image/jpeg")
    assert response.status_code == 404
    message = response.json["error"]["message"]
    assert response.json["error"]["code"] == "not_found"
    assert f"no endpoint at {path}" in message and "If you entered the URL" not in message
    assert "POST /predict" in message and "GET /health, GET /livez, POST /localize" in message


def test_a_trailing_slash_is_pointed_to_the_path_without_it(client):
    message = client.get("/predict/").json["error"]["message"]
    assert "(did you mean /predict?)" in message


@pytest.mark.parametrize("keep", [slice(-20), slice(400)], ids=["end_cut", "header_only"])
def test_a_truncated_image_gets_a_plain_message_not_the_decoders(client, keep):
    response = multipart(client, jpeg()[keep])
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_image"
    assert response.json["error"]["message"] == "'f0.jpg': the image data is truncated or damaged"


def test_a_truncated_image_among_several_gets_the_plain_message_in_its_entry(client):
    response = multipart(client, jpeg(), jpeg()[:-20])
    error = response.json["results"][1]["error"]
    assert error["message"] == "file 2 ('f1.jpg'): the image data is truncated or damaged"


def test_text_that_is_no_image_keeps_saying_so(client):
    response = multipart(client, b"name,age\njane,40\n")
    assert response.json["error"]["message"].endswith("not an image, or damaged beyond reading")


@pytest.mark.parametrize("side", [8000, 20000])
def test_an_image_over_the_pixel_limit_gets_the_services_wording_at_any_size(client, side):
    response = multipart(client, png_bomb(side, side))
    assert response.status_code == 413 and response.json["error"]["code"] == "image_too_large"
    assert response.json["error"]["message"] == (
        f"'f0.jpg': image is {side}x{side} = {side * side:,} pixels; the limit is 50,000,000"
    )

"""The served OpenAPI document: generated from the types, and every real answer fits it."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from jsonschema import Draft202012Validator
from werkzeug.test import TestResponse

from backend.openapi import Operation, Reply, documented, operations
from lesion_api.service import Liveness
from lesion_core.labels import CLASS_CODES
from tests.conftest import encode, lesion_like_image

JPEG = encode(lesion_like_image())
GIF = encode(lesion_like_image(), "GIF")
TOO_BIG = b"\xff" * (1024 * 1024 + 10)  # the test app's limit is 1 MB


def form(*files: tuple[bytes, str], **fields: str) -> dict:
    return {"file": [(io.BytesIO(data), name) for data, name in files], **fields}


def post(path: str, data: dict | bytes, content_type: str = "multipart/form-data"):
    return lambda client: client.post(path, data=data, content_type=content_type)


Send = Callable[..., TestResponse]
# (request, path and method of the operation that answers, expected status)
ANSWERS: dict[str, tuple[Send, str, str, int]] = {
    "livez": (lambda c: c.get("/livez"), "/livez", "get", 200),
    "health": (lambda c: c.get("/health"), "/health", "get", 200),
    "metadata": (lambda c: c.get("/metadata"), "/metadata", "get", 200),
    "predict_one": (post("/predict", form((JPEG, "a.jpg"))), "/predict", "post", 200),
    "predict_raw": (post("/predict", JPEG, "image/jpeg"), "/predict", "post", 200),
    "predict_mixed": (
        post("/predict", form((JPEG, "a.jpg"), (GIF, "b.gif"), (b"", "c.png"))),
        "/predict",
        "post",
        200,
    ),
    "localize": (
        post("/localize", form((JPEG, "a.jpg"), **{"class": "mel"})),
        "/localize",
        "post",
        200,
    ),
    "predict_not_an_image": (post("/predict", form((b"junk", "a.jpg"))), "/predict", "post", 400),
    "predict_no_file": (post("/predict", {"other": "x"}), "/predict", "post", 400),
    "localize_unknown_class": (
        post("/localize?class=AAA", form((JPEG, "a.jpg"), **{"class": "mel"})),
        "/localize",
        "post",
        400,
    ),
    "predict_unknown_parameter": (
        post("/predict", form((JPEG, "a.jpg"), **{"class": "mel"})),
        "/predict",
        "post",
        400,
    ),
    "localize_conflicting_class": (
        post("/localize?class=nv", form((JPEG, "a.jpg"), **{"class": "mel"})),
        "/localize",
        "post",
        400,
    ),
    "metadata_of_a_model": (
        lambda c: c.get("/metadata?model=resnet_small_2x"),
        "/metadata",
        "get",
        200,
    ),
    "metadata_unknown_model": (lambda c: c.get("/metadata?model=bogus"), "/metadata", "get", 404),
    "metadata_unknown_parameter": (lambda c: c.get("/metadata?x=1"), "/metadata", "get", 400),
    "predict_too_large": (post("/predict", TOO_BIG, "image/jpeg"), "/predict", "post", 413),
    "predict_gif": (post("/predict", form((GIF, "a.gif"))), "/predict", "post", 415),
    "predict_text": (post("/predict", b"hi", "text/plain"), "/predict", "post", 415),
    "localize_gif": (post("/localize", form((GIF, "a.gif"))), "/localize", "post", 415),
}


def validator(document: dict, schema: dict) -> Draft202012Validator:
    """Return a validator for `schema`, whose references point into `document`'s components."""
    root = {**schema, "components": document["components"]}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_fits(document: dict, path: str, method: str, response: TestResponse) -> None:
    """Fail unless the answer's status is documented for the operation and its body fits."""
    answers = document["paths"][path][method]["responses"]
    assert str(response.status_code) in answers, f"{response.status_code} is not documented"
    schema = answers[str(response.status_code)]["content"]["application/json"]["schema"]
    validator(document, schema).validate(response.json)


@pytest.mark.parametrize("case", sorted(ANSWERS))
def test_every_answer_fits_the_served_document(client, case):
    send, path, method, status = ANSWERS[case]
    response = send(client)
    assert response.status_code == status, response.json
    assert_fits(client.get("/openapi.json").json, path, method, response)


def test_answers_while_the_model_loads_fit_the_document(client, predictor):
    document = client.get("/openapi.json").json
    predictor.ready = False
    try:
        health = client.get("/health")
        predicted = client.post("/predict", data=JPEG, content_type="image/jpeg")
    finally:
        predictor.ready = True
    assert (health.status_code, predicted.status_code) == (503, 503)
    assert_fits(document, "/health", "get", health)
    assert_fits(document, "/predict", "post", predicted)


def test_localize_without_a_segmenter_fits_the_document(predictor, model_path):
    from backend.app import create_app
    from backend.settings import Settings

    client = create_app(
        Settings(model_path=model_path, segmenter_path=None), predictor
    ).test_client()
    response = client.post("/localize", data=JPEG, content_type="image/jpeg")
    assert response.status_code == 503
    assert_fits(client.get("/openapi.json").json, "/localize", "post", response)


@pytest.mark.parametrize(
    ("send", "status"),
    [(lambda c: c.get("/nothing-here"), 404), (lambda c: c.get("/predict"), 405)],
    ids=["404", "405"],
)
def test_errors_outside_any_operation_are_the_documented_error_body(client, send, status):
    document = client.get("/openapi.json").json
    response = send(client)
    assert response.status_code == status
    validator(document, {"$ref": "#/components/schemas/ErrorBody"}).validate(response.json)


def test_the_document_is_valid_json_schema_throughout(client):
    document = client.get("/openapi.json").json
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_every_route_is_documented(app):
    missing = [
        f"{method.upper()} {path}" for (path, method), op in operations(app).items() if not op
    ]
    assert missing == [], (
        "decorate each route's view with @documented(Operation(...)) from backend.openapi"
    )


def test_the_document_lists_the_six_accepted_media_types_exactly(client):
    body = client.get("/openapi.json").json["paths"]["/predict"]["post"]["requestBody"]
    assert list(body["content"]) == [
        "multipart/form-data",
        "image/jpeg",
        "image/png",
        "image/bmp",
        "image/webp",
        "image/tiff",
        "application/dicom",
    ]
    multipart = body["content"]["multipart/form-data"]["schema"]
    assert multipart["required"] == ["file"] and multipart["properties"]["file"]["minItems"] == 1


def test_class_is_an_enum_of_the_class_codes_in_query_and_form(client):
    operation = client.get("/openapi.json").json["paths"]["/localize"]["post"]
    (parameter,) = [p for p in operation["parameters"] if p["name"] == "class"]
    form_field = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert parameter["schema"]["enum"] == list(CLASS_CODES)
    assert form_field["properties"]["class"]["enum"] == list(CLASS_CODES)


@pytest.mark.parametrize("path", ["/predict", "/localize"])
def test_model_is_an_enum_of_the_loaded_models_in_query_and_form(client, path):
    operation = client.get("/openapi.json").json["paths"][path]["post"]
    (parameter,) = [p for p in operation["parameters"] if p["name"] == "model"]
    form_field = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert parameter["schema"]["enum"] == ["resnet_small_2x"] and not parameter["required"]
    assert form_field["properties"]["model"]["enum"] == ["resnet_small_2x"]


@pytest.mark.parametrize("path", ["/predict", "/localize"])
def test_the_upload_form_declares_that_other_fields_are_refused(client, path):
    body = client.get("/openapi.json").json["paths"][path]["post"]["requestBody"]
    assert body["content"]["multipart/form-data"]["schema"]["additionalProperties"] is False


def test_an_empty_file_among_several_is_documented_as_answered_in_the_results(client):
    """Schemathesis found the document forbidding what the server rightly accepts: an empty file
    beside a good one is answered 200, the empty one with its own error."""
    body = client.get("/openapi.json").json["paths"]["/predict"]["post"]["requestBody"]
    files = body["content"]["multipart/form-data"]["schema"]["properties"]["file"]
    assert files["minItems"] == 1 and "minLength" not in files["items"]
    image = encode(lesion_like_image(40, 30), "PNG")
    data = {"file": [(io.BytesIO(image), "a.png"), (io.BytesIO(b""), "b.png")]}
    answer = client.post("/predict", data=data, content_type="multipart/form-data")
    first, second = answer.json["results"]
    assert answer.status_code == 200 and first["label"] and second["error"]["code"] == "empty_file"


@pytest.mark.parametrize(
    ("schema", "field", "order"),
    [
        ("ModelSummary", "input_size", "[height, width] it sees: height first"),
        ("ServedModel", "input_size", "[height, width, channels] it sees: height first"),
        ("InputCheckDescription", "input_size", "[height, width] it sees: height first"),
        ("SegmenterDescription", "input_size", "[width, height] it sees: width first"),
        ("LocalizeAnswer", "heatmap_size", "[width, height] of heatmap_png: width first"),
    ],
)
def test_the_document_says_which_side_comes_first_in_each_size(client, schema, field, order):
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    assert schemas[schema]["properties"][field]["description"].startswith(order)


def test_fields_the_server_always_sends_are_required_in_the_document(client):
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    assert "file" in schemas["Prediction"]["required"]
    assert schemas["Probabilities"]["required"] == list(CLASS_CODES)


def test_a_new_route_is_documented_by_declaring_its_types(app, client):
    @documented(Operation("A route added later", {200: Reply("still alive", Liveness)}))
    def extra():
        return {"status": "alive"}

    app.add_url_rule("/extra", view_func=extra)
    operation = client.get("/openapi.json").json["paths"]["/extra"]["get"]
    assert operation["summary"] == "A route added later"
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Liveness"
    }


def test_api_keys_and_a_rate_limit_are_documented_where_they_apply(predictor, model_path):
    from backend.app import create_app
    from backend.settings import Settings

    settings = Settings(
        model_path=model_path,
        segmenter_path=None,
        api_keys=("k" * 16,),
        rate_limit="1000/minute",
    )
    client = create_app(settings, predictor).test_client()
    document = client.get("/openapi.json", headers={"Authorization": f"Bearer {'k' * 16}"}).json
    predict = document["paths"]["/predict"]["post"]
    health = document["paths"]["/health"]["get"]
    assert {"401", "429"} <= set(predict["responses"]) and predict["security"] == [{"apiKey": []}]
    assert "401" not in health["responses"] and "security" not in health
    assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    refused = client.post("/predict", data=JPEG, content_type="image/jpeg")
    assert refused.status_code == 401
    assert_fits(document, "/predict", "post", refused)


def test_without_keys_or_limits_the_document_has_neither(client):
    document = client.get("/openapi.json").json
    assert "401" not in document["paths"]["/predict"]["post"]["responses"]
    assert "securitySchemes" not in document["components"]

"""Request parameters: names a route does not take are refused, and the query and the form must
agree, through the functions and through Flask's test client."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import MultiDict

from backend.errors import ApiError
from backend.params import accepted_names, agreed, refuse_unknown
from lesion_api.requests import LocalizeQuery, PredictQuery
from tests.conftest import encode, lesion_like_image

JPEG = encode(lesion_like_image())


def upload(**fields: str) -> dict:
    """Return a multipart form with one image as field `file` and the given text fields."""
    return {"file": (io.BytesIO(JPEG), "lesion.jpg"), **fields}


def test_accepted_names_are_the_wire_names():
    assert accepted_names(LocalizeQuery) == ["model", "class", "age", "sex", "site"]


def test_agreed_keeps_one_value_given_in_both_places():
    assert agreed(MultiDict({"model": "a"}), MultiDict({"model": "a"})) == MultiDict({"model": "a"})


def test_agreed_refuses_a_name_repeated_with_another_value_in_one_place():
    with pytest.raises(ApiError) as refused:
        agreed(MultiDict([("class", "mel"), ("class", "nv")]), MultiDict())
    assert refused.value.code == "conflicting_parameters"
    assert "'mel' (query) and 'nv' (query)" in refused.value.message


def test_refuse_unknown_lets_the_upload_field_through_the_form_only():
    refuse_unknown("/predict", PredictQuery, [], ["file", "model"], upload="file")
    with pytest.raises(ApiError) as refused:
        refuse_unknown("/predict", PredictQuery, ["file"], [], upload="file")
    assert "'file' (query parameter)" in refused.value.message


def test_query_and_form_that_disagree_are_a_400_naming_both_values(client):
    response = client.post("/localize?class=mel", data=upload(**{"class": "nv"}))
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "conflicting_parameters"
    assert "class is given as 'mel' (query) and 'nv' (form)" in error["message"]


def test_query_and_form_that_agree_are_answered(client):
    response = client.post("/predict?model=resnet_small_2x", data=upload(model="resnet_small_2x"))
    assert response.status_code == 200, response.json


@pytest.mark.parametrize("path", ["/predict", "/localize"])
@pytest.mark.parametrize("where", ["query", "form", "both"])
def test_an_unknown_model_is_a_404_wherever_it_is_given(client, path, where):
    query = "?model=AAA" if where in ("query", "both") else ""
    form = {"model": "AAA"} if where in ("form", "both") else {}
    response = client.post(path + query, data=upload(**form))
    assert response.status_code == 404
    assert response.json["error"]["code"] == "unknown_model"
    assert "'AAA'" in response.json["error"]["message"]


@pytest.mark.parametrize("where", ["query", "form"])
def test_an_unknown_model_beside_a_served_one_is_still_the_404(client, where):
    query, form = ("AAA", "resnet_small_2x") if where == "query" else ("resnet_small_2x", "AAA")
    response = client.post(f"/predict?model={query}", data=upload(model=form))
    assert response.status_code == 404
    assert "resnet_small_2x" in response.json["error"]["message"]


@pytest.mark.parametrize(
    ("send", "named"),
    [
        (lambda c: c.post("/predict", data=upload(**{"class": "mel"})), "'class' (form field)"),
        (lambda c: c.post("/predict?class=mel", data=upload()), "'class' (query parameter)"),
        (lambda c: c.post("/predict?file=x.jpg", data=upload()), "'file' (query parameter)"),
        (lambda c: c.post("/localize?modle=x", data=upload()), "'modle' (query parameter)"),
        (
            lambda c: c.post("/predict", data=JPEG, content_type="image/jpeg", query_string="x=1"),
            "'x' (query parameter)",
        ),
        (
            lambda c: c.post("/predict", data={**upload(), "image": (io.BytesIO(JPEG), "b.jpg")}),
            "'image' (form field)",
        ),
    ],
    ids=["predict_form", "predict_query", "file_in_query", "localize_typo", "raw_body", "upload"],
)
def test_a_parameter_the_route_does_not_take_is_a_400_naming_it(client, send, named):
    response = send(client)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "unknown_parameter"
    assert named in response.json["error"]["message"]


@pytest.mark.parametrize(
    ("path", "takes"),
    [("/predict", "model, age, sex, site"), ("/localize", "model, class, age, sex, site")],
)
def test_the_unknown_parameter_error_lists_the_accepted_ones(client, path, takes):
    message = client.post(path, data=upload(colour="red")).json["error"]["message"]
    assert f"it takes {takes} (query parameters or form fields)" in message
    assert "images in form field 'file'" in message

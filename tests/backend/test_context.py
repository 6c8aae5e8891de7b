"""Clinical context on /predict and /localize: age, sex and site as parameters or from a DICOM
file's tags, each checked, reported in the answer and used by a classifier's context model."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from flask.testing import FlaskClient
from PIL import Image

from backend.app import create_app
from backend.settings import Settings
from lesion_core.labels import CLASS_CODES
from lesion_runtime.context_head import CONTEXT_FILE, FEATURES, ContextHead
from lesion_runtime.model_file import model_name, model_version
from lesion_runtime.predictor import Predictor
from tests.conftest import SHIPPED_MODEL, SHIPPED_SEGMENTER
from tests.dicom_files import dicom_of

SAMPLE = SHIPPED_MODEL.parents[2] / "samples" / "ISIC_0024400.jpg"
# Half size: Werkzeug's test client spools a body over 500 kB to a file it never closes.
SMALL = Image.open(SAMPLE).reduce(2)
MEL = CLASS_CODES.index("mel")


@pytest.fixture(scope="module")
def with_context(tmp_path_factory) -> Path:
    """The shipped 28×28 classifier beside a context model that moves answers toward melanoma
    for the back and with age."""
    folder = tmp_path_factory.mktemp("contextual") / "resnet_small_2x"
    folder.mkdir()
    for name in ("model.onnx", "config.json", "metrics.json"):
        shutil.copy(SHIPPED_MODEL.parent / name, folder / name)
    weights = np.zeros((len(FEATURES), len(CLASS_CODES)))
    weights[FEATURES.index("site:posterior torso"), MEL] = 3.0
    weights[FEATURES.index("age"), MEL] = 1.0
    version = model_version(folder / "model.onnx", model_name(folder / "model.onnx"))
    head = ContextHead(weights, np.zeros(len(FEATURES)), version)
    (folder / CONTEXT_FILE).write_text(json.dumps(head.as_dict()))
    return folder / "model.onnx"


@pytest.fixture(scope="module")
def client(with_context: Path) -> FlaskClient:
    settings = Settings(model_path=with_context, segmenter_path=SHIPPED_SEGMENTER)
    return create_app(settings, Predictor(with_context)).test_client()


def post(client: FlaskClient, route: str = "/predict", data: bytes | None = None, **fields):
    """POST the sample (or `data`) with form `fields`; return the response."""
    image = SAMPLE.read_bytes() if data is None else data
    return client.post(route, data={"file": (io.BytesIO(image), "x"), **fields})


def test_without_context_the_answer_is_the_classifiers_own(client):
    plain = post(client).get_json()
    assert plain["context"] is None
    unknown = post(client, sex="unknown", site="unknown", age="unknown").get_json()
    assert unknown["probabilities"] == plain["probabilities"] and unknown["context"] is None


@pytest.mark.parametrize("route", ["/predict", "/localize"])
def test_context_reaches_the_context_model_and_the_answer_says_so(client, route):
    plain = post(client, route).get_json()
    moved = post(client, route, age="75", sex="male", site="back").get_json()
    assert moved["context"] == {
        "age": 75.0, "sex": "male", "site": "posterior torso", "from_dicom": [], "used": True
    }  # fmt: skip
    assert moved["probabilities"]["mel"] > plain["probabilities"]["mel"]


def test_context_in_the_query_counts_like_a_form_field(client):
    answer = client.post(
        "/predict?site=posterior%20torso&age=75",
        data={"file": (io.BytesIO(SAMPLE.read_bytes()), "x")},
    ).get_json()
    assert answer["context"]["site"] == "posterior torso" and answer["context"]["used"]


@pytest.mark.parametrize(
    ("field", "value", "code", "says"),
    [
        ("age", "121", "invalid_age", "less than or equal to 120"),
        ("age", "old", "invalid_age", "age 'old' is not accepted"),
        ("sex", "x", "invalid_sex", "'male', 'female' or 'unknown'"),
        ("site", "elbow", "invalid_site", "'head/neck', 'upper extremity'"),
    ],
)
def test_a_bad_value_is_a_400_naming_the_field_and_what_it_takes(client, field, value, code, says):
    answer = post(client, **{field: value})
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == code and says in error["message"]


def test_a_classifier_without_a_context_model_says_the_context_was_not_used(app):
    answer = app.test_client().post(
        "/predict", data={"file": (io.BytesIO(SAMPLE.read_bytes()), "x"), "age": "40"}
    )
    assert answer.get_json()["context"] == {
        "age": 40.0, "sex": None, "site": None, "from_dicom": [], "used": False
    }  # fmt: skip


def test_models_says_which_classifiers_use_context(client):
    (model,) = client.get("/models").get_json()["models"]
    assert model["uses_context"] is True


@pytest.mark.parametrize("compressed", [False, True])
def test_a_dicom_file_is_classified_with_the_context_its_tags_give(client, compressed):
    data = dicom_of(SMALL, compressed=compressed, age="075Y", sex="M", region="Back")
    answer = post(client, data=data)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["context"] == {
        "age": 75.0,
        "sex": "male",
        "site": "posterior torso",
        "from_dicom": ["age", "sex", "site"],
        "used": True,
    }
    as_jpeg = post(client, age="75", sex="male", site="back").get_json()
    for code in CLASS_CODES:  # the same image, whether JPEG or DICOM (JPEG: one more encode)
        assert body["probabilities"][code] == pytest.approx(
            as_jpeg["probabilities"][code], abs=0.05
        )
    assert "Doe" not in answer.get_data(as_text=True) and "123456" not in answer.get_data(
        as_text=True
    )


def test_a_field_given_with_a_dicom_file_wins_over_its_tag(client):
    data = dicom_of(SMALL, age="075Y", sex="M", region="Back")
    body = post(client, data=data, site="face").get_json()
    assert body["context"]["site"] == "head/neck" and body["context"]["from_dicom"] == [
        "age",
        "sex",
    ]


def test_a_dicom_file_without_an_image_is_refused(client):
    answer = post(client, data=dicom_of(SMALL, pixels=False))
    assert answer.status_code == 400
    assert "holds no image" in answer.get_json()["error"]["message"]


def test_a_dicom_file_in_a_syntax_that_cannot_be_decoded_is_a_415(client):
    answer = post(client, data=dicom_of(SMALL, syntax="jpeg-ls"))
    assert answer.status_code == 415
    assert "transfer syntax" in answer.get_json()["error"]["message"]


def test_a_dicom_file_may_come_as_the_raw_body(client):
    data = dicom_of(SMALL, age="030Y", sex="F")
    answer = client.post("/predict", data=data, content_type="application/dicom")
    assert answer.status_code == 200
    assert answer.get_json()["context"]["from_dicom"] == ["age", "sex"]

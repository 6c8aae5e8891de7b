"""The prediction types: rounded probabilities of exactly the seven classes, or a refusal."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lesion_api.predictions import FileError, PredictAnswer, Prediction, PredictionList
from lesion_core.labels import CLASS_CODES

VALUES = (0.01, 0.02, 0.03, 0.04, 0.123456789, 0.78, 0.000043)
PROBABILITIES = dict(zip(CLASS_CODES, VALUES, strict=True))


def prediction(**changes: object) -> Prediction:
    fields = {
        "file": "a.jpg",
        "label": "nv",
        "label_name": "Melanocytic nevi",
        "malignant": False,
        "confidence": 0.78,
        "probabilities": PROBABILITIES,
        "model_version": "m-1",
    }
    return Prediction.model_validate(fields | changes)


def test_probabilities_are_rounded_to_four_decimals_on_the_way_in() -> None:
    probabilities = prediction().probabilities
    assert probabilities["mel"] == 0.1235 and probabilities["vasc"] == 0.0


def test_a_float32_overshoot_of_one_rounds_to_one_instead_of_failing() -> None:
    assert prediction(confidence=1.0000001).confidence == 1.0


@pytest.mark.parametrize(
    "probabilities",
    [
        {k: v for k, v in PROBABILITIES.items() if k != "vasc"},
        PROBABILITIES | {"other": 0.1},
        PROBABILITIES | {"mel": 1.5},
    ],
    ids=["missing class", "unknown class", "above one"],
)
def test_probabilities_must_be_the_seven_classes_between_zero_and_one(probabilities) -> None:
    with pytest.raises(ValidationError):
        prediction(probabilities=probabilities)


def test_an_unknown_label_is_refused() -> None:
    with pytest.raises(ValidationError):
        prediction(label="melanoma")


def test_a_single_answer_and_a_list_are_told_apart() -> None:
    one = PredictAnswer.model_validate(prediction().model_dump()).root
    refused = {"file": "b.gif", "error": {"code": "unsupported_image_type", "message": "GIF"}}
    many = PredictAnswer.model_validate(
        {"results": [prediction().model_dump(), refused], "model_version": "m-1"}
    ).root
    assert isinstance(one, Prediction)
    assert isinstance(many, PredictionList)
    assert [type(r) for r in many.results] == [Prediction, FileError]


def test_fields_a_newer_server_adds_are_ignored() -> None:
    assert prediction(second_opinion={"ok": True}).label == "nv"


def test_the_document_requires_what_the_server_always_sends() -> None:
    schema = Prediction.model_json_schema(mode="serialization")
    assert schema["required"][0] == "file"
    assert "file" not in Prediction.model_json_schema(mode="validation")["required"]

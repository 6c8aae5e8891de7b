"""One output row per image."""

from __future__ import annotations

from lesion_api.predictions import InputCheck, Prediction
from lesion_cli.rows import COLUMNS, ISIC_COLUMNS, Row
from lesion_core.labels import CLASS_CODES


def test_the_isic_columns_are_the_class_codes_in_capitals():
    assert sorted(column.lower() for column in ISIC_COLUMNS) == sorted(CLASS_CODES)


def test_a_row_carries_the_answer_and_the_input_checks_verdict():
    probabilities = dict(zip(CLASS_CODES, [0.1, 0.0, 0.0, 0.0, 0.7, 0.2, 0.0], strict=True))
    check = InputCheck(
        dermoscopic=False,
        score=0.2,
        warnings=["a", "b"],
        warning_codes=[
            "not_dermoscopic",
            "blurred",
        ],
    )
    prediction = Prediction(
        file="x.jpg",
        label="mel",
        label_name="Melanoma",
        malignant=True,
        confidence=0.7,
        probabilities=probabilities,
        model_version="m-123",
        input_check=check,
    )
    record = Row.answered("dir/x.jpg", "m", prediction).record()
    assert list(record) == list(COLUMNS)
    assert record["mel"] == 0.7 and record["label"] == "mel" and record["error"] is None
    assert record["dermoscopic"] is False and record["input_check_score"] == 0.2
    assert record["warning_codes"] == ["not_dermoscopic", "blurred"]


def test_a_failed_row_names_its_file_as_a_lone_upload_would_be_named():
    message = "file 3 ('x (1).jpg'): not an image, or damaged beyond reading"
    row = Row.failed("dir/x (1).jpg", "m", "m-123", "invalid_image", message, "x (1).jpg")
    assert row.error == "invalid_image: 'x (1).jpg': not an image, or damaged beyond reading"
    assert row.record()["akiec"] is None and row.record()["model_version"] == "m-123"

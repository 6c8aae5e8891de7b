"""The result tables: one image's classes, and one row per image."""

from __future__ import annotations

import pytest

from frontend.client import BackendError
from frontend.responses import InputCheck, LesionClass, Prediction, parse_metadata
from frontend.results import percent, probability_frame, summary_frame, summary_table
from tests.frontend.stub_backend import CODES, METADATA_OK

CLASSES: tuple[LesionClass, ...] = parse_metadata(METADATA_OK).classes
PROBABILITIES = dict(zip(CODES, (0.05, 0.10, 0.02, 0.01, 0.60, 0.20, 0.02), strict=True))
MEL = Prediction(
    label="mel",
    label_name="Melanoma",
    malignant=True,
    confidence=0.60,
    probabilities=PROBABILITIES,
    model_version="v1",
)


def test_percent_has_one_decimal() -> None:
    assert percent(0.71234) == "71.2%"


def test_probability_frame_lists_all_classes_most_probable_first() -> None:
    frame = probability_frame(MEL, CLASSES)
    assert frame["Class"].tolist()[:2] == ["Melanoma (mel)", "Melanocytic nevi (nv)"]
    assert len(frame) == 7
    assert frame["Probability (%)"].is_monotonic_decreasing
    assert frame["Type"].tolist()[0] == "malignant"


def test_summary_frame_has_a_row_per_image_and_errors_in_words() -> None:
    frame = summary_frame(["a.jpg", "b.png"], [MEL, BackendError("unreadable", 400)], CLASSES)
    assert frame["Image"].tolist() == ["a.jpg", "b.png"]
    assert frame.loc[0, "Predicted class"] == "Melanoma"
    assert frame.loc[0, "Tag"] == "malignant"
    assert frame.loc[0, "mel"] == 0.6
    assert frame.loc[1, "Error"] == "unreadable"


def test_summary_table_prints_every_percentage_with_one_decimal() -> None:
    rounding = MEL.model_copy(
        update={
            "label": "nv",
            "label_name": "Melanocytic nevi",
            "malignant": False,
            "confidence": 0.4682,
            "probabilities": PROBABILITIES | {"nv": 0.4682, "df": 0.0},
        }
    )
    frame = summary_frame(["a.jpg", "b.jpg"], [MEL, rounding], CLASSES)
    html = summary_table(frame, CODES).to_html()
    for shown in ("60.0%", "46.8%", "5.0%", "0.0%"):
        assert f">{shown}</td>" in html
    assert "0.6</td>" not in html and "46.82" not in html


def test_summary_table_shows_a_refusal_in_full_in_its_row() -> None:
    reason = "The backend refused the upload: 'b.png': " + "a long reason, " * 10 + "in full."
    frame = summary_frame(["a.jpg", "b.png"], [MEL, BackendError(reason, 400)], CLASSES)
    styler = summary_table(frame, CODES)
    shown = styler.data
    assert shown.columns.tolist() == [
        "Image",
        "Predicted class",
        "Probability",
        "Tag",
        "Input check",
        *CODES,
    ]
    assert shown.loc[0, "Predicted class"] == "Melanoma (mel)"
    assert shown.loc[1, "Predicted class"] == reason
    assert reason in styler.to_html()


@pytest.mark.parametrize(
    ("check", "shown"),
    [
        (None, None),
        ({"dermoscopic": True, "score": 0.99, "warnings": []}, "passed"),
        (
            {
                "dermoscopic": True,
                "score": 0.9,
                "warnings": ["Too dark.", "Too small."],
                "warning_codes": ["too_dark", "too_small"],
            },
            "quality: too dark, too small",
        ),
        ({"dermoscopic": True, "score": 0.9, "warnings": ["Too dark."]}, "quality: 1 warning"),
        ({"dermoscopic": False, "score": 0.1, "warnings": ["Not."]}, "not dermoscopic: unreliable"),
    ],
)
def test_summary_gives_each_image_the_input_checks_verdict(check, shown) -> None:
    prediction = MEL.model_copy(update={"input_check": check and InputCheck(**check)})
    frame = summary_frame(["a.jpg"], [prediction], CLASSES)
    assert frame.loc[0, "Input check"] == shown

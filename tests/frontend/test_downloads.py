"""The page's CSV download rows: an answer or a refusal per upload and model, as `lesion predict`
writes them."""

from __future__ import annotations

from frontend.client import BackendError
from frontend.downloads import Answerer, answer_row, answerer
from frontend.responses import Health, InputCheck, ModelSummary, Prediction
from lesion_api.rows import COLUMNS
from tests.frontend.stub_backend import CODES

MODEL = Answerer("paper_cnn", "paper_cnn-ebda7fd5c075")
MEL = Prediction(
    label="mel",
    label_name="Melanoma",
    malignant=True,
    confidence=0.6,
    probabilities=dict(zip(CODES, (0.05, 0.10, 0.02, 0.01, 0.60, 0.20, 0.02), strict=True)),
    model_version=MODEL.version,
    input_check=InputCheck(
        dermoscopic=True, score=0.93, warnings=["Too dark."], warning_codes=["too_dark"]
    ),
)


def test_an_answer_gives_every_probability_the_label_the_model_and_the_input_check():
    cells = dict(zip(COLUMNS, answer_row("a.jpg", MODEL, MEL).cells(), strict=True))
    assert cells["path"] == "a.jpg" and cells["mel"] == "0.6" and cells["label"] == "mel"
    assert (cells["model"], cells["model_version"]) == ("paper_cnn", "paper_cnn-ebda7fd5c075")
    assert (cells["dermoscopic"], cells["input_check_score"]) == ("true", "0.93")
    assert cells["warning_codes"] == "too_dark" and cells["error"] == ""


def test_a_refusal_keeps_the_services_code_and_message_naming_the_file_alone():
    refusal = BackendError(
        "The backend refused the upload: file 2 ('b.png'): not an image.",
        400,
        "invalid_image",
        "file 2 ('b.png'): not an image",
    )
    row = answer_row("b.png", MODEL, refusal)
    assert row.error == "invalid_image: 'b.png': not an image"
    assert row.probabilities is None and row.model_version == MODEL.version


def test_an_error_without_the_services_words_keeps_the_pages():
    row = answer_row("b.png", MODEL, BackendError("Cannot reach the backend."))
    assert row.error == "error: Cannot reach the backend."


def test_the_answerer_is_the_picked_model_or_the_one_health_names():
    picked = ModelSummary(name="wide", version="wide-1", input_size=[120, 160], metrics={})
    assert answerer(picked, Health("x", "x-1")) == Answerer("wide", "wide-1")
    assert answerer(None, Health("x", "x-1")) == Answerer("x", "x-1")

"""One answer in words: the probability of a malignant class, what the model's probabilities
mean, and an ensemble's agreement; under AppTest against the real backend and a stand-in."""

from __future__ import annotations

import json

import pytest
import requests
from streamlit.testing.v1 import AppTest

from frontend.answer_summary import (
    CALIBRATED,
    NOT_DERMOSCOPIC_NOTE,
    POORLY_CALIBRATED,
    UNMEASURED,
    agreement_note,
    calibration_note,
)
from frontend.responses import Agreement
from frontend.results import percent
from tests.frontend.stub_backend import AGREEING, DISAGREEING, StubBackend
from tests.servers import REPO_ROOT

pytestmark = [pytest.mark.server, pytest.mark.heavy(15)]

APP = str(REPO_ROOT / "frontend" / "app.py")
MELANOMA = REPO_ROOT / "samples" / "ISIC_0024400.jpg"  # histopathology-confirmed, held out
MALIGNANT_CODES = ("akiec", "bcc", "mel")


def run_app(monkeypatch: pytest.MonkeyPatch, backend_url: str) -> AppTest:
    monkeypatch.setenv("BACKEND_URL", backend_url)
    return AppTest.from_file(APP, default_timeout=60).run()


def show_sample(at: AppTest, model: str | None = None) -> AppTest:
    """Return the page showing the melanoma sample, as `model` (None: the preselected) answers."""
    if model is not None:
        at.selectbox(key="model").select(model).run()
    return at.selectbox(key="sample").select("ISIC_0024400").run()


def ece(name: str) -> float:
    """Return a shipped model's held-out calibration error as the API gives it."""
    metrics = json.loads((REPO_ROOT / "models" / name / "metrics.json").read_text())
    return round(metrics["test"]["ece"], 4)


def test_calibration_note_says_what_a_calibrated_probability_means() -> None:
    assert calibration_note(0.0488) == (CALIBRATED.format(ece=0.0488), False)
    assert "of the answers it gave with 70%, about 70% were right" in CALIBRATED
    # Each sentence is about the model on held-out images, never about the image at hand.
    assert all(
        note.startswith("About the model, not this image:")
        for note in (CALIBRATED, UNMEASURED, POORLY_CALIBRATED)
    )
    assert calibration_note(None) == (UNMEASURED, False)


def test_calibration_note_warns_above_the_limit() -> None:
    text, poor = calibration_note(0.2129)
    assert poor and text == POORLY_CALIBRATED.format(ece=0.2129)
    assert "poorly calibrated (calibration error 0.21 on held-out test images)" in text


def test_agreeing_members_are_named_with_their_answers() -> None:
    note = agreement_note(Agreement.model_validate(AGREEING), "mel")
    assert (
        note
        == "Both members put mel first: efficientnet_lite0 mel 71.0%; resnet_small_2x mel 64.0%."
    )


def test_members_that_agree_with_each_other_but_not_the_ensemble_cannot_read_as_agreement() -> None:
    # The ensemble answers bcc while each member puts bkl first: the note gives each member's
    # probability of bcc beside its own top class, and counts no member for bcc.
    members = [
        m | {"label": "bkl", "answer_probability": p}
        for m, p in zip(AGREEING["members"], (0.31, 0.28), strict=True)
    ]
    note = agreement_note(Agreement(agree=False, agreeing=0, members=members), "bcc")
    assert note == (
        "None of its two members puts bcc first: efficientnet_lite0 bcc 31.0% (its top: bkl "
        "71.0%); resnet_small_2x bcc 28.0% (its top: bkl 64.0%) — treat this answer with more "
        "caution."
    )


@pytest.mark.parametrize(
    ("agreement", "expected"),
    [
        (
            AGREEING,
            "Both members put mel first: efficientnet_lite0 mel 71.0%; resnet_small_2x mel 64.0%.",
        ),
        (
            DISAGREEING,
            "One of its two members puts mel first: efficientnet_lite0 mel 71.0%; "
            "resnet_small_2x mel 30.0% (its top: bkl 52.0%) — treat this answer with more "
            "caution.",
        ),
    ],
    ids=["agree", "disagree"],
)
def test_an_ensembles_card_says_whether_its_members_agree(
    monkeypatch: pytest.MonkeyPatch,
    stub_backend: StubBackend,
    sample_jpeg: bytes,
    agreement: dict,
    expected: str,
) -> None:
    at = run_app(monkeypatch, stub_backend.healthy().classifying(agreement=agreement).url)
    at.file_uploader(key="uploads").set_value(("lesion.jpg", sample_jpeg, "image/jpeg")).run()
    assert not at.exception and not at.error
    if agreement["agree"]:
        assert expected in [c.value for c in at.caption]
        assert not any("members" in w.value for w in at.warning)
    else:
        assert expected in [w.value for w in at.warning], "a disagreement is a warning"


def test_an_image_that_is_not_dermoscopy_gets_its_warning_and_no_reassuring_lines(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    check = {
        "dermoscopic": False,
        "score": 0.03,
        "warnings": ["This does not look like a dermoscopic image."],
        "warning_codes": ["not_dermoscopic"],
    }
    backend = stub_backend.healthy().classifying(agreement=AGREEING, input_check=check)
    at = run_app(monkeypatch, backend.url)
    at.file_uploader(key="uploads").set_value(("photo.jpg", sample_jpeg, "image/jpeg")).run()
    assert not at.exception
    assert "Not a dermoscopic lesion image?" in at.error[0].value
    said = [e.value for e in [*at.caption, *at.warning]]
    assert NOT_DERMOSCOPIC_NOTE in said
    assert not any("members" in line or "About the model" in line for line in said)


def test_a_single_models_card_says_nothing_of_members(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    at = run_app(monkeypatch, stub_backend.healthy().classifying().url)
    at.file_uploader(key="uploads").set_value(("lesion.jpg", sample_jpeg, "image/jpeg")).run()
    assert not at.exception and not at.error
    assert not any("members" in e.value for e in [*at.caption, *at.warning])


def test_a_benign_top_class_comes_with_the_probability_of_a_malignant_class(
    monkeypatch: pytest.MonkeyPatch, models_backend: str
) -> None:
    # resnet_small_2x calls this melanoma benign keratosis, with much of its mass on melanoma.
    at = show_sample(run_app(monkeypatch, models_backend), "resnet_small_2x")
    assert not at.exception and not at.error
    answer = requests.post(
        f"{models_backend}/localize",
        files={"file": MELANOMA.read_bytes()},
        data={"model": "resnet_small_2x"},
        timeout=60,
    ).json()
    total = sum(answer["probabilities"][code] for code in MALIGNANT_CODES)
    assert not answer["malignant"] and total > 0.2, "the case issue #27 describes"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Probability of a malignant class"] == percent(total)
    assert metrics["Probability of this class"] == percent(answer["confidence"])


def test_a_calibrated_models_card_says_what_its_probabilities_mean(
    monkeypatch: pytest.MonkeyPatch, models_backend: str
) -> None:
    at = show_sample(run_app(monkeypatch, models_backend), "resnet_small_2x")
    assert CALIBRATED.format(ece=ece("resnet_small_2x")) in [c.value for c in at.caption]
    assert not any("calibrat" in w.value for w in at.warning)


def test_a_poorly_calibrated_models_card_warns_so(
    monkeypatch: pytest.MonkeyPatch, models_backend: str
) -> None:
    at = show_sample(run_app(monkeypatch, models_backend), "paper_cnn")
    assert not at.exception and not at.error
    assert POORLY_CALIBRATED.format(ece=ece("paper_cnn")) in [w.value for w in at.warning]

"""The page's optional age, sex and site per image: sent with that image only, shown with its
answer and in its PDF, remembered per image."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from frontend.analysis import fingerprint
from frontend.context_inputs import context_line
from tests.frontend.stub_backend import StubBackend
from tests.servers import REPO_ROOT

APP = str(REPO_ROOT / "frontend" / "app.py")
USED = {"age": 70.0, "sex": "male", "site": "posterior torso", "from_dicom": [], "used": True}


def run_app(monkeypatch: pytest.MonkeyPatch, url: str) -> AppTest:
    monkeypatch.setenv("BACKEND_URL", url)
    return AppTest.from_file(APP, default_timeout=60).run()


def test_the_context_given_for_an_image_goes_with_its_request_and_shows_with_its_answer(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    backend = stub_backend.healthy().classifying(context=USED).localizing(available=False)
    at = run_app(monkeypatch, backend.url)
    at.file_uploader(key="uploads").set_value(("a.jpg", sample_jpeg, "image/jpeg")).run()
    key = fingerprint(sample_jpeg)[:16]
    at.number_input(key=f"age_{key}").set_value(70)
    at.selectbox(key=f"sex_{key}").set_value("male")
    at.selectbox(key=f"site_{key}").set_value("posterior torso").run()
    assert not at.exception
    sent = [r.fields for r in backend.received if r.path == "/predict"][-1]
    assert sent == {"age": "70", "sex": "male", "site": "posterior torso"}
    assert "Context: age 70, male, posterior torso (used by this model)." in [
        c.value for c in at.caption
    ]


def test_without_context_nothing_is_sent_and_nothing_is_said(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, sample_jpeg: bytes
) -> None:
    backend = stub_backend.healthy().classifying().localizing(available=False)
    at = run_app(monkeypatch, backend.url)
    at.file_uploader(key="uploads").set_value(("a.jpg", sample_jpeg, "image/jpeg")).run()
    assert not at.exception
    sent = [r.fields for r in backend.received if r.path == "/predict"][-1]
    assert sent == {}
    assert not [c.value for c in at.caption if c.value.startswith("Context:")]


def test_the_context_line_says_when_the_model_could_not_use_it():
    assert context_line(None, None) is None
    line = context_line({"age": 40.0, "sex": None, "site": None}, False)
    assert line == (
        "Context: age 40 (not used: this model has no context model, so the answer is from the "
        "image alone)."
    )


def test_a_dicom_upload_goes_to_the_service_as_it_is_and_is_shown_as_its_image(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend
) -> None:
    from PIL import Image

    from frontend.overlays import open_upload
    from tests.dicom_files import dicom_of

    image = Image.open(REPO_ROOT / "samples" / "ISIC_0024400.jpg").reduce(4)
    data = dicom_of(image, age="064Y", sex="F", region="Skin of back", compressed=True)
    tags = {"age": 64.0, "sex": "female", "site": "posterior torso", "used": True}
    context = tags | {"from_dicom": ["age", "sex", "site"]}
    backend = stub_backend.healthy().classifying(context=context).localizing(available=False)
    at = run_app(monkeypatch, backend.url)
    at.file_uploader(key="uploads").set_value(("lesion.dcm", data, "application/dicom")).run()
    assert not at.exception
    (sent,) = [r for r in backend.received if r.path == "/predict"]
    assert list(sent.files.values()) == [data], "the service reads the tags itself"
    assert open_upload(data).size == image.size
    assert (
        "Context: age 64, female, posterior torso (used by this model; age, sex, site from the "
        "DICOM file)." in [c.value for c in at.caption]
    )

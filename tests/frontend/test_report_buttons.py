"""The PDF report's download buttons under AppTest against a stand-in backend: one on each
answer's card and one for the batch beside the CSV's, each giving a PDF when clicked."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from frontend.downloads import DOWNLOAD_LABEL
from frontend.report_buttons import BATCH_REPORT_KEY, BATCH_REPORT_LABEL, REPORT_LABEL, report_name
from tests.frontend.stub_backend import StubBackend
from tests.servers import REPO_ROOT

APP = str(REPO_ROOT / "frontend" / "app.py")


def uploaded(
    monkeypatch: pytest.MonkeyPatch, stub: StubBackend, files: list[tuple[str, bytes, str]]
) -> AppTest:
    """Return the page after uploading `files` to a stand-in that classifies and localizes."""
    monkeypatch.setenv("BACKEND_URL", stub.healthy().classifying().localizing().url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.file_uploader(key="uploads").set_value(files).run()
    assert not at.exception and not at.error
    return at


def pages(pdf: bytes) -> list[str]:
    """Return the text of each page of `pdf`."""
    assert pdf.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_each_card_offers_its_own_one_page_report(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, sample_jpeg: bytes, generated
) -> None:
    files = [("a.jpg", sample_jpeg, "image/jpeg"), ("b.jpg", sample_jpeg + b"\0", "image/jpeg")]
    at = uploaded(monkeypatch, stub_backend, files)
    for slot, name in (("upload0", "a.jpg"), ("upload1", "b.jpg")):
        assert at.download_button(key=f"report_{slot}").label == REPORT_LABEL
        [text] = pages(generated(at, f"report_{slot}"))
        assert f"Image file: {name}" in text and "Melanoma (mel)" in text
    assert report_name("a.jpg") == "a_report.pdf"


def test_the_batch_report_sits_beside_the_csv_with_a_page_per_upload(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, sample_jpeg: bytes, generated
) -> None:
    files = [(f"{n}.jpg", sample_jpeg + bytes(n), "image/jpeg") for n in range(3)]
    at = uploaded(monkeypatch, stub_backend, files)
    labels = [b.label for b in at.get("download_button")]
    assert labels[:2] == [DOWNLOAD_LABEL, BATCH_REPORT_LABEL], "side by side, above the cards"
    texts = pages(generated(at, BATCH_REPORT_KEY))
    assert [f"Image file: {n}.jpg" in text for n, text in enumerate(texts)] == [True] * 3
    assert len(stub_backend.requests_to("/localize")) == 3, "the reports asked the backend nothing"


def test_a_refused_upload_gets_a_page_in_the_batch(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, sample_jpeg: bytes, generated
) -> None:
    files = [("good.jpg", sample_jpeg, "image/jpeg"), ("broken.png", b"garbage", "image/png")]
    monkeypatch.setenv("BACKEND_URL", stub_backend.healthy().classifying().localizing().url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.file_uploader(key="uploads").set_value(files).run()
    assert not at.exception
    good, broken = pages(generated(at, BATCH_REPORT_KEY))
    assert "Melanoma (mel)" in good
    assert "broken.png" in broken and "not an image" in broken
    assert not [b for b in at.get("download_button") if b.key == "report_upload1"]


def test_the_demo_samples_card_offers_a_report_too(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, generated
) -> None:
    monkeypatch.setenv("BACKEND_URL", stub_backend.healthy().classifying().localizing().url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.selectbox(key="sample").select("ISIC_0024400").run()
    assert not at.exception and not at.error
    [text] = pages(generated(at, "report_sample"))
    assert "Image file: ISIC_0024400.jpg" in text


def test_a_cards_report_has_the_overlays_the_card_shows(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend, sample_jpeg: bytes, generated
) -> None:
    at = uploaded(monkeypatch, stub_backend, [("a.jpg", sample_jpeg, "image/jpeg")])
    [shown] = pages(generated(at, "report_upload0"))
    assert "Heat-map for Melanoma (mel)" in " ".join(shown.split())
    at.toggle(key="heatmap_upload0").set_value(False).run()
    at.toggle(key="outline_upload0").set_value(False).run()
    [plain] = pages(generated(at, "report_upload0"))
    assert "Overlays off: the image as uploaded." in " ".join(plain.split())
    assert "Heat-map for" not in plain

"""The sidebar under AppTest against a stand-in backend: the limits it states, as the uploader
states them."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from frontend.sidebar import held_out_sentence
from tests.frontend.stub_backend import METADATA_OK, StubBackend
from tests.servers import REPO_ROOT

APP = str(REPO_ROOT / "frontend" / "app.py")
# METADATA_OK's limit (10 MB, per request) as the page words it.
LIMIT = "up to 10 MB per image, the service's limit per request"


def test_uploader_and_sidebar_state_the_same_upload_limit(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend
) -> None:
    assert METADATA_OK["limits"]["max_upload_bytes"] == 10 * 2**20
    monkeypatch.setenv("BACKEND_URL", stub_backend.healthy().url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and not at.error
    assert f", {LIMIT})" in at.file_uploader(key="uploads").label
    [limits] = [c.value for c in at.sidebar.caption if c.value.startswith("Limits:")]
    assert (
        limits
        == f"Limits: {LIMIT}; 16 images per request (the page sends more in several requests)."
    )


def test_a_server_without_models_shows_its_only_models_version(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend
) -> None:
    monkeypatch.setenv("BACKEND_URL", stub_backend.healthy().url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    sidebar = [c.value for c in at.sidebar.caption]
    assert "Model version: `stub-1`" in sidebar
    assert "stub has no published figures on held-out lesions yet." in sidebar


def test_held_out_figures_read_as_one_sentence_the_report_prints_too() -> None:
    figures = {"balanced_accuracy": 0.5961, "ece": 0.049}
    assert held_out_sentence("m", figures) == (
        "On lesions it never saw (the model card's test part): balanced accuracy 0.596, "
        "calibration error (ECE) 0.049"
    )

"""The page with several models and the input check, under AppTest against the real backend:
the model picker and what it preselects, the sidebar that follows it, every model side by side,
and answers the input check calls unreliable."""

from __future__ import annotations

import json

import pytest
import requests
from PIL import Image
from streamlit.testing.v1 import AppTest

from frontend.input_check import NOT_DERMOSCOPIC_TITLE
from frontend.model_picker import COMPARE_LABEL, preselection_note
from frontend.responses import parse_models
from lesion_api.predictions import DECIMALS
from lesion_api.rows import COLUMNS
from lesion_core.image_quality import TOO_SMALL
from tests.backend.images import not_dermoscopy
from tests.conftest import encode
from tests.frontend.stub_backend import StubBackend, model_entry
from tests.servers import REPO_ROOT

pytestmark = [pytest.mark.server, pytest.mark.heavy(18)]

APP = str(REPO_ROOT / "frontend" / "app.py")
DERMOSCOPY = REPO_ROOT / "samples" / "ISIC_0024318.jpg"


def shipped(name: str, figure: str = "balanced_accuracy") -> str:
    """Return a shipped model's test figure as the page shows it: the API's figure (rounded to
    lesion_api's DECIMALS) to three decimals."""
    metrics = json.loads((REPO_ROOT / "models" / name / "metrics.json").read_text())
    return f"{round(metrics['test'][figure], DECIMALS):.3f}"


def run_app(monkeypatch: pytest.MonkeyPatch, backend_url: str) -> AppTest:
    monkeypatch.setenv("BACKEND_URL", backend_url)
    return AppTest.from_file(APP, default_timeout=60).run()


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    return at.file_uploader(key="uploads").set_value((name, data, "image/png")).run()


def test_picker_lists_every_model_with_its_balanced_accuracy(monkeypatch, models_backend):
    at = run_app(monkeypatch, models_backend)
    picker = at.selectbox(key="model")
    assert picker.value == "resnet_small_2x"
    labels = picker.options  # as the picker shows them
    default = shipped("resnet_small_2x")
    assert labels == [
        f"resnet_small_2x (default) · balanced accuracy {default} · sees 28×28 px",
        f"paper_cnn · balanced accuracy {shipped('paper_cnn')} · sees 28×28 px · uses age, sex, "
        "site",
        "wide · no published figures · sees 160×120 px",
    ]


def test_the_services_default_is_preselected_and_a_more_accurate_one_is_named(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend
) -> None:
    # The page follows the service's default, as /predict and the CLI do, even where an operator
    # chose one that is not the most accurate served; the note names the better one.
    stub_backend.healthy().serving(
        "resnet_small_2x",
        model_entry("resnet_small_2x", balanced_accuracy=0.5955),
        model_entry("efficientnet_lite0", balanced_accuracy=0.7063),
        model_entry("ensemble"),  # its figures are not published yet
    )
    at = run_app(monkeypatch, stub_backend.url)
    assert not at.exception and not at.error
    assert at.selectbox(key="model").value == "resnet_small_2x"
    assert (
        "Preselected: the service's default, resnet_small_2x (balanced accuracy 0.596 on held-out "
        "test images), the answer the API and the `lesion` command give when no model is named. "
        "The most accurate here on held-out test images is efficientnet_lite0 (balanced accuracy "
        "0.706)." in [c.value for c in at.caption]
    )


def test_the_default_is_preselected_when_no_model_has_figures(
    monkeypatch: pytest.MonkeyPatch, stub_backend: StubBackend
) -> None:
    stub_backend.healthy().serving("b", model_entry("a"), model_entry("b"))
    at = run_app(monkeypatch, stub_backend.url)
    assert at.selectbox(key="model").value == "b"
    assert (
        "Preselected: the service's default, b (no published figures), the answer the API and "
        "the `lesion` command give when no model is named." in [c.value for c in at.caption]
    )


def test_the_preselection_note_says_when_the_best_is_the_default() -> None:
    models = [model_entry("a", balanced_accuracy=0.6), model_entry("b", balanced_accuracy=0.5)]
    catalogue = parse_models({"default": "a", "models": models})
    assert preselection_note(catalogue) == (
        "Preselected: the service's default, a (balanced accuracy 0.600 on held-out test "
        "images), the answer the API and the `lesion` command give when no model is named."
    )


def test_the_sidebar_follows_the_picked_model(
    monkeypatch: pytest.MonkeyPatch, models_backend: str
) -> None:
    versions = {
        m["name"]: m["version"]
        for m in requests.get(f"{models_backend}/models", timeout=30).json()["models"]
    }
    at = run_app(monkeypatch, models_backend)
    at.selectbox(key="model").select("paper_cnn").run()
    assert not at.exception and not at.error
    sidebar = [c.value for c in at.sidebar.caption]
    assert f"Model version: `{versions['paper_cnn']}`" in sidebar
    [figures] = [c for c in sidebar if c.startswith("On lesions it never saw")]
    assert f"balanced accuracy {shipped('paper_cnn')}" in figures
    assert f"calibration error (ECE) {shipped('paper_cnn', 'ece')}" in figures
    assert not any(versions["resnet_small_2x"] in c for c in sidebar)
    at.selectbox(key="model").select("wide").run()
    sidebar = [c.value for c in at.sidebar.caption]
    assert f"Model version: `{versions['wide']}`" in sidebar
    assert "wide has no published figures on held-out lesions yet." in sidebar


def test_the_picked_model_answers(monkeypatch, models_backend):
    at = run_app(monkeypatch, models_backend)
    at.selectbox(key="model").select("wide").run()
    upload(at, "lesion.png", DERMOSCOPY.read_bytes())
    assert not at.exception and not at.error
    assert "Answered by wide" in [c.value for c in at.caption]
    assert any("shrunk to 160×120 pixels" in c.value for c in at.caption)


def test_every_model_side_by_side(monkeypatch, models_backend):
    at = run_app(monkeypatch, models_backend)
    at.toggle(key="compare").set_value(True).run()
    assert at.toggle(key="compare").label == COMPARE_LABEL
    upload(at, "lesion.png", DERMOSCOPY.read_bytes())
    assert not at.exception and not at.error
    names = [m.value for m in at.markdown]
    assert {"**resnet_small_2x**", "**paper_cnn**", "**wide**"} <= set(names)
    assert len(at.subheader) == 3 and len(at.get("vega_lite_chart")) == 3
    figures = [c.value for c in at.caption if c.value.startswith("Balanced accuracy")]
    assert figures == [
        f"Balanced accuracy on held-out lesions: {shipped('resnet_small_2x')}",
        f"Balanced accuracy on held-out lesions: {shipped('paper_cnn')}",
    ], "the wide model has no published figures"


def test_side_by_side_downloads_a_row_per_upload_and_model(monkeypatch, models_backend, downloaded):
    at = run_app(monkeypatch, models_backend)
    at.toggle(key="compare").set_value(True).run()
    files = [("a.png", DERMOSCOPY.read_bytes(), "image/png"), ("b.png", b"garbage", "image/png")]
    at.file_uploader(key="uploads").set_value(files).run()
    assert not at.exception, "a file that is no image gets no preview, and its rows"
    assert any(c.value.startswith("No preview") for c in at.caption)
    rows = downloaded(at, "download_csv")
    assert list(rows[0]) == list(COLUMNS)
    names = ["resnet_small_2x", "paper_cnn", "wide"]
    assert [(r["path"], r["model"]) for r in rows] == [
        (f, m) for f in ("a.png", "b.png") for m in names
    ]
    assert all(r["model_version"].startswith(f"{r['model']}-") for r in rows)
    answered, refused = rows[:3], rows[3:]
    assert all(r["label"] and r["dermoscopic"] == "true" and not r["error"] for r in answered)
    assert all(r["error"].startswith("invalid_image: 'b.png': ") for r in refused)


def answer_column(node) -> list[tuple[str, str]]:
    """Return (type, value) of each element of the block that holds the answer's class name."""
    children = list(getattr(node, "children", {}).values())
    if any(child.type == "subheader" for child in children):
        return [(child.type, str(getattr(child, "value", ""))) for child in children]
    return next((found for child in children if (found := answer_column(child))), [])


def test_a_non_dermoscopic_upload_is_warned_above_its_class_and_played_down(
    monkeypatch, models_backend
):
    at = run_app(monkeypatch, models_backend)
    upload(at, "stripes.png", not_dermoscopy())
    assert not at.exception
    column = answer_column(at.main)
    kinds = [kind for kind, _ in column]
    assert kinds[:2] == ["error", "subheader"], "the warning comes above the class name"
    assert column[0][1].startswith(f"**{NOT_DERMOSCOPIC_TITLE}** This does not look like")
    assert not at.metric, "no big probability figure for an unreliable answer"
    assert column[2][1].startswith("Probability of this class: ")
    assert column[2][1].endswith("% (unreliable)")
    assert column[3][1].startswith(":gray-badge[") and "(unreliable)" in column[3][1]
    assert not at.sidebar.error, "the warning is on the answer, not in the sidebar"


def test_a_quality_problem_is_shown_with_the_answer(monkeypatch, models_backend):
    at = run_app(monkeypatch, models_backend)
    small = Image.open(DERMOSCOPY).resize((100, 75))
    upload(at, "small.png", encode(small, "PNG"))
    assert not at.exception and not at.error
    assert TOO_SMALL.format(width=100, height=75) in [w.value for w in at.main.warning]
    assert at.metric, "a dermoscopic image keeps its probability figure"

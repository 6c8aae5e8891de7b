"""The image with its overlays: the caption's legend and notes, and no heat-map on a photo the
input check calls not dermoscopic; under AppTest against the real backend."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageColor
from streamlit.testing.v1 import AppTest

from frontend.overlay_panel import (
    HEATMAP_NOTE,
    NO_HEATMAP,
    NOT_DERMOSCOPIC_OVERLAYS,
    OUTLINE_LEGEND,
    as_uploaded,
    overlaid,
    overlay_caption,
)
from frontend.overlays import BOX_COLOUR, BOX_COLOUR_NAME, OUTLINE_COLOUR, OUTLINE_COLOUR_NAME
from frontend.responses import parse_localization
from tests.backend.images import not_dermoscopy
from tests.conftest import encode
from tests.frontend.stub_backend import localization_body
from tests.servers import REPO_ROOT

pytestmark = [pytest.mark.server, pytest.mark.heavy(12)]

APP = str(REPO_ROOT / "frontend" / "app.py")
NAMES = {"mel": "Melanoma", "bkl": "Benign keratosis-like lesions"}
WITH_HEATMAP = parse_localization(localization_body((40, 30), "mel"))
WITHOUT_HEATMAP = parse_localization(
    localization_body((40, 30), "mel") | {"heatmap_png": None, "heatmap_class": None}
)


def run_app(monkeypatch: pytest.MonkeyPatch, backend_url: str) -> AppTest:
    monkeypatch.setenv("BACKEND_URL", backend_url)
    return AppTest.from_file(APP, default_timeout=60).run()


def overlay_note(at: AppTest) -> str:
    """Return the caption under the image."""
    [note] = [
        c.value
        for c in at.caption
        if any(part in c.value.lower() for part in ("no heat-map", "no lesion outline", "aids"))
    ]
    return note


def test_legend_names_the_colours_the_outline_and_box_are_drawn_in() -> None:
    assert ImageColor.getrgb(OUTLINE_COLOUR_NAME) == OUTLINE_COLOUR
    assert ImageColor.getrgb(BOX_COLOUR_NAME) == BOX_COLOUR
    assert OUTLINE_LEGEND.startswith(f"{OUTLINE_COLOUR_NAME.capitalize()} line: the lesion's")
    assert f"{BOX_COLOUR_NAME} rectangle: its box" in OUTLINE_LEGEND
    caption = overlay_caption(WITH_HEATMAP, True, True, NAMES)
    assert caption.startswith(OUTLINE_LEGEND)
    assert OUTLINE_LEGEND not in overlay_caption(WITH_HEATMAP, False, True, NAMES)


def test_a_model_without_heatmap_gets_no_heatmap_explanation() -> None:
    caption = overlay_caption(WITHOUT_HEATMAP, True, False, NAMES)
    assert NO_HEATMAP in caption
    assert HEATMAP_NOTE not in caption and "Grad-CAM" not in caption


def test_a_photo_that_is_not_dermoscopy_gets_the_reason_for_no_heatmap() -> None:
    caption = overlay_caption(WITH_HEATMAP, True, False, NAMES, dermoscopic=False)
    assert NOT_DERMOSCOPIC_OVERLAYS in caption and "Grad-CAM" not in caption


GREY = encode(Image.new("RGB", (40, 30), (128, 128, 128)), "PNG")
NOT_DERMOSCOPIC = {"dermoscopic": False, "score": 0.02, "warnings": [], "warning_codes": []}


def test_what_is_shown_has_the_heatmap_asked_for_on_dermoscopy() -> None:
    shown = overlaid(GREY, WITH_HEATMAP, False, True, NAMES)
    assert shown.picture is not None and np.asarray(shown.picture).std() > 10
    assert HEATMAP_NOTE in shown.note


def test_what_is_shown_never_has_overlays_where_the_input_check_says_not_dermoscopy() -> None:
    # The PDF report draws what this returns: the card's toggles are not there to say no.
    body = localization_body((40, 30), "mel") | {"input_check": NOT_DERMOSCOPIC}
    shown = overlaid(GREY, parse_localization(body), True, True, NAMES)
    assert shown.picture is not None
    assert np.array_equal(np.asarray(shown.picture), np.asarray(Image.open(io.BytesIO(GREY))))
    assert NOT_DERMOSCOPIC_OVERLAYS in shown.note


def test_an_unreadable_upload_is_shown_as_no_picture_with_its_note() -> None:
    assert as_uploaded(b"garbage", "why").picture is None
    assert as_uploaded(GREY, "why").note == "why"


def test_a_dermoscopic_image_gets_its_heatmap_explained(
    monkeypatch: pytest.MonkeyPatch, models_backend: str
) -> None:
    at = run_app(monkeypatch, models_backend)
    at.selectbox(key="sample").select("ISIC_0024400").run()
    assert not at.exception and not at.error
    assert at.toggle(key="heatmap_sample").value is True
    note = overlay_note(at)
    assert note.startswith(OUTLINE_LEGEND) and HEATMAP_NOTE in note


def test_no_outline_or_heatmap_is_drawn_over_a_photo_that_is_not_dermoscopy(
    monkeypatch: pytest.MonkeyPatch, models_backend: str
) -> None:
    at = run_app(monkeypatch, models_backend)
    at.file_uploader(key="uploads").set_value(("stripes.png", not_dermoscopy(), "image/png")).run()
    assert not at.exception
    assert [t.key for t in at.toggle if t.key.endswith("upload0")] == []
    assert not [s for s in at.selectbox if s.key == "heatmap_class_upload0"]
    assert NOT_DERMOSCOPIC_OVERLAYS in overlay_note(at)


def test_the_paper_cnns_caption_does_not_explain_a_heatmap_it_lacks(
    monkeypatch: pytest.MonkeyPatch, models_backend: str
) -> None:
    at = run_app(monkeypatch, models_backend)
    at.selectbox(key="model").select("paper_cnn").run()
    at.selectbox(key="sample").select("ISIC_0024400").run()
    assert not at.exception and not at.error
    note = overlay_note(at)
    assert NO_HEATMAP in note and "Grad-CAM" not in note

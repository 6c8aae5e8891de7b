"""The PDF report, built from plain data: read back with pypdf, and drawn as PNG pages with
poppler's pdftoppm (the pages of a one-upload and a three-upload report are kept under
test-artifacts/report/ to look at)."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from frontend.analysis import fingerprint
from frontend.notice import NOTICE_BODY, NOTICE_TITLE
from frontend.overlay_panel import NOT_DERMOSCOPIC_OVERLAYS, overlaid
from frontend.report import MARGIN, ReportModel, ReportPage, build_report
from frontend.responses import Prediction, parse_localization, parse_metadata
from frontend.results import malignant_probability, percent
from tests.backend.images import not_dermoscopy
from tests.frontend.browser import ARTIFACTS
from tests.frontend.stub_backend import AGREEING, DISAGREEING, METADATA_OK, localization_body

CLASSES = parse_metadata(METADATA_OK).classes
NAMES = {c.code: c.name for c in CLASSES}
MADE = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
MODEL = ReportModel(
    "resnet_small_2x",
    "resnet_small_2x-8523fe0c8ced",
    {"accuracy": 0.634, "balanced_accuracy": 0.596, "melanoma_recall": 0.608, "ece": 0.049},
)
SAVED = ARTIFACTS / "report"
PASSED = {"dermoscopic": True, "score": 0.93, "warnings": [], "warning_codes": []}
NOT_DERMOSCOPIC = {
    "dermoscopic": False,
    "score": 0.02,
    "warnings": ["This does not look like a dermoscopic image of a skin lesion."],
    "warning_codes": ["not_dermoscopic"],
}
# Pages are drawn at 144 dpi: two pixels a point.
DPI = 144
# Where the picture lies on a page, in points from the top left: well inside its square.
PICTURE_BOX = (MARGIN + 20, 200, MARGIN + 220, 300)


def page_for(name: str, data: bytes, check: dict = PASSED, **changes: object) -> ReportPage:
    """Return the report page of upload `data`, its overlays drawn as a card draws them (outline
    and heat-map switched on), as a stand-in backend would answer it with `changes`."""
    size = Image.open(io.BytesIO(data)).size
    body = localization_body(size, "mel") | {"input_check": check} | changes
    localization = parse_localization(body)
    shown = overlaid(data, localization, True, True, NAMES)
    return ReportPage(
        name, fingerprint(data), shown.picture, shown.note, localization.prediction, MODEL, CLASSES
    )


def text_of(pdf: bytes) -> list[str]:
    """Return each page's text, runs of white space made one space."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def one_line(text: str) -> str:
    """Return `text` with runs of white space made one space, as text_of gives it."""
    return " ".join(text.split())


def drawn(pdf: bytes, folder: Path, name: str) -> list[np.ndarray]:
    """Return the PDF's pages drawn by pdftoppm at DPI as RGB arrays, saved as
    `folder`/`name`-N.png."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not found (apt-get install poppler-utils)")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{name}-*.png"):
        old.unlink()
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(DPI), str(path), str(folder / name)], check=True, timeout=120
    )
    pages = sorted(folder.glob(f"{name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return [np.asarray(Image.open(p).convert("RGB")) for p in pages]


def picture_area(page: np.ndarray) -> np.ndarray:
    """Return the part of a drawn page that lies inside the picture."""
    left, top, right, bottom = (round(points * DPI / 72) for points in PICTURE_BOX)
    return page[top:bottom, left:right]


def spread(area: np.ndarray) -> float:
    """Return how much `area`'s pixels vary: the mean of its channels' standard deviations."""
    return float(area.reshape(-1, 3).std(axis=0).mean())


def jet_red(area: np.ndarray) -> float:
    """Return the fraction of `area`'s pixels in the heat-map's hot red (not the magenta line)."""
    r, g, b = (area[..., i].astype(int) for i in range(3))
    return float(((r > 180) & (g < 90) & (b < 90)).mean())


@pytest.fixture(scope="module")
def uploads(sample_paths: list[Path]) -> list[tuple[str, bytes]]:
    """Three demo JPEGs, as (file name, bytes)."""
    return [(p.name, p.read_bytes()) for p in sample_paths[:3]]


def test_a_page_names_the_file_its_hash_the_model_the_answer_the_notice_and_the_date(
    uploads: list[tuple[str, bytes]],
) -> None:
    name, data = uploads[0]
    page = page_for(name, data)
    [text] = text_of(build_report([page], MADE))
    assert name in text and fingerprint(data) in text
    assert "resnet_small_2x, version resnet_small_2x-8523fe0c8ced" in text
    assert "balanced accuracy 0.596" in text, "the held-out figures, as the sidebar has them"
    assert "Melanoma (mel)" in text and "Probability of this class: 60.0%" in text
    assert isinstance(page.answer, Prediction)
    total = percent(malignant_probability(page.answer, CLASSES))
    assert f"Probability of a malignant class (akiec, bcc, mel): {total}" in text
    assert "Input check: passed (score 0.93)" in text
    assert NOTICE_TITLE in text and one_line(NOTICE_BODY) in text
    assert "2025-03-14 09:26:53 UTC" in text


def test_a_page_is_drawn_with_the_picture_in_it(
    uploads: list[tuple[str, bytes]], tmp_path: Path
) -> None:
    name, data = uploads[0]
    [page] = drawn(build_report([page_for(name, data)], MADE), SAVED, "one_upload")
    assert spread(page) > 20, "not a blank page"
    area = picture_area(page)
    assert spread(area) > 15 and (area < 240).mean() > 0.9, "a photo, not white paper"
    flat = Image.new("RGB", (600, 450), (200, 180, 170))  # the same page, a featureless picture
    empty = page_for(name, data)
    empty = ReportPage(name, empty.sha256, flat, "", empty.answer, MODEL, CLASSES)
    [blank] = drawn(build_report([empty], MADE), tmp_path, "flat")
    assert spread(picture_area(blank)) < 5, "the check sees the picture, not the page around it"


def test_a_batch_has_one_page_per_upload_in_order(uploads: list[tuple[str, bytes]]) -> None:
    pdf = build_report([page_for(name, data) for name, data in uploads], MADE)
    texts = text_of(pdf)
    assert len(texts) == 3
    for number, ((name, data), text) in enumerate(zip(uploads, texts, strict=True), start=1):
        assert name in text and fingerprint(data) in text and f"Page {number} of 3" in text
    pages = drawn(pdf, SAVED, "three_uploads")
    assert len(pages) == 3
    assert all(spread(picture_area(page)) > 15 for page in pages)


def test_a_non_dermoscopic_answer_has_no_heatmap_and_says_why(tmp_path: Path) -> None:
    stripes = not_dermoscopy()  # grey: any hot red on its page is the heat-map's
    heated = page_for("stripes.png", stripes)
    plain = page_for("stripes.png", stripes, NOT_DERMOSCOPIC)
    assert jet_red(picture_area(drawn(build_report([heated], MADE), tmp_path, "heated")[0])) > 0.02
    [page] = drawn(build_report([plain], MADE), tmp_path, "not_dermoscopic")
    assert jet_red(picture_area(page)) < 0.001
    [text] = text_of(build_report([plain], MADE))
    assert one_line(NOT_DERMOSCOPIC_OVERLAYS) in text
    assert "Input check: not dermoscopic: unreliable (score 0.02)" in text
    assert "Probability of this class: 60.0% (unreliable)" in text


@pytest.mark.parametrize(
    ("agreement", "said"),
    [(AGREEING, "Both members put mel first"), (DISAGREEING, "One of its two members puts")],
    ids=["agree", "disagree"],
)
def test_an_ensembles_page_says_whether_its_members_agree(
    uploads: list[tuple[str, bytes]], agreement: dict, said: str
) -> None:
    name, data = uploads[0]
    [text] = text_of(build_report([page_for(name, data, agreement=agreement)], MADE))
    assert said in text and "efficientnet_lite0 mel 71.0%" in text


def test_a_crowded_page_still_fits_on_one(uploads: list[tuple[str, bytes]]) -> None:
    name, data = uploads[0]
    sentence = "The image has a problem that takes a long sentence to explain in full. "
    warnings = [f"Warning {i}: {sentence * 2}" for i in range(5)]  # five: every kind there is
    check = NOT_DERMOSCOPIC | {"warnings": warnings, "warning_codes": []}
    page = page_for(name * 4, data, check, agreement=DISAGREEING)
    [reader_page] = PdfReader(io.BytesIO(build_report([page], MADE))).pages
    heights: list[float] = []
    reader_page.extract_text(
        visitor_text=lambda text, cm, tm, *_: (
            heights.append(cm[5] + tm[5]) if text.strip() else None
        )
    )
    assert min(heights) >= MARGIN - 20, "nothing runs off the page's foot"
    model_line = [y for y in heights if y < MARGIN + 60]
    assert len(model_line) >= 2, "the footer and the model's lines stay above it"


def test_a_refused_upload_gets_its_page_with_the_reason(uploads: list[tuple[str, bytes]]) -> None:
    reason = "The backend refused the upload: 'broken.png': not an image."
    refused = ReportPage("broken.png", fingerprint(b"garbage"), None, "", reason, MODEL, CLASSES)
    pdf = build_report([page_for(*uploads[0]), refused], MADE)
    answered, refusal = text_of(pdf)
    assert reason in refusal and fingerprint(b"garbage") in refusal
    assert "Probabilities of all seven classes" in answered
    assert "Probabilities of all seven classes" not in refusal


def test_the_report_gives_the_context_the_answer_had(sample_jpeg: bytes):
    context = {"age": 70.0, "sex": "male", "site": "posterior torso", "used": True}
    page = page_for("lesion.jpg", sample_jpeg, context=context | {"from_dicom": []})
    (text,) = text_of(build_report([page], MADE))
    assert "Context: age 70, male, posterior torso (used by this model)." in text

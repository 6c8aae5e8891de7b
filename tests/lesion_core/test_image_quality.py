"""Image-quality warnings: each one fires for the image made to trigger it, and none for a
real dermoscopic sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from lesion_core.image_quality import (
    BLURRED,
    TOO_DARK,
    WASHED_OUT,
    QualityWarning,
    quality_warnings,
    sharpness,
)

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*.jpg"))


def _sample() -> Image.Image:
    return Image.open(SAMPLES[0]).convert("RGB")


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_shipped_dermoscopic_samples_have_no_warning(path):
    assert quality_warnings(Image.open(path).convert("RGB")) == []


def test_a_thumbnail_is_too_small():
    (warning,) = quality_warnings(_sample().resize((80, 60)))
    assert warning.code == "too_small"
    assert "80×60" in warning.message and "too small" in warning.message


def test_a_dark_image_is_too_dark():
    dark = Image.fromarray((np.asarray(_sample(), dtype=np.float32) * 0.2).astype(np.uint8))
    assert quality_warnings(dark) == [QualityWarning("too_dark", TOO_DARK)]


def test_an_over_exposed_image_is_washed_out():
    bright = Image.fromarray(
        np.clip(np.asarray(_sample(), dtype=np.float32) * 0.3 + 200, 0, 255).astype(np.uint8)
    )
    assert quality_warnings(bright) == [QualityWarning("washed_out", WASHED_OUT)]


def test_a_flat_grey_image_is_washed_out_not_blurred():
    flat = Image.new("RGB", (400, 300), (128, 128, 128))
    assert quality_warnings(flat) == [QualityWarning("washed_out", WASHED_OUT)]


def test_a_blurred_image_is_blurred():
    blurred = _sample().filter(ImageFilter.GaussianBlur(radius=_sample().width / 100))
    assert quality_warnings(blurred) == [QualityWarning("blurred", BLURRED)]


def test_sharpness_of_a_checkerboard_exceeds_that_of_its_blur():
    board = (np.indices((40, 40)).sum(axis=0) % 2 * 255).astype(np.float32)
    smooth = np.asarray(Image.fromarray(board.astype(np.uint8)).filter(ImageFilter.BoxBlur(2)))
    assert sharpness(board) > 100 * sharpness(smooth.astype(np.float32))

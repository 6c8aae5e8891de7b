"""Figures on other clinics' dermoscopy: which images have a round field, and nevus against
melanoma."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from lesion_core.labels import CLASS_INDEX, MELANOMA_INDEX
from training.classifier.other_sources import nevus_or_melanoma, round_field

NEVUS = CLASS_INDEX["nv"]


def skin(path, circle: tuple[int, int, int, int] | None) -> str:
    """Save a 200x150 skin-coloured image, black outside `circle` when given; return its path."""
    image = Image.new("RGB", (200, 150), (0, 0, 0) if circle else (200, 160, 140))
    if circle:
        ImageDraw.Draw(image).ellipse(circle, fill=(200, 160, 140))
    image.save(path)
    return path


@pytest.mark.parametrize(
    ("circle", "expected"),
    [
        (None, False),  # fills the frame, as HAM10000's images do
        ((-15, -20, 215, 170), True),  # a field wider than the frame: only the corners dark
        ((25, 0, 175, 150), True),  # a field inside the frame
    ],
)
def test_a_round_field_is_told_by_its_dark_corners(tmp_path, circle, expected):
    assert round_field(skin(tmp_path / "a.png", circle)) is expected


def test_one_dark_corner_is_no_round_field(tmp_path):
    image = Image.new("RGB", (200, 150), (200, 160, 140))
    ImageDraw.Draw(image).rectangle((0, 0, 20, 20), fill=(10, 10, 10))  # a dark lesion at the edge
    image.save(tmp_path / "a.png")
    assert not round_field(tmp_path / "a.png")


def test_nevus_against_melanoma_calls_melanoma_when_at_least_as_likely():
    labels = np.array([MELANOMA_INDEX, MELANOMA_INDEX, NEVUS, NEVUS, CLASS_INDEX["bcc"]])
    p = np.zeros((5, 7))
    p[:, MELANOMA_INDEX] = [0.5, 0.2, 0.4, 0.1, 0.9]
    p[:, NEVUS] = [0.5, 0.6, 0.3, 0.8, 0.0]
    # melanomas: 1 of 2 found; nevi: 1 of 2 kept; the basal cell carcinoma is left out
    assert nevus_or_melanoma(labels, p) == pytest.approx(0.5)
    assert nevus_or_melanoma(labels[2:], p[2:]) is None

"""The PNGs /localize returns: a 0/255 mask and an RGBA jet heat-map."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from backend.overlays import HEATMAP_MAX_SIDE, heatmap_png, heatmap_size, jet, mask_png


def decode(text: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(text)))


def test_mask_png_round_trips_as_0_and_255():
    mask = np.zeros((30, 40), dtype=bool)
    mask[5:20, 10:30] = True
    image = decode(mask_png(mask))
    assert (image.mode, image.size) == ("L", (40, 30))
    assert np.array_equal(np.asarray(image), mask.astype(np.uint8) * 255)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((600, 450), (600, 450)),
        ((1024, 10), (1024, 10)),
        ((4000, 3000), (1024, 768)),
        ((3000, 4000), (768, 1024)),
        ((5000, 1), (1024, 1)),
    ],
)
def test_heatmap_size_fits_the_cap_and_keeps_the_aspect(size, expected):
    assert heatmap_size(size) == expected
    assert max(heatmap_size(size)) <= HEATMAP_MAX_SIDE


def test_jet_runs_from_blue_to_red():
    low, high = jet(np.array([0.0, 1.0]))
    assert low[2] > 100 and low[0] == 0
    assert high[0] > 100 and high[2] == 0


def test_heatmap_png_is_transparent_where_the_map_is_zero_and_opaque_where_it_peaks():
    heat = np.zeros((7, 7), dtype=np.float32)
    heat[3, 3] = 1.0
    image = decode(heatmap_png(heat, (70, 70)))
    assert (image.mode, image.size) == ("RGBA", (70, 70))
    alpha = np.asarray(image)[..., 3]
    assert alpha[0, 0] == 0
    assert alpha[35, 35] == alpha.max() > 100


def test_a_heatmap_of_a_cropped_field_covers_that_field_only():
    field = (100, 50, 300, 250)  # the box the classifier saw, in the upload's 400×300 pixels
    rgba = np.asarray(decode(heatmap_png(np.ones((7, 7)), (400, 300), field)))
    alpha = rgba[..., 3]
    assert rgba.shape == (300, 400, 4)
    assert alpha[150, 200] > 0 and alpha[51:249, 101:299].min() > 0
    assert alpha[:, :99].max() == 0 and alpha[:49].max() == 0 and alpha[:, 301:].max() == 0

"""The segmenter's probability map turned into a mask and box at the upload's own size."""

from __future__ import annotations

import numpy as np
import pytest

from lesion_core.lesion_outline import EXACT_MAX_SIDE, THRESHOLD, outline, scaled_to_fit, upsample
from lesion_core.segmentation_metrics import jaccard, mask_box
from tests.conftest import disc_mask

# A 32×24 map with a disc, scaled by 5 to a 160×120 image.
MAP_SIZE = (32, 24)
SCALE = 5
CENTRE, RADIUS = (12.0, 10.0), 6.0


def map_disc() -> np.ndarray:
    """Return the (24, 32) boolean disc the map is drawn from."""
    return disc_mask(*MAP_SIZE, CENTRE, RADIUS)


def disc_probabilities() -> np.ndarray:
    """Return a (24, 32) float32 map: 0.95 inside the disc, 0.05 outside."""
    return np.where(map_disc(), 0.95, 0.05).astype(np.float32)


def scaled_disc() -> np.ndarray:
    """Return the map's disc enlarged SCALE times, each map pixel a SCALE×SCALE block."""
    return np.kron(map_disc(), np.ones((SCALE, SCALE), dtype=bool))


TARGET = (MAP_SIZE[0] * SCALE, MAP_SIZE[1] * SCALE)


def test_outline_mask_has_the_requested_width_and_height():
    result = outline(disc_probabilities(), TARGET)
    assert result.mask.shape == (TARGET[1], TARGET[0]) and result.mask.dtype == bool


def test_outline_of_an_upsampled_disc_matches_the_disc_enlarged():
    assert jaccard(outline(disc_probabilities(), TARGET).mask, scaled_disc()) > 0.95


def test_outline_box_is_the_disc_box_scaled():
    x0, y0, x1, y1 = mask_box(map_disc())
    expected = (x0 * SCALE, y0 * SCALE, x1 * SCALE, y1 * SCALE)
    assert outline(disc_probabilities(), TARGET).box == expected


def test_outline_area_fraction_is_the_disc_share_of_the_image():
    area = outline(disc_probabilities(), TARGET).area_fraction
    assert area == pytest.approx(map_disc().mean(), rel=0.02)


def test_a_map_below_the_threshold_everywhere_has_no_box_and_no_area():
    result = outline(np.full((24, 32), THRESHOLD - 0.01, dtype=np.float32), TARGET)
    assert result.box is None and result.area_fraction == 0.0
    assert not result.mask.any()


def test_a_map_at_the_threshold_everywhere_is_all_lesion():
    result = outline(np.full((24, 32), THRESHOLD, dtype=np.float32), TARGET)
    assert result.box == (0, 0, *TARGET) and result.area_fraction == 1.0


def test_a_trailing_channel_axis_gives_the_same_outline():
    flat = outline(disc_probabilities(), TARGET)
    with_channel = outline(disc_probabilities()[..., None], TARGET)
    np.testing.assert_array_equal(with_channel.mask, flat.mask)
    assert with_channel.box == flat.box


@pytest.mark.parametrize("target", [(200, 150), (33, 25), (600, 450), (150, 200)])
def test_outline_works_at_sizes_that_are_not_multiples_of_the_map(target):
    result = outline(disc_probabilities(), target)
    assert result.mask.shape == (target[1], target[0])
    assert 0.0 < result.area_fraction < 1.0


def test_upsample_keeps_float_probabilities_without_quantising():
    probabilities = np.linspace(0, 1, 24 * 32, dtype=np.float32).reshape(24, 32)
    large = upsample(probabilities, TARGET)
    assert large.dtype == np.float32 and large.shape == (TARGET[1], TARGET[0])
    assert len(np.unique(large)) > 256  # not rounded to 8-bit levels
    assert large.min() >= 0.0 and large.max() <= 1.0


def test_images_up_to_the_exact_limit_take_the_exact_path():
    side = EXACT_MAX_SIDE
    result = outline(disc_probabilities(), (side, side * 3 // 4))
    exact = upsample(disc_probabilities(), (side, side * 3 // 4)) >= THRESHOLD
    np.testing.assert_array_equal(result.mask, exact)


def test_larger_images_get_the_mask_of_the_exact_limit_enlarged():
    size = (EXACT_MAX_SIDE * 3, EXACT_MAX_SIDE * 9 // 4)  # 3x the exact limit's 2048x1536
    result = outline(disc_probabilities(), size)
    assert result.mask.shape == (size[1], size[0]) and result.mask.dtype == bool
    at_limit = outline(disc_probabilities(), scaled_to_fit(size, EXACT_MAX_SIDE))
    np.testing.assert_array_equal(result.mask[::3, ::3], at_limit.mask)
    assert result.area_fraction == pytest.approx(at_limit.area_fraction, abs=1e-9)
    assert result.box == tuple(3 * v for v in at_limit.box)


@pytest.mark.parametrize(
    ("size", "fitted"),
    [((600, 450), (600, 450)), ((4096, 3072), (2048, 1536)), ((3000, 10), (2048, 7))],
)
def test_scaled_to_fit_keeps_the_aspect_within_the_side(size, fitted):
    assert scaled_to_fit(size, 2048) == fitted

"""The classical baseline: Otsu thresholding finds a dark lesion, not the dermatoscope's corners."""

from __future__ import annotations

import numpy as np
import pytest

from lesion_core.segmentation_metrics import jaccard
from tests.conftest import disc_mask, lesion_like_image
from training.segmenter.otsu_baseline import otsu_mask

WIDTH, HEIGHT = 200, 150
CENTRE, RADIUS = (125.0, 65.0), 25.0  # off-centre, clear of the corners


def lesion_image(centre=CENTRE, radius=RADIUS, seed=3) -> np.ndarray:
    """Return the synthetic lesion photo as a (HEIGHT, WIDTH, 3) uint8 array."""
    return np.array(lesion_like_image(WIDTH, HEIGHT, seed, centre, radius))


def outside_field_of_view(fraction: float = 0.45) -> np.ndarray:
    """Return the pixels outside a centred circle of radius `fraction` × WIDTH."""
    yy, xx = np.mgrid[:HEIGHT, :WIDTH]
    return (xx - WIDTH / 2) ** 2 + (yy - HEIGHT / 2) ** 2 > (fraction * WIDTH) ** 2


def test_mask_has_the_image_height_and_width():
    mask = otsu_mask(lesion_image())
    assert mask.shape == (HEIGHT, WIDTH) and mask.dtype == bool


@pytest.mark.parametrize(
    ("centre", "radius"),
    [(CENTRE, RADIUS), ((60.0, 95.0), 20.0), ((100.0, 75.0), 40.0)],
)
def test_finds_a_dark_disc(centre, radius):
    truth = disc_mask(WIDTH, HEIGHT, centre, radius)
    assert jaccard(otsu_mask(lesion_image(centre, radius)), truth) > 0.9


def test_dark_corners_of_a_vignette_are_not_taken_for_the_lesion():
    vignette = outside_field_of_view()
    # Each dark region outside the field of view is larger than the lesion, so only the
    # rule against regions on the border keeps them out.
    assert vignette.sum() / 2 > disc_mask(WIDTH, HEIGHT, CENTRE, RADIUS).sum()
    image = lesion_image()
    image[vignette] = 10  # near-black, as outside a dermatoscope's round field of view
    mask = otsu_mask(image)
    assert not (mask & vignette).any()
    assert jaccard(mask, disc_mask(WIDTH, HEIGHT, CENTRE, RADIUS)) > 0.85


def test_a_lesion_on_the_border_is_kept_when_nothing_else_is_dark():
    centre = (0.0, 75.0)  # half the disc lies beyond the left edge
    truth = disc_mask(WIDTH, HEIGHT, centre, 40.0)
    assert jaccard(otsu_mask(lesion_image(centre, 40.0)), truth) > 0.9


def test_the_largest_inner_region_wins_over_a_smaller_one():
    image = lesion_image()
    small = disc_mask(WIDTH, HEIGHT, (50.0, 110.0), 12.0)
    image[small] = image[disc_mask(WIDTH, HEIGHT, CENTRE, RADIUS)][: int(small.sum())]
    mask = otsu_mask(image)
    assert not (mask & small).any()
    assert jaccard(mask, disc_mask(WIDTH, HEIGHT, CENTRE, RADIUS)) > 0.9


def test_a_lighter_centre_inside_the_lesion_is_filled():
    image = lesion_image()
    centre = disc_mask(WIDTH, HEIGHT, CENTRE, 8.0)
    image[centre] = [214, 160, 140]  # skin colour in the middle of the lesion
    mask = otsu_mask(image)
    assert mask[centre].all()


@pytest.mark.parametrize("colour", [(200, 150, 130), (0, 0, 0), (255, 255, 255)])
def test_a_flat_image_gives_an_empty_mask(colour):
    image = np.full((HEIGHT, WIDTH, 3), colour, dtype=np.uint8)
    mask = otsu_mask(image)
    assert mask.shape == (HEIGHT, WIDTH) and not mask.any()


def test_dark_specks_smaller_than_the_opening_give_an_empty_mask():
    image = np.full((HEIGHT, WIDTH, 3), (214, 160, 140), dtype=np.uint8)
    image[::20, ::20] = 0  # single dark pixels: candidates that the opening removes
    assert not otsu_mask(image).any()

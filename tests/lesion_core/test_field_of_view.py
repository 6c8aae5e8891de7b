"""The field-of-view crop: dark round and rectangular borders found, lesions and skin left alone."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from lesion_core.field_of_view import field_box
from lesion_core.preprocess import preprocess, preprocess_views
from tests.conftest import encode, lesion_like_image


def framed(
    field: Image.Image, size: tuple[int, int], grey: int, at: tuple[int, int]
) -> Image.Image:
    """Return `field` pasted at `at` on a `grey` canvas of `size`, with JPEG-like noise on it."""
    canvas = np.full((size[1], size[0], 3), grey, dtype=float)
    canvas += np.random.default_rng(1).normal(0, 3, canvas.shape)
    out = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8))
    out.paste(field, at)
    return out


def in_disc(image: Image.Image, diameter: float, grey: int) -> Image.Image:
    """Return the image outside a centred disc of `diameter` × its shorter side set to `grey`."""
    width, height = image.size
    d = diameter * min(width, height)
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse(((width - d) / 2, (height - d) / 2, (width + d) / 2,
                                  (height + d) / 2), fill=255)  # fmt: skip
    return Image.composite(image, Image.new("RGB", image.size, (grey,) * 3), mask)


@pytest.mark.parametrize("grey", [0, 20, 40])
@pytest.mark.parametrize("diameter", [0.6, 0.85, 1.0])
def test_a_round_field_is_cropped_to_its_disc(diameter, grey):
    image = in_disc(lesion_like_image(400, 300, radius=40), diameter, grey)
    box = field_box(np.asarray(image))
    d = diameter * 300
    expected = (200 - d / 2, 150 - d / 2, 200 + d / 2, 150 + d / 2)
    assert box is not None
    assert np.abs(np.subtract(box, expected)).max() <= 0.03 * d


@pytest.mark.parametrize("grey", [0, 30])
@pytest.mark.parametrize(
    ("size", "at"), [((400, 300), (40, 0)), ((400, 300), (0, 50)), ((400, 300), (30, 20))]
)
def test_a_letterbox_or_black_frame_is_cropped(size, at, grey):
    field = lesion_like_image(size[0] - 2 * at[0], size[1] - 2 * at[1], radius=30)
    box = field_box(np.asarray(framed(field, size, grey, at)))
    assert box is not None
    expected = (at[0], at[1], size[0] - at[0], size[1] - at[1])
    assert np.abs(np.subtract(box, expected)).max() <= 3


def test_an_image_that_fills_its_frame_is_left_alone():
    assert field_box(np.asarray(lesion_like_image(200, 150))) is None


def test_a_dark_lesion_reaching_the_edge_is_not_cropped():
    image = lesion_like_image(200, 150, centre=(0.0, 0.5), radius=70)
    assert field_box(np.asarray(image)) is None


def test_a_thin_dark_seam_is_no_frame():
    image = np.asarray(lesion_like_image(200, 150)).copy()
    image[:, :2] = 0  # 1 % of the width
    assert field_box(image) is None


def test_an_almost_black_photo_is_kept_whole():
    image = np.zeros((150, 200, 3), dtype=np.uint8)
    image[70:80, 95:105] = 200  # a speck of light is no field of view
    assert field_box(image) is None


def test_a_grey_border_brighter_than_the_dark_level_is_not_a_frame():
    image = framed(lesion_like_image(160, 150), (200, 150), 90, (20, 0))
    assert field_box(np.asarray(image)) is None


def test_preprocess_crops_the_border_so_the_lesion_fills_the_input_as_without_it():
    photo = lesion_like_image(300, 225, radius=50)
    boxed = framed(photo, (300 + 2 * 60, 225 + 2 * 40), 0, (60, 40))
    plain, cropped = preprocess(encode(photo, "PNG")), preprocess(encode(boxed, "PNG"))
    assert np.abs(plain.astype(int) - cropped).mean() < 3


def test_preprocess_views_reports_the_field_in_the_uploads_pixels():
    boxed = framed(lesion_like_image(300, 225), (400, 300), 0, (50, 38))
    jpeg = encode(boxed, "JPEG", quality=90)  # decoded at a reduced scale
    _, size, field = preprocess_views(jpeg, [28])
    assert size == (400, 300)
    assert field is not None and np.abs(np.subtract(field, (50, 38, 350, 263))).max() <= 4


def test_the_whole_frame_view_keeps_the_border():
    boxed = framed(lesion_like_image(300, 225), (400, 300), 0, (50, 38))
    (cropped, whole), _, _ = preprocess_views(
        encode(boxed, "PNG"), [28, 28], whole_frame=[False, True]
    )
    assert whole[0, 0].max() < 20 and cropped[0, 0].max() > 100


@pytest.mark.parametrize("grey", [0, 35])
def test_a_round_fields_dark_corners_are_filled_with_its_mean_colour(grey):
    image = in_disc(lesion_like_image(400, 300, radius=40), 0.85, grey)
    view = preprocess(encode(image, "PNG"), (64, 64)).astype(int)
    skin = np.array([214, 160, 140])
    for corner in (view[0, 0], view[0, -1], view[-1, 0], view[-1, -1]):
        assert np.abs(corner - skin).max() < 25  # near the field's mean colour, not black


def test_filled_corners_leaves_a_field_without_dark_corners_alone():
    from lesion_core.field_of_view import filled_corners

    field = lesion_like_image(200, 150)
    assert filled_corners(field) is field

"""Simulated devices: each change does what it says, draws stay in their ranges, and the cached
views are reproducible and go through the shared preprocessing."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from lesion_core.preprocess import image_to_array
from tests.conftest import lesion_like_image
from training.device_simulation import (
    EXPOSURE,
    JPEG_QUALITY,
    DeviceLook,
    as_device,
    barred,
    disc_masked,
    draw_look,
    jpeg_round_trip,
    rotated,
    scaled_colours,
)
from training.device_views import compute_device_views, device_views, image_views

PLAIN = DeviceLook(None, None, 0, 0.0, False, (1.0, 1.0, 1.0), 1.0, 0.0, None)


def test_a_plain_look_changes_nothing():
    photo = lesion_like_image(80, 60)
    assert np.array_equal(np.asarray(as_device(photo, PLAIN)), np.asarray(photo))


def test_rotation_leaves_black_corners_and_keeps_the_size():
    out = rotated(Image.new("RGB", (80, 60), (200, 150, 130)), 45.0)
    assert out.size == (80, 60) and out.getpixel((0, 0)) == (0, 0, 0)
    assert out.getpixel((40, 30)) == (200, 150, 130)


@pytest.mark.parametrize("grey", [0, 30])
def test_disc_and_bars_paint_the_border_grey(grey):
    photo = Image.new("RGB", (80, 60), (200, 150, 130))
    disc = disc_masked(photo, 0.8, grey)
    assert disc.getpixel((0, 0)) == (grey,) * 3 and disc.getpixel((40, 30)) == (200, 150, 130)
    bars = barred(photo, (0.1, 0.0), grey)
    assert bars.getpixel((2, 30)) == (grey,) * 3 and bars.getpixel((40, 0)) == (200, 150, 130)


def test_colours_scale_per_channel_and_clip():
    out = scaled_colours(Image.new("RGB", (4, 4), (100, 200, 250)), (1.2, 1.0, 0.5))
    assert out.getpixel((0, 0)) == (120, 200, 125)
    assert (
        scaled_colours(Image.new("RGB", (1, 1), (250, 0, 0)), (1.3, 1, 1)).getpixel((0, 0))[0]
        == 255
    )


def test_a_jpeg_round_trip_loses_detail_at_low_quality():
    photo = lesion_like_image(80, 60)
    low, high = jpeg_round_trip(photo, 40), jpeg_round_trip(photo, 95)
    error = [np.abs(np.asarray(x, dtype=int) - np.asarray(photo)).mean() for x in (low, high)]
    assert error[0] > error[1]


def test_draws_stay_in_their_ranges():
    rng = np.random.default_rng(0)
    looks = [draw_look(rng) for _ in range(300)]
    assert all(EXPOSURE[0] <= look.exposure <= EXPOSURE[1] for look in looks)
    assert all(look.jpeg_quality is None or JPEG_QUALITY[0] <= look.jpeg_quality <= JPEG_QUALITY[1]
               for look in looks)  # fmt: skip
    assert all(abs(np.mean(look.gains) - 1) < 1e-6 for look in looks)
    assert any(look.round_diameter for look in looks) and any(look.bars for look in looks)
    assert any(look.angle for look in looks) and any(not look.angle for look in looks)


def test_views_are_reproducible_and_preprocessed_like_uploads(tmp_path):
    file = tmp_path / "photo.jpg"
    lesion_like_image(200, 150).save(file, quality=95)
    small, large = image_views(file, [28, (64, 48)], 3, seed=5)
    assert small.shape == (3, 28, 28, 3) and large.shape == (3, 48, 64, 3)
    again, _ = image_views(file, [28, (64, 48)], 3, seed=5)
    np.testing.assert_array_equal(small, again)
    rng = np.random.default_rng(5)
    with Image.open(file) as opened:
        first = as_device(opened.convert("RGB"), draw_look(rng))
    np.testing.assert_array_equal(small[0], image_to_array(first, 28))


def test_device_views_are_cached_and_the_same_in_one_process_or_two(tmp_path):
    files = []
    for i in range(3):
        files.append(tmp_path / f"{i}.jpg")
        lesion_like_image(60, 45, seed=i).save(files[-1])
    (alone,) = compute_device_views(files, [28], 2, seed=1, workers=1)
    (cached,) = device_views(files, [28], 2, seed=1, cache_dir=tmp_path / "cache")
    assert alone.shape == (3, 2, 28, 28, 3)
    np.testing.assert_array_equal(alone, cached)
    assert len(list((tmp_path / "cache").glob("device-views-*.npz"))) == 1
    (from_cache,) = device_views(files, [28], 2, seed=1, cache_dir=tmp_path / "cache")
    np.testing.assert_array_equal(from_cache, alone)

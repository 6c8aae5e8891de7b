"""Training augmentation: shapes, ranges and the symmetries it draws from."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from training.augment import augment, random_colour, random_crop_zoom, random_dihedral


def batch(n: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28, 3), dtype=np.uint8)


def dihedral_orbit(image: np.ndarray) -> list[np.ndarray]:
    rotations = [np.rot90(image, k) for k in range(4)]
    return rotations + [np.fliplr(r) for r in rotations]


def test_augment_keeps_shape_and_labels_and_stays_in_pixel_range():
    labels = np.arange(16) % 7
    images, out_labels = augment(tf.constant(batch()), tf.constant(labels))
    assert images.shape == (16, 28, 28, 3) and images.dtype == tf.float32
    assert float(tf.reduce_min(images)) >= 0.0 and float(tf.reduce_max(images)) <= 255.0
    np.testing.assert_array_equal(out_labels.numpy(), labels)


def test_dihedral_returns_one_of_the_eight_symmetries_of_each_image():
    images = batch().astype(np.float32)
    out = random_dihedral(tf.constant(images)).numpy()
    for original, moved in zip(images, out, strict=True):
        assert any(np.array_equal(moved, view) for view in dihedral_orbit(original))


def test_dihedral_draws_differ_between_images_of_a_batch():
    image = batch(1)[0].astype(np.float32)
    out = random_dihedral(tf.constant(np.repeat(image[None], 64, axis=0))).numpy()
    assert len({o.tobytes() for o in out}) > 2


def test_crop_zoom_with_full_crop_is_the_identity():
    images = batch().astype(np.float32)
    out = random_crop_zoom(tf.constant(images), min_crop=1.0).numpy()
    np.testing.assert_allclose(out, images, atol=1e-3)


def test_crop_zoom_magnifies_a_centred_disc():
    yy, xx = np.mgrid[:28, :28]
    disc = ((yy - 13.5) ** 2 + (xx - 13.5) ** 2 < 36).astype(np.float32) * 255
    images = np.repeat(disc[None, :, :, None], 8, axis=0).repeat(3, axis=3)
    out = random_crop_zoom(tf.constant(images), min_crop=0.7).numpy()
    assert (out > 127).sum() / 8 >= (disc > 127).sum() * 3  # at least 1.0 / 0.7² ≈ 2× the area


def test_colour_jitter_is_mild_and_clipped():
    images = tf.constant(batch().astype(np.float32))
    out = random_colour(images).numpy()
    assert out.min() >= 0.0 and out.max() <= 255.0
    assert np.abs(out - images.numpy()).mean() < 60

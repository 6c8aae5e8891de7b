"""Random augmentation of training batches: geometry a lesion photo has no preferred form of,
and the zoom and colour changes that differ between dermatoscopes.

Applied in the tf.data pipeline to training batches only; validation and test images are
never touched. Each image in a batch gets its own random draw.
"""

from __future__ import annotations

import tensorflow as tf

# Side of the random crop as a fraction of the image: 0.7 covers the 75 % centre crop
# that the robustness check scores.
MIN_CROP = 0.7
BRIGHTNESS = 20.0  # added to 0..255 pixel values, ± this at most
CONTRAST = 0.2  # scale around each image's mean, 1 ± this
SATURATION = 0.2  # scale away from each pixel's grey level, 1 ± this


def random_dihedral(images: tf.Tensor) -> tf.Tensor:
    """Return the batch with each image flipped, transposed or both at random: all 8 symmetries
    of the square (flips and 90° rotations)."""
    images = tf.image.random_flip_left_right(images)
    images = tf.image.random_flip_up_down(images)
    transpose = tf.random.uniform([tf.shape(images)[0], 1, 1, 1]) < 0.5
    return tf.where(transpose, tf.transpose(images, [0, 2, 1, 3]), images)


def random_crop_zoom(images: tf.Tensor, min_crop: float = MIN_CROP) -> tf.Tensor:
    """Return the batch with each image cropped to a random square of side min_crop..1 at a
    random position, resized back to the full size (a random zoom-in)."""
    n = tf.shape(images)[0]
    side = tf.random.uniform([n], min_crop, 1.0)
    top = tf.random.uniform([n]) * (1.0 - side)
    left = tf.random.uniform([n]) * (1.0 - side)
    boxes = tf.stack([top, left, top + side, left + side], axis=1)
    size = tf.shape(images)[1:3]
    return tf.image.crop_and_resize(images, boxes, tf.range(n), size)


def random_colour(images: tf.Tensor) -> tf.Tensor:
    """Return the batch (0..255 floats) with mild random brightness, contrast and saturation."""
    n = tf.shape(images)[0]

    def factor(spread: float, centre: float = 1.0) -> tf.Tensor:
        return tf.random.uniform([n, 1, 1, 1], centre - spread, centre + spread)

    grey = tf.reduce_mean(images, axis=-1, keepdims=True)
    images = grey + (images - grey) * factor(SATURATION)
    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    images = mean + (images - mean) * factor(CONTRAST)
    images = images + factor(BRIGHTNESS, centre=0.0)
    return tf.clip_by_value(images, 0.0, 255.0)


def augment(images: tf.Tensor, labels: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Return a randomly augmented batch (float32, 0..255) with its labels unchanged."""
    images = tf.cast(images, tf.float32)
    images = random_dihedral(images)
    images = random_crop_zoom(images)
    return random_colour(images), labels


def augment_with_masks(images: tf.Tensor, masks: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Return a batch of images (float32, 0..255) and their masks, flipped together at random,
    with the images' colours jittered; for the segmenter, whose inputs are not square."""
    stacked = tf.concat([tf.cast(images, tf.float32), tf.cast(masks, tf.float32)], axis=-1)
    stacked = tf.image.random_flip_up_down(tf.image.random_flip_left_right(stacked))
    return random_colour(stacked[..., :3]), stacked[..., 3:]

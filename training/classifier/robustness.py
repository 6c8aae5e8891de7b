"""Robustness of a model to framing, orientation and exposure: balanced accuracy on centre crops,
flipped copies and darker or brighter copies of images, recomputed from the original files
through the shared preprocessing.

A photo taken a little closer, held the other way round, or exposed a little differently (another
dermatoscope's light, another camera setting) must not change the answer much.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
from PIL import Image

from lesion_core.preprocess import INPUT_SIZE, Size, image_to_array, open_image, width_height
from training.data import DataError, find_image_folders, index_images
from training.metrics import balanced_accuracy

CENTRE_CROP = 0.75  # side of the kept centre, as a fraction of each side
# Exposure changes measured, as factors on every pixel value (Pillow's ImageEnhance.Brightness).
EXPOSURES = {"darker_15": 0.85, "brighter_15": 1.15}


def centre_crop(image: Image.Image, fraction: float = CENTRE_CROP) -> Image.Image:
    """Return the central `fraction` of the image's width and height."""
    width, height = image.size
    left, top = round(width * (1 - fraction) / 2), round(height * (1 - fraction) / 2)
    return image.crop((left, top, left + round(width * fraction), top + round(height * fraction)))


def exposed(images: np.ndarray, factor: float) -> np.ndarray:
    """Return uint8 images with every pixel value times `factor`, rounded and clipped."""
    return np.clip(np.rint(images.astype(np.float32) * factor), 0, 255).astype(np.uint8)


def views(files: list[Path], size: Size = INPUT_SIZE) -> dict[str, np.ndarray]:
    """Return the model inputs of each file as served (`original`), of its centre crop, of its
    horizontal and vertical mirror images and of darker and brighter copies (EXPOSURES); `size`
    is a side or (width, height)."""
    width, height = width_height(size)
    original = np.empty((len(files), height, width, 3), dtype=np.uint8)
    cropped = np.empty_like(original)
    for i, file in enumerate(files):
        with open_image(file) as image:
            original[i] = image_to_array(image, size)
        with open_image(file) as image:
            # Cropped at full resolution, then preprocessed like any upload.
            cropped[i] = image_to_array(centre_crop(image), size)
    return {
        "original": original,
        "centre_crop": cropped,
        # The resize commutes with mirroring, so mirroring the input equals preprocessing a
        # mirrored file, without a second decoding path.
        "flip_horizontal": original[:, :, ::-1].copy(),
        "flip_vertical": original[:, ::-1].copy(),
        # Likewise the resize is linear, so scaling the input equals preprocessing a file whose
        # exposure was scaled, up to rounding and clipping at 255.
        **{name: exposed(original, factor) for name, factor in EXPOSURES.items()},
    }


def image_files(release: Path, image_ids: np.ndarray) -> list[Path]:
    """Return the original file of each image id in a release folder."""
    found = index_images(find_image_folders(release))
    missing = [i for i in image_ids if i not in found]
    if missing:
        raise DataError(f"{release}: no file for image {missing[0]} ({len(missing)} missing)")
    return [found[i] for i in image_ids]


def robustness_metrics(
    model: keras.Model,
    release: Path,
    image_ids: np.ndarray,
    labels: np.ndarray,
    size: Size = INPUT_SIZE,
) -> dict:
    """Return balanced accuracy on each view of the images and each view's drop from the
    original: `drop` and its largest, `max_drop`, for framing (centre crop, flips);
    `exposure_drop` and `max_exposure_drop` for the EXPOSURES."""
    scores = {}
    for name, images in views(image_files(release, image_ids), size).items():
        proba = model.predict(images, batch_size=512, verbose=0)
        scores[name] = balanced_accuracy(labels, np.argmax(proba, axis=1))
    drops = {name: scores["original"] - score for name, score in scores.items()}
    framing = {name: drop for name, drop in drops.items() if name not in (*EXPOSURES, "original")}
    exposure = {name: drops[name] for name in EXPOSURES}
    return {
        "n": len(labels),
        "centre_crop_fraction": CENTRE_CROP,
        "exposure_factors": EXPOSURES,
        "balanced_accuracy": scores,
        "drop": framing,
        "max_drop": max(framing.values()),
        "exposure_drop": exposure,
        "max_exposure_drop": max(exposure.values()),
    }

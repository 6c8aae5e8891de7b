"""Robustness of a model to framing, orientation, exposure and other devices' looks: balanced
accuracy on centre crops, flipped copies, darker or brighter copies, and copies that look as if
another dermatoscope had taken them (round fields of view, a 45° rotation with black corners, a
colour cast, 30 % darker, JPEG quality 40), recomputed from the original files through the shared
preprocessing; and the same figures on MILK10k's dermoscopy from other devices and clinics.

A photo taken a little closer, held the other way round, exposed a little differently or taken
with another dermatoscope must not change the answer much.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from lesion_core.decode import open_image
from lesion_core.preprocess import INPUT_SIZE, image_to_array
from lesion_core.size import Size, SizeLike
from lesion_runtime.scoring.metrics import balanced_accuracy
from training.classifier.scored_model import ScoredModel, as_scored
from training.data import image_files
from training.device_simulation import COLOUR_CAST, DEVICE_SHIFTS
from training.milk10k import PARTS as MILK10K_PARTS
from training.milk10k import load_milk10k

if TYPE_CHECKING:
    import keras

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


def views(
    files: list[Path], size: SizeLike = INPUT_SIZE, device_only: bool = False
) -> dict[str, np.ndarray]:
    """Return the model inputs of each file as served (`original`), of its centre crop, of its
    horizontal and vertical mirror images, of darker and brighter copies (EXPOSURES) and of the
    DEVICE_SHIFTS; `size` is a side or (width, height). `device_only`: the original and the
    DEVICE_SHIFTS alone."""
    width, height = Size.of(size)
    original = np.empty((len(files), height, width, 3), dtype=np.uint8)
    cropped = np.empty_like(original)
    for i, file in enumerate(files):
        with open_image(file) as image:
            original[i] = image_to_array(image, size)
        with open_image(file) as image:
            # Cropped at full resolution, then preprocessed like any upload.
            cropped[i] = image_to_array(centre_crop(image), size)
    shifted = {name: np.empty_like(original) for name in DEVICE_SHIFTS}
    for i, file in enumerate(files):
        with open_image(file) as image:
            photo = image.convert("RGB")
        for name, shift in DEVICE_SHIFTS.items():
            shifted[name][i] = image_to_array(shift(photo), size)
    if device_only:
        return {"original": original, **shifted}
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
        **shifted,
    }


def shift_scores(
    model: ScoredModel, files: list[Path], labels: np.ndarray, device_only: bool = False
) -> dict:
    """Return balanced accuracy on every view of `files` (see `views`), made at each of the
    model's input sizes."""
    per_size = [views(files, size, device_only) for size in model.sizes]
    return {
        name: balanced_accuracy(labels, np.argmax(model.predict([v[name] for v in per_size]), 1))
        for name in per_size[0]
    }


def robustness_metrics(
    model: keras.Model | ScoredModel,
    release: Path,
    image_ids: np.ndarray,
    labels: np.ndarray,
    milk10k: Path | None = None,
) -> dict:
    """Return balanced accuracy on each view of the images and each view's drop from the
    original: `drop` and its largest, `max_drop`, for framing (centre crop, flips);
    `exposure_drop` and `max_exposure_drop` for the EXPOSURES; `device_drop` and
    `max_device_drop` for the DEVICE_SHIFTS; and, given MILK10k's folder, balanced accuracy on
    its dermoscopic images of our seven classes as taken and under the DEVICE_SHIFTS, per part of
    its lesion split."""
    model = as_scored(model)
    scores = shift_scores(model, image_files(release, image_ids), labels)
    drops = {name: scores["original"] - score for name, score in scores.items()}
    exposure = {name: drops[name] for name in EXPOSURES}
    device = {name: drops[name] for name in DEVICE_SHIFTS}
    framing = {
        name: drop
        for name, drop in drops.items()
        if name not in (*EXPOSURES, *DEVICE_SHIFTS, "original")
    }
    result = {
        "n": len(labels),
        "centre_crop_fraction": CENTRE_CROP,
        "exposure_factors": EXPOSURES,
        "colour_cast_gains": COLOUR_CAST,
        "balanced_accuracy": scores,
        "drop": framing,
        "max_drop": max(framing.values()),
        "exposure_drop": exposure,
        "max_exposure_drop": max(exposure.values()),
        "device_drop": device,
        "max_device_drop": max(device.values()),
    }
    if milk10k is not None:
        images = load_milk10k(milk10k)
        result["milk10k"] = {}
        for part in MILK10K_PARTS:
            chosen = images.subset(part)
            result["milk10k"][part] = {
                "n": len(chosen.labels),
                "balanced_accuracy": shift_scores(
                    model, chosen.files, chosen.labels, device_only=True
                ),
            }
    return result

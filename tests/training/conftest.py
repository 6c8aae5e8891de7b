"""Fixtures for training tests: tiny folders like each source's release, a tiny HMNIST CSV."""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from lesion_core.labels import CLASS_CODES, HMNIST_LABEL_TO_CODE
from tests.conftest import disc_mask, lesion_like_image

if TYPE_CHECKING:
    import keras

IMAGES_PER_LESION = 2
LESIONS_PER_CLASS = 5


def write_release(folder: Path, lesions_per_class: int = LESIONS_PER_CLASS) -> Path:
    """Write HAM10000_metadata.csv and two image folders like the official release."""
    rows = []
    n = 0
    for c, code in enumerate(CLASS_CODES):
        for lesion in range(lesions_per_class):
            for _ in range(IMAGES_PER_LESION):
                rows.append(
                    {
                        "lesion_id": f"HAM_{c}{lesion:03d}",
                        "image_id": f"ISIC_{n:07d}",
                        "dx": code,
                        "dx_type": "histo",
                        "age": 50.0,
                        "sex": "female",
                        "localization": "back",
                    }
                )
                n += 1
    for part in ("HAM10000_images_part_1", "HAM10000_images_part_2"):
        (folder / part).mkdir(parents=True)
    for i, row in enumerate(rows):
        part = "HAM10000_images_part_1" if i % 2 else "HAM10000_images_part_2"
        # Give each class its own tint so a model can learn something in two epochs.
        image = lesion_like_image(40, 30, seed=i)
        tint = np.array(image, dtype=float) * (0.6 + 0.06 * CLASS_CODES.index(row["dx"]))
        from PIL import Image

        Image.fromarray(tint.clip(0, 255).astype(np.uint8)).save(
            folder / part / f"{row['image_id']}.jpg", quality=90
        )
    pd.DataFrame(rows).to_csv(folder / "HAM10000_metadata.csv", index=False)
    return folder


def write_hmnist(path: Path, rows_per_class: int = 3, side: int = 28, channels: int = 3) -> Path:
    """Write an HMNIST-style CSV: pixel0000.. columns then `label` (HMNIST's label codes)."""
    rng = np.random.default_rng(0)
    code_to_label = {code: label for label, code in HMNIST_LABEL_TO_CODE.items()}
    pixels, labels = [], []
    for code in CLASS_CODES:
        for _ in range(rows_per_class):
            pixels.append(rng.integers(0, 256, side * side * channels))
            labels.append(code_to_label[code])
    table = pd.DataFrame(
        np.array(pixels), columns=[f"pixel{i:04d}" for i in range(side * side * channels)]
    )
    table["label"] = labels
    table.to_csv(path, index=False)
    return path


@pytest.fixture()
def release_dir(tmp_path: Path) -> Path:
    """A 70-image release folder: 7 classes × 5 lesions × 2 images."""
    return write_release(tmp_path / "ham10000")


def write_milk10k(folder: Path) -> Path:
    """Write a MILK10k-like folder: 24 lesions (3 per class of ours, 3 outside them), each with
    a dermoscopic image and a clinical close-up."""

    (folder / "images").mkdir(parents=True)
    rows = []
    for lesion in range(24):
        dx = CLASS_CODES[lesion // 3] if lesion < 21 else None
        for kind in ("dermoscopic", "clinical_closeup"):
            isic_id = f"ISIC_{len(rows):07d}"
            lesion_like_image(60, 45, seed=len(rows)).save(folder / "images" / f"{isic_id}.jpg")
            rows.append(
                {
                    "isic_id": isic_id,
                    "lesion_id": f"IL_{lesion:07d}",
                    "kind": kind,
                    "dx": dx,
                    "milk_class": (dx or "SCCKA").upper(),
                }
            )
    pd.DataFrame(rows).to_csv(folder / "metadata.csv", index=False)
    return folder


@pytest.fixture()
def milk10k_dir(tmp_path: Path) -> Path:
    """A 48-image MILK10k-like folder (see write_milk10k)."""
    return write_milk10k(tmp_path / "milk10k")


def write_isic2017(folder: Path, per_class: int = 6) -> Path:
    """Write an ISIC 2017-like folder: labels.csv and `per_class` images of mel, nv and bkl."""
    (folder / "images").mkdir(parents=True)
    rows = []
    for dx in ("mel", "nv", "bkl"):
        for _ in range(per_class):
            image_id = f"ISIC_{len(rows):07d}"
            lesion_like_image(64, 64, seed=100 + len(rows)).save(
                folder / "images" / f"{image_id}.jpg"
            )
            rows.append({"image_id": image_id, "dx": dx})
    pd.DataFrame(rows).to_csv(folder / "labels.csv", index=False)
    return folder


@pytest.fixture()
def isic2017_dir(tmp_path: Path) -> Path:
    """An 18-image ISIC 2017-like folder (see write_isic2017)."""
    return write_isic2017(tmp_path / "isic2017")


def write_masks(release: Path, every: int = 1) -> Path:
    """Write a masks/ folder into a `write_release` folder: the disc of every `every`-th image."""
    from PIL import Image

    (release / "masks").mkdir()
    table = pd.read_csv(release / "HAM10000_metadata.csv")
    for image_id in table["image_id"][::every]:
        mask = disc_mask(40, 30).astype(np.uint8) * 255
        Image.fromarray(mask).save(release / "masks" / f"{image_id}.png")
    return release


@pytest.fixture()
def release_with_masks(tmp_path: Path) -> Path:
    """The 70-image release folder with a masks/ folder for every other image."""
    return write_masks(write_release(tmp_path / "ham10000"), every=2)


def write_full_res(release: Path, size: tuple[int, int] = (300, 225)) -> Path:
    """Write full_res/ images and full_res_masks/ discs for every image of a release folder."""
    from PIL import Image

    (release / "full_res").mkdir()
    (release / "full_res_masks").mkdir()
    table = pd.read_csv(release / "HAM10000_metadata.csv")
    for i, image_id in enumerate(table["image_id"]):
        lesion_like_image(*size, seed=i).save(release / "full_res" / f"{image_id}.jpg", quality=90)
        mask = disc_mask(*size).astype(np.uint8) * 255
        Image.fromarray(mask).save(release / "full_res_masks" / f"{image_id}.png")
    return release


def small_classifier() -> keras.Model:
    """Return an untrained 28×28 classifier shaped like the real ones (feature map → global
    average pooling → softmax Dense, so Grad-CAM, TTA and temperature folding apply) but a few
    layers deep, for tests of what wraps, exports or calibrates a model, not of the model."""
    import keras

    inputs = keras.Input((28, 28, 3), name="image")
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.Conv2D(8, 3, strides=2, activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(7, activation="softmax")(x), name="small")


@dataclass(frozen=True)
class SegmenterRun:
    """A finished `training.segmenter.train` CLI run and what it printed and warned."""

    data: Path
    out: Path
    cache_dir: Path
    code: int
    stdout: str
    warnings: list[str]


@pytest.fixture(scope="session")
def segmenter_run(tmp_path_factory) -> SegmenterRun:
    """Two epochs of the segmenter recipe (a two-level U-Net) through its CLI, on the 70-image
    release with a mask for every image (two per lesion, so the lesion grouping of the split
    means something) and full-resolution copies for the evaluation."""
    from training.segmenter import train as train_segmenter

    root = tmp_path_factory.mktemp("segmenter")
    data = write_full_res(write_masks(write_release(root / "data")))
    out, cache_dir = root / "run", root / "cache"
    argv = ["--data", str(data), "--out", str(out), "--cache-dir", str(cache_dir)]
    argv += ["--epochs", "2", "--batch-size", "8", "--val-fraction", "0.25", "--levels", "2"]
    printed = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(printed):
        warnings.simplefilter("always")  # recorded, so that a test can say which one
        warnings.simplefilter("ignore", DeprecationWarning)  # NumPy 2 notes from TensorFlow
        code = train_segmenter.main(argv)
    return SegmenterRun(
        data, out, cache_dir, code, printed.getvalue(), [str(w.message) for w in caught]
    )


@pytest.fixture()
def hmnist_csv(tmp_path: Path) -> Path:
    """A 21-row HMNIST 28×28 RGB CSV."""
    return write_hmnist(tmp_path / "hmnist_28_28_RGB.csv")

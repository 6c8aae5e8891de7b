"""Fixtures for training tests: a tiny official-release folder and a tiny HMNIST CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import lesion_like_image
from training.labels import CLASS_CODES, HMNIST_LABEL_TO_CODE

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


@pytest.fixture()
def hmnist_csv(tmp_path: Path) -> Path:
    """A 21-row HMNIST 28×28 RGB CSV."""
    return write_hmnist(tmp_path / "hmnist_28_28_RGB.csv")

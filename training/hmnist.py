"""Load Kaggle's HMNIST CSV (pixel columns and a label), the other format users have HAM10000 in."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from tqdm import tqdm

from lesion_core.labels import HMNIST_LABEL_TO_CODE, index_of
from lesion_core.preprocess import INPUT_SIZE, image_to_array
from lesion_core.size import Size, SizeLike
from training.dataset import DataError, Dataset

log = logging.getLogger(__name__)


def load_hmnist_csv(csv: Path, size: SizeLike = INPUT_SIZE) -> Dataset:
    """Return the images of a Kaggle HMNIST CSV (pixel columns + label), resized to `size`."""
    try:
        table = pd.read_csv(csv)
    except (OSError, ValueError) as exc:
        raise DataError(f"{csv}: cannot read CSV ({exc})") from exc
    if "label" not in table.columns:
        raise DataError(f"{csv}: no 'label' column; is this an HMNIST CSV?")
    pixels = table.drop(columns="label").to_numpy()
    side, channels = _hmnist_shape(pixels.shape[1], csv)
    if pixels.size and (pixels.min() < 0 or pixels.max() > 255):
        raise DataError(f"{csv}: pixel values outside 0..255")

    labels = np.empty(len(table), dtype=np.int64)
    for row, value in enumerate(table["label"], start=2):
        code = HMNIST_LABEL_TO_CODE.get(int(value)) if _is_int(value) else None
        if code is None:
            raise DataError(
                f"{csv}, line {row}: unknown label {value!r}; HMNIST labels are 0..6 "
                f"({', '.join(f'{k}={v}' for k, v in HMNIST_LABEL_TO_CODE.items())})"
            )
        labels[row - 2] = index_of(code)

    shape = (side, side, 3) if channels == 3 else (side, side)
    width, height = Size.of(size)
    images = np.empty((len(table), height, width, 3), dtype=np.uint8)
    for i, row in enumerate(tqdm(pixels, desc="converting rows", unit="img")):
        image = Image.fromarray(row.reshape(shape).astype(np.uint8))  # RGB or L
        images[i] = image_to_array(image, size)
    log.warning(
        "%s has no lesion ids: the split cannot keep a lesion's images together, so "
        "test figures from it are optimistic",
        csv,
    )
    ids = np.array([f"row{i:05d}" for i in range(len(table))])
    return Dataset(images, labels, ids, None, f"HMNIST CSV ({csv}, no lesion ids)")


def _hmnist_shape(columns: int, csv: Path) -> tuple[int, int]:
    """Return (side, channels) for an HMNIST pixel-column count."""
    for channels in (3, 1):
        side = round((columns / channels) ** 0.5)
        if side * side * channels == columns:
            return side, channels
    raise DataError(
        f"{csv}: {columns} pixel columns is neither side×side×3 (RGB) nor side×side (L)"
    )


def _is_int(value: object) -> bool:
    try:
        return float(value) == int(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False

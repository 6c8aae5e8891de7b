"""Load HAM10000 images with their lesion segmentation masks, for training the segmenter.

Images go through the shared preprocessing (`preprocess_for_segmenter`); each mask is scaled to
the same size with the same filter, so a target pixel holds the lesion's share of it (0-255).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from lesion_core.decode import ImageTooLargeError, InvalidImageError
from lesion_core.preprocess import RESAMPLE, SEGMENTER_INPUT, preprocess_for_segmenter
from training.data import (
    cache_path,
    cached,
    find_image_folders,
    find_metadata,
    index_images,
    read_metadata,
    release_dataset,
)
from training.dataset import DataError, Dataset

log = logging.getLogger(__name__)

MASK_FOLDER_NAMES = ("masks", "HAM10000_segmentations_lesion_tschandl")
RELEASE_SUFFIX = "_segmentation.png"  # the release's mask names; plain `<image_id>.png` works too


@dataclass(frozen=True)
class MaskedImages:
    """Images that have a lesion mask: the inputs, the scaled masks and where the files are."""

    dataset: Dataset  # images (N, H, W, 3) uint8 at the segmenter's size, dx labels, ids
    masks: np.ndarray  # (N, H, W) uint8: the lesion's share of each pixel, 0-255
    image_files: list[Path]
    mask_files: list[Path]


def find_mask_folder(folder: Path) -> Path:
    """Return the folder of lesion masks inside a release folder."""
    for name in MASK_FOLDER_NAMES:
        if (folder / name).is_dir():
            return folder / name
    raise DataError(
        f"{folder}: no lesion masks found (looked for {' or '.join(MASK_FOLDER_NAMES)}/)"
    )


def index_masks(folder: Path) -> dict[str, Path]:
    """Return image_id → mask file for every mask in `folder`."""
    found: dict[str, Path] = {}
    for file in sorted(folder.glob("*.png")):
        if file.name.endswith(RELEASE_SUFFIX):
            found[file.name.removesuffix(RELEASE_SUFFIX)] = file  # the release's name wins
        else:
            found.setdefault(file.stem, file)
    return found


def read_mask(file: Path, size: tuple[int, int] | None = None) -> np.ndarray:
    """Return a mask file as uint8 (0-255), resized to `size` = (width, height) if given."""
    try:
        with Image.open(file) as image:
            mask = image.convert("L")
            if size is not None and mask.size != size:
                mask = mask.resize(size, RESAMPLE)
            return np.asarray(mask, dtype=np.uint8)
    except OSError as exc:
        raise DataError(f"{file}: cannot read mask ({exc})") from None


def load_masked_images(
    folder: Path, size: tuple[int, int] = SEGMENTER_INPUT, cache_dir: Path | None = None
) -> MaskedImages:
    """Return every image of the release at `folder` that has a mask, with its mask."""
    metadata = find_metadata(folder)
    table = read_metadata(metadata)
    images_by_id = index_images(find_image_folders(folder))
    masks_by_id = index_masks(find_mask_folder(folder))
    table = table[table["image_id"].isin(masks_by_id.keys())].reset_index(drop=True)
    if table.empty:
        raise DataError(f"{folder}: no mask belongs to an image of {metadata}")
    missing = [i for i in table["image_id"] if i not in images_by_id]
    if missing:
        raise DataError(f"{folder}: image {missing[0]} (and {len(missing) - 1} more) has no file")
    image_files = [images_by_id[i] for i in table["image_id"]]
    mask_files = [masks_by_id[i] for i in table["image_id"]]

    def decode() -> dict[str, np.ndarray]:
        width, height = size
        images = np.empty((len(table), height, width, 3), dtype=np.uint8)
        masks = np.empty((len(table), height, width), dtype=np.uint8)
        pairs = zip(image_files, mask_files, strict=True)
        for i, (image_file, mask_file) in enumerate(tqdm(pairs, total=len(table), unit="img")):
            try:
                images[i], _ = preprocess_for_segmenter(image_file, size)
            except (InvalidImageError, ImageTooLargeError) as exc:
                raise DataError(f"{image_file}: {exc}") from None
            masks[i] = read_mask(mask_file, size)
        return {"images": images, "masks": masks}

    cache_file = cache_path(cache_dir, "masks", metadata, image_files + mask_files, size)
    arrays = cached(cache_file, decode)
    source = f"HAM10000 release with lesion masks ({folder})"
    dataset = release_dataset(table, arrays["images"], source)
    return MaskedImages(dataset, arrays["masks"], image_files, mask_files)

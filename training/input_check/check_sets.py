"""The images the input check is fitted, calibrated and judged on, as the service sees them.

Dermoscopy (positives): HAM10000 at the classifiers' lesion-grouped split; simulated-device views
of each HAM10000 image (training.device_simulation: round and rectangular vignettes, rotations
with black corners, colour casts, exposure); the test part under each of the robustness report's
device shifts; MILK10k's dermoscopic images from other devices and clinics, every diagnosis; and
ISIC 2017's images at training.isic2017's seeded thirds. Not dermoscopy (negatives): MILK10k's
camera close-ups of the same lesions, ISIC 2024's total-body-photo tiles (seeded thirds, like
ISIC 2017's) and the collected and synthetic kinds of `training.input_check.ood_data`. A MILK10k
lesion's two images are on the same side of every split (`training.milk10k.lesion_parts`): its
"rest" fits, its "val" third judges.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from lesion_core.preprocess import image_to_array
from lesion_core.size import SizeLike
from training.data import (
    cache_path,
    cached,
    decoded_files,
    find_metadata,
    image_files,
    load_dataset,
)
from training.dataset import DataError
from training.device_simulation import DEVICE_SHIFTS
from training.device_views import device_views
from training.input_check.features import CHECK_DECODER
from training.input_check.ood_data import OodImages, load_ood
from training.isic2017 import PARTS, load_isic2017
from training.milk10k import CLOSEUP, DERMOSCOPIC, load_milk10k
from training.split import Split, load_split

DEVICE_VIEWS = 2  # simulated-device views of each HAM10000 image
SEED = 7
# The shifts the test part is judged under (the robustness report's, less JPEG quality, which
# does not change what kind of image it is).
TEST_SHIFTS = ("disc_100", "disc_85", "rotate_45", "colour_cast", "darker_30")
TILE_SEED = 42


@dataclass(frozen=True)
class MilkImages:
    """One kind of MILK10k image at the check's size, with its class and part."""

    images: np.ndarray  # (N, H, W, 3) uint8
    labels: np.ndarray  # (N,) int: a class index, or training.milk10k.OTHER_DIAGNOSIS
    groups: np.ndarray  # (N,) str: lesion ids
    part: np.ndarray  # (N,) str: "val" or "rest"


@dataclass(frozen=True)
class PartedImages:
    """One source's images at the check's size, each with its part (training.isic2017.PARTS)."""

    images: np.ndarray  # (N, H, W, 3) uint8
    labels: np.ndarray  # (N,) int: a class index, or -1 where none is known
    part: np.ndarray  # (N,) str


@dataclass(frozen=True)
class CheckSets:
    """Every image set the check is built and judged on, at one input size."""

    ham: np.ndarray  # (N, H, W, 3): HAM10000 as uploads
    ham_labels: np.ndarray
    split: Split
    ham_device: np.ndarray  # (N, DEVICE_VIEWS, H, W, 3)
    test_shifts: dict[str, np.ndarray]  # shift → the test part under it
    milk_dermoscopic: MilkImages
    milk_closeups: MilkImages
    isic2017: PartedImages
    tiles: PartedImages  # ISIC 2024's total-body-photo tiles
    ood: OodImages


def decoded(files: list[Path], prefix: str, metadata: Path, size: SizeLike, cache_dir: Path | None):
    """Return the files read as the service reads uploads, (N, H, W, 3) uint8, cached in
    `cache_dir` under `prefix`."""
    return decoded_files(files, prefix, metadata, size, cache_dir, CHECK_DECODER)


def load_milk_kind(folder: Path, kind: str, size: SizeLike, cache_dir: Path | None) -> MilkImages:
    """Return every MILK10k image of `kind`, read as the service reads uploads (the images
    cached in `cache_dir`)."""
    found = load_milk10k(folder, kind, every_diagnosis=True)
    images = decoded(found.files, f"check-milk-{kind}", folder / "metadata.csv", size, cache_dir)
    return MilkImages(images, found.labels, found.lesion_ids, found.part)


def load_isic2017_parts(folder: Path, size: SizeLike, cache_dir: Path | None) -> PartedImages:
    """Return ISIC 2017's images at the check's size, with their diagnoses and parts."""
    found = load_isic2017(folder)
    images = decoded(found.files, "check-isic2017", folder / "labels.csv", size, cache_dir)
    return PartedImages(images, found.labels, found.part)


def tile_parts(count: int, seed: int = TILE_SEED) -> np.ndarray:
    """Return each of `count` tiles' part: a seeded third each (no lesion ids: one lesion each)."""
    order = np.random.default_rng(seed).permutation(count)
    parts = np.empty(count, dtype="<U5")
    for part, rows in zip(PARTS, np.array_split(order, len(PARTS)), strict=True):
        parts[rows] = part
    return parts


def load_tiles(folder: Path, size: SizeLike, cache_dir: Path | None) -> PartedImages:
    """Return the total-body-photo tiles of `folder/images` at the check's size, with parts."""
    files = sorted((folder / "images").glob("*.jpg"))
    if not files:
        raise DataError(f"{folder}: no images/*.jpg; point at shared/data/isic2024_tbp")
    images = decoded(files, "check-tiles", folder / "SOURCES.md", size, cache_dir)
    return PartedImages(images, np.full(len(files), -1), tile_parts(len(files)))


def shifted_views(files: list[Path], size: SizeLike) -> dict[str, np.ndarray]:
    """Return each of TEST_SHIFTS applied to the files, preprocessed like uploads."""
    made: dict[str, list[np.ndarray]] = {name: [] for name in TEST_SHIFTS}
    for file in files:
        with Image.open(file) as opened:
            photo = opened.convert("RGB")
        for name in TEST_SHIFTS:
            made[name].append(image_to_array(DEVICE_SHIFTS[name](photo), size))
    return {name: np.stack(views) for name, views in made.items()}


def load_check_sets(
    ham_folder: Path,
    milk_folder: Path,
    ood_folder: Path,
    split_file: Path,
    size: SizeLike,
    cache_dir: Path | None,
    *,
    isic2017_folder: Path,
    tiles_folder: Path,
) -> CheckSets:
    """Return the check's image sets at `size`, the costly ones cached in `cache_dir`."""
    dataset = load_dataset(ham_folder, size, cache_dir, CHECK_DECODER)
    split = load_split(dataset, split_file)
    files = image_files(ham_folder, dataset.image_ids)
    (device,) = device_views(files, [size], DEVICE_VIEWS, SEED, cache_dir)
    test_files = [files[i] for i in split.test]
    metadata = find_metadata(ham_folder)
    cache_file = cache_path(cache_dir, "check-shifts", metadata, test_files, size, CHECK_DECODER.id)
    shifts = cached(cache_file, lambda: shifted_views(test_files, size))

    return CheckSets(
        ham=dataset.images,
        ham_labels=dataset.labels,
        split=split,
        ham_device=device,
        test_shifts=shifts,
        milk_dermoscopic=load_milk_kind(milk_folder, DERMOSCOPIC, size, cache_dir),
        milk_closeups=load_milk_kind(milk_folder, CLOSEUP, size, cache_dir),
        isic2017=load_isic2017_parts(isic2017_folder, size, cache_dir),
        tiles=load_tiles(tiles_folder, size, cache_dir),
        ood=load_ood(ood_folder, size),
    )

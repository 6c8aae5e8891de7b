"""Load HAM10000 in either format users have: the official release or Kaggle's HMNIST CSV."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from lesion_core.decode import ImageTooLargeError, InvalidImageError
from lesion_core.labels import UnknownLabelError, index_of
from lesion_core.preprocess import INPUT_SIZE, PREPROCESSING_ID, preprocess
from lesion_core.size import Size, SizeLike
from training.dataset import DataError, Dataset
from training.hmnist import load_hmnist_csv

log = logging.getLogger(__name__)

METADATA_NAMES = ("HAM10000_metadata.csv", "metadata.csv", "HAM10000_metadata")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class Decoder:
    """How a release's image files become arrays: `function(path, size)`, named by `id` (part
    of the cache key)."""

    id: str
    function: Callable[[Path, SizeLike], np.ndarray]


SHARED_PREPROCESSING = Decoder(PREPROCESSING_ID, preprocess)


def load_dataset(
    path: Path,
    size: SizeLike = INPUT_SIZE,
    cache_dir: Path | None = None,
    decoder: Decoder = SHARED_PREPROCESSING,
) -> Dataset:
    """Return the dataset at `path`: a release folder (metadata + images) or an HMNIST CSV.
    A release's images go through `decoder`."""
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if path.is_file():
        return load_hmnist_csv(path, size)
    metadata = find_metadata(path)
    return load_release(metadata, find_image_folders(path), size, cache_dir, decoder)


def find_metadata(folder: Path) -> Path:
    """Return the metadata CSV inside a release folder."""
    for name in METADATA_NAMES:
        if (folder / name).is_file():
            return folder / name
    raise DataError(f"{folder}: no {' or '.join(METADATA_NAMES[:2])} found")


def find_image_folders(folder: Path) -> list[Path]:
    """Return the folders holding images: HAM10000_images_part_*, images/, or the folder itself."""
    parts = sorted(p for p in folder.glob("HAM10000_images*") if p.is_dir())
    if parts:
        return parts
    if (folder / "images").is_dir():
        return [folder / "images"]
    return [folder]


def index_images(folders: list[Path]) -> dict[str, Path]:
    """Return image_id → file for every image file in `folders`."""
    found: dict[str, Path] = {}
    for folder in folders:
        for file in folder.iterdir():
            if file.suffix.lower() in IMAGE_SUFFIXES:
                found.setdefault(file.stem, file)
    return found


def image_files(release: Path, image_ids: np.ndarray) -> list[Path]:
    """Return the original file of each image id in a release folder."""
    found = index_images(find_image_folders(release))
    missing = [i for i in image_ids if i not in found]
    if missing:
        raise DataError(f"{release}: no file for image {missing[0]} ({len(missing)} missing)")
    return [found[i] for i in image_ids]


def read_metadata(metadata: Path) -> pd.DataFrame:
    """Return the metadata rows (image_id, lesion_id, dx), validated."""
    try:
        table = pd.read_csv(metadata, dtype=str)
    except (OSError, ValueError) as exc:
        raise DataError(f"{metadata}: cannot read CSV ({exc})") from exc
    missing = {"image_id", "lesion_id", "dx"} - set(table.columns)
    if missing:
        raise DataError(f"{metadata}: missing column(s) {', '.join(sorted(missing))}")
    for row, dx in enumerate(table["dx"], start=2):
        try:
            index_of(str(dx))
        except UnknownLabelError as exc:
            raise DataError(f"{metadata}, line {row}: {exc}") from None
    return table


def load_release(
    metadata: Path,
    folders: list[Path],
    size: SizeLike = INPUT_SIZE,
    cache_dir: Path | None = None,
    decoder: Decoder = SHARED_PREPROCESSING,
) -> Dataset:
    """Return the official release's images, decoded through `decoder` (by default the shared
    preprocessing)."""
    table = read_metadata(metadata)
    files = index_images(folders)
    paths = []
    for image_id in table["image_id"]:
        if image_id not in files:
            raise DataError(
                f"{metadata}: image {image_id} has no file in {', '.join(map(str, folders))}"
            )
        paths.append(files[image_id])

    images = decoded_files(paths, "ham10000", metadata, size, cache_dir, decoder)
    return release_dataset(table, images, f"HAM10000 release ({metadata})")


def decoded_files(
    files: list[Path],
    prefix: str,
    metadata: Path,
    size: SizeLike,
    cache_dir: Path | None,
    decoder: Decoder = SHARED_PREPROCESSING,
) -> np.ndarray:
    """Return `files` decoded through `decoder` at `size`, (N, H, W, 3) uint8, cached in
    `cache_dir` under `prefix` (keyed by `metadata`, the files, the size and the decoder), or
    raise DataError naming a file that cannot be read."""

    def decode() -> dict[str, np.ndarray]:
        width, height = Size.of(size)
        images = np.empty((len(files), height, width, 3), dtype=np.uint8)
        for i, file in enumerate(tqdm(files, desc="decoding images", unit="img")):
            try:
                images[i] = decoder.function(file, size)
            except (InvalidImageError, ImageTooLargeError) as exc:
                raise DataError(f"{file}: {exc}") from None
        return {"images": images}

    cache_file = cache_path(cache_dir, prefix, metadata, files, size, decoder.id)
    return cached(cache_file, decode)["images"]


def release_dataset(table: pd.DataFrame, images: np.ndarray, source: str) -> Dataset:
    """Return the Dataset of metadata rows `table` and their decoded `images`."""
    labels = np.array([index_of(dx) for dx in table["dx"]], dtype=np.int64)
    return Dataset(
        images,
        labels,
        table["image_id"].to_numpy(dtype=str),
        table["lesion_id"].to_numpy(dtype=str),
        source,
    )


def cached(
    cache_file: Path | None, compute: Callable[[], dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Return the arrays saved in `cache_file`, or compute them, save them there and return them
    (no cache when `cache_file` is None)."""
    if cache_file is not None and cache_file.is_file():
        log.info("loading decoded images from cache %s", cache_file)
        with np.load(cache_file, allow_pickle=False) as saved:
            return {name: saved[name] for name in saved.files}
    arrays = compute()
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache_file, **arrays)
        log.info("cached decoded images in %s", cache_file)
    return arrays


def cache_path(
    cache_dir: Path | None,
    prefix: str,
    metadata: Path,
    files: list[Path],
    size: int | tuple,
    preprocessing: str = PREPROCESSING_ID,
) -> Path | None:
    """Return the cache file for these inputs (None without a cache folder)."""
    if cache_dir is None:
        return None
    return cache_dir / f"{prefix}-{_cache_key(metadata, files, size, preprocessing)}.npz"


def _cache_key(metadata: Path, paths: list[Path], size: int | tuple, preprocessing: str) -> str:
    """Return a key that changes with the metadata, any image file, the size or preprocessing."""
    digest = hashlib.sha1(metadata.read_bytes())
    digest.update(f"{size}|{preprocessing}".encode())
    for file in paths:
        stat = file.stat()
        digest.update(f"{file.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]

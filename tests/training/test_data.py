"""Loading both formats users have, the cache, and one-line errors that name the file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from training.data import load_dataset
from training.dataset import DataError


def test_release_loads_every_image_with_labels_and_lesions(release_dir):
    data = load_dataset(release_dir)
    assert len(data) == 70
    assert data.images.shape == (70, 28, 28, 3) and data.images.dtype == np.uint8
    assert np.bincount(data.labels).tolist() == [10] * 7
    assert len(set(data.lesion_ids)) == 35
    assert data.image_ids[0] == "ISIC_0000000"


def test_release_with_single_images_folder_loads(release_dir):
    single = release_dir / "images"
    single.mkdir()
    for part in release_dir.glob("HAM10000_images_part_*"):
        for file in part.iterdir():
            file.rename(single / file.name)
        part.rmdir()
    (release_dir / "HAM10000_metadata.csv").rename(release_dir / "metadata.csv")
    assert len(load_dataset(release_dir)) == 70


def test_second_load_comes_from_the_cache(release_dir, tmp_path):
    cache = tmp_path / "cache"
    first = load_dataset(release_dir, cache_dir=cache)
    cached = list(cache.glob("*.npz"))
    assert len(cached) == 1
    second = load_dataset(release_dir, cache_dir=cache)
    np.testing.assert_array_equal(first.images, second.images)


def test_changing_an_image_invalidates_the_cache(release_dir, tmp_path):
    cache = tmp_path / "cache"
    load_dataset(release_dir, cache_dir=cache)
    image = next((release_dir / "HAM10000_images_part_1").iterdir())
    image.write_bytes(image.read_bytes() + b"\0")
    load_dataset(release_dir, cache_dir=cache)
    assert len(list(cache.glob("*.npz"))) == 2


def test_missing_image_file_is_named(release_dir):
    victim = next((release_dir / "HAM10000_images_part_1").iterdir())
    victim.unlink()
    with pytest.raises(DataError, match=victim.stem):
        load_dataset(release_dir)


def test_unknown_label_names_file_and_line(release_dir):
    metadata = release_dir / "HAM10000_metadata.csv"
    table = pd.read_csv(metadata)
    table.loc[3, "dx"] = "melanoma"
    table.to_csv(metadata, index=False)
    with pytest.raises(DataError, match=r"HAM10000_metadata.csv, line 5: unknown label 'melanoma'"):
        load_dataset(release_dir)


def test_unreadable_image_is_named(release_dir):
    victim = next((release_dir / "HAM10000_images_part_2").iterdir())
    victim.write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match=victim.name):
        load_dataset(release_dir)


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_dataset(tmp_path / "nowhere")


def test_folder_without_metadata_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"HAM10000_metadata\.csv"):
        load_dataset(tmp_path)

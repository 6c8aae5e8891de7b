"""The input check's image sets: HAM10000 by the shared split, its device views and shifted test
part, MILK10k's two kinds by lesion, ISIC 2017 and the tiles by thirds, and the non-dermoscopic
kinds."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PIL import Image

from training.data import load_dataset
from training.input_check.check_sets import (
    DEVICE_VIEWS,
    TEST_SHIFTS,
    load_check_sets,
    tile_parts,
)
from training.input_check.ood_data import ROUND_SOURCES, SYNTHETIC_COUNT
from training.milk10k import OTHER_DIAGNOSIS
from training.split import make_split, save_split


def write_ood(folder):
    """Write a 4-image shared/data/ood-like folder, one image of each collected kind."""
    rows = []
    for i, kind in enumerate(("clinical_skin", "chest_xray", "brain_mri", "everyday")):
        (folder / kind).mkdir(parents=True)
        path = f"{kind}/{i}.jpg"
        Image.new("RGB", (50, 40), (30 * i, 90, 200)).save(folder / path)
        rows.append({"path": path, "kind": kind, "source": "test", "original": f"c{i}/{i}.jpg"})
    pd.DataFrame(rows).to_csv(folder / "index.csv", index=False)
    return folder


def write_isic2017(folder):
    """Write an ISIC 2017-like folder: 3 images of each of its 3 diagnoses."""
    (folder / "images").mkdir(parents=True)
    rows = [
        {"image_id": f"ISIC_{i:07d}", "dx": dx} for i, dx in enumerate(["mel", "nv", "bkl"] * 3)
    ]
    for i, row in enumerate(rows):
        Image.new("RGB", (40, 40), (120, 60 + 10 * i, 50)).save(
            folder / "images" / f"{row['image_id']}.jpg"
        )
    pd.DataFrame(rows).to_csv(folder / "labels.csv", index=False)
    return folder


def write_tiles(folder, count=6):
    """Write an isic2024_tbp-like folder of `count` small camera tiles."""
    (folder / "images").mkdir(parents=True)
    (folder / "SOURCES.md").write_text("test tiles\n")
    for i in range(count):
        Image.new("RGB", (30, 30), (200, 150, 20 * i)).save(folder / "images" / f"tile_{i}.jpg")
    return folder


def load_sets(release_dir, milk10k_dir, tmp_path, cache):
    """Return the sets of the test folders at 32×32 (the data written on the first call)."""
    split_file = tmp_path / "split.csv"
    if not split_file.is_file():
        data = load_dataset(release_dir)
        save_split(data, make_split(data, 0.2, 0.2, 1), split_file)
        write_ood(tmp_path / "ood")
        write_isic2017(tmp_path / "isic2017")
        write_tiles(tmp_path / "tiles")
    folders = {"isic2017_folder": tmp_path / "isic2017", "tiles_folder": tmp_path / "tiles"}
    return load_check_sets(
        release_dir, milk10k_dir, tmp_path / "ood", split_file, 32, cache, **folders
    )


def test_the_sets_cover_every_kind_at_the_checks_size(release_dir, milk10k_dir, tmp_path):
    sets = load_sets(release_dir, milk10k_dir, tmp_path, tmp_path / "cache")
    assert sets.ham.shape == (70, 32, 32, 3) and len(sets.ham_labels) == 70
    assert sets.ham_device.shape == (70, DEVICE_VIEWS, 32, 32, 3)
    assert set(sets.test_shifts) == set(TEST_SHIFTS)
    assert all(v.shape == (len(sets.split.test), 32, 32, 3) for v in sets.test_shifts.values())
    derm, closeups = sets.milk_dermoscopic, sets.milk_closeups
    assert derm.images.shape == closeups.images.shape == (24, 32, 32, 3)
    assert (derm.labels == OTHER_DIAGNOSIS).sum() == 3  # every diagnosis is dermoscopy
    parts = dict(zip(derm.groups, derm.part, strict=True))
    assert all(parts[g] == p for g, p in zip(closeups.groups, closeups.part, strict=True))
    assert len(sets.ood.kinds) == 4 + len(ROUND_SOURCES) + SYNTHETIC_COUNT
    assert sets.isic2017.images.shape == (9, 32, 32, 3)
    assert sorted(sets.isic2017.part) == ["test"] * 3 + ["train"] * 3 + ["val"] * 3
    assert sets.tiles.images.shape == (6, 32, 32, 3) and (sets.tiles.labels == -1).all()
    # a second load reads the costly sets from the cache
    again = load_sets(release_dir, milk10k_dir, tmp_path, tmp_path / "cache")
    np.testing.assert_array_equal(again.ham_device, sets.ham_device)
    np.testing.assert_array_equal(again.tiles.images, sets.tiles.images)
    np.testing.assert_array_equal(again.test_shifts["disc_85"], sets.test_shifts["disc_85"])


def test_a_shifted_view_is_the_shift_of_the_photo(release_dir, milk10k_dir, tmp_path):
    sets = load_sets(release_dir, milk10k_dir, tmp_path, None)
    assert sets.test_shifts["rotate_45"][:, 0, 0].max() < 10  # black corners stay
    assert sets.test_shifts["darker_30"].mean() < 0.8 * sets.ham[sets.split.test].mean()


def test_the_tiles_fall_into_seeded_thirds():
    parts = tile_parts(2000)
    assert {p: int((parts == p).sum()) for p in ("train", "val", "test")} == {
        "train": 667, "val": 667, "test": 666}  # fmt: skip
    np.testing.assert_array_equal(parts, tile_parts(2000))
    assert not np.array_equal(parts, tile_parts(2000, seed=1))

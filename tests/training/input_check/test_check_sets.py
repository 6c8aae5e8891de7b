"""The input check's image sets: HAM10000 by the shared split, its device views and shifted test
part, MILK10k's two kinds by lesion, and the non-dermoscopic kinds."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PIL import Image

from training.data import load_dataset
from training.input_check.check_sets import (
    DEVICE_VIEWS,
    TEST_SHIFTS,
    load_check_sets,
)
from training.input_check.ood_data import SYNTHETIC_COUNT
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


def test_the_sets_cover_every_kind_at_the_checks_size(release_dir, milk10k_dir, tmp_path):
    split_file = tmp_path / "split.csv"
    data = load_dataset(release_dir)
    save_split(data, make_split(data, 0.2, 0.2, 1), split_file)
    sets = load_check_sets(release_dir, milk10k_dir, write_ood(tmp_path / "ood"), split_file,
                           32, tmp_path / "cache")  # fmt: skip
    assert sets.ham.shape == (70, 32, 32, 3) and len(sets.ham_labels) == 70
    assert sets.ham_device.shape == (70, DEVICE_VIEWS, 32, 32, 3)
    assert set(sets.test_shifts) == set(TEST_SHIFTS)
    assert all(v.shape == (len(sets.split.test), 32, 32, 3) for v in sets.test_shifts.values())
    derm, closeups = sets.milk_dermoscopic, sets.milk_closeups
    assert derm.images.shape == closeups.images.shape == (24, 32, 32, 3)
    assert (derm.labels == OTHER_DIAGNOSIS).sum() == 3  # every diagnosis is dermoscopy
    parts = dict(zip(derm.groups, derm.part, strict=True))
    assert all(parts[g] == p for g, p in zip(closeups.groups, closeups.part, strict=True))
    assert len(sets.ood.kinds) == 4 + SYNTHETIC_COUNT
    # a second load reads the costly sets from the cache
    again = load_check_sets(release_dir, milk10k_dir, tmp_path / "ood", split_file, 32,
                            tmp_path / "cache")  # fmt: skip
    np.testing.assert_array_equal(again.ham_device, sets.ham_device)
    np.testing.assert_array_equal(again.test_shifts["disc_85"], sets.test_shifts["disc_85"])


def test_a_shifted_view_is_the_shift_of_the_photo(release_dir, milk10k_dir, tmp_path):
    split_file = tmp_path / "split.csv"
    data = load_dataset(release_dir)
    save_split(data, make_split(data, 0.2, 0.2, 1), split_file)
    sets = load_check_sets(release_dir, milk10k_dir, write_ood(tmp_path / "ood"), split_file,
                           32, None)  # fmt: skip
    assert sets.test_shifts["rotate_45"][:, 0, 0].max() < 10  # black corners stay
    assert sets.test_shifts["darker_30"].mean() < 0.8 * sets.ham[sets.split.test].mean()

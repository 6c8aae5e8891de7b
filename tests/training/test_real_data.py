"""Checks on the real HAM10000 in ../shared; skipped where it is absent."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import SHIPPED_MODEL
from training.data import load_dataset
from training.split import load_split, make_split, split_of

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def ham10000(shared_data, tmp_path_factory):
    return load_dataset(shared_data, cache_dir=tmp_path_factory.mktemp("cache"))


def test_all_10015_images_of_7470_lesions_load(ham10000):
    assert len(ham10000) == 10015
    assert len(set(ham10000.lesion_ids)) == 7470
    assert np.bincount(ham10000.labels).tolist() == [327, 514, 1099, 115, 1113, 6705, 142]


def test_real_split_keeps_every_lesion_on_one_side(ham10000):
    split = make_split(ham10000)
    sides = [set(ham10000.lesion_ids[split.part(p)]) for p in ("train", "val", "test")]
    assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])
    assert abs(len(split.test) / len(ham10000) - 0.2) < 0.02


def test_shipped_split_is_lesion_grouped_and_complete(ham10000):
    path = split_of(SHIPPED_MODEL)
    split = load_split(ham10000, path)
    assert len(split.train) + len(split.val) + len(split.test) == 10015
    test_lesions = set(ham10000.lesion_ids[split.test])
    assert not test_lesions & set(ham10000.lesion_ids[np.concatenate([split.train, split.val])])

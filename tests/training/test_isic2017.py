"""ISIC 2017's loader: seeded, stratified thirds of the labelled images."""

from __future__ import annotations

import numpy as np
import pytest

from lesion_core.labels import index_of
from training.dataset import DataError
from training.isic2017 import PARTS, isic2017_arrays, load_isic2017


def test_each_part_holds_a_third_of_every_class(isic2017_dir):
    images = load_isic2017(isic2017_dir)
    for part in PARTS:
        chosen = images.subset(part)
        assert sorted(np.bincount(chosen.labels)[np.bincount(chosen.labels) > 0]) == [2, 2, 2]
        assert set(chosen.labels) == {index_of("mel"), index_of("nv"), index_of("bkl")}


def test_the_parts_are_seeded_and_change_with_the_seed(isic2017_dir):
    assert list(load_isic2017(isic2017_dir).part) == list(load_isic2017(isic2017_dir).part)
    assert list(load_isic2017(isic2017_dir, seed=1).part) != list(load_isic2017(isic2017_dir).part)


def test_images_without_a_diagnosis_are_left_out(isic2017_dir):
    table = (isic2017_dir / "labels.csv").read_text().splitlines()
    table[1] = table[1].split(",")[0] + ","
    (isic2017_dir / "labels.csv").write_text("\n".join(table) + "\n")
    assert len(load_isic2017(isic2017_dir).files) == 17


def test_arrays_are_the_shared_preprocessings_and_cached(isic2017_dir, tmp_path):
    from lesion_core.preprocess import preprocess

    images, labels = isic2017_arrays(isic2017_dir, (32, 24), "val", tmp_path / "cache")
    first = load_isic2017(isic2017_dir).subset("val").files[0]
    assert images.shape == (6, 24, 32, 3) and len(labels) == 6
    np.testing.assert_array_equal(images[0], preprocess(first, (32, 24)))
    assert len(list((tmp_path / "cache").glob("isic2017-val-*.npz"))) == 1


def test_a_missing_folder_or_image_is_named(isic2017_dir, tmp_path):
    with pytest.raises(DataError, match=r"no labels\.csv"):
        load_isic2017(tmp_path / "nowhere")
    next((isic2017_dir / "images").iterdir()).unlink()
    with pytest.raises(DataError, match="no such file"):
        load_isic2017(isic2017_dir)

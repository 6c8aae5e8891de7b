"""MILK10k's lesion split and loading: a seeded third of the lesions for validation, our seven
classes only, one kind of image at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lesion_core.labels import CLASS_CODES
from training.dataset import DataError
from training.milk10k import lesion_parts, load_milk10k


def test_a_third_of_the_lesions_are_kept_for_validation(milk10k_dir):
    parts = lesion_parts(pd.read_csv(milk10k_dir / "metadata.csv", dtype=str))
    assert len(parts) == 24 and list(parts.values()).count("val") == 8


def test_the_split_is_seeded(milk10k_dir):
    table = pd.read_csv(milk10k_dir / "metadata.csv", dtype=str)
    assert lesion_parts(table, 1) == lesion_parts(table, 1)
    assert lesion_parts(table, 1) != lesion_parts(table, 2)


def test_a_lesions_two_kinds_of_image_fall_in_the_same_part(milk10k_dir):
    dermoscopic = load_milk10k(milk10k_dir)
    closeups = load_milk10k(milk10k_dir, kind="clinical_closeup")
    parts = dict(zip(dermoscopic.lesion_ids, dermoscopic.part, strict=True))
    assert all(parts[i] == p for i, p in zip(closeups.lesion_ids, closeups.part, strict=True))


def test_only_dermoscopic_images_of_our_seven_classes_are_loaded(milk10k_dir):
    images = load_milk10k(milk10k_dir)
    assert len(images.files) == 21 and all("ISIC_" in f.name for f in images.files)
    assert sorted(set(images.labels.tolist())) == list(range(len(CLASS_CODES)))
    table = pd.read_csv(milk10k_dir / "metadata.csv", dtype=str).set_index("isic_id")
    assert {table.loc[f.stem, "kind"] for f in images.files} == {"dermoscopic"}


def test_subset_keeps_one_part(milk10k_dir):
    images = load_milk10k(milk10k_dir)
    val = images.subset("val")
    assert set(val.part) == {"val"} and len(val.files) == len(val.labels) == len(val.lesion_ids)
    assert len(val.files) + len(images.subset("rest").files) == len(images.files)
    assert np.isin(val.lesion_ids, images.lesion_ids).all()


def test_a_missing_folder_or_image_is_named(milk10k_dir, tmp_path):
    with pytest.raises(DataError, match=r"metadata\.csv"):
        load_milk10k(tmp_path)
    (milk10k_dir / "images" / "ISIC_0000000.jpg").unlink()  # lesion 0, dermoscopic
    with pytest.raises(DataError, match="no such file"):
        load_milk10k(milk10k_dir)

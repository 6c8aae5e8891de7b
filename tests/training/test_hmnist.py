"""Kaggle's HMNIST CSV: labels mapped, pixels kept or resized, bad rows named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lesion_core.labels import CLASS_CODES
from tests.training.conftest import write_hmnist
from training.data import load_dataset
from training.dataset import DataError


def test_hmnist_rgb_csv_maps_its_label_codes(hmnist_csv):
    data = load_dataset(hmnist_csv)
    assert len(data) == 21 and data.lesion_ids is None
    assert np.bincount(data.labels).tolist() == [3] * 7
    # The CSV's rows are written class by class in CLASS_CODES order.
    assert [CLASS_CODES[i] for i in data.labels[::3]] == list(CLASS_CODES)


def test_hmnist_pixels_are_kept_at_28(tmp_path):
    path = write_hmnist(tmp_path / "h.csv", rows_per_class=1)
    first_row = pd.read_csv(path).iloc[0, :-1].to_numpy().reshape(28, 28, 3)
    np.testing.assert_array_equal(load_dataset(path).images[0], first_row)


def test_hmnist_8x8_greyscale_is_resized_to_rgb(tmp_path):
    data = load_dataset(write_hmnist(tmp_path / "h.csv", side=8, channels=1))
    assert data.images.shape == (21, 28, 28, 3)


def test_hmnist_warns_that_lesions_cannot_be_grouped(hmnist_csv, caplog):
    load_dataset(hmnist_csv)
    assert "no lesion ids" in caplog.text


def test_hmnist_bad_label_is_named(hmnist_csv):
    table = pd.read_csv(hmnist_csv)
    table.loc[0, "label"] = 9
    table.to_csv(hmnist_csv, index=False)
    with pytest.raises(DataError, match="line 2: unknown label 9"):
        load_dataset(hmnist_csv)


def test_hmnist_wrong_shape_is_named(tmp_path):
    path = tmp_path / "odd.csv"
    pd.DataFrame({"pixel0000": [1], "pixel0001": [2], "label": [0]}).to_csv(path, index=False)
    with pytest.raises(DataError, match="2 pixel columns"):
        load_dataset(path)


def test_csv_without_label_column_is_refused(tmp_path):
    path = tmp_path / "nolabel.csv"
    pd.DataFrame({"pixel0000": [1]}).to_csv(path, index=False)
    with pytest.raises(DataError, match="no 'label' column"):
        load_dataset(path)
